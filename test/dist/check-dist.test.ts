import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { REPO_ROOT } from '../../harness/run-action.js';

// The runner executes the committed bundle, never the source: a stale dist/ ships old code.
test('every committed action dist/ matches a fresh ncc bundle of the current source', () => {
  const result = spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, 'scripts', 'bundle.mjs'), '--check'],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  expect(`${result.stdout}${result.stderr}`).toContain('every dist/ matches a fresh bundle');
  expect(result.status).toBe(0);
}, 300_000);
