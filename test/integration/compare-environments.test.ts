import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  deleteAlarms,
  putHandMadeBucketAlarm,
  putHandMadeCompositeAlarm,
  putHandMadeMathAlarm,
} from '../../harness/hand-made-alarm.js';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import { REPO_ROOT, runAction, type ActionRun } from '../../harness/run-action.js';

// Seed 004: Production had alarms Staging lacked, added by hand, so a broken release looked
// healthy in Staging. Both environments deployed by the bundled action on moto, then an alarm
// is added to Production by hand (PutMetricAlarm, as a person at the console would) and the
// comparison, reading CloudWatch and both stacks, must find it.
let moto: MotoServer;
let workDir: string;

function provision(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction(
    'action-provision',
    { definition: path.join(workDir, 'environment.yml'), ...inputs },
    { ...moto.env, GITHUB_SHA: 'b'.repeat(40) },
    { cwd: workDir },
  );
}

function expectSuccess(run: ActionRun): ActionRun {
  if (run.exitCode !== 0) throw new Error(`action failed:\n${run.stdout}\n${run.stderr}`);
  return run;
}

let productionStack: string;

beforeAll(async () => {
  moto = await startMoto();
  workDir = mkdtempSync(path.join(os.tmpdir(), 'compare-'));
  cpSync(path.join(REPO_ROOT, 'demo', 'environment'), workDir, { recursive: true });
  for (const environment of ['staging', 'production']) {
    expectSuccess(
      await provision({
        operation: 'deploy',
        environment,
        version: '1.0.0',
        drift: 'warn',
        parameters: 'ServiceEndpoint=http://127.0.0.1:9',
      }),
    );
  }
  const first = expectSuccess(
    await provision({ operation: 'compare', environment: 'staging', 'compare-to': 'production' }),
  );
  productionStack = (JSON.parse(first.outputs.comparison!) as { right: { stackName: string } })
    .right.stackName;
});

afterAll(async () => {
  await moto?.stop();
});

describe('operation: compare', () => {
  test('two environments that differ only as the definition says: no difference', async () => {
    const run = expectSuccess(
      await provision({
        operation: 'compare',
        environment: 'staging',
        'compare-to': 'production',
        'fail-on-difference': 'true',
      }),
    );
    expect(run.outputs.differences).toBe('0');
    expect(run.summaryText).toContain(
      '✅ staging and production differ only as the definition says',
    );
    // Production sets InstanceType and a greeting of its own: explained by the definition.
    expect(run.summaryText).toMatch(
      /\| InstanceType \| t3\.micro \| t3\.small \| ↔️ explained \| the definition sets it per environment \|/,
    );
    expect(productionStack).toBe('production-sample-service');
  });

  test('an alarm added to production by hand is found, and fail-on-difference stops on it', async () => {
    // The data bucket's physical name, as the alarm's dimension names it.
    const bucket = await dataBucketOf('production-sample-service');
    await putHandMadeBucketAlarm(moto.endpoint, {
      name: 'production-data-bucket-shrinks',
      bucket,
      threshold: 100,
    });
    const warned = expectSuccess(
      await provision({ operation: 'compare', environment: 'staging', 'compare-to': 'production' }),
    );
    expect(warned.outputs.differences).toBe('1');
    expect(warned.stdout).toContain(
      '::warning title=staging and production differ::production has alarm production-data-bucket-shrinks (AWS/S3 NumberOfObjects Average on DataBucket) that staging lacks',
    );
    expect(warned.summaryText).toContain(
      '| AWS/S3 NumberOfObjects Average on DataBucket | — | production-data-bucket-shrinks: < 100 over 1 × 86400 s (not in the stack) | ⛔ differs | production has it, staging lacks it |',
    );

    const refused = await provision({
      operation: 'compare',
      environment: 'staging',
      'compare-to': 'production',
      'fail-on-difference': 'true',
    });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.summaryText).toContain('The environments differ');
    expect(refused.stdout).toContain(
      'staging and production differ in 1 way the definition does not explain: production has alarm production-data-bucket-shrinks',
    );

    // Once the definition says production alone has it, and why, the same comparison passes.
    const intended = path.join(workDir, 'environment-parity.yml');
    writeFileSync(
      intended,
      `${readFileSync(path.join(workDir, 'environment.yml'), 'utf8')}
parity:
  alarm-differences:
    - alarm: production-data-bucket-*
      environments: [production]
      reason: on-call watches production's data only
`,
    );
    const explained = expectSuccess(
      await provision({
        operation: 'compare',
        environment: 'staging',
        'compare-to': 'production',
        'fail-on-difference': 'true',
        definition: intended,
      }),
    );
    expect(explained.outputs.differences).toBe('0');
    expect(explained.summaryText).toContain(
      "| ↔️ explained | production has it, staging lacks it, as the definition says: on-call watches production's data only |",
    );
  });

  test('an alarm made by hand as metric math, and a composite over it, are found too', async () => {
    await deleteAlarms(moto.endpoint, ['production-data-bucket-shrinks']);
    const bucket = await dataBucketOf('production-sample-service');
    await putHandMadeMathAlarm(moto.endpoint, {
      name: 'production-objects-math',
      bucket,
      threshold: 1,
    });
    const math = await provision({
      operation: 'compare',
      environment: 'staging',
      'compare-to': 'production',
      'fail-on-difference': 'true',
    });
    expect(math.exitCode).not.toBe(0);
    expect(math.stdout).toContain(
      'production has alarm production-objects-math (objects / 1000 of AWS/S3 NumberOfObjects Average on DataBucket) that staging lacks',
    );

    await putHandMadeCompositeAlarm(moto.endpoint, {
      name: 'production-page-on-call',
      rule: 'ALARM("production-objects-math")',
    });
    const composite = await provision({
      operation: 'compare',
      environment: 'staging',
      'compare-to': 'production',
    });
    expect(composite.outputs.differences).toBe('2');
    expect(composite.stdout).toContain(
      'production has alarm production-page-on-call (composite ALARM(objects / 1000 of AWS/S3 NumberOfObjects Average on DataBucket)) that staging lacks',
    );
  });

  test("alarm: '*' explains every alarm, and compare says so once, with how many", async () => {
    const sweeping = path.join(workDir, 'environment-sweeping.yml');
    writeFileSync(
      sweeping,
      `${readFileSync(path.join(workDir, 'environment.yml'), 'utf8')}
parity:
  alarm-differences:
    - alarm: '*'
      environments: [production]
      reason: production is watched more closely
`,
    );
    const run = expectSuccess(
      await provision({
        operation: 'compare',
        environment: 'staging',
        'compare-to': 'production',
        'fail-on-difference': 'true',
        definition: sweeping,
      }),
    );
    expect(run.outputs.differences).toBe('0');
    const warnings = run.stdout
      .split('\n')
      .filter((line) => line.includes('title=An alarm difference explains everything'));
    expect(warnings).toEqual([
      "::warning title=An alarm difference explains everything::parity.alarm-differences entry alarm: '*' (environments: production) matches every alarm, so it explained 2 alarm differences without naming any (production is watched more closely). Name the alarms meant to differ, so one added by hand is still found.",
    ]);
    expect(run.summaryText).toMatch(/^## ⚠️ /);
    expect(run.summaryText).toContain("alarm: '*' matches every alarm");
  });

  test('compare needs compare-to, another environment, and both stacks', async () => {
    const missing = await provision({ operation: 'compare', environment: 'staging' });
    expect(missing.stdout).toContain("input 'compare-to': is required for operation 'compare'");
    const same = await provision({
      operation: 'compare',
      environment: 'staging',
      'compare-to': 'staging',
    });
    expect(same.stdout).toContain("input 'compare-to': names 'staging' again");
    const absent = await provision({
      operation: 'compare',
      environment: 'staging',
      'compare-to': 'ci',
    });
    expect(absent.exitCode).not.toBe(0);
    expect(absent.stdout).toContain("ci's stack ci-sample-service does not exist");
  });
});

async function dataBucketOf(stackName: string): Promise<string> {
  const { CloudFormationClient, DescribeStackResourceCommand } =
    await import('@aws-sdk/client-cloudformation');
  const cloudFormation = new CloudFormationClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const resource = await cloudFormation.send(
    new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: 'DataBucket' }),
  );
  return resource.StackResourceDetail!.PhysicalResourceId!;
}
