import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import YAML from 'yaml';
import { ConfigurationError } from '../../src/core/errors.js';
import { parseDefinition } from '../../src/definition/definition.js';
import { parseChecks } from '../../src/smoke/checks.js';
import { renderSchemas } from '../../scripts/schemas.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const rendered = renderSchemas();
const committed = (name: string) => readFileSync(path.join(root, 'schema', name), 'utf8');

// An editor checks a file with the JSON Schema; the actions read it with the zod schema it is
// generated from. Both must say yes and no to the same files.
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validateDefinition = ajv.compile(JSON.parse(committed('environment.schema.json')));
const validateChecks = ajv.compile(JSON.parse(committed('smoke-checks.schema.json')));

function readerAccepts(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof ConfigurationError) return false;
    throw error;
  }
}

describe('the JSON Schemas under schema/', () => {
  test.each(Object.keys(rendered))('%s is what npm run schemas generates', (name) => {
    // Stale: run `npm run schemas` and commit schema/.
    expect(committed(name)).toBe(rendered[name]);
  });

  test('the demo definition is valid for the schema and for the reader alike', () => {
    const file = path.join(root, 'demo', 'environment', 'environment.yml');
    const text = readFileSync(file, 'utf8');
    expect(validateDefinition(YAML.parse(text))).toBe(true);
    expect(validateDefinition.errors ?? null).toBeNull();
    expect(parseDefinition(text, file).component).toBe('sample-service');
  });

  const base = { component: 'svc', template: 't.yml' };
  test.each([
    ['the smallest definition', base, true],
    ['an environment left empty', { ...base, environments: { ci: null } }, true],
    ['a list parameter', { ...base, parameters: { Subnets: ['a', 'b'] } }, true],
    ['checks as a bare list', { ...base, smoke: [{ url: 'http://x.test/' }] }, true],
    ['no template', { component: 'svc' }, false],
    ['an unknown top-level key', { ...base, template2: 'x' }, false],
    ['a typo in an environment', { ...base, environments: { ci: { paramters: {} } } }, false],
    ['a nested parameter value', { ...base, parameters: { A: { b: 1 } } }, false],
    ['protected: sometimes', { ...base, environments: { ci: { protected: 'sometimes' } } }, false],
    ['an upper-case component', { ...base, component: 'Svc_1' }, false],
    ['an environment name with capitals', { ...base, environments: { Prod: {} } }, false],
    [
      'a resource type without ::',
      { ...base, 'stateful-resources': { 'resource-types': ['S3'] } },
      false,
    ],
    ['a check without url', { ...base, smoke: [{ name: 'a' }] }, false],
    [
      'an intended alarm difference',
      {
        ...base,
        parity: {
          'alarm-differences': [
            { alarm: 'AWS/SQS * on Queue', environments: ['production'], reason: 'paging' },
          ],
        },
      },
      true,
    ],
    [
      'an alarm difference without a reason',
      { ...base, parity: { 'alarm-differences': [{ alarm: 'a', environments: ['production'] }] } },
      false,
    ],
    [
      'an alarm difference in no environment',
      { ...base, parity: { 'alarm-differences': [{ alarm: 'a', environments: [], reason: 'r' }] } },
      false,
    ],
    [
      'an alarm difference in an environment with capitals',
      {
        ...base,
        parity: { 'alarm-differences': [{ alarm: 'a', environments: ['Prod'], reason: 'r' }] },
      },
      false,
    ],
    [
      'a status out of range',
      { ...base, smoke: [{ url: 'http://x.test/', 'expect-status': 700 }] },
      false,
    ],
    [
      'concurrency 0',
      { ...base, smoke: [{ url: 'http://x.test/', type: 'burst', concurrency: 0 }] },
      false,
    ],
  ])('%s: schema and reader agree', (_name, value, valid) => {
    expect(validateDefinition(value)).toBe(valid);
    expect(readerAccepts(() => parseDefinition(YAML.stringify(value), 'environment.yml'))).toBe(
      valid,
    );
  });

  test.each([
    [
      'a list of checks',
      [{ url: '{{ ServiceUrl }}/health', json: [{ path: 'a', equals: 1 }] }],
      true,
    ],
    [
      'defaults and checks',
      { defaults: { 'timeout-seconds': 5 }, checks: [{ url: 'http://x.test/' }] },
      true,
    ],
    [
      'a secret header',
      [{ url: 'http://x.test/', headers: { Authorization: { value: 'x', secret: true } } }],
      true,
    ],
    ['an unknown key of a check', [{ url: 'http://x.test/', retries: 3 }], false],
    [
      'a header name with a space',
      [{ url: 'http://x.test/', headers: { 'Bad Header': 'x' } }],
      false,
    ],
    ['an unknown key of the section', { checks: [{ url: 'http://x.test/' }], extra: 1 }, false],
    ['a negative timeout', [{ url: 'http://x.test/', 'timeout-seconds': -5 }], false],
  ])('checks file, %s: schema and reader agree', (_name, value, valid) => {
    expect(validateChecks(value)).toBe(valid);
    expect(readerAccepts(() => parseChecks(value, 'checks.yml: '))).toBe(valid);
  });

  test('editors are told the defaults and what each key is for', () => {
    const schema = JSON.parse(committed('environment.schema.json')) as {
      properties: Record<string, { description?: string }>;
    };
    for (const key of ['component', 'template', 'environments', 'smoke', 'statistics']) {
      expect(schema.properties[key]?.description).toMatch(/\w{3,}/);
    }
    expect(committed('smoke-checks.schema.json')).toContain('"default": "GET"');
  });
});
