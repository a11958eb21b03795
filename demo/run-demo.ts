// The main job, locally: runs the bundled actions exactly as the GitHub runner does
// (`node action-x/dist/index.js`, INPUT_* variables, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files)
// against a local moto server, on the sample environment in demo/environment. Each
// environment's service runs on loopback (harness/sample-service.ts) over its stack's
// resources in moto, and the stack's ServiceUrl output points at it.
//
//   build the web server AMI with Packer (newest base image, user-data wait, tags)
//   → package 1.0.0 → deploy ci + smoke test, on that AMI → write data → package 1.1.0
//   → deploy staging 1.1.0 requiring ci (refused: 1.1.0 never passed ci)
//   → update ci to 1.1.0 + smoke test → deploy staging 1.1.0 requiring ci + smoke test
//   → smoke test staging (action-smoke-test) → no-op deploy → delete ci and staging
//
// Prints each step's result and timing, writes every step's job summary to .demo/report.md,
// and stops the emulator it started, whatever happens.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import path from 'node:path';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startMoto, type MotoServer } from '../harness/moto.js';
import { REPO_ROOT, runAction, type ActionRun } from '../harness/run-action.js';
import { startSampleService, type SampleService } from '../harness/sample-service.js';

const OUT = path.join(REPO_ROOT, '.demo');
const DEFINITION = path.join(REPO_ROOT, 'demo', 'environment', 'environment.yml');
const ARTIFACTS = 'demo-artifacts';

interface Step {
  name: string;
  run: ActionRun;
  detail: string;
}

const steps: Step[] = [];
let moto: MotoServer | undefined;
const services: SampleService[] = [];

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

interface StepOptions {
  action?: 'action-provision' | 'action-smoke-test' | 'action-build-ami';
  /** The step is meant to be refused; it passes when the action fails with this message. */
  refusedWith?: RegExp;
}

async function step(
  name: string,
  inputs: Record<string, string>,
  detail: (run: ActionRun) => string,
  options: StepOptions = {},
): Promise<ActionRun> {
  const run = await runAction(
    options.action ?? 'action-provision',
    { definition: DEFINITION, 'output-dir': path.join(OUT, 'packages'), ...inputs },
    {
      ...moto!.env,
      GITHUB_SHA: 'demo0000000000000000000000000000000demo',
      GITHUB_REPOSITORY: 'local/demo',
      GITHUB_RUN_ID: String(Date.now()),
    },
  );
  const failure =
    /::error::(.*)/.exec(run.stdout)?.[1] ?? run.stderr.trim().split('\n').pop() ?? 'failed';
  const expected = options.refusedWith !== undefined;
  const ok = expected
    ? run.exitCode !== 0 && options.refusedWith!.test(run.stdout)
    : run.exitCode === 0;
  const line = !ok ? failure : expected ? `refused as expected: ${failure}` : detail(run);
  steps.push({ name, run, detail: line });
  console.log(
    `${ok ? '✔' : '✘'} ${name.padEnd(40)} ${seconds(run.durationMs).padStart(8)}  ${line}`,
  );
  if (!ok) {
    console.log(run.stdout);
    throw new Error(`step "${name}" ${expected ? 'was not refused' : 'failed'}`);
  }
  return run;
}

function smokeLine(run: ActionRun): string {
  const report = JSON.parse(
    run.outputs['smoke-report'] ?? run.outputs.report ?? '{"checks":[]}',
  ) as {
    checks: Array<{ name: string; passed: boolean; burst?: { requests: number; p99Ms: number } }>;
  };
  const burst = report.checks.find((check) => check.burst)?.burst;
  return `smoke ${report.checks.filter((check) => check.passed).length}/${report.checks.length} passed${burst ? ` (burst ${burst.requests} requests, p99 ${burst.p99Ms.toFixed(1)} ms)` : ''}`;
}

function report(): void {
  const lines = [
    '# Demo report',
    '',
    '| Step | Result | Time | Detail |',
    '| --- | --- | --- | --- |',
  ];
  for (const entry of steps) {
    lines.push(
      `| ${entry.name} | ${entry.detail.startsWith('refused as expected') ? '⛔ refused' : entry.run.exitCode === 0 ? '✅' : '❌'} | ${seconds(entry.run.durationMs)} | ${entry.detail.replace(/\|/g, '\\|')} |`,
    );
  }
  for (const entry of steps)
    lines.push('', '---', '', `<!-- step: ${entry.name} -->`, entry.run.summary);
  writeFileSync(path.join(OUT, 'report.md'), lines.join('\n'));
}

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const started = Date.now();
  console.log('Starting a local AWS (moto server)…');
  moto = await startMoto();
  console.log(`moto is listening on ${moto.endpoint}\n`);
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: ARTIFACTS }));

  const region = moto.env.AWS_REGION!;
  const ciService = await startSampleService('ci-sample-service', {
    endpoint: moto.endpoint,
    region,
  });
  const stagingService = await startSampleService('staging-sample-service', {
    endpoint: moto.endpoint,
    region,
  });
  services.push(ciService, stagingService);
  console.log(`ci's service on ${ciService.endpoint}, staging's on ${stagingService.endpoint}\n`);

  // The web servers' image, built by the real Packer against moto. The demo plays user data:
  // it writes 1 to the signal file, then 0 a moment later, and the build waits for it.
  const signal = path.join(OUT, 'user-data-signal');
  writeFileSync(signal, '1\n');
  const userData = setTimeout(() => writeFileSync(signal, '0\n'), 1500);
  const ami = await step(
    'build AMI sample-service 1.0.0 (Packer)',
    {
      template: 'demo/ami/sample-service.json',
      name: 'sample-service',
      version: '1.0.0',
      'working-directory': REPO_ROOT,
      'manifest-file': path.join(OUT, 'ami-manifest.json'),
      'source-ami-filter': 'owners=amazon\nname=amzn2-ami-hvm-*-x86_64-gp2',
      'wait-for-user-data': 'signal-file',
      platform: 'local',
      'signal-path': signal,
      'signal-interval-seconds': '1',
      'signal-timeout-seconds': '30',
      keep: '3',
    },
    (run) =>
      `${run.outputs['ami-id']} ${run.outputs['ami-name']} from ${run.outputs['source-ami']}; waited for user data (${/user data finished \(signal '0'\) after (\d+s)/.exec(run.stdout)?.[1] ?? '?'})`,
    { action: 'action-build-ami' },
  ).finally(() => clearTimeout(userData));
  const imageId = ami.outputs['ami-id']!;

  const v1 = await step(
    'package 1.0.0',
    { operation: 'package', version: '1.0.0', 'artifact-bucket': ARTIFACTS },
    (run) => `published ${run.outputs.package}`,
  );
  const deployCi = (pkg: string, smokeTest: boolean): Record<string, string> => ({
    operation: 'deploy',
    environment: 'ci',
    package: pkg,
    parameters: `ServiceEndpoint=${ciService.endpoint}\nImageId=${imageId}`,
    'smoke-test': String(smokeTest),
  });
  const created = await step(
    'deploy ci 1.0.0 + smoke test (create)',
    deployCi(v1.outputs.package!, true),
    (run) =>
      `${run.outputs.operation} ${run.outputs['stack-name']} at ${run.outputs.version}; ${smokeLine(run)}`,
  );

  const cloudFormation = new CloudFormationClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const stack = await cloudFormation.send(
    new DescribeStacksCommand({ StackName: created.outputs['stack-name'] }),
  );
  const runsOn = stack.Stacks?.[0]?.Parameters?.find((p) => p.ParameterKey === 'ImageId');
  if (runsOn?.ParameterValue !== imageId) {
    throw new Error(
      `ci's ImageId is ${runsOn?.ParameterValue}, not the AMI just built (${imageId})`,
    );
  }
  console.log(`  ci's web servers launch from ${imageId}, the AMI built above`);

  const bucket = JSON.parse(created.outputs.outputs!).DataBucketName as string;
  for (let index = 0; index < 25; index++) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `customers/${index}.json`,
        Body: JSON.stringify({ id: index }),
      }),
    );
  }
  console.log(`  wrote 25 customer records to ${bucket}`);

  const v2 = await step(
    'package 1.1.0',
    { operation: 'package', version: '1.1.0', 'artifact-bucket': ARTIFACTS },
    (run) => `published ${run.outputs.package}`,
  );
  const staging = {
    operation: 'deploy',
    environment: 'staging',
    package: v2.outputs.package!,
    parameters: `ServiceEndpoint=${stagingService.endpoint}\nImageId=${imageId}`,
    'require-promotion-from': 'ci',
    'smoke-test': 'true',
  };
  await step('deploy staging 1.1.0 (gate: ci)', staging, () => '', {
    refusedWith: /has not been promoted: no smoke record in ci/,
  });
  await step(
    'deploy ci 1.1.0 + smoke test (update)',
    deployCi(v2.outputs.package!, true),
    (run) =>
      `${run.outputs.operation} ${run.outputs['stack-name']} to ${run.outputs.version}; ${smokeLine(run)}`,
  );
  await step(
    'deploy staging 1.1.0 (gate: ci) + smoke',
    staging,
    (run) =>
      `${run.outputs.operation} ${run.outputs['stack-name']} at ${run.outputs.version}; ${smokeLine(run)}`,
  );
  await step(
    'smoke test staging (action-smoke-test)',
    { environment: 'staging', 'artifact-bucket': ARTIFACTS },
    (run) => `${smokeLine(run)}; recorded ${run.outputs.record}`,
    { action: 'action-smoke-test' },
  );
  await step(
    'deploy ci 1.1.0 again (no-op)',
    deployCi(v2.outputs.package!, false),
    (run) => `changed=${run.outputs.changed} (empty change set)`,
  );
  await step(
    'delete ci',
    { operation: 'delete', environment: 'ci' },
    (run) =>
      `${run.outputs['stack-name']} deleted; ${/(\d+) object version/.exec(run.stdout)?.[1] ?? 0} objects emptied first`,
  );
  await step(
    'delete staging',
    { operation: 'delete', environment: 'staging' },
    (run) => `${run.outputs['stack-name']} deleted`,
  );
  const ledger = await s3.send(
    new ListObjectsV2Command({ Bucket: ARTIFACTS, Prefix: 'promotions/' }),
  );
  const records = (ledger.Contents ?? []).map((object) => object.Key!);
  console.log(`\nPromotion ledger (s3://${ARTIFACTS}/promotions/):`);
  for (const key of records) console.log(`  ${key}`);
  console.log(
    `\nAll ${steps.length} steps passed in ${seconds(Date.now() - started)}. Job summaries: ${path.relative(process.cwd(), path.join(OUT, 'report.md'))}`,
  );
  console.log(
    `Where things stand: AMI ${imageId} (sample-service 1.0.0) in moto; ci and staging deleted; packages 1.0.0 and 1.1.0 published in s3://demo-artifacts/sample-service/; 1.0.0 passed smoke in ci, 1.1.0 in ci and staging.`,
  );
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  console.error(`\nDemo failed: ${(error as Error).message}`);
} finally {
  if (steps.length > 0) report();
  await Promise.all(services.map((service) => service.close()));
  await moto?.stop();
}
process.exit(exitCode);
