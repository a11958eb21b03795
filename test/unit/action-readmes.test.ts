import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import YAML from 'yaml';
import { REPO_ROOT } from '../../harness/run-action.js';

// Each action's README documents every input and output of its action.yml, and nothing else:
// the names in the first column of the tables under "## Inputs" and "## Outputs".
const actions = readdirSync(REPO_ROOT).filter((name) => name.startsWith('action-'));

function documented(readme: string, heading: 'Inputs' | 'Outputs'): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) return [];
  const rest = readme.slice(start + heading.length + 5);
  const section = rest.slice(0, rest.search(/\n## /) < 0 ? undefined : rest.search(/\n## /));
  const names: string[] = [];
  for (const line of section.split('\n')) {
    const cell = /^\|([^|]*)\|/.exec(line)?.[1];
    if (!cell) continue;
    names.push(...[...cell.matchAll(/`([a-z0-9-]+)`/g)].map((match) => match[1]!));
  }
  return names.sort();
}

test('every action is checked', () => {
  expect(actions.sort()).toEqual([
    'action-build-ami',
    'action-migrate',
    'action-provision',
    'action-smoke-test',
  ]);
});

describe.each(actions)('%s/README.md', (action) => {
  const metadata = YAML.parse(readFileSync(path.join(REPO_ROOT, action, 'action.yml'), 'utf8')) as {
    inputs: Record<string, unknown>;
    outputs?: Record<string, unknown>;
  };
  const readme = readFileSync(path.join(REPO_ROOT, action, 'README.md'), 'utf8');

  test('documents exactly the inputs of action.yml', () => {
    expect(documented(readme, 'Inputs')).toEqual(Object.keys(metadata.inputs).sort());
  });

  test('documents exactly the outputs of action.yml', () => {
    expect(documented(readme, 'Outputs')).toEqual(Object.keys(metadata.outputs ?? {}).sort());
  });
});

// The IAM policies and other JSON in the documentation are copied into AWS as they are.
const documents = ['README.md', ...actions.map((action) => path.join(action, 'README.md'))];
test.each(documents)('every JSON block in %s parses', (document) => {
  const text = readFileSync(path.join(REPO_ROOT, document), 'utf8');
  const blocks = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1]!);
  for (const block of blocks) expect(() => JSON.parse(block)).not.toThrow();
  if (document === 'README.md') expect(blocks.length).toBeGreaterThanOrEqual(4);
});
