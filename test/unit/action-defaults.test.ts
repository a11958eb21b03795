import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import * as z from 'zod/mini';
import { buildAmiInputs, parseBuildAmiInputs } from '../../action-build-ami/src/inputs.js';
import { migrateInputs, parseMigrateInputs } from '../../action-migrate/src/inputs.js';
import { parseProvisionInputs, provisionInputs } from '../../action-provision/src/inputs.js';
import { parseSmokeTestInputs, smokeTestInputs } from '../../action-smoke-test/src/inputs.js';
import { inputsFromRecord, type InputsShape } from '../../src/core/inputs.js';
import { actionDefaults } from '../../harness/run-action.js';

type Parse = (values: Record<string, string>) => unknown;

interface ActionUnderTest {
  parse: Parse;
  /** The schema of every input the action reads. */
  shape: InputsShape;
  /** Inputs that make a valid run, on top of which each default is given explicitly. */
  base: Record<string, string>;
  /** Inputs a default only applies with (giving it alone is refused as doing nothing). */
  with?: Record<string, Record<string, string>>;
}

const ACTIONS: Record<string, ActionUnderTest> = {
  'action-provision': {
    parse: (values) => parseProvisionInputs(inputsFromRecord(values), {}),
    shape: provisionInputs,
    base: { operation: 'deploy', environment: 'ci' },
  },
  'action-migrate': {
    parse: (values) => parseMigrateInputs(inputsFromRecord(values)),
    shape: migrateInputs,
    base: {
      strategy: 'blue-green',
      environment: 'ci',
      version: '1.0.0',
      'artifact-bucket': 'artifacts',
    },
    with: {
      'maintenance-method': {
        availability: 'maintenance-hook',
        'maintenance-on-url': 'http://127.0.0.1:1/{{ServiceUrl}}/on',
        'maintenance-off-url': 'http://127.0.0.1:1/{{ServiceUrl}}/off',
      },
      'route53-endpoint-output': {
        'route53-zone-id': 'Z0123456789',
        'route53-record-name': 'a.example.com',
      },
      'route53-ttl': { 'route53-zone-id': 'Z0123456789', 'route53-record-name': 'a.example.com' },
      'statistics-timeout-seconds': { 'statistics-url': 'http://127.0.0.1:1/{{ServiceUrl}}/stats' },
      'require-gates': { 'require-promotion-from': 'staging' },
    },
  },
  'action-smoke-test': {
    parse: (values) => parseSmokeTestInputs(inputsFromRecord(values)),
    shape: smokeTestInputs,
    base: { url: 'http://127.0.0.1:1/' },
  },
  'action-build-ami': {
    parse: (values) => parseBuildAmiInputs(inputsFromRecord(values)),
    shape: buildAmiInputs,
    base: { template: 'packer/image.json', name: 'web' },
  },
};

function defaultsOf(action: string): Array<[string, string]> {
  return Object.entries(actionDefaults(action));
}

describe.each(Object.keys(ACTIONS))("%s: every default in action.yml is the code's", (action) => {
  const { parse, base, with: needs = {} } = ACTIONS[action]!;
  const defaults = defaultsOf(action);

  test('it has defaults to check', () => {
    expect(defaults.length).toBeGreaterThan(0);
  });

  // Left empty, the code must read the input as if action.yml's default had been written out:
  // the runner passes the default, but a harness or a composite action may pass nothing.
  test.each(defaults)('%s: %s', (name, value) => {
    const context = { ...base, ...(needs[name] ?? {}) };
    expect(parse({ ...context, [name]: value })).toEqual(parse(context));
  });
});

interface ActionFile {
  inputs: Record<string, { description?: string; default?: string | number | boolean }>;
}

describe.each(Object.keys(ACTIONS))('%s: action.yml and the inputs schema agree', (action) => {
  const { shape } = ACTIONS[action]!;
  const file = YAML.parse(readFileSync(`${action}/action.yml`, 'utf8')) as ActionFile;

  test('every input action.yml declares is read, and every input read is declared', () => {
    expect(Object.keys(shape).sort()).toEqual(Object.keys(file.inputs).sort());
  });

  // A default the code applies is written in action.yml, or at least told in its description.
  test.each(Object.keys(shape))('%s: the same default', (name) => {
    const codeDefault = z.globalRegistry.get(shape[name]!)?.default;
    const declared = file.inputs[name];
    if (declared?.default !== undefined) {
      expect(String(declared.default)).toBe(codeDefault ?? '');
    } else if (codeDefault !== undefined && codeDefault !== '') {
      expect(declared?.description).toMatch(
        new RegExp(
          `default:? \`?${JSON.stringify(codeDefault).replace(/^"|"$/g, '').replace(/[.]/g, '\\.')}\\b`,
          'i',
        ),
      );
    }
  });
});
