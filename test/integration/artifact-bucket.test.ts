import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { startCountingServer, type CountingServer } from '../../harness/counting-server.js';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import { REPO_ROOT, runAction, type ActionRun } from '../../harness/run-action.js';

// A new user's first run names an artifact bucket nobody created yet. Each action says so,
// naming the bucket and the input and how to create it, before it packages, uploads, locks or
// runs a check: through the bundled actions, on moto, where the bucket does not exist.
let moto: MotoServer;
let service: CountingServer;
const MISSING = 'acme-artifacts-not-made-yet';
const DEFINITION = path.join(REPO_ROOT, 'demo', 'environment', 'environment.yml');
const CREATE = `aws s3api create-bucket --bucket ${MISSING} --region us-east-1`;

beforeAll(async () => {
  moto = await startMoto();
  service = await startCountingServer(() => ({ status: 200, body: 'ok' }));
});

afterAll(async () => {
  await service?.close();
  await moto?.stop();
});

function expectRefusedForTheBucket(run: ActionRun): void {
  expect(run.exitCode).not.toBe(0);
  expect(run.summaryText).toMatch(/^## ⛔ The artifact bucket does not exist/);
  expect(run.stdout).toContain(
    `The artifact bucket ${MISSING} (input 'artifact-bucket') does not exist in us-east-1`,
  );
  expect(run.summaryText).toContain(CREATE);
}

describe('an artifact bucket that does not exist', () => {
  test('package refuses before it builds anything', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'no-bucket-package-'));
    const run = await runAction(
      'action-provision',
      {
        operation: 'package',
        definition: DEFINITION,
        version: '1.0.0',
        'artifact-bucket': MISSING,
        'output-dir': out,
        lint: 'false',
      },
      moto.env,
    );
    expectRefusedForTheBucket(run);
    expect(readdirSync(out)).toEqual([]);
  });

  test('migrate refuses before it takes the lock or creates a stack', async () => {
    const run = await runAction(
      'action-migrate',
      {
        strategy: 'blue-green',
        definition: DEFINITION,
        environment: 'staging',
        version: '1.0.0',
        'artifact-bucket': MISSING,
        parameters: `ServiceEndpoint=${service.endpoint}`,
      },
      moto.env,
    );
    expectRefusedForTheBucket(run);
    expect(run.stdout).not.toContain('Take the migration lock');
    const cloudFormation = new CloudFormationClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const stacks = await cloudFormation.send(new ListStacksCommand({}));
    expect(stacks.StackSummaries ?? []).toEqual([]);
  });

  test('smoke-test refuses before it runs a check whose result it could not record', async () => {
    const run = await runAction(
      'action-smoke-test',
      {
        url: `${service.endpoint}/health`,
        component: 'sample-service',
        environment: 'ci',
        version: '1.0.0',
        'artifact-bucket': MISSING,
      },
      moto.env,
    );
    expectRefusedForTheBucket(run);
    expect(service.requests).toEqual([]);
  });
});
