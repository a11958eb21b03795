import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { REPO_ROOT } from '../../harness/run-action.js';

// The README's first command: the demo must run end to end and leave a readable report.
test('npm run demo runs the pipeline end to end against moto', () => {
  const result = spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'demo/run-demo.ts'],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 240_000,
    },
  );
  expect(result.stdout).toMatch(/✔ package 1\.0\.0/);
  expect(result.stdout).toMatch(/✔ deploy ci 1\.1\.0 again \(no-op\)\s+[\d.]+ s\s+changed=false/);
  expect(result.stdout).toMatch(/✔ delete ci .* 25 objects emptied first/);
  expect(result.stdout).toContain('All 6 steps passed');
  expect(result.status).toBe(0);
  const report = readFileSync(path.join(REPO_ROOT, '.demo', 'report.md'), 'utf8');
  expect(report).toContain('## 🚀 Created ci-sample-service (ci) at 1.0.0');
  expect(report).toContain('## 🗑️ Deleted ci-sample-service');
}, 240_000);
