// npm run bench:provision — measures action-provision against moto and puts the numbers next to
// `aws cloudformation deploy` (the AWS CLI's own change-set deploy) measured in the same run,
// through the same counting proxy. Goals: cold start (process start to first AWS request)
// under 300 ms; a no-op deploy in at most 6 AWS requests.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startCountingProxy, type CountingProxy } from '../harness/counting-proxy.js';
import { startMoto, type MotoServer } from '../harness/moto.js';
import { outputOf, REPO_ROOT, runAction } from '../harness/run-action.js';
import { median } from './stats.js';

const DEFINITION = path.join(REPO_ROOT, 'demo', 'environment', 'environment.yml');
const TEMPLATE = path.join(REPO_ROOT, 'demo', 'environment', 'cloudformation.yml');
const ROUNDS = 5;

interface Sample {
  wallMs: number;
  coldStartMs: number;
  requests: number;
  labels: string[];
}

async function measure(proxy: CountingProxy, start: () => Promise<number>): Promise<Sample> {
  proxy.reset();
  const spawned = Date.now();
  const exitCode = await start();
  const wallMs = Date.now() - spawned;
  if (exitCode !== 0) throw new Error(`run failed with exit ${exitCode}`);
  const first = proxy.requests[0]?.at ?? spawned;
  return {
    wallMs,
    coldStartMs: first - spawned,
    requests: proxy.requests.length,
    labels: proxy.requests.map((r) => r.label),
  };
}

function action(env: Record<string, string>, inputs: Record<string, string>) {
  return async () =>
    (await runAction('action-provision', { definition: DEFINITION, lint: 'false', ...inputs }, env))
      .exitCode;
}

function awsCli(env: Record<string, string>, args: string[]) {
  return () =>
    new Promise<number>((resolve, reject) => {
      const child = spawn('aws', args, {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1));
    });
}

async function main(): Promise<void> {
  let moto: MotoServer | undefined;
  let proxy: CountingProxy | undefined;
  try {
    moto = await startMoto();
    proxy = await startCountingProxy(moto.endpoint);
    const env = {
      ...moto.env,
      AWS_ENDPOINT_URL: proxy.endpoint,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_PAGER: '',
    };
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'bench-artifacts' }));
    const packaged = await runAction(
      'action-provision',
      {
        definition: DEFINITION,
        operation: 'package',
        version: '1.0.0',
        'artifact-bucket': 'bench-artifacts',
        lint: 'false',
      },
      env,
    );
    const pkg = outputOf(packaged, 'package');

    const resized = {
      operation: 'deploy',
      environment: 'ci',
      package: pkg,
      parameters: 'DesiredCapacity=2',
    };
    const ours = {
      create: await measure(
        proxy,
        action(env, { operation: 'deploy', environment: 'ci', package: pkg }),
      ),
      update: await measure(proxy, action(env, resized)),
      // the same deploy again: nothing to change
      noop: await measure(proxy, action(env, resized)),
    };
    const cli = (extra: string[]) =>
      awsCli(env, [
        'cloudformation',
        'deploy',
        '--stack-name',
        'peer-sample-service',
        '--template-file',
        TEMPLATE,
        '--no-fail-on-empty-changeset',
        '--parameter-overrides',
        'EnvironmentVersion=1.0.0',
        'Greeting=hi',
        'ImageId=ami-12c6146b',
        ...extra,
      ]);
    const peer = {
      create: await measure(proxy, cli([])),
      update: await measure(proxy, cli(['DesiredCapacity=2'])),
      noop: await measure(proxy, cli(['DesiredCapacity=2'])),
    };

    const coldOurs: number[] = [];
    const coldPeer: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      coldOurs.push(
        (
          await measure(
            proxy,
            action(env, {
              operation: 'deploy',
              environment: 'ci',
              version: '1.0.0',
              parameters: 'DesiredCapacity=2',
            }),
          )
        ).coldStartMs,
      );
      coldPeer.push(
        (
          await measure(
            proxy,
            awsCli(env, [
              'cloudformation',
              'describe-stacks',
              '--stack-name',
              'peer-sample-service',
            ]),
          )
        ).coldStartMs,
      );
    }

    const rows: Array<[string, string, string, string]> = [];
    const ratio = (a: number, b: number) => (b === 0 ? '-' : `${(a / b).toFixed(2)}×`);
    rows.push([
      'cold start, median of 5 (ms)',
      String(median(coldOurs)),
      String(median(coldPeer)),
      ratio(median(coldOurs), median(coldPeer)),
    ]);
    for (const name of ['create', 'update', 'noop'] as const) {
      rows.push([
        `${name}: wall time (ms)`,
        String(ours[name].wallMs),
        String(peer[name].wallMs),
        ratio(ours[name].wallMs, peer[name].wallMs),
      ]);
      rows.push([
        `${name}: AWS requests`,
        String(ours[name].requests),
        String(peer[name].requests),
        ratio(ours[name].requests, peer[name].requests),
      ]);
    }
    const widths = [34, 16, 24, 8];
    const line = (cells: string[]) =>
      cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(' ');
    console.log(line(['measure', 'action-provision', 'aws cloudformation deploy', 'ratio']));
    console.log(line(widths.map((width) => '-'.repeat(width))));
    for (const row of rows) console.log(line(row));
    console.log(`\nno-op requests (action): ${ours.noop.labels.join(', ')}`);
    console.log(`create requests (action): ${ours.create.labels.join(', ')}`);
    const coldOk = median(coldOurs) < 300;
    const noopOk = ours.noop.requests <= 6;
    console.log(
      `\ngoal: cold start < 300 ms: ${coldOk ? 'met' : 'MISSED'} (${median(coldOurs)} ms); no-op deploy ≤ 6 requests: ${noopOk ? 'met' : 'MISSED'} (${ours.noop.requests})`,
    );
    console.log(
      "(the peer's cold start is an `aws cloudformation describe-stacks` process: Python start-up to its first request)",
    );
  } finally {
    await proxy?.close();
    await moto?.stop();
  }
}

await main();
