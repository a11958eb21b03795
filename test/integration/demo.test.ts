import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@jest/globals';
import { testWithPacker } from '../support/packer.js';
import { REPO_ROOT } from '../../harness/run-action.js';
import { checkSummary, readSummary } from '../../harness/summary-html.js';

/** `npm run demo`, as a user runs it, within the test's time. */
function runDemo(env: Record<string, string> = {}) {
  return spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'demo/run-demo.ts'],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 420_000, env: { ...process.env, ...env } },
  );
}

// The README's first command: the demo must run end to end and leave a readable report.
testWithPacker(
  'npm run demo runs the pipeline end to end against moto',
  () => {
    const result = runDemo();
    expect(result.stdout).toMatch(
      /✔ build AMI sample-service 1\.0\.0 \(Packer\)\s+[\d.]+ s\s+ami-[0-9a-f]+ sample-service-1\.0\.0-\d{8}T\d{6} from ami-[0-9a-f]+; waited for user data/,
    );
    expect(result.stdout).toMatch(
      /ci's web servers launch from ami-[0-9a-f]+, the AMI built above/,
    );
    expect(result.stdout).toMatch(/✔ package 1\.0\.0/);
    expect(result.stdout).toMatch(/✔ deploy ci 1\.2\.0 again \(no-op\)\s+[\d.]+ s\s+changed=false/);
    expect(result.stdout).toMatch(
      /✔ nightly: recreate ci from the newest package .*deleted and created again at 1\.2\.0; smoke 3\/3 passed/,
    );
    expect(result.stdout).toMatch(
      /✔ migrate production to 1\.2\.0, blue → green .*gates: staging smoke \+ statistics passed; production-sample-service-green serves production; statistics gate passed \(600 objects copied and verified\)/,
    );
    expect(result.stdout).toMatch(
      /production's data before \(blue\): 200 customers, 200 invoices, 200 orders, (\d+) bytes\n.*production's data after \(green\): 200 customers, 200 invoices, 200 orders, \1 bytes/,
    );
    expect(result.stdout).toMatch(
      /Where each environment stands:\n {2}ci +1\.2\.0 +ci-sample-service/,
    );
    expect(result.stdout).toMatch(
      / {2}production +1\.2\.0 +production-sample-service-green +210 customers/,
    );
    expect(result.stdout).toMatch(
      /✔ deploy ci 1\.0\.0 \+ smoke test \(create\).*smoke 3\/3 passed/,
    );
    expect(result.stdout).toMatch(
      /✔ migrate staging to 1\.1\.0 \(gate: ci\)\s+[\d.]+ s\s+refused as expected/,
    );
    expect(result.stdout).toMatch(
      /✔ migrate staging to 1\.2\.0, blue → green .*statistics gate passed \(300 objects copied and verified\)/,
    );
    expect(result.stdout).toMatch(
      /staging's data before \(blue\): 100 customers, 100 invoices, 100 orders, (\d+) bytes\n.*staging's data after \(green\): 100 customers, 100 invoices, 100 orders, \1 bytes/,
    );
    expect(result.stdout).toMatch(
      /promotions\/sample-service\/1\.2\.0\/staging\/statistics\/\d{8}T\d{9}Z-passed-[0-9a-f]{8}\.json/,
    );
    expect(result.stdout).toMatch(/✔ smoke test staging \(green\).*recorded in the ledger/);
    expect(result.stdout).toMatch(
      /promotions\/sample-service\/1\.0\.0\/ci\/smoke\/\d{8}T\d{9}Z-passed-[0-9a-f]{8}\.json/,
    );
    expect(result.stdout).toMatch(
      /✔ plan production 1\.2\.0 \(review before migrating\).*guard pass on production-sample-service-blue: .*parameters ServiceEndpoint, EnvironmentVersion/,
    );
    // moto cannot detect drift: the plan says so with ⚠️ rather than claiming the stack matches.
    expect(result.stdout).toContain(
      '## ⚠️ Plan for production-sample-service-blue (production) at 1.2.0',
    );
    expect(result.stdout).toMatch(
      /✔ deploy the reviewed plan of ci \(now stale\).*refused as expected: Change set plan-sample-service-1-2-0-\w+ was not executed: stack ci-sample-service was updated since the plan was made/,
    );
    expect(result.stdout).toMatch(
      /✔ compare staging with production.*refused as expected: .*production has alarm production-data-bucket-shrinks \(AWS\/S3 NumberOfObjects Average on DataBucket\) that staging lacks/,
    );
    // The rollback keeps what users wrote on green since the switch, and goes forward again.
    expect(result.stdout).toMatch(
      /✔ roll production back to 1\.1\.0, green → blue.*production-sample-service-blue serves production at 1\.1\.0 again with every write made on green \(statistics gate passed\)/,
    );
    expect(result.stdout).toMatch(
      /production's data after the rollback \(blue\): 210 customers, 210 invoices, 210 orders/,
    );
    expect(result.stdout).toMatch(/✔ smoke test production \(blue\)/);
    expect(result.stdout).toMatch(
      /✔ roll production forward again to 1\.2\.0, blue → green.*production-sample-service-green serves production at 1\.2\.0 again/,
    );
    expect(result.stdout).toContain('All 26 steps passed');
    expect(result.status).toBe(0);
    const report = readFileSync(path.join(REPO_ROOT, '.demo', 'report.md'), 'utf8');
    const text = readSummary(report);
    expect(text).toContain('## ✅ The pipeline ran end to end');
    expect(text).toContain('## ✅ Created ci-sample-service (ci) at 1.0.0');
    expect(text).toContain('## ✅ sample-service in staging migrated to 1.2.0');
    expect(text).toContain('## ✅ sample-service in production rolled back to 1.1.0 (from 1.2.0)');
    expect(text).toContain(
      '### ✅ Statistics gate: staging-sample-service-blue → staging-sample-service-green equal',
    );
    expect(text).toMatch(/## ✅ Built ami-[0-9a-f]+ sample-service-1\.0\.0-\d{8}T\d{6}/);
    expect(text).toContain('| ↳ ReadCustomerData | ✅ passed |');
    expect(text).toContain(
      '| Burst | Callers | Requests | Errors | Requests/s | p50 | p95 | p99 | Slowest |',
    );
    // Refusals are ⛔ with their reason first, and journal steps are named in words.
    expect(text).toMatch(
      /## ⛔ Stopped by the promotion gate\nsample-service 1\.1\.0 has not been promoted/,
    );
    expect(text).toContain(
      '| Copy the data of staging-sample-service-blue into staging-sample-service-green | ✅ done |',
    );
    expect(text).not.toMatch(/plan-unavailable:|copy:source-to-target/);
    // Stacks link to the console in their region; every step's summary follows the one scheme.
    expect(report).toMatch(
      /<a href="https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudformation\/home\?region=us-east-1#\/stacks\/stackinfo\?stackId=arn%3Aaws%3Acloudformation%3Aus-east-1%3A[^"]+">ci-sample-service<\/a>/,
    );
    const summaries = report.split('<!-- step: ').slice(1);
    expect(summaries).toHaveLength(26);
    for (const part of summaries) {
      const [name, summary] = part.split(' -->\n');
      expect({ name, problems: checkSummary(summary ?? '') }).toEqual({ name, problems: [] });
    }
    expect(readFileSync(path.join(REPO_ROOT, '.demo', 'report.html'), 'utf8')).toContain(
      '<h2>✅ The pipeline ran end to end</h2>',
    );
  },
  450_000,
);

// A new user's machine without Packer: the README's command still runs the whole pipeline,
// saying once, before anything runs, that the AMI step is skipped and how to install Packer.
test('without Packer the demo says so up front, skips the AMI step and still ends green', () => {
  const result = runDemo({ PACKER_PATH: path.join(REPO_ROOT, '.demo-no-packer', 'packer') });
  const notices = result.stdout.match(/Packer was not found/g) ?? [];
  expect(notices).toHaveLength(1);
  expect(result.stdout.indexOf('Packer was not found')).toBeLessThan(
    result.stdout.indexOf('Starting a local AWS'),
  );
  expect(result.stdout).toContain('apt-get install packer');
  expect(result.stdout).toMatch(
    /⏭ build AMI sample-service 1\.0\.0 \(Packer\)\s+skipped\s+Packer not found: the stacks run on the base image ami-[0-9a-f]+/,
  );
  expect(result.stdout).toMatch(
    /ci's web servers launch from ami-[0-9a-f]+, the base image \(no Packer\)/,
  );
  expect(result.stdout).toContain(
    'All 25 steps passed (build AMI sample-service 1.0.0 (Packer) skipped: no Packer)',
  );
  expect(result.status).toBe(0);
  const report = readFileSync(path.join(REPO_ROOT, '.demo', 'report.md'), 'utf8');
  const text = readSummary(report);
  expect(text).toContain('| build AMI sample-service 1.0.0 (Packer) | ⏭️ skipped | – |');
  expect(text).not.toMatch(/## ✅ Built ami-/);
}, 450_000);
