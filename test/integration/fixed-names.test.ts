import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import { REPO_ROOT, runAction, type ActionRun } from '../../harness/run-action.js';
import { checkSummary } from '../../harness/summary-html.js';

// A public template the team did not write, unchanged (test/fixtures/public/s3-lambda-trigger,
// Apache-2.0, with its source in its README): its bucket is named by a parameter, the same in
// every stack of one environment. Through the bundled actions, on moto.
let moto: MotoServer;
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'public', 's3-lambda-trigger');
const DEFINITION = path.join(FIXTURE, 'environment.yml');
const BUCKET = 'trigger-artifacts';
const NAMED =
  'S3BucketNotification (AWS::S3::Bucket) by BucketName = {"Fn::Sub":"${NotificationBucket}"}';

beforeAll(async () => {
  moto = await startMoto();
  await new S3Client({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  }).send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterAll(async () => {
  await moto?.stop();
});

function run(action: string, inputs: Record<string, string>): Promise<ActionRun> {
  return runAction(
    action,
    { definition: DEFINITION, environment: 'staging', 'artifact-bucket': BUCKET, ...inputs },
    { ...moto.env, GITHUB_SHA: 'c'.repeat(40) },
  );
}

async function stackNames(): Promise<string[]> {
  const cloudFormation = new CloudFormationClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const listed = await cloudFormation.send(new ListStacksCommand({}));
  return (listed.StackSummaries ?? [])
    .filter((stack) => stack.StackStatus !== 'DELETE_COMPLETE')
    .map((stack) => stack.StackName ?? '');
}

describe('a physical name fixed by the template', () => {
  test('a blue/green migration is refused before any stack exists, naming the resource, the property, the value and the fix', async () => {
    const migrated = await run('action-migrate', { strategy: 'blue-green', version: '1.0.0' });
    expect(migrated.exitCode).not.toBe(0);
    expect(migrated.summaryText).toMatch(/^## ⛔ A fixed physical name stops a second stack/);
    expect(migrated.stdout).toContain(`The template names ${NAMED}: the same in every stack`);
    expect(migrated.stdout).toContain(
      "set S3BucketNotification.Properties.BucketName to !Sub '${AWS::StackName}-…'",
    );
    expect(migrated.summaryText).toContain(
      '| S3BucketNotification | AWS::S3::Bucket | BucketName | {"Fn::Sub":"${NotificationBucket}"} |',
    );
    expect(await stackNames()).toEqual([]);
  });

  test('a double-clone is refused the same way: it needs a temporary beside the original', async () => {
    const migrated = await run('action-migrate', { strategy: 'double-clone', version: '1.0.0' });
    expect(migrated.exitCode).not.toBe(0);
    expect(migrated.stdout).toContain(
      'double-clone needs two stacks of it at once (staging-upload-trigger and staging-upload-trigger-temporary)',
    );
  });

  test('a plan of the plain environment warns, as a deploy would: a second environment would collide', async () => {
    const planned = await run('action-provision', { operation: 'plan', version: '1.0.0' });
    if (planned.exitCode !== 0) throw new Error(planned.stdout);
    // The parameter's value is the same in every environment the definition names.
    expect(planned.stdout).toContain(
      '::warning title=A fixed physical name::S3BucketNotification (AWS::S3::Bucket) is named by BucketName',
    );
    expect(planned.summaryText).toMatch(/^## ⚠️ Plan for staging-upload-trigger/);
    expect(planned.summaryText).toContain(
      'a second environment of this component in the same account and region would collide with it',
    );
    expect(checkSummary(planned.outputs['plan-markdown']!)).toEqual([]);
  });
});
