// The main job, locally: runs the bundled actions exactly as the GitHub runner does
// (`node action-x/dist/index.js`, INPUT_* variables, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files)
// against a local moto server, on the sample environment in demo/environment. Each
// environment's service runs on loopback (harness/sample-service.ts) over its stack's
// resources in moto, and the stack's ServiceUrl output points at it.
//
//   build the web server AMI with Packer (newest base image, user-data wait, tags; without
//   Packer the step is skipped, said up front, and the stacks run on the base image)
//   → package 1.0.0 → deploy ci + smoke test, on that AMI → write data → package 1.1.0
//   → migrate staging to 1.1.0 requiring ci (refused: 1.1.0 never passed ci)
//   → update ci to 1.1.0 + smoke test → create staging's blue colour at 1.1.0 → smoke test it
//   → create production's blue colour at 1.1.0 (gate: staging) → smoke test it
//   → write 300 records into staging and 600 into production → package 1.2.0
//   → update ci to 1.2.0 + smoke test
//   → migrate staging blue → green with the statistics gate, counts before and after
//   → smoke test green → plan production 1.2.0 against its live colour (the diff and the
//   guard's verdict) → migrate production blue → green (gate: staging's smoke and
//   statistics records) → smoke test it → add an alarm to production by hand and see the
//   comparison with staging catch it → users write to production's green → roll production
//   back to 1.1.0 on blue with those writes → smoke test it → roll forward again to green
//   → plan ci, deploy ci differently meanwhile, and see
//   the stale plan refused → nightly recreate of ci from the newest package
//   → no-op deploy of ci → where each environment stands
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
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { putHandMadeBucketAlarm } from '../harness/hand-made-alarm.js';
import { findPacker } from '../src/ami/run-packer.js';
import { startMoto, type MotoServer } from '../harness/moto.js';
import { outputOf, REPO_ROOT, runAction, type ActionRun } from '../harness/run-action.js';
import { sampleAmiInputs } from '../harness/sample-ami.js';
import { readSummary } from '../harness/summary-html.js';
import { summaryPage } from '../harness/summary-page.js';
import { SummaryBuilder } from '../src/core/summary.js';
import { startSampleService, type SampleService } from '../harness/sample-service.js';
import { defined } from '../src/core/values.js';

const OUT = path.join(REPO_ROOT, '.demo');
const DEFINITION = path.join(REPO_ROOT, 'demo', 'environment', 'environment.yml');
const ARTIFACTS = 'demo-artifacts';

interface Step {
  name: string;
  run: ActionRun;
  detail: string;
  /** A step the demo could not run on this machine (the AMI build without Packer). */
  skipped?: boolean;
}

const steps: Step[] = [];
let moto: MotoServer | undefined;
const services: SampleService[] = [];

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

interface StepOptions {
  action?: 'action-provision' | 'action-smoke-test' | 'action-build-ami' | 'action-migrate';
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
      ...defined(moto, 'the moto server').env,
      GITHUB_SHA: 'demo0000000000000000000000000000000demo',
      GITHUB_REPOSITORY: 'local/demo',
      GITHUB_RUN_ID: String(Date.now()),
    },
  );
  const failure =
    /::error::(.*)/.exec(run.stdout)?.[1] ?? run.stderr.trim().split('\n').pop() ?? 'failed';
  const expected = options.refusedWith !== undefined;
  const ok = expected
    ? run.exitCode !== 0 && (options.refusedWith?.test(run.stdout) ?? false)
    : run.exitCode === 0;
  const line = !ok ? failure : expected ? `refused as expected: ${failure}` : detail(run);
  steps.push({ name, run, detail: line });
  console.log(
    `${ok ? '✔' : '✘'} ${name.padEnd(46)} ${seconds(run.durationMs).padStart(8)}  ${line}`,
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

/**
 * `.demo/report.md`: an overview of the steps, then every step's job summary as the runner
 * would show it; and `.demo/report.html`, the same in a page a browser shows as GitHub does.
 */
function report(failed: boolean): void {
  const overview = new SummaryBuilder();
  const refused = steps.filter((entry) => entry.detail.startsWith('refused as expected'));
  const skipped = steps.filter((entry) => entry.skipped);
  overview.verdict(
    failed ? 'failed' : 'success',
    failed
      ? `The demo stopped at “${steps[steps.length - 1]?.name}”`
      : 'The pipeline ran end to end',
    `${steps.length - skipped.length} steps ran in ${seconds(steps.reduce((sum, entry) => sum + entry.run.durationMs, 0))}: ${refused.length} of them refused as the demo expects (the gates at work)${skipped.length > 0 ? `; ${skipped.map((entry) => entry.name).join(', ')} skipped` : ''}. Each step's job summary follows.`,
  );
  overview.table(
    ['Step', 'Result', 'Time', 'Detail'],
    steps.map((entry) => [
      entry.name,
      entry.skipped
        ? '⏭️ skipped'
        : entry.detail.startsWith('refused as expected')
          ? '⛔ refused, as expected'
          : entry.run.exitCode === 0
            ? '✅ passed'
            : '❌ failed',
      entry.skipped ? '' : seconds(entry.run.durationMs),
      overview.linkify(entry.detail.replace(/^refused as expected: /, '')),
    ]),
    { fold: 'never' },
  );
  const head = overview.toHtml();
  const written = steps.filter((entry) => !entry.skipped && entry.run.summary !== '');
  const parts = [
    '# Demo report',
    '',
    head,
    ...written.flatMap((entry) => [`<!-- step: ${entry.name} -->`, entry.run.summary]),
  ];
  writeFileSync(path.join(OUT, 'report.md'), parts.join('\n'));
  writeFileSync(
    path.join(OUT, 'report.html'),
    summaryPage('Demo report', [head, ...written.map((entry) => entry.run.summary)]),
  );
}

async function buildAmi(): Promise<string> {
  // The web servers' image, built by the real Packer against moto. The demo plays user data:
  // it writes 1 to the signal file, then 0 a moment later, and the build waits for it.
  const signal = path.join(OUT, 'user-data-signal');
  writeFileSync(signal, '1\n');
  const userData = setTimeout(() => writeFileSync(signal, '0\n'), 1500);
  const ami = await step(
    'build AMI sample-service 1.0.0 (Packer)',
    {
      ...sampleAmiInputs({
        template: 'demo/ami/sample-service.json',
        name: 'sample-service',
        workingDirectory: REPO_ROOT,
        manifestFile: path.join(OUT, 'ami-manifest.json'),
        signalPath: signal,
      }),
      keep: '3',
    },
    (run) =>
      `${run.outputs['ami-id']} ${run.outputs['ami-name']} from ${run.outputs['source-ami']}; waited for user data (${/user data finished \(signal '0'\) after (\d+s)/.exec(run.stdout)?.[1] ?? '?'})`,
    { action: 'action-build-ami' },
  ).finally(() => clearTimeout(userData));
  return outputOf(ami, 'ami-id');
}

/**
 * Without Packer, the image the AMI would have been built from: moto's newest Amazon Linux 2,
 * found as action-build-ami finds its source. The step is listed as skipped, saying so.
 */
async function baseImage(region: string): Promise<string> {
  const ec2 = new EC2Client({
    region,
    endpoint: defined(moto, 'the moto server').endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const { Images = [] } = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['amazon'],
      Filters: [{ Name: 'name', Values: ['amzn2-ami-hvm-*-x86_64-gp2'] }],
    }),
  );
  const newest = Images.sort((a, b) =>
    (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''),
  )[0];
  if (!newest?.ImageId) throw new Error('moto has no Amazon Linux 2 base image to run on');
  const detail = `Packer not found: the stacks run on the base image ${newest.ImageId} (${newest.Name}); install Packer to build the AMI`;
  steps.push({
    name: 'build AMI sample-service 1.0.0 (Packer)',
    detail,
    skipped: true,
    run: {
      exitCode: 0,
      stdout: '',
      stderr: '',
      summary: '',
      summaryText: '',
      outputs: {},
      durationMs: 0,
    },
  });
  console.log(
    `⏭ ${'build AMI sample-service 1.0.0 (Packer)'.padEnd(46)} ${'skipped'.padStart(8)}  ${detail}`,
  );
  return newest.ImageId;
}

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const started = Date.now();
  // Said once, before anything runs: the demo goes on without the AMI step.
  const packer = await findPacker(process.env.PACKER_PATH).catch((error: unknown) => {
    // "Packer was not found (no packer on PATH)", or why the one found cannot be used.
    const why = ((error as { detail?: string }).detail ?? (error as Error).message).split(';')[0];
    console.log(
      `${why}: the AMI step is skipped, and the stacks run on moto's newest Amazon Linux 2 base image instead. Install Packer to build the AMI too: apt-get install packer (Debian, Ubuntu), or https://developer.hashicorp.com/packer/install; or set PACKER_PATH.\n`,
    );
    return undefined;
  });
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

  const region = moto.env.AWS_REGION ?? 'us-east-1';
  const serviceOf = async (stackName: string) => {
    const service = await startSampleService(stackName, {
      endpoint: defined(moto, 'the moto server').endpoint,
      region,
    });
    services.push(service);
    return service;
  };
  const ciService = await serviceOf('ci-sample-service');
  // Staging and Production are blue/green: one service per colour, each over its own stack.
  const blueService = await serviceOf('staging-sample-service-blue');
  const greenService = await serviceOf('staging-sample-service-green');
  const productionBlue = await serviceOf('production-sample-service-blue');
  const productionGreen = await serviceOf('production-sample-service-green');
  console.log(
    `ci's service on ${ciService.endpoint}; staging's blue on ${blueService.endpoint}, green on ${greenService.endpoint}\n`,
  );

  const imageId = packer ? await buildAmi() : await baseImage(region);

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
    deployCi(outputOf(v1, 'package'), true),
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
  console.log(
    `  ci's web servers launch from ${imageId}, ${packer ? 'the AMI built above' : 'the base image (no Packer)'}`,
  );

  const bucket = (JSON.parse(outputOf(created, 'outputs')) as { DataBucketName: string })
    .DataBucketName;
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
  // Staging is blue/green: action-migrate creates its colours and moves it between versions.
  const migrateTo = (
    environment: 'staging' | 'production',
    pkg: string,
    colour: SampleService,
    gates = 'smoke',
  ): Record<string, string> => ({
    strategy: 'blue-green',
    environment,
    package: pkg,
    parameters: `ServiceEndpoint=${colour.endpoint}\nImageId=${imageId}`,
    'require-promotion-from': environment === 'staging' ? 'ci' : 'staging',
    'require-gates': gates,
    's3-copy-concurrency': '16',
    // moto cannot detect drift, and an unknown drift stops a protected environment by default.
    ...(environment === 'production' ? { drift: 'warn' } : {}),
  });
  const migrateStaging = (pkg: string, colour: SampleService) => migrateTo('staging', pkg, colour);
  await step(
    'migrate staging to 1.1.0 (gate: ci)',
    migrateStaging(outputOf(v2, 'package'), blueService),
    () => '',
    { action: 'action-migrate', refusedWith: /has not been promoted: no smoke record in ci/ },
  );
  await step(
    'deploy ci 1.1.0 + smoke test (update)',
    deployCi(outputOf(v2, 'package'), true),
    (run) =>
      `${run.outputs.operation} ${run.outputs['stack-name']} to ${run.outputs.version}; ${smokeLine(run)}`,
  );
  const firstColour = await step(
    'create staging 1.1.0, blue (gate: ci)',
    migrateStaging(outputOf(v2, 'package'), blueService),
    (run) => `${run.outputs['stack-name']} serves staging; pointer set`,
    { action: 'action-migrate' },
  );
  const smoke = (environment: string, stackName: string) =>
    step(
      `smoke test ${environment} (${stackName.replace(`${environment}-sample-service-`, '')})`,
      { environment, 'stack-name': stackName, 'artifact-bucket': ARTIFACTS },
      (run) => `${smokeLine(run)}; recorded in the ledger`,
      { action: 'action-smoke-test' },
    );
  const smokeStaging = (stackName: string) => smoke('staging', stackName);
  await smokeStaging(outputOf(firstColour, 'stack-name'));
  // Production is created only from a version Staging has passed.
  const firstProduction = await step(
    'create production 1.1.0, blue (gate: staging)',
    migrateTo('production', outputOf(v2, 'package'), productionBlue),
    (run) => `${run.outputs['stack-name']} serves production (termination protection on)`,
    { action: 'action-migrate' },
  );
  await smoke('production', outputOf(firstProduction, 'stack-name'));

  const bucketOf = async (stackName: string) =>
    defined(
      (
        await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }))
      ).Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === 'DataBucketName')?.OutputValue,
      `the DataBucketName output of ${stackName}`,
    );
  const kinds = ['customers', 'orders', 'invoices'];
  const writeRecords = async (bucket: string, count: number) => {
    for (let index = 0; index < count; index += 30) {
      await Promise.all(
        Array.from({ length: Math.min(30, count - index) }, (_, offset) =>
          s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: `${kinds[(index + offset) % 3]}/${index + offset}.json`,
              Body: JSON.stringify({ id: index + offset }),
            }),
          ),
        ),
      );
    }
  };
  const blueBucket = await bucketOf(outputOf(firstColour, 'stack-name'));
  await writeRecords(blueBucket, 300);
  const productionBucket = await bucketOf(outputOf(firstProduction, 'stack-name'));
  await writeRecords(productionBucket, 600);
  const productionBefore = await statisticsOf(productionBlue);
  const before = await statisticsOf(blueService);
  console.log(`  wrote 300 records to staging (${blueBucket}): ${describeCounts(before)}`);
  console.log(
    `  wrote 600 records to production (${productionBucket}): ${describeCounts(productionBefore)}`,
  );

  const v3 = await step(
    'package 1.2.0',
    { operation: 'package', version: '1.2.0', 'artifact-bucket': ARTIFACTS },
    (run) => `published ${run.outputs.package}`,
  );
  await step(
    'deploy ci 1.2.0 + smoke test (update)',
    deployCi(outputOf(v3, 'package'), true),
    (run) =>
      `${run.outputs.operation} ${run.outputs['stack-name']} to ${run.outputs.version}; ${smokeLine(run)}`,
  );
  const migrated = await step(
    'migrate staging to 1.2.0, blue → green',
    migrateStaging(outputOf(v3, 'package'), greenService),
    (run) => {
      const gates = JSON.parse(run.outputs.statistics ?? '[]') as Array<{
        passed: boolean;
        buckets: Array<{ objects: number }>;
      }>;
      return `${run.outputs['stack-name']} serves staging; statistics gate ${gates.every((gate) => gate.passed) ? 'passed' : 'failed'} (${gates[0]?.buckets[0]?.objects ?? 0} objects copied and verified); ${run.outputs['previous-stack']} kept for rollback`;
    },
    { action: 'action-migrate' },
  );
  const after = await statisticsOf(greenService);
  console.log(`  staging's data before (blue): ${describeCounts(before)}`);
  console.log(`  staging's data after (green): ${describeCounts(after)}`);
  if (describeCounts(before) !== describeCounts(after)) {
    throw new Error('the statistics of green differ from blue after the migration');
  }
  await smokeStaging(outputOf(migrated, 'stack-name'));
  // What a reviewer sees before Production changes: the plan against the colour serving users.
  const productionPlan = await step(
    'plan production 1.2.0 (review before migrating)',
    {
      operation: 'plan',
      environment: 'production',
      package: outputOf(v3, 'package'),
      parameters: defined(
        migrateTo('production', outputOf(v3, 'package'), productionGreen).parameters,
        'the parameters of the migration',
      ),
      'artifact-bucket': ARTIFACTS,
    },
    (run) => {
      const plan = JSON.parse(run.outputs.plan ?? '{}') as {
        stackName?: string;
        changes?: Array<{ logicalId: string; action: string }>;
        parameters?: Array<{ name: string }>;
      };
      return `guard ${run.outputs.guard} on ${plan.stackName}: ${plan.changes?.length ?? 0} resource change(s) (${(plan.changes ?? []).map((change) => `${change.action} ${change.logicalId}`).join(', ') || 'none'}), parameters ${(plan.parameters ?? []).map((parameter) => parameter.name).join(', ') || 'unchanged'}`;
    },
  );
  const planMarkdown = productionPlan.outputs['plan-markdown'] ?? '';
  console.log(
    readSummary(planMarkdown)
      .split('\n')
      .slice(0, 14)
      .map((line) => `    ${line}`)
      .join('\n'),
  );
  const gatedProduction = (gates: string) =>
    migrateTo('production', outputOf(v3, 'package'), productionGreen, gates);
  const production = await step(
    'migrate production to 1.2.0, blue → green',
    gatedProduction('smoke, statistics'),
    (run) => {
      const gates = JSON.parse(run.outputs.statistics ?? '[]') as Array<{
        passed: boolean;
        buckets: Array<{ objects: number }>;
      }>;
      return `gates: staging smoke + statistics passed; ${run.outputs['stack-name']} serves production; statistics gate ${gates.every((gate) => gate.passed) ? 'passed' : 'failed'} (${gates[0]?.buckets[0]?.objects ?? 0} objects copied and verified)`;
    },
    { action: 'action-migrate' },
  );
  const productionAfter = await statisticsOf(productionGreen);
  console.log(`  production's data before (blue): ${describeCounts(productionBefore)}`);
  console.log(`  production's data after (green): ${describeCounts(productionAfter)}`);
  if (describeCounts(productionBefore) !== describeCounts(productionAfter)) {
    throw new Error('the statistics of production green differ from blue after the migration');
  }
  await smoke('production', outputOf(production, 'stack-name'));
  // Seed 004: an alarm added to Production by hand, which Staging lacks, is caught.
  const productionData = await bucketOf(outputOf(production, 'stack-name'));
  await putHandMadeBucketAlarm(moto.endpoint, {
    name: 'production-data-bucket-shrinks',
    bucket: productionData,
    threshold: 500,
  });
  console.log(`  added alarm production-data-bucket-shrinks on ${productionData} by hand`);
  await step(
    'compare staging with production',
    {
      operation: 'compare',
      environment: 'staging',
      'compare-to': 'production',
      package: outputOf(v3, 'package'),
      'fail-on-difference': 'true',
    },
    () => '',
    { refusedWith: /production has alarm production-data-bucket-shrinks .* that staging lacks/ },
  );

  // Seed 002's rollback: users wrote to green since the switch; going back must keep it all.
  await writeRecords(productionData, 630);
  const productionWritten = await statisticsOf(productionGreen);
  console.log(
    `  users wrote to production since the switch (${productionData}): ${describeCounts(productionWritten)}`,
  );
  const rollback = (pkg: string, colour: SampleService, gates: string) => ({
    ...migrateTo('production', pkg, colour, gates),
    strategy: 'rollback',
  });
  const rolledBack = await step(
    'roll production back to 1.1.0, green → blue',
    rollback(outputOf(v2, 'package'), productionBlue, 'smoke'),
    (run) =>
      `${run.outputs['stack-name']} serves production at ${run.outputs.version} again with every write made on green (statistics gate ${run.outputs.statistics?.includes('"passed":true') ? 'passed' : 'failed'}); ${run.outputs['previous-stack']} kept, out of service`,
    { action: 'action-migrate' },
  );
  const productionBack = await statisticsOf(productionBlue);
  console.log(`  production's data after the rollback (blue): ${describeCounts(productionBack)}`);
  if (describeCounts(productionBack) !== describeCounts(productionWritten)) {
    throw new Error("the rollback lost writes made on production's green colour");
  }
  await smoke('production', outputOf(rolledBack, 'stack-name'));
  await step(
    'roll production forward again to 1.2.0, blue → green',
    rollback(outputOf(v3, 'package'), productionGreen, 'smoke, statistics'),
    (run) =>
      `${run.outputs['stack-name']} serves production at ${run.outputs.version} again; ${run.outputs['previous-stack']} kept for rollback`,
    { action: 'action-migrate' },
  );
  const productionFinal = await statisticsOf(productionGreen);
  if (describeCounts(productionFinal) !== describeCounts(productionWritten)) {
    throw new Error('rolling production forward again lost writes');
  }

  // A reviewed plan is of the stack as it was: a change in between makes it stale, and refused.
  const ciParameters = defined(
    deployCi(outputOf(v3, 'package'), false).parameters,
    "ci's parameters",
  );
  const ciPlan = await step(
    'plan ci 1.2.0 with 3 web servers',
    {
      operation: 'plan',
      environment: 'ci',
      package: outputOf(v3, 'package'),
      parameters: `${ciParameters}\nDesiredCapacity=3`,
    },
    (run) =>
      `change set ${run.outputs['change-set-name']} kept for review; guard ${run.outputs.guard}`,
  );
  await step(
    'meanwhile, ci is deployed with 2 web servers',
    {
      ...deployCi(outputOf(v3, 'package'), false),
      parameters: `${ciParameters}\nDesiredCapacity=2`,
    },
    (run) => `${run.outputs.operation} ${run.outputs['stack-name']}: DesiredCapacity 2`,
  );
  await step(
    'deploy the reviewed plan of ci (now stale)',
    {
      ...deployCi(outputOf(v3, 'package'), false),
      parameters: `${ciParameters}\nDesiredCapacity=3`,
      'change-set': outputOf(ciPlan, 'change-set-name'),
    },
    () => '',
    { refusedWith: /was updated since the plan was made/ },
  );
  await step(
    'nightly: recreate ci from the newest package',
    { ...deployCi(outputOf(v3, 'package'), true), operation: 'recreate' },
    (run) =>
      `${run.outputs['stack-name']} deleted and created again at ${run.outputs.version}; ${smokeLine(run)}`,
  );
  await step(
    'deploy ci 1.2.0 again (no-op)',
    deployCi(outputOf(v3, 'package'), false),
    (run) => `changed=${run.outputs.changed} (empty change set)`,
  );
  const ledger = await s3.send(
    new ListObjectsV2Command({ Bucket: ARTIFACTS, Prefix: 'promotions/' }),
  );
  const records = (ledger.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
  console.log(`\nPromotion ledger (s3://${ARTIFACTS}/promotions/):`);
  for (const key of records) console.log(`  ${key}`);
  console.log(
    `\nAll ${steps.filter((entry) => !entry.skipped).length} steps passed${
      steps.some((entry) => entry.skipped)
        ? ` (${steps
            .filter((entry) => entry.skipped)
            .map((entry) => entry.name)
            .join(', ')} skipped: no Packer)`
        : ''
    } in ${seconds(Date.now() - started)}. Job summaries: ${path.relative(process.cwd(), path.join(OUT, 'report.md'))} (in a browser: ${path.relative(process.cwd(), path.join(OUT, 'report.html'))})`,
  );
  const ciStats = await statisticsOf(ciService);
  const standing: Array<[string, string, string, string]> = [
    ['ci', '1.2.0', 'ci-sample-service', describeCounts(ciStats)],
    ['staging', '1.2.0', outputOf(migrated, 'stack-name'), describeCounts(after)],
    ['production', '1.2.0', outputOf(production, 'stack-name'), describeCounts(productionFinal)],
  ];
  console.log('\nWhere each environment stands:');
  for (const [environment, version, stack, counts] of standing) {
    console.log(`  ${environment.padEnd(11)} ${version}  ${stack.padEnd(32)} ${counts}`);
  }
  console.log(
    `  previous colours kept for rollback: ${migrated.outputs['previous-stack']} (1.1.0), ${production.outputs['previous-stack']} (1.1.0); AMI ${imageId}; packages 1.0.0, 1.1.0, 1.2.0 in s3://${ARTIFACTS}/sample-service/`,
  );
}

interface Statistics {
  records: Record<string, number>;
  bytes: number;
}

async function statisticsOf(service: SampleService): Promise<Statistics> {
  const response = await fetch(`${service.endpoint}/admin/statistics`);
  if (!response.ok) throw new Error(`statistics of ${service.endpoint}: HTTP ${response.status}`);
  return ((await response.json()) as { data: Statistics }).data;
}

function describeCounts(statistics: Statistics): string {
  if (Object.keys(statistics.records).length === 0) return 'no records';
  return `${Object.entries(statistics.records)
    .sort()
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ')}, ${statistics.bytes} bytes`;
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  console.error(`\nDemo failed: ${(error as Error).message}`);
} finally {
  if (steps.length > 0) report(exitCode !== 0);
  await Promise.all(services.map((service) => service.close()));
  await moto?.stop();
}
process.exit(exitCode);
