// npm run bench:startup — each action's cold start: from process start to its first AWS request,
// and the CPU time it spent until then, next to a floor measured in the same run: a minimal
// ncc bundle of @actions/core and @aws-sdk/client-cloudformation that reads one input and
// makes one request. Goal: every action ≤ 1.2× the floor. The first request is answered with
// an AWS error and the process is then stopped: only the start-up is measured.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT } from '../harness/run-action.js';
import { median } from './stats.js';
import { defined } from '../src/core/values.js';

const ROUNDS = 9;
const GOAL = 1.2;
const DEFINITION = path.join(REPO_ROOT, 'demo', 'environment', 'environment.yml');
const CLOCK_TICKS_PER_SECOND = 100;

interface Subject {
  label: string;
  script: string;
  inputs: Record<string, string>;
}

interface Sample {
  firstRequestMs: number;
  cpuMs: number;
}

const FLOOR_SOURCE = `import * as core from '@actions/core';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
const client = new CloudFormationClient({ maxAttempts: 1 });
try {
  await client.send(new DescribeStacksCommand({ StackName: core.getInput('stack-name') }));
} catch (error) {
  core.setFailed(String(error));
}
`;

/** The floor's bundle, built with the same ncc as the actions' (in the repository, for its node_modules). */
function buildFloor(scratch: string): string {
  const entryDir = mkdtempSync(path.join(REPO_ROOT, '.bench-floor-'));
  try {
    const entry = path.join(entryDir, 'index.mjs');
    writeFileSync(entry, FLOOR_SOURCE);
    const out = path.join(scratch, 'floor');
    const ncc = path.join(REPO_ROOT, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
    const built = spawnSync(process.execPath, [ncc, 'build', entry, '-o', out, '-q'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (built.status !== 0) throw new Error('ncc could not bundle the floor');
    return path.join(out, 'index.mjs');
  } finally {
    rmSync(entryDir, { recursive: true, force: true });
  }
}

/** utime + stime of a live process, from /proc (Linux): the CPU it has used so far. */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Answers every request with an AWS error and reports the first one of each run. */
function startEndpoint(): Promise<{
  server: Server;
  url: string;
  next: (pid: number) => Promise<number>;
}> {
  let waiting: { pid: number; resolve: (cpuMs: number) => void } | undefined;
  const server = createServer((request, response) => {
    if (waiting) {
      const { pid, resolve } = waiting;
      waiting = undefined;
      let cpu = Number.NaN;
      try {
        cpu = cpuMsOf(pid);
      } catch {
        // The process may already be gone; its CPU is then unknown.
      }
      resolve(cpu);
    }
    request.resume();
    response.writeHead(400, { 'content-type': 'text/xml' });
    response.end(
      '<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>benchmark</Message></Error><RequestId>0</RequestId></ErrorResponse>',
    );
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        server,
        url: `http://127.0.0.1:${port}`,
        next: (pid) => new Promise((done) => (waiting = { pid, resolve: done })),
      });
    });
  });
}

async function measure(
  subject: Subject,
  endpoint: Awaited<ReturnType<typeof startEndpoint>>,
  scratch: string,
): Promise<Sample> {
  const outputs = path.join(scratch, 'output');
  const summary = path.join(scratch, 'summary');
  writeFileSync(outputs, '');
  writeFileSync(summary, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? scratch,
    AWS_ENDPOINT_URL: endpoint.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    GITHUB_OUTPUT: outputs,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: scratch,
  };
  for (const [name, value] of Object.entries(subject.inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  const started = performance.now();
  const child = spawn(process.execPath, [subject.script], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const said: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => said.push(chunk));
  if (child.pid === undefined) throw new Error(`${subject.label} did not start`);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const first = endpoint.next(child.pid).then((cpuMs) => ({ cpuMs, at: performance.now() }));
  const timeout = new Promise<never>((_resolve, reject) =>
    setTimeout(() => reject(new Error(`${subject.label} made no AWS request in 20 s`)), 20_000),
  );
  const outcome = await Promise.race([
    first,
    exited.then((code) => {
      const errors = Buffer.concat(said)
        .toString()
        .split('\n')
        .filter((line) => line.startsWith('::error'));
      throw new Error(
        `${subject.label} exited (${code}) before its first AWS request: ${errors.join(' ')}`,
      );
    }),
    timeout,
  ]);
  child.kill('SIGKILL');
  await exited;
  return { firstRequestMs: outcome.at - started, cpuMs: outcome.cpuMs };
}

function sizeMiB(script: string): string {
  return (statSync(script).size / 1024 / 1024).toFixed(1);
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'));
  const endpoint = await startEndpoint();
  try {
    mkdirSync(path.join(scratch, 'packages'), { recursive: true });
    const subjects: Subject[] = [
      {
        label: 'floor (core + CloudFormation)',
        script: buildFloor(scratch),
        inputs: { 'stack-name': 'x' },
      },
      {
        label: 'action-provision (delete)',
        script: path.join(REPO_ROOT, 'action-provision', 'dist', 'index.js'),
        inputs: { operation: 'delete', environment: 'ci', definition: DEFINITION },
      },
      {
        label: 'action-provision (deploy)',
        script: path.join(REPO_ROOT, 'action-provision', 'dist', 'index.js'),
        inputs: { operation: 'deploy', environment: 'ci', definition: DEFINITION, lint: 'false' },
      },
      {
        label: 'action-smoke-test',
        script: path.join(REPO_ROOT, 'action-smoke-test', 'dist', 'index.js'),
        inputs: { 'stack-name': 'ci-web', url: 'http://127.0.0.1:1/{{ServiceUrl}}' },
      },
      {
        label: 'action-migrate',
        script: path.join(REPO_ROOT, 'action-migrate', 'dist', 'index.js'),
        inputs: {
          strategy: 'update',
          environment: 'ci',
          definition: DEFINITION,
          'artifact-bucket': 'bench-artifacts',
          version: '1.0.0',
        },
      },
    ];
    const samples = new Map<string, Sample[]>(subjects.map((subject) => [subject.label, []]));
    // Interleaved rounds, so a slower moment of the machine falls on every subject alike.
    for (let round = 0; round < ROUNDS + 1; round += 1) {
      for (const subject of subjects) {
        const sample = await measure(subject, endpoint, scratch);
        // The first round warms the file cache; it is not counted.
        if (round > 0) samples.get(subject.label)?.push(sample);
      }
    }
    const floor = samples.get(defined(subjects[0], 'the floor').label) ?? [];
    const floorMs = median(floor.map((sample) => sample.firstRequestMs));
    const floorCpu = median(floor.map((sample) => sample.cpuMs));
    console.log(
      `\nCold start to the first AWS request, median of ${ROUNDS} (node ${process.version}):\n`,
    );
    console.log('| Bundle | MiB | First request (ms) | × floor | CPU (ms) | × floor |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    let met = true;
    for (const subject of subjects) {
      const own = samples.get(subject.label) ?? [];
      const ms = median(own.map((sample) => sample.firstRequestMs));
      const cpu = median(own.map((sample) => sample.cpuMs));
      const ratio = ms / floorMs;
      if (subject !== subjects[0] && ratio > GOAL) met = false;
      console.log(
        `| ${subject.label} | ${sizeMiB(subject.script)} | ${ms.toFixed(0)} | ${ratio.toFixed(2)} | ${cpu.toFixed(0)} | ${(cpu / floorCpu).toFixed(2)} |`,
      );
    }
    console.log(
      `\ngoal: every action ≤ ${GOAL}× the floor's time to its first request: ${met ? 'MET' : 'MISSED'}`,
    );
  } finally {
    endpoint.server.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
