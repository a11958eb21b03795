// @github/local-action runs an action's TypeScript entry (src/main.ts's run()) with inputs from
// a .env file and a stand-in for @actions/core of its own: the way a contributor tries an
// action without a runner. Each action must run there as on a runner, against moto and a real
// loopback HTTP server, with its job summary written to GITHUB_STEP_SUMMARY.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import { REPO_ROOT } from '../../harness/run-action.js';
import { sampleAmiInputs } from '../../harness/sample-ami.js';
import { checkSummary, readSummary } from '../../harness/summary-html.js';
import { testWithPacker } from '../support/packer.js';

const LOCAL_ACTION = path.join(
  REPO_ROOT,
  'node_modules',
  '@github',
  'local-action',
  'bin',
  'local-action.js',
);

let moto: MotoServer;
let work: string;
let server: http.Server;
let serviceUrl: string;

interface LocalRun {
  status: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** `npx local-action run <action> src/main.ts <.env>`, as the README says. */
async function localAction(action: string, settings: Record<string, string>): Promise<LocalRun> {
  const name = `${action}-${Date.now()}`;
  const summaryFile = path.join(work, `${name}.summary`);
  writeFileSync(summaryFile, '');
  const envFile = path.join(work, `${name}.env`);
  writeFileSync(
    envFile,
    Object.entries({ ...settings, GITHUB_STEP_SUMMARY: summaryFile })
      // dotenv reads a line break in a value as \n inside double quotes.
      .map(([key, value]) =>
        value.includes('\n') ? `${key}="${value.replace(/\n/g, '\\n')}"` : `${key}=${value}`,
      )
      .join('\n'),
  );
  // Spawned, not spawnSync: the HTTP server the smoke test calls lives in this process.
  const child = spawn(process.execPath, [LOCAL_ACTION, 'run', action, 'src/main.ts', envFile], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? work },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const outputs: Record<string, string> = {};
  for (const match of stdout.matchAll(/^::set-output name=([^:]+)::(.*)$/gm)) {
    outputs[match[1]!] = match[2]!;
  }
  return { status, stdout, outputs, summary: readFileSync(summaryFile, 'utf8') };
}

function expectPassed(run: LocalRun): void {
  if (run.status !== 0) throw new Error(`local-action exited ${run.status}:\n${run.stdout}`);
}

function inputs(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value]),
  );
}

beforeAll(async () => {
  moto = await startMoto();
  work = mkdtempSync(path.join(os.tmpdir(), 'local-action-'));
  for (const folder of ['environment', 'ami']) {
    cpSync(path.join(REPO_ROOT, 'demo', folder), path.join(work, folder), { recursive: true });
  }
  const s3 = new S3Client({
    endpoint: moto.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'local-artifacts' }));
  server = http.createServer((request, response) => {
    response.writeHead(request.url === '/health' ? 200 : 404).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await moto?.stop();
});

describe('@github/local-action runs each action from its TypeScript', () => {
  test('action-provision packages and publishes to S3, and action-migrate refuses an unpromoted version', async () => {
    const definition = path.join(work, 'environment', 'environment.yml');
    const packaged = await localAction('action-provision', {
      ...moto.env,
      ...inputs({
        operation: 'package',
        definition,
        version: '3.0.0',
        'artifact-bucket': 'local-artifacts',
        'output-dir': path.join(work, 'packages'),
        lint: 'false',
      }),
    });
    expectPassed(packaged);
    expect(packaged.outputs['package-url']).toBe('s3://local-artifacts/sample-service/3.0.0.tgz');
    expect(existsSync(path.join(work, 'packages', 'sample-service-3.0.0.tgz'))).toBe(true);
    expect(readSummary(packaged.summary).split('\n')[0]).toBe(
      '## ✅ Packaged sample-service 3.0.0',
    );
    expect(checkSummary(packaged.summary)).toEqual([]);

    // A refusal is told there as on a runner: ⛔ in the summary, an annotation, a failed step.
    const refused = await localAction('action-migrate', {
      ...moto.env,
      ...inputs({
        strategy: 'blue-green',
        environment: 'staging',
        package: packaged.outputs['package-url']!,
        'require-promotion-from': 'ci',
      }),
    });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout).toMatch(/::error::.*has not been promoted: no smoke record in ci/);
    expect(readSummary(refused.summary).split('\n')[0]).toBe('## ⛔ Stopped by the promotion gate');
    expect(checkSummary(refused.summary)).toEqual([]);
  });

  test('action-smoke-test checks a real HTTP server', async () => {
    const run = await localAction('action-smoke-test', inputs({ url: `${serviceUrl}/health` }));
    expectPassed(run);
    expect(run.outputs.passed).toBe('true');
    expect(readSummary(run.summary).split('\n')[0]).toBe(
      `## ✅ Smoke test of ${serviceUrl}/health passed`,
    );
  });

  testWithPacker('action-build-ami builds with the real Packer against moto', async () => {
    const signal = path.join(work, 'user-data-signal');
    writeFileSync(signal, '0\n');
    const run = await localAction('action-build-ami', {
      ...moto.env,
      ...inputs(
        sampleAmiInputs({
          template: 'ami/sample-service.json',
          name: 'local-service',
          workingDirectory: work,
          manifestFile: 'ami-manifest.json',
          signalPath: signal,
        }),
      ),
    });
    expectPassed(run);
    expect(run.outputs['ami-id']).toMatch(/^ami-[0-9a-f]+$/);
    expect(readSummary(run.summary).split('\n')[0]).toMatch(
      /^## ✅ Built ami-[0-9a-f]+ local-service-1\.0\.0-\d{8}T\d{6}$/,
    );
  });
});
