import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import * as tar from 'tar';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import { REPO_ROOT, runAction, type ActionRun } from '../../harness/run-action.js';

// The sample environment, copied so tests can change it without touching the repository.
let workDir: string;
let moto: MotoServer;
let s3: S3Client;
let cloudFormation: CloudFormationClient;
const BUCKET = 'artifacts';
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

function clientConfig() {
  return {
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}

function provision(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction(
    'action-provision',
    { definition: path.join(workDir, 'environment.yml'), ...inputs },
    { ...moto.env, GITHUB_SHA: COMMIT, GITHUB_REPOSITORY: 'acme/sample', GITHUB_RUN_ID: '42' },
    { cwd: workDir },
  );
}

function expectSuccess(run: ActionRun): void {
  if (run.exitCode !== 0)
    throw new Error(`action failed (${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
}

async function describeStack(name: string) {
  const response = await cloudFormation.send(new DescribeStacksCommand({ StackName: name }));
  return response.Stacks![0]!;
}

async function physicalId(stack: string, logicalId: string): Promise<string> {
  const resources = await cloudFormation.send(new ListStackResourcesCommand({ StackName: stack }));
  return resources.StackResourceSummaries!.find(
    (resource) => resource.LogicalResourceId === logicalId,
  )!.PhysicalResourceId!;
}

async function desiredCapacity(stack: string): Promise<number | undefined> {
  const autoScaling = new AutoScalingClient(clientConfig());
  const name = await physicalId(stack, 'WebServers');
  const groups = await autoScaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
  );
  return groups.AutoScalingGroups?.[0]?.DesiredCapacity;
}

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
  cloudFormation = new CloudFormationClient(clientConfig());
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  workDir = mkdtempSync(path.join(os.tmpdir(), 'sample-environment-'));
  cpSync(path.join(REPO_ROOT, 'demo', 'environment'), workDir, { recursive: true });
});

afterAll(async () => {
  await moto?.stop();
});

describe('action-provision on moto: package → deploy → update → no-op → delete → recreate', () => {
  let packageUrl: string;
  let dataBucket: string;

  test('package publishes a versioned, checksummed package once', async () => {
    const run = await provision({
      operation: 'package',
      version: '1.0.0',
      'artifact-bucket': BUCKET,
    });
    expectSuccess(run);
    expect(run.outputs.version).toBe('1.0.0');
    expect(run.outputs['package-url']).toBe('s3://artifacts/sample-service/1.0.0.tgz');
    expect(run.outputs.package).toBe(run.outputs['package-url']);
    expect(path.basename(run.outputs['package-path']!)).toBe('sample-service-1.0.0.tgz');
    packageUrl = run.outputs.package!;

    const head = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'sample-service/1.0.0.tgz' }),
    );
    expect(head.Metadata?.['content-sha256']).toMatch(/^[0-9a-f]{64}$/);

    const extracted = mkdtempSync(path.join(os.tmpdir(), 'extracted-'));
    await tar.x({ file: run.outputs['package-path']!, cwd: extracted });
    const manifest = JSON.parse(readFileSync(path.join(extracted, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      component: 'sample-service',
      version: '1.0.0',
      commit: COMMIT,
    });
    expect(manifest.runUrl).toBe('https://github.com/acme/sample/actions/runs/42');
    expect(Object.keys(manifest.files).sort()).toEqual([
      'cloudformation.yml',
      'environment.yml',
      'scripts/README.md',
    ]);
    expect(run.summaryText).toContain('Packaged sample-service 1.0.0');
  });

  test('publishing the same content again is a no-op; different content is refused', async () => {
    const again = await provision({
      operation: 'package',
      version: '1.0.0',
      'artifact-bucket': BUCKET,
    });
    expectSuccess(again);
    expect(again.stdout).toContain('already published with identical content');

    writeFileSync(
      path.join(workDir, 'scripts', 'README.md'),
      'changed after 1.0.0 was published\n',
    );
    const changed = await provision({
      operation: 'package',
      version: '1.0.0',
      'artifact-bucket': BUCKET,
    });
    expect(changed.exitCode).toBe(1);
    expect(changed.stdout).toMatch(/already exists with different content/);
  });

  test('deploy creates ci-sample-service from the package, tagged and versioned', async () => {
    const run = await provision({ operation: 'deploy', environment: 'ci', package: packageUrl });
    expectSuccess(run);
    expect(run.outputs).toMatchObject({
      'stack-name': 'ci-sample-service',
      changed: 'true',
      operation: 'create',
      version: '1.0.0',
    });
    const outputs = JSON.parse(run.outputs.outputs!);
    expect(outputs.Version).toBe('1.0.0');
    expect(run.outputs.DataBucketName).toBe(outputs.DataBucketName);
    dataBucket = outputs.DataBucketName;

    const stack = await describeStack('ci-sample-service');
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    const tags = Object.fromEntries(stack.Tags!.map((tag) => [tag.Key, tag.Value]));
    expect(tags).toMatchObject({
      environment: 'ci',
      'environment:version': '1.0.0',
      application: 'sample-service',
      'environment:commit': COMMIT,
      'environment:run-url': 'https://github.com/acme/sample/actions/runs/42',
      team: 'platform',
    });
    const parameters = Object.fromEntries(
      stack.Parameters!.map((p) => [p.ParameterKey, p.ParameterValue]),
    );
    expect(parameters).toMatchObject({ EnvironmentVersion: '1.0.0', Greeting: 'hello from ci' });
    expect(await desiredCapacity('ci-sample-service')).toBe(1);

    const ssm = new SSMClient(clientConfig());
    const setting = await ssm.send(
      new GetParameterCommand({ Name: '/ci-sample-service/settings' }),
    );
    expect(JSON.parse(setting.Parameter!.Value!)).toMatchObject({
      greeting: 'hello from ci',
      version: '1.0.0',
    });

    expect(run.summaryText).toContain('Created ci-sample-service (ci) at 1.0.0');
    expect(run.summaryText).toMatch(/\| Add \| DataBucket \| AWS::S3::Bucket \|/);
    expect(run.stdout).toContain('::group::Create and review the change set');
  });

  test('deploy with a parameter override updates the stack in place', async () => {
    const run = await provision({
      operation: 'deploy',
      environment: 'ci',
      package: packageUrl,
      parameters: 'DesiredCapacity=2',
    });
    expectSuccess(run);
    expect(run.outputs).toMatchObject({ changed: 'true', operation: 'update' });
    expect((await describeStack('ci-sample-service')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(await desiredCapacity('ci-sample-service')).toBe(2);
    // The data bucket was not touched by the update.
    expect(JSON.parse(run.outputs.outputs!).DataBucketName).toBe(dataBucket);
  });

  test('a stack output embedding a NoEcho parameter leaves the step with that value masked', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'noecho-environment-'));
    cpSync(path.join(REPO_ROOT, 'demo', 'environment'), dir, { recursive: true });
    const definition = path.join(dir, 'environment.yml');
    writeFileSync(
      definition,
      readFileSync(definition, 'utf8').replace(/^component: .*$/m, 'component: noecho-service'),
    );
    const template = path.join(dir, 'cloudformation.yml');
    writeFileSync(
      template,
      readFileSync(template, 'utf8')
        .replace(
          'Parameters:\n',
          "Parameters:\n  DbPassword:\n    Type: String\n    NoEcho: true\n    Default: ''\n",
        )
        .replace(
          'Outputs:\n',
          "Outputs:\n  ConnectionString:\n    Value: !Sub 'postgres://app:${DbPassword}@db.internal/app'\n",
        ),
    );
    const password = 'n0echo-pa55word-value';
    const run = await provision({
      operation: 'deploy',
      environment: 'ci',
      definition,
      parameters: `DbPassword=${password}`,
    });
    expectSuccess(run);
    expect(run.outputs.ConnectionString).toBe('postgres://app:***@db.internal/app');
    expect(JSON.parse(run.outputs.outputs!).ConnectionString).toBe(
      'postgres://app:***@db.internal/app',
    );
    expect(run.stdout).toContain("Stack output 'ConnectionString' contains a masked value");
    const log = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    for (const [where, text] of Object.entries({
      log,
      outputs: JSON.stringify(run.outputs),
      summary: run.summary,
    })) {
      expect({ where, leaks: text.includes(password) }).toEqual({ where, leaks: false });
    }
  });

  test('deploying the same thing again is a no-op with changed=false', async () => {
    const run = await provision({
      operation: 'deploy',
      environment: 'ci',
      package: packageUrl,
      parameters: 'DesiredCapacity=2',
    });
    expectSuccess(run);
    expect(run.outputs).toMatchObject({ changed: 'false', operation: 'none', version: '1.0.0' });
    expect(JSON.parse(run.outputs.outputs!).DataBucketName).toBe(dataBucket);
    expect(run.summaryText).toContain(
      'The change set was empty: the stack already matches this version.',
    );
  });

  // moto's change sets carry no Replacement: this is the row `Modify DataBucket AWS::S3::Bucket
  // Unknown` that used to be executed, leaving the stack on a new, empty bucket.
  test('a stateful resource whose replacement CloudFormation does not rule out is refused', async () => {
    const renamed = mkdtempSync(path.join(os.tmpdir(), 'renamed-bucket-'));
    cpSync(workDir, renamed, { recursive: true });
    const template = path.join(renamed, 'cloudformation.yml');
    const original = readFileSync(template, 'utf8');
    const edited = original.replace(
      '      VersioningConfiguration:\n        Status: Enabled',
      '      BucketName: some-new-name-4821\n      VersioningConfiguration:\n        Status: Enabled',
    );
    expect(edited).not.toBe(original);
    writeFileSync(template, edited);
    const before = await describeStack('ci-sample-service');

    const run = await runAction(
      'action-provision',
      {
        operation: 'deploy',
        environment: 'ci',
        version: '1.0.1',
        definition: path.join(renamed, 'environment.yml'),
        parameters: 'DesiredCapacity=2',
      },
      { ...moto.env, GITHUB_SHA: COMMIT, GITHUB_REPOSITORY: 'acme/sample', GITHUB_RUN_ID: '43' },
      { cwd: renamed },
    );

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('Modify  DataBucket');
    expect(run.stdout).toMatch(
      /Refusing to update ci-sample-service: DataBucket \(AWS::S3::Bucket\) may be replaced: CloudFormation did not say whether it is \(Replacement: Unknown\)/,
    );
    expect(run.stdout).toContain("add to the 'allow-replacement' input: DataBucket.");
    expect(run.summaryText).toContain('Stopped by the stateful-resource guard');
    const after = await describeStack('ci-sample-service');
    expect(after.StackStatus).toBe(before.StackStatus);
    expect(after.LastUpdatedTime).toEqual(before.LastUpdatedTime);
    expect(await physicalId('ci-sample-service', 'DataBucket')).toBe(dataBucket);
    await s3.send(new HeadBucketCommand({ Bucket: dataBucket }));
  });

  test('a tampered package is refused before any stack is touched', async () => {
    const extracted = mkdtempSync(path.join(os.tmpdir(), 'tamper-'));
    const original = path.join(extracted, 'original.tgz');
    const body = await s3.send(
      new (await import('@aws-sdk/client-s3')).GetObjectCommand({
        Bucket: BUCKET,
        Key: 'sample-service/1.0.0.tgz',
      }),
    );
    writeFileSync(original, Buffer.from(await body.Body!.transformToByteArray()));
    const tree = path.join(extracted, 'tree');
    cpSync(workDir, tree, { recursive: true }); // placeholder folder for extraction
    await tar.x({ file: original, cwd: tree });
    writeFileSync(
      path.join(tree, 'cloudformation.yml'),
      readFileSync(path.join(tree, 'cloudformation.yml'), 'utf8').replace(
        "MaxSize: '4'",
        "MaxSize: '40'",
      ),
    );
    const tampered = path.join(extracted, 'tampered.tgz');
    await tar.c({ gzip: true, file: tampered, cwd: tree }, [
      'manifest.json',
      'environment.yml',
      'cloudformation.yml',
      'scripts/README.md',
    ]);

    const run = await provision({
      operation: 'deploy',
      environment: 'tampered',
      package: tampered,
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/cloudformation\.yml has SHA-256 [0-9a-f]+, the manifest says/);
    await expect(describeStack('tampered-sample-service')).rejects.toThrow(/does not exist/);
  });

  test('delete empties the versioned bucket (versions and delete markers) and deletes the stack', async () => {
    // moto's CloudFormation creates the bucket without applying VersioningConfiguration;
    // switch it on as AWS would have, so the bucket really holds old versions.
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: dataBucket,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    for (let index = 0; index < 5; index++) {
      await s3.send(
        new PutObjectCommand({
          Bucket: dataBucket,
          Key: `customers/${index}.json`,
          Body: `{"v":1}`,
        }),
      );
      await s3.send(
        new PutObjectCommand({
          Bucket: dataBucket,
          Key: `customers/${index}.json`,
          Body: `{"v":2}`,
        }),
      );
    }
    await s3.send(new DeleteObjectCommand({ Bucket: dataBucket, Key: 'customers/0.json' }));
    const before = await s3.send(new ListObjectVersionsCommand({ Bucket: dataBucket }));
    expect((before.Versions?.length ?? 0) + (before.DeleteMarkers?.length ?? 0)).toBe(11);

    const run = await provision({ operation: 'delete', environment: 'ci' });
    expectSuccess(run);
    expect(run.outputs).toMatchObject({ changed: 'true', 'stack-name': 'ci-sample-service' });
    expect(run.stdout).toContain(`Emptied bucket ${dataBucket} (DataBucket): 11 object version(s)`);
    expect(run.summaryText).toMatch(
      new RegExp(`\\| ${dataBucket} \\| DataBucket \\| 11 \\| emptied \\|`),
    );
    await expect(describeStack('ci-sample-service')).rejects.toThrow(/does not exist/);
    await expect(s3.send(new HeadBucketCommand({ Bucket: dataBucket }))).rejects.toThrow();
  });

  test('deleting a stack that does not exist succeeds with nothing to delete', async () => {
    const run = await provision({ operation: 'delete', environment: 'ci' });
    expectSuccess(run);
    expect(run.outputs.changed).toBe('false');
    expect(run.stdout).toContain(
      'ci-sample-service does not exist, nor any colour, pointer or plan of it; nothing to delete.',
    );
    expect(run.summaryText).toContain('## ✅ ci: nothing to delete');
  });

  test('recreate deletes and deploys again; it is refused for a protected environment', async () => {
    const first = await provision({
      operation: 'recreate',
      environment: 'ci',
      package: packageUrl,
    });
    expectSuccess(first);
    expect(first.outputs).toMatchObject({ operation: 'create', changed: 'true' });
    const bucketBefore = JSON.parse(first.outputs.outputs!).DataBucketName;

    const second = await provision({
      operation: 'recreate',
      environment: 'ci',
      package: packageUrl,
    });
    expectSuccess(second);
    expect(second.outputs.operation).toBe('create');
    expect(JSON.parse(second.outputs.outputs!).DataBucketName).not.toBe(bucketBefore);

    const refused = await provision({
      operation: 'recreate',
      environment: 'production',
      package: packageUrl,
    });
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toContain("'production' is a protected environment; recreate");
    await expect(describeStack('production-sample-service')).rejects.toThrow(/does not exist/);
  });
});
