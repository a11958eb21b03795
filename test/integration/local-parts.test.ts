import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import * as tar from 'tar';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import { runAction, type ActionRun } from '../../harness/run-action.js';
import type { PackageManifest } from '../../src/packaging/manifest.js';

// A template with local parts, like `aws cloudformation package` takes: Lambda code in a folder
// and a nested stack from a local template that has a local layer of its own. All of it through
// the bundled action on moto, which creates the function from the uploaded zip (so its
// CodeSha256 can be compared) and the nested stack from the uploaded template.
let moto: MotoServer;
let s3: S3Client;
let cloudFormation: CloudFormationClient;
let workDir: string;
const BUCKET = 'artifacts';
// Named by the environment's files, as the pull-request workflow does: '+' in an S3 key too.
const VERSION = `1.0.0+${'3f'.repeat(32)}`;

const TEMPLATE = `# An orders service: its handler's code and its queue's stack live next to this file.
Parameters:
  EnvironmentVersion:
    Type: String
Resources:
  HandlerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: main.handler
      Role: !GetAtt HandlerRole.Arn
      Code: handler/
      Description: !Sub "orders \${EnvironmentVersion}"
  Queues:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ./stacks/queues.yaml
Outputs:
  HandlerName:
    Value: !Ref Handler
`;

const QUEUES = `Resources:
  Orders:
    Type: AWS::SQS::Queue
  Shared:
    Type: AWS::Lambda::LayerVersion
    Properties:
      LayerName: orders-shared
      Content: ../layer
Outputs:
  QueueUrl:
    Value: !Ref Orders
`;

function writeEnvironment(): void {
  const files: Record<string, string> = {
    'environment.yml': [
      'component: orders',
      'template: template.yaml',
      'environments:',
      '  staging: {}',
      '  production:',
      '    protected: true',
      '',
    ].join('\n'),
    'template.yaml': TEMPLATE,
    'handler/main.py': 'def handler(event, context):\n    return {"ok": True}\n',
    'handler/orders/__init__.py': '',
    'stacks/queues.yaml': QUEUES,
    'layer/python/shared.py': 'SHARED = 1\n',
  };
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(workDir, file)), { recursive: true });
    writeFileSync(path.join(workDir, file), content);
  }
}

function provision(inputs: Record<string, string>, env: Record<string, string> = {}) {
  return runAction(
    'action-provision',
    { definition: path.join(workDir, 'environment.yml'), lint: 'false', ...inputs },
    { ...moto.env, GITHUB_SHA: 'a'.repeat(40), ...env },
    { cwd: workDir },
  );
}

function expectSuccess(run: ActionRun): void {
  if (run.exitCode !== 0) throw new Error(`action failed:\n${run.stdout}\n${run.stderr}`);
}

async function manifestOf(url: string): Promise<PackageManifest> {
  const key = url.replace(`s3://${BUCKET}/`, '');
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'published-'));
  writeFileSync(path.join(dir, 'p.tgz'), await object.Body!.transformToByteArray());
  await tar.x({ file: path.join(dir, 'p.tgz'), cwd: dir });
  return JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as PackageManifest;
}

/** The deployed function as Lambda reports it, read with the aws CLI. */
function lambdaCodeSha(name: string): string {
  const output = execFileSync(
    'aws',
    ['lambda', 'get-function', '--function-name', name, '--query', 'Configuration.CodeSha256'],
    { env: { ...process.env, ...moto.env, AWS_DEFAULT_REGION: 'us-east-1' }, encoding: 'utf8' },
  );
  return JSON.parse(output) as string;
}

let packageUrl: string;
let packageStdout: string;
let manifest: PackageManifest;

beforeAll(async () => {
  moto = await startMoto();
  const config = {
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  s3 = new S3Client({ ...config, forcePathStyle: true });
  cloudFormation = new CloudFormationClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  workDir = mkdtempSync(path.join(os.tmpdir(), 'local-parts-'));
  writeEnvironment();
  // cfn-lint runs here (when installed): it reads the template as written, local paths and all.
  const run = await provision({
    operation: 'package',
    version: VERSION,
    'artifact-bucket': BUCKET,
    lint: 'auto',
  });
  expectSuccess(run);
  packageStdout = run.stdout;
  packageUrl = run.outputs.package!;
  manifest = await manifestOf(packageUrl);
});

afterAll(async () => {
  await moto?.stop();
});

describe('a template with local parts', () => {
  test('package zips and uploads each part by content and lists it in the manifest', async () => {
    // cfn-lint's "needs the package command" warning is not told about the package being made.
    expect(packageStdout).not.toContain('W3002');
    const artifacts = manifest.artifacts ?? [];
    expect(artifacts.map((a) => `${a.template} ${a.resource}.${a.property} ${a.source}`)).toEqual([
      'template.yaml Handler.Code handler/',
      'stacks/queues.yaml Shared.Content ../layer',
      'template.yaml Queues.TemplateURL ./stacks/queues.yaml',
    ]);
    for (const artifact of artifacts) {
      expect(manifest.files[artifact.file]).toBe(artifact.sha256);
      const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: artifact.key }));
      const bytes = Buffer.from(await object.Body!.transformToByteArray());
      expect(bytes.length).toBe(artifact.bytes);
    }
  });

  test('a rebuild of the same source is the same package: publishing it again changes nothing', async () => {
    const again = await provision({
      operation: 'package',
      version: VERSION,
      'artifact-bucket': BUCKET,
      'output-dir': 'rebuild',
    });
    expectSuccess(again);
    expect(again.stdout).toContain('already published with identical content');
  });

  test('deploy creates the function from the uploaded zip and the nested stack from the uploaded template', async () => {
    const run = await provision({
      operation: 'deploy',
      environment: 'staging',
      package: packageUrl,
    });
    expectSuccess(run);
    expect(run.stdout).toMatch(/Verified 3 artifact\(s\) in S3 against the manifest's SHA-256/);
    const code = manifest.artifacts!.find((a) => a.resource === 'Handler')!;
    const name = JSON.parse(run.outputs.outputs!).HandlerName as string;
    expect(lambdaCodeSha(name)).toBe(Buffer.from(code.sha256, 'hex').toString('base64'));
    const resources = await cloudFormation.send(
      new ListStackResourcesCommand({ StackName: 'staging-orders' }),
    );
    const nested = resources.StackResourceSummaries!.find((r) => r.LogicalResourceId === 'Queues');
    expect(nested?.ResourceType).toBe('AWS::CloudFormation::Stack');
    const child = await cloudFormation.send(
      new ListStackResourcesCommand({ StackName: nested!.PhysicalResourceId! }),
    );
    expect(child.StackResourceSummaries!.map((r) => r.ResourceType).sort()).toEqual([
      'AWS::Lambda::LayerVersion',
      'AWS::SQS::Queue',
    ]);
  });

  test('a missing artifact is uploaded again from the verified package before the deploy', async () => {
    const code = manifest.artifacts!.find((a) => a.resource === 'Handler')!;
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: code.key }));
    const run = await provision({
      operation: 'plan',
      environment: 'production',
      package: packageUrl,
    });
    expectSuccess(run);
    expect(run.stdout).toContain(`uploaded again from the package: ${code.key}`);
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: code.key }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).length).toBe(code.bytes);
  });

  test('an artifact replaced in S3 is refused before the stack is touched', async () => {
    const layer = manifest.artifacts!.find((a) => a.resource === 'Shared')!;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: layer.key, Body: 'not the layer' }));
    const before = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: 'staging-orders' }),
    );
    const run = await provision({
      operation: 'deploy',
      environment: 'staging',
      package: packageUrl,
    });
    // Gone again, it is restored from the package by the next deploy.
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: layer.key }));
    expect(run.exitCode).not.toBe(0);
    expect(run.summaryText).toContain('Artifact failed verification');
    expect(run.stdout).toContain(
      `${layer.key} (Shared.Content: ../layer) is not the artifact that was packaged`,
    );
    const after = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: 'staging-orders' }),
    );
    expect(after.Stacks![0]!.LastUpdatedTime).toEqual(before.Stacks![0]!.LastUpdatedTime);
  });

  test('a package made for another region is refused, naming both regions', async () => {
    const run = await provision(
      { operation: 'deploy', environment: 'staging', package: packageUrl },
      { AWS_REGION: 'eu-west-1' },
    );
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toContain('names artifacts packaged for us-east-1');
    expect(run.stdout).toContain('but this deploy is in eu-west-1');
  });

  test('a file whose name is a path elsewhere, or hides a character, is refused by name, never zipped', async () => {
    for (const [name, problem] of [
      ['..\\..\\tmp\\evil.sh', 'it holds a backslash'],
      ['C:evil.bat', 'it starts with a drive letter'],
      ['line\rfeed.py', 'it holds a control character'],
    ] as const) {
      const planted = path.join(workDir, 'handler', name);
      writeFileSync(planted, 'echo owned\n');
      try {
        const run = await provision({
          operation: 'package',
          version: '1.0.2',
          'artifact-bucket': BUCKET,
        });
        expect(run.exitCode).not.toBe(0);
        expect(run.stdout).toContain(
          `'handler/' holds ${JSON.stringify(`handler/${name}`)}, which cannot be zipped: ${problem}`,
        );
        expect(run.summaryText).toContain('Configuration error');
      } finally {
        rmSync(planted);
      }
    }
  });

  test('package without an artifact bucket is refused, naming the part and the input', async () => {
    const run = await provision({ operation: 'package', version: '1.0.1' });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toContain("input 'artifact-bucket'");
    expect(run.stdout).toContain('Handler.Code: handler/');
  });

  test('a deploy straight from the definition uploads the parts itself, or is refused without a bucket', async () => {
    const refused = await provision({ operation: 'deploy', environment: 'ci', version: '1.0.0' });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stdout).toContain("input 'artifact-bucket'");
    const run = await provision({
      operation: 'deploy',
      environment: 'ci',
      version: '1.0.0',
      'artifact-bucket': BUCKET,
    });
    expectSuccess(run);
    expect(run.stdout).toMatch(
      /Artifacts: 3 in s3:\/\/artifacts\/artifacts\/orders\/ \(1 uploaded, 2 already there/,
    );
    const name = JSON.parse(run.outputs.outputs!).HandlerName as string;
    const code = manifest.artifacts!.find((a) => a.resource === 'Handler')!;
    expect(lambdaCodeSha(name)).toBe(Buffer.from(code.sha256, 'hex').toString('base64'));
  });
});
