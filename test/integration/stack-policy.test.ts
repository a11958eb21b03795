import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CloudFormationClient,
  GetStackPolicyCommand,
  SetStackPolicyCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startFaultProxy, type Fault, type FaultProxy } from '../../harness/fault-proxy.js';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import {
  REPO_ROOT,
  runAction,
  type ActionRun,
  type SignalOption,
} from '../../harness/run-action.js';
import { protectivePolicy } from '../../src/provisioning/stack-policy.js';

// A protected environment's stack policy forbids replacing its data; allow-replacement lifts it
// for one execution. These runs go through the bundled action on moto, with a proxy in front of
// moto that answers chosen CloudFormation calls as AWS or the network sometimes does (an error,
// a call that never ends), and show the full policy back on every way out. Each test has its
// own protected environment, so each starts from a stack at 1.0.0 with the full policy.
let moto: MotoServer;
let cloudFormation: CloudFormationClient;
let workDir: string;
let proxy: FaultProxy | undefined;
const BUCKET = 'artifacts';
const ENVIRONMENTS = [1, 2, 3, 4, 5, 6, 7, 8].map((index) => `guarded-${index}`);
const packages: Record<string, string> = {};

interface Statement {
  Effect: string;
  Resource?: unknown;
  NotResource?: string[];
}

const stackOf = (environment: string) => `${environment}-sample-service`;

async function storedPolicy(environment: string): Promise<Statement[]> {
  const stored = await cloudFormation.send(
    new GetStackPolicyCommand({ StackName: stackOf(environment) }),
  );
  return (JSON.parse(stored.StackPolicyBody!) as { Statement: Statement[] }).Statement;
}

async function expectFullPolicy(environment: string): Promise<void> {
  const statements = await storedPolicy(environment);
  expect(statements.filter((statement) => statement.NotResource !== undefined)).toEqual([]);
  expect(statements[1]).toMatchObject({ Effect: 'Deny', Resource: '*' });
}

function provision(
  environment: string,
  inputs: Record<string, string>,
  endpoint = moto.endpoint,
  signal?: SignalOption,
): Promise<ActionRun> {
  return runAction(
    'action-provision',
    {
      definition: path.join(workDir, 'environment.yml'),
      environment,
      // moto cannot detect drift, which a protected environment refuses by default.
      drift: 'warn',
      ...inputs,
    },
    { ...moto.env, AWS_ENDPOINT_URL: endpoint, GITHUB_SHA: 'a'.repeat(40), GITHUB_RUN_ID: '3' },
    { cwd: workDir, ...(signal ? { signal } : {}) },
  );
}

function expectSuccess(run: ActionRun): ActionRun {
  if (run.exitCode !== 0) throw new Error(`action failed (${run.exitCode}):\n${run.stdout}`);
  return run;
}

/**
 * The environment at 1.0.0 with its full policy, then the bucket-changing 1.1.0 deployed
 * through the proxy with the replacement allowed: the policy is lifted for it.
 */
async function replaceThrough(
  environment: string,
  faults: Fault[],
  inputs: Record<string, string> = {},
  signal?: SignalOption,
): Promise<ActionRun> {
  expectSuccess(await provision(environment, { operation: 'deploy', package: packages['1.0.0']! }));
  await expectFullPolicy(environment);
  proxy = await startFaultProxy(moto.endpoint, faults);
  return provision(
    environment,
    {
      operation: 'deploy',
      package: packages['1.1.0']!,
      'allow-replacement': 'DataBucket',
      ...inputs,
    },
    proxy.endpoint,
    signal,
  );
}

function policyCalls(): number {
  return proxy!.calls.filter((call) => call.action === 'SetStackPolicy').length;
}

beforeAll(async () => {
  moto = await startMoto();
  const config = {
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  cloudFormation = new CloudFormationClient(config);
  await new S3Client({ ...config, forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: BUCKET }),
  );
  workDir = mkdtempSync(path.join(os.tmpdir(), 'policy-environment-'));
  cpSync(path.join(REPO_ROOT, 'demo', 'environment'), workDir, { recursive: true });
  const definition = path.join(workDir, 'environment.yml');
  writeFileSync(
    definition,
    readFileSync(definition, 'utf8').replace(
      '\nenvironments:\n',
      `\nenvironments:\n${ENVIRONMENTS.map((name) => `  ${name}:\n    protected: true\n    parameters:\n      Greeting: hello from ${name}\n`).join('')}`,
    ),
  );
  const template = path.join(workDir, 'cloudformation.yml');
  const original = readFileSync(template, 'utf8');
  for (const version of ['1.0.0', '1.1.0']) {
    // 1.1.0 changes the data bucket: moto gives no Replacement, so the guard asks for
    // allow-replacement, and the policy is lifted for it.
    writeFileSync(
      template,
      version === '1.0.0'
        ? original
        : original.replace(
            '      VersioningConfiguration:\n        Status: Enabled\n',
            '      VersioningConfiguration:\n        Status: Enabled\n      Tags:\n        - Key: tier\n          Value: data\n',
          ),
    );
    const run = expectSuccess(
      await runAction(
        'action-provision',
        { definition, operation: 'package', version, 'artifact-bucket': BUCKET },
        { ...moto.env, GITHUB_SHA: 'a'.repeat(40) },
        { cwd: workDir },
      ),
    );
    packages[version] = run.outputs.package!;
  }
  expect(readFileSync(template, 'utf8')).toContain('Value: data');
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

afterAll(async () => {
  await moto?.stop();
});

describe('a stack policy lifted for allow-replacement comes back', () => {
  test('after a deploy that succeeds', async () => {
    const run = expectSuccess(await replaceThrough('guarded-1', []));
    expect(run.stdout).toContain('Stack policy lifted for this update only: DataBucket.');
    expect(run.stdout).toContain('Stack policy of guarded-1-sample-service restored in full.');
    expect(policyCalls()).toBe(2);
    await expectFullPolicy('guarded-1');
  });

  test('when ExecuteChangeSet itself fails (HTTP 500 on every attempt), told with its AWS cause', async () => {
    const run = await replaceThrough('guarded-2', [
      {
        action: 'ExecuteChangeSet',
        answer: {
          error: { status: 500, code: 'InternalFailure', message: 'We encountered an error.' },
        },
      },
    ]);
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toMatch(/::error::.*We encountered an error/);
    expect(run.summaryText).toContain('We encountered an error');
    expect(policyCalls()).toBe(2);
    await expectFullPolicy('guarded-2');
  });

  test('when the wait fails', async () => {
    const run = await replaceThrough('guarded-3', [
      {
        action: 'DescribeStacks',
        after: 'ExecuteChangeSet',
        answer: {
          error: { status: 403, code: 'AccessDenied', message: 'not allowed to DescribeStacks' },
        },
      },
    ]);
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toContain('not allowed to DescribeStacks');
    await expectFullPolicy('guarded-3');
  });

  test("when the runner stops the step (SIGINT) while CloudFormation's update seems to run on", async () => {
    const run = await replaceThrough(
      'guarded-4',
      [{ action: 'DescribeStacks', after: 'ExecuteChangeSet', answer: { stall: true } }],
      {},
      { signal: 'SIGINT', when: /Execute the change set \(update\)/ },
    );
    expect(run.signalledAtMs).toBeDefined();
    expect(run.exitCode).not.toBe(0);
    // The runner sends SIGTERM 7.5 s after SIGINT: the policy was back and the step over by then.
    expect(run.durationMs - run.signalledAtMs!).toBeLessThan(7_500);
    expect(run.stdout).toMatch(/The runner stopped the step \(SIGINT/);
    expect(run.stdout).toContain('Stack policy of guarded-4-sample-service restored in full.');
    await expectFullPolicy('guarded-4');
  });

  test('when the runner skips to SIGTERM, with 2.5 s before it kills the process', async () => {
    const run = await replaceThrough(
      'guarded-8',
      [{ action: 'DescribeStacks', after: 'ExecuteChangeSet', answer: { stall: true } }],
      {},
      { signal: 'SIGTERM', when: /Execute the change set \(update\)/ },
    );
    expect(run.exitCode).not.toBe(0);
    expect(run.durationMs - run.signalledAtMs!).toBeLessThan(2_500);
    expect(run.stdout).toMatch(/The runner stopped the step \(SIGTERM/);
    await expectFullPolicy('guarded-8');
  });

  test("when the step's own time runs out while waiting", async () => {
    const run = await replaceThrough(
      'guarded-5',
      [{ action: 'DescribeStacks', after: 'ExecuteChangeSet', answer: { stall: true } }],
      { 'timeout-minutes': '1' },
    );
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toMatch(/The step ran out of time.*timeout-minutes: 1/);
    await expectFullPolicy('guarded-5');
  }, 180_000);
});

describe('a stack policy that could not be restored', () => {
  test('is an error naming the stack and the command; the next deploy restores it first', async () => {
    const run = await replaceThrough('guarded-6', [
      {
        action: 'SetStackPolicy',
        // The lift goes through; every restore is refused.
        skip: 1,
        answer: {
          error: { status: 403, code: 'AccessDenied', message: 'not allowed to SetStackPolicy' },
        },
      },
    ]);
    expect(run.exitCode).not.toBe(0);
    expect(run.summaryText).toContain('❌ The stack policy was not restored');
    const command = `aws cloudformation set-stack-policy --stack-name 'guarded-6-sample-service' --stack-policy-body '`;
    expect(run.stdout).toContain(command);
    expect(run.summaryText).toContain(command);
    // The lift stayed: nothing else could put it back.
    expect(
      (await storedPolicy('guarded-6')).find((statement) => statement.NotResource)?.NotResource,
    ).toEqual(['LogicalResourceId/DataBucket']);

    const again = expectSuccess(
      await provision('guarded-6', { operation: 'deploy', package: packages['1.1.0']! }),
    );
    expect(again.stdout).toMatch(
      /::warning title=Stack policy left lifted::The stack policy of guarded-6-sample-service was left lifted for LogicalResourceId\/DataBucket/,
    );
    await expectFullPolicy('guarded-6');
  });

  test('a policy lifted by hand the same way is restored by the next deploy too', async () => {
    expectSuccess(
      await provision('guarded-7', { operation: 'deploy', package: packages['1.0.0']! }),
    );
    await cloudFormation.send(
      new SetStackPolicyCommand({
        StackName: stackOf('guarded-7'),
        StackPolicyBody: protectivePolicy({ logicalIds: [], resourceTypes: [] }, ['DataBucket']),
      }),
    );
    const run = expectSuccess(
      await provision('guarded-7', { operation: 'deploy', package: packages['1.0.0']! }),
    );
    expect(run.stdout).toContain('Stack policy left lifted');
    await expectFullPolicy('guarded-7');
  });
});
