import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../../src/core/errors.js';
import { parseDefinition } from '../../src/definition/definition.js';
import { loadChecksFile } from '../../src/smoke/checks.js';

function mistake(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

const DEFINITION = [
  'component: web', // 1
  'template: cloudformation.yml', // 2
  'environments:', // 3
  '  production:', // 4
  '    protected: sometimes', // 5
  'tags:', // 6
  '  team.name: web', // 7
  '  environment: mine', // 8
].join('\n');

describe('a mistake in a file the user wrote names its file, line and column', () => {
  test('in the definition: the key the reader names, found in the document', () => {
    const error = mistake(() => parseDefinition(DEFINITION, 'environment.yml'));
    expect(error.at).toEqual({ file: 'environment.yml', line: 5, column: 5 });
    // The first mistake in the file's order is the error; the others are listed after it.
    expect(error.message).toBe(
      "environment.yml: environments.production.protected: expected true or false, got string 'sometimes' (also: tags.environment: this tag is set by the suite (or reserved by AWS) and cannot be set here; reserved: environment, environment:version, environment:commit, environment:run-url, application, aws:*) (at environment.yml:5:5)",
    );
    // A tag key holding a dot is one key, not a path.
    const tag = mistake(() =>
      parseDefinition(DEFINITION.replace('sometimes', 'true'), 'environment.yml'),
    );
    expect(tag.at).toEqual({ file: 'environment.yml', line: 8, column: 3 });
  });

  test('a syntax error is placed where the parser stopped', () => {
    const error = mistake(() =>
      parseDefinition('component: web\ntemplate: [x.yml\n', 'environment.yml'),
    );
    expect(error.at?.file).toBe('environment.yml');
    expect(error.at?.line).toBeGreaterThanOrEqual(2);
  });

  test('in a checks file: the entry of the list, and inside it the key', async () => {
    const folder = mkdtempSync(path.join(process.cwd(), '.tmp-checks-'));
    const file = path.join(folder, 'checks.yml');
    writeFileSync(
      file,
      ['- url: http://127.0.0.1:1/', '- url: http://127.0.0.1:1/b', '  method: FETCH'].join('\n'),
    );
    const relative = path.relative(process.cwd(), file);
    try {
      await expect(loadChecksFile(file)).rejects.toMatchObject({
        at: { file: relative, line: 3, column: 3 },
        message: expect.stringContaining(`(at ${relative}:3:3)`),
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('a file outside the repository (an extracted package) is named, not annotated', () => {
    const error = mistake(() => parseDefinition(DEFINITION, '/tmp/elsewhere/environment.yml'));
    expect(error.at).toBeUndefined();
  });
});
