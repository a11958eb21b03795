// npm run bench:smoke — drives the burst check against a local service and puts its request
// rate and latency next to autocannon's, measured in the same run against the same service
// with the same number of connections. Goal: the burst check sustains at least half the
// peer's rate (it parses and judges every response; autocannon only counts them).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { REPO_ROOT } from '../harness/run-action.js';
import { ConsoleLogger } from '../src/core/logger.js';
import { runBurstCheck } from '../src/smoke/burst-check.js';
import { parseChecks, type BurstCheck } from '../src/smoke/checks.js';
import { resolveRequest } from '../src/smoke/resolve-request.js';
import { defined } from '../src/core/values.js';

const CONCURRENCY = 10;
const SECONDS = 5;
const WARM_UP_SECONDS = 1;
const GOAL = 0.5;

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

function startTarget(): Promise<{ endpoint: string; child: ChildProcess }> {
  const tsx = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const child = spawn(process.execPath, [tsx, path.join(REPO_ROOT, 'bench', 'smoke-target.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the target did not start in 20 s')), 20_000);
    child.stdout.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve({ endpoint: chunk.toString().trim(), child });
    });
    child.once('exit', (code) => reject(new Error(`the target exited with ${code}`)));
  });
}

async function burst(url: string, seconds: number): Promise<Measured> {
  const [check] = parseChecks(
    [{ type: 'burst', url, concurrency: CONCURRENCY, 'duration-seconds': seconds }],
    'bench: ',
  );
  const logger = new ConsoleLogger();
  const burstCheck = defined(check, 'the burst check') as BurstCheck;
  const request = resolveRequest(burstCheck, { outputs: {}, env: {} }, logger);
  const result = await runBurstCheck(burstCheck, request, logger);
  const stats = defined(result.burst, "the burst's statistics");
  return { rps: stats.requestsPerSecond, p50: stats.p50Ms, p99: stats.p99Ms, errors: stats.errors };
}

async function peer(url: string, seconds: number): Promise<Measured> {
  const result = await autocannon({
    url,
    connections: CONCURRENCY,
    duration: seconds,
    pipelining: 1,
  });
  return {
    rps: result.requests.total / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

function row(name: string, measured: Measured): string {
  return `| ${name.padEnd(24)} | ${measured.rps.toFixed(0).padStart(7)} | ${measured.p50.toFixed(2).padStart(8)} | ${measured.p99.toFixed(2).padStart(8)} | ${String(measured.errors).padStart(6)} |`;
}

const { endpoint, child } = await startTarget();
try {
  const url = `${endpoint}/health`;
  console.log(
    `Target: ${url} (separate process); ${CONCURRENCY} connections, ${SECONDS} s each.\n`,
  );
  await burst(url, WARM_UP_SECONDS);
  await peer(url, WARM_UP_SECONDS);
  const ours = await burst(url, SECONDS);
  const theirs = await peer(url, SECONDS);
  console.log('| Load generator           |   req/s |  p50 ms  |  p99 ms  | errors |');
  console.log('| ------------------------ | ------: | -------: | -------: | -----: |');
  console.log(row('burst check (this suite)', ours));
  console.log(row('autocannon 9 (peer)', theirs));
  const ratio = ours.rps / theirs.rps;
  console.log(
    `\nRate ratio burst/autocannon: ${ratio.toFixed(2)} (goal ≥ ${GOAL}) → ${ratio >= GOAL ? 'met' : 'NOT met'}`,
  );
  // autocannon's histogram counts whole milliseconds, so sub-millisecond latencies read 0.
  const latency = (a: number, b: number): string =>
    b > 0 ? (a / b).toFixed(2) : 'n/a (the peer reads 0 ms)';
  console.log(
    `Latency ratio burst/autocannon: p50 ${latency(ours.p50, theirs.p50)}, p99 ${latency(ours.p99, theirs.p99)}; autocannon's resolution is 1 ms.`,
  );
  if (ours.errors > 0 || theirs.errors > 0)
    console.log('Errors were seen; the numbers are suspect.');
} finally {
  child.kill('SIGTERM');
}
