// npm run bench:copy — the S3 copier beyond what moto can show (issue 16, seed 001).
//
// 1. Its own ceiling: copyBucket over 1,000,000 objects (BENCH_COPY_OBJECTS) against a local
//    S3 stub in a process of its own that answers at once (harness/s3-stub.ts), so what is left
//    is the copier's own work. Reports objects per second and the growth of the process's RSS
//    over the copy, sampled every 100 ms. Goals: ≥ 5,000 objects/s; RSS growth ≤ 64 MiB.
// 2. Against a round trip: 2,000 objects behind a proxy that holds every request 40 ms
//    (harness/latency-proxy.ts), copied by the copier and by `aws s3 sync` (the peer),
//    alternating, BENCH_ROUNDS rounds each. Goal: ≤ 0.25 of sync's median time. Run twice:
//    in front of the stub (the server adds nothing, so what is measured is how well each keeps
//    requests in flight; copies counted by the stub), and in front of moto (the setup;
//    copies verified object by object), where moto's own rate of copies bounds both.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startLatencyProxy } from '../harness/latency-proxy.js';
import { startMoto } from '../harness/moto.js';
import { REPO_ROOT } from '../harness/run-action.js';
import { systemClock } from '../src/core/waiter.js';
import { compareBuckets } from '../src/migration/bucket-compare.js';
import { copyBucket } from '../src/migration/bucket-copy.js';
import { median } from './stats.js';

const CEILING_OBJECTS = Number(process.env.BENCH_COPY_OBJECTS ?? 1_000_000);
const LATENCY_OBJECTS = 2_000;
const LATENCY_MS = 40;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The action's default s3-copy-concurrency. */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const MiB = 1024 ** 2;

function client(endpoint: string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

/** The stub runs in its own process, under the same loader (tsx) as this one. */
async function startStub(objects: number): Promise<{ endpoint: string; stop(): void }> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, path.join(REPO_ROOT, 'harness', 's3-stub.ts'), String(objects)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the S3 stub did not start in 30 s')), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`the S3 stub exited with ${code}`)));
  });
  return { endpoint, stop: () => child.kill('SIGTERM') };
}

async function ceiling(): Promise<{ perSecond: number; rssGrowth: number }> {
  const stub = await startStub(CEILING_OBJECTS);
  try {
    const s3 = client(stub.endpoint);
    // Warm up the SDK and the connections, so the baseline is the copier's steady state.
    await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        s3.send(
          new CopyObjectCommand({
            Bucket: 'warm-up',
            Key: `object-${index}`,
            CopySource: 'source-warm-up/object',
          }),
        ),
      ),
    );
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 100);
    const started = performance.now();
    const result = await copyBucket(s3, 'source-bench', 'bench-target', {
      concurrency: 64,
      clock: systemClock,
      progressEveryMs: 10_000,
      onProgress: (progress) => {
        // With --expose-gc, the live heap after a collection: what the copier really holds.
        global.gc?.();
        console.log(
          `  ${progress.objects.toLocaleString('en')} objects, RSS +${((process.memoryUsage().rss - before) / MiB).toFixed(1)} MiB, heap ${(process.memoryUsage().heapUsed / MiB).toFixed(1)} MiB`,
        );
      },
    });
    const ms = performance.now() - started;
    clearInterval(sampler);
    if (result.objects !== CEILING_OBJECTS) {
      throw new Error(`the copier copied ${result.objects} of ${CEILING_OBJECTS} objects`);
    }
    return { perSecond: result.objects / (ms / 1000), rssGrowth: peak - before };
  } finally {
    stub.stop();
  }
}

function runSync(source: string, target: string, endpoint: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(
      'aws',
      ['s3', 'sync', `s3://${source}`, `s3://${target}`, '--only-show-errors'],
      {
        env: { ...env, AWS_ENDPOINT_URL: endpoint, AWS_DEFAULT_REGION: 'us-east-1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

interface Timings {
  copier: number[];
  sync: number[];
}

/** Copier and sync alternating through the latency proxy; `verify` checks each one's copy. */
async function alternate(
  upstream: string,
  env: NodeJS.ProcessEnv,
  source: string,
  prepare: (target: string) => Promise<void>,
  verify: (target: string, who: string) => Promise<void>,
): Promise<Timings> {
  const proxy = await startLatencyProxy(upstream, LATENCY_MS);
  try {
    const delayed = client(proxy.endpoint);
    const timings: Timings = { copier: [], sync: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      const ours = `latency-copier-${round}`;
      await prepare(ours);
      const started = performance.now();
      await copyBucket(delayed, source, ours, { concurrency: CONCURRENCY, clock: systemClock });
      timings.copier.push(performance.now() - started);
      await verify(ours, 'the copier');
      const theirs = `latency-sync-${round}`;
      await prepare(theirs);
      const syncStarted = performance.now();
      const result = await runSync(source, theirs, proxy.endpoint, env);
      timings.sync.push(performance.now() - syncStarted);
      if (result.status !== 0) throw new Error(`aws s3 sync failed: ${result.stderr}`);
      await verify(theirs, 'aws s3 sync');
      console.log(
        `  round ${round}: copier ${((timings.copier.at(-1) ?? 0) / 1000).toFixed(2)} s, aws s3 sync ${((timings.sync.at(-1) ?? 0) / 1000).toFixed(2)} s`,
      );
    }
    return timings;
  } finally {
    await proxy.close();
  }
}

async function latencyToStub(): Promise<Timings> {
  const stub = await startStub(LATENCY_OBJECTS);
  const copies = async () => Number(await (await fetch(`${stub.endpoint}/?stub-copies`)).text());
  let before = 0;
  try {
    return await alternate(
      stub.endpoint,
      { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
      'source-latency',
      async () => {
        before = await copies();
      },
      async (_target, who) => {
        const made = (await copies()) - before;
        if (made !== LATENCY_OBJECTS) throw new Error(`${who} made ${made} copies`);
      },
    );
  } finally {
    stub.stop();
  }
}

async function latencyToMoto(): Promise<Timings & { motoPerSecond: number }> {
  const moto = await startMoto();
  try {
    const direct = client(moto.endpoint);
    await direct.send(new CreateBucketCommand({ Bucket: 'latency-source' }));
    for (let start = 0; start < LATENCY_OBJECTS; start += 64) {
      await Promise.all(
        Array.from({ length: Math.min(64, LATENCY_OBJECTS - start) }, (_, offset) =>
          direct.send(
            new PutObjectCommand({
              Bucket: 'latency-source',
              Key: `prefix-${(start + offset) % 40}/object-${start + offset}.bin`,
              Body: Buffer.alloc(256 + ((start + offset) % 1024), 7),
            }),
          ),
        ),
      );
    }
    // moto's own rate of copies, with no proxy: the floor of both clients' times below.
    await direct.send(new CreateBucketCommand({ Bucket: 'latency-direct' }));
    const started = performance.now();
    await copyBucket(direct, 'latency-source', 'latency-direct', {
      concurrency: CONCURRENCY,
      clock: systemClock,
    });
    const motoPerSecond = LATENCY_OBJECTS / ((performance.now() - started) / 1000);
    const timings = await alternate(
      moto.endpoint,
      { ...process.env, ...moto.env },
      'latency-source',
      async (target) => {
        await direct.send(new CreateBucketCommand({ Bucket: target }));
      },
      async (target, who) => {
        const comparison = await compareBuckets(direct, 'latency-source', target);
        if (!comparison.equal) throw new Error(`${who}'s copy differs from the source`);
      },
    );
    return { ...timings, motoPerSecond };
  } finally {
    await moto.stop();
  }
}

function ratioLine(what: string, timings: Timings): void {
  const ratio = median(timings.copier) / median(timings.sync);
  console.log(
    `${what}: copier ${(median(timings.copier) / 1000).toFixed(2)} s vs aws s3 sync ${(median(timings.sync) / 1000).toFixed(2)} s (medians) → ratio ${ratio.toFixed(2)} (goal ≤ 0.25) ${ratio <= 0.25 ? 'MET' : 'MISSED'}`,
  );
}

console.log(
  `The copier's own ceiling: ${CEILING_OBJECTS.toLocaleString('en')} objects from a local S3 stub that answers at once, 64 at a time`,
);
const own = await ceiling();
const fastEnough = own.perSecond >= 5_000;
const flat = own.rssGrowth <= 64 * MiB;
console.log(
  `Ceiling: ${Math.round(own.perSecond).toLocaleString('en')} objects/s (goal ≥ 5,000) ${fastEnough ? 'MET' : 'MISSED'}; RSS growth ${(own.rssGrowth / MiB).toFixed(1)} MiB over the copy (goal ≤ 64 MiB) ${flat ? 'MET' : 'MISSED'}`,
);
console.log(
  `\nThrough a ${LATENCY_MS} ms latency proxy to the stub: ${LATENCY_OBJECTS.toLocaleString('en')} objects, copier (${CONCURRENCY} at a time) vs aws s3 sync, ${ROUNDS} rounds`,
);
ratioLine('Latency, stub', await latencyToStub());
console.log(
  `\nThrough a ${LATENCY_MS} ms latency proxy to moto: the same, copies verified object by object`,
);
const moto = await latencyToMoto();
console.log(
  `moto itself copies ${Math.round(moto.motoPerSecond)} objects/s with no proxy: a floor of ${(LATENCY_OBJECTS / moto.motoPerSecond).toFixed(1)} s for either client`,
);
ratioLine('Latency, moto', moto);
