// The main job, locally: runs the bundled actions exactly as the GitHub runner does
// (`node action-x/dist/index.js`, INPUT_* variables, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files)
// against a local moto server, on the sample environment in demo/environment.
//
//   package 1.0.0 → deploy ci → package 1.1.0 → update ci → no-op deploy → delete ci
//
// Prints each step's result and timing, writes every step's job summary to .demo/report.md,
// and stops the emulator it started, whatever happens.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startMoto, type MotoServer } from '../harness/moto.js';
import { REPO_ROOT, runAction, type ActionRun } from '../harness/run-action.js';

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

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function step(
  name: string,
  inputs: Record<string, string>,
  detail: (run: ActionRun) => string,
): Promise<ActionRun> {
  const run = await runAction(
    'action-provision',
    { definition: DEFINITION, 'output-dir': path.join(OUT, 'packages'), ...inputs },
    {
      ...moto!.env,
      GITHUB_SHA: 'demo0000000000000000000000000000000demo',
      GITHUB_REPOSITORY: 'local/demo',
      GITHUB_RUN_ID: String(Date.now()),
    },
  );
  const ok = run.exitCode === 0;
  const line = ok
    ? detail(run)
    : (/::error::(.*)/.exec(run.stdout)?.[1] ?? run.stderr.trim().split('\n').pop() ?? 'failed');
  steps.push({ name, run, detail: line });
  console.log(
    `${ok ? '✔' : '✘'} ${name.padEnd(34)} ${seconds(run.durationMs).padStart(8)}  ${line}`,
  );
  if (!ok) {
    console.log(run.stdout);
    throw new Error(`step "${name}" failed`);
  }
  return run;
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
      `| ${entry.name} | ${entry.run.exitCode === 0 ? '✅' : '❌'} | ${seconds(entry.run.durationMs)} | ${entry.detail.replace(/\|/g, '\\|')} |`,
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

  const v1 = await step(
    'package 1.0.0',
    { operation: 'package', version: '1.0.0', 'artifact-bucket': ARTIFACTS },
    (run) => `published ${run.outputs.package}`,
  );
  const created = await step(
    'deploy ci (create)',
    { operation: 'deploy', environment: 'ci', package: v1.outputs.package! },
    (run) => `${run.outputs.operation} ${run.outputs['stack-name']} at ${run.outputs.version}`,
  );

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
  await step(
    'deploy ci 1.1.0 (update)',
    { operation: 'deploy', environment: 'ci', package: v2.outputs.package! },
    (run) => `${run.outputs.operation} ${run.outputs['stack-name']} to ${run.outputs.version}`,
  );
  await step(
    'deploy ci 1.1.0 again (no-op)',
    { operation: 'deploy', environment: 'ci', package: v2.outputs.package! },
    (run) => `changed=${run.outputs.changed} (empty change set)`,
  );
  await step(
    'delete ci',
    { operation: 'delete', environment: 'ci' },
    (run) =>
      `${run.outputs['stack-name']} deleted; ${/(\d+) object version/.exec(run.stdout)?.[1] ?? 0} objects emptied first`,
  );

  console.log(
    `\nAll ${steps.length} steps passed in ${seconds(Date.now() - started)}. Job summaries: ${path.relative(process.cwd(), path.join(OUT, 'report.md'))}`,
  );
  console.log(
    'Where things stand: ci-sample-service deleted; packages 1.0.0 and 1.1.0 published in s3://demo-artifacts/sample-service/.',
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
  await moto?.stop();
}
process.exit(exitCode);
