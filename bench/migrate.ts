// npm run bench:migrate — seed 001's S3 clone benchmark on moto, and the two copying strategies.
//
// 1. Copy 7,500 objects over 195 prefixes with the action's copier (copyBucket, in this
//    process) and with `aws s3 sync` (the peer), into fresh buckets, alternating, same moto.
//    The copier's heap is sampled during its copies: it must stay flat.
//    Goal: the copier at least as fast as aws s3 sync.
// 2. Migrate the same environment (BENCH_MIGRATE_OBJECTS objects, 1,500 by default) once
//    blue-green and once double-clone through the bundled action. Goal: blue-green at most
//    0.55 of double-clone's wall time.
import { spawn } from 'node:child_process';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startMoto } from '../harness/moto.js';
import { startStatisticsService } from '../harness/statistics-service.js';
import { systemClock } from '../src/core/waiter.js';
import { copyBucket } from '../src/migration/bucket-copy.js';
import { compareBuckets } from '../src/migration/bucket-compare.js';
import { expectSuccess, MigrationWorld, TOKEN } from '../test/support/migration-environment.js';
import { median } from './stats.js';

const OBJECTS = 7_500;
const PREFIXES = 195;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const MIGRATE_OBJECTS = Number(process.env.BENCH_MIGRATE_OBJECTS ?? 1_500);

async function fill(s3: S3Client, bucket: string, count = OBJECTS): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const keys = Array.from(
    { length: count },
    (_, index) => `prefix-${String(index % PREFIXES).padStart(3, '0')}/object-${index}.bin`,
  );
  for (let start = 0; start < keys.length; start += 64) {
    await Promise.all(
      keys.slice(start, start + 64).map((key, offset) =>
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: Buffer.alloc(256 + ((start + offset) % 1024), 7),
          }),
        ),
      ),
    );
  }
}

function runSync(
  target: string,
  endpoint: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'aws',
      [
        's3',
        'sync',
        's3://bench-source',
        `s3://${target}`,
        '--only-show-errors',
        '--endpoint-url',
        endpoint,
      ],
      { env: { ...env, AWS_DEFAULT_REGION: 'us-east-1' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function main(): Promise<void> {
  const moto = await startMoto();
  try {
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const filled = Date.now();
    await fill(s3, 'bench-source');
    console.log(
      `Source: ${OBJECTS} objects over ${PREFIXES} prefixes, written in ${seconds(Date.now() - filled)}`,
    );

    const copier: number[] = [];
    const sync: number[] = [];
    const heapGrowth: number[] = [];
    // The heap's peak growth during one copy, sampled every 50 ms.
    const measuredCopy = async (source: string, target: string) => {
      await s3.send(new CreateBucketCommand({ Bucket: target }));
      const heapBefore = process.memoryUsage().heapUsed;
      let heapPeak = heapBefore;
      const sampler = setInterval(() => {
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      }, 50);
      const started = performance.now();
      await copyBucket(s3, source, target, { concurrency: CONCURRENCY, clock: systemClock });
      clearInterval(sampler);
      return { ms: performance.now() - started, heap: heapPeak - heapBefore };
    };
    // Flat memory: a tenth of the objects must grow the heap about as much as all of them.
    await fill(s3, 'bench-small', OBJECTS / 10);
    const small = await measuredCopy('bench-small', 'bench-small-copy');
    for (let round = 1; round <= ROUNDS; round++) {
      const ours = `bench-copier-${round}`;
      const measured = await measuredCopy('bench-source', ours);
      copier.push(measured.ms);
      heapGrowth.push(measured.heap);
      const verified = await compareBuckets(s3, 'bench-source', ours);
      if (!verified.equal)
        throw new Error(`the copier's copy differs: ${verified.differenceCount} objects`);

      const theirs = `bench-sync-${round}`;
      await s3.send(new CreateBucketCommand({ Bucket: theirs }));
      const syncStarted = performance.now();
      // Not spawnSync: a blocked event loop stops draining moto's log pipe, and moto then hangs.
      const result = await runSync(theirs, moto.endpoint, { ...process.env, ...moto.env });
      sync.push(performance.now() - syncStarted);
      if (result.status !== 0) throw new Error(`aws s3 sync failed: ${result.stderr}`);
      const synced = await compareBuckets(s3, 'bench-source', theirs);
      if (!synced.equal)
        throw new Error(`aws s3 sync's copy differs: ${synced.differenceCount} objects`);
      console.log(
        `round ${round}: copier ${seconds(copier.at(-1) ?? 0)} (heap +${((heapGrowth.at(-1) ?? 0) / 1024 ** 2).toFixed(1)} MiB), aws s3 sync ${seconds(sync.at(-1) ?? 0)}`,
      );
    }
    const ratio = median(copier) / median(sync);
    console.log(
      `\nS3 clone, ${OBJECTS} objects / ${PREFIXES} prefixes, median of ${ROUNDS}: copier ${seconds(median(copier))} (${CONCURRENCY} at a time) vs aws s3 sync ${seconds(median(sync))} → ratio ${ratio.toFixed(2)} (goal ≤ 1.00) ${ratio <= 1 ? 'MET' : 'MISSED'}`,
    );
    console.log(
      `Copier heap growth during a copy: ${(small.heap / 1024 ** 2).toFixed(1)} MiB for ${OBJECTS / 10} objects, median ${(median(heapGrowth) / 1024 ** 2).toFixed(1)} MiB for ${OBJECTS} (two listing pages plus copies in flight; flat if about equal)`,
    );

    const service = await startStatisticsService(
      { endpoint: moto.endpoint, region: 'us-east-1' },
      TOKEN,
    );
    try {
      const world = new MigrationWorld(moto, service);
      await world.createArtifactBucket();
      expectSuccess(
        await world.migrate({ strategy: 'blue-green', environment: 'benchbg', version: '1.0.0' }),
      );
      await world.writeData('benchbg-records-blue', MIGRATE_OBJECTS, 30);
      expectSuccess(await world.provision('benchdc', '1.0.0'));
      await world.writeData('benchdc-records', MIGRATE_OBJECTS, 30);
      const blueGreen = expectSuccess(
        await world.migrate({
          strategy: 'blue-green',
          environment: 'benchbg',
          version: '2.0.0',
          's3-copy-concurrency': String(CONCURRENCY),
        }),
      ).durationMs;
      const doubleClone = expectSuccess(
        await world.migrate({
          strategy: 'double-clone',
          environment: 'benchdc',
          version: '2.0.0',
          's3-copy-concurrency': String(CONCURRENCY),
        }),
      ).durationMs;
      const strategyRatio = blueGreen / doubleClone;
      console.log(
        `Migration of ${MIGRATE_OBJECTS} objects + a database: blue-green ${seconds(blueGreen)} vs double-clone ${seconds(doubleClone)} → ratio ${strategyRatio.toFixed(2)} (goal ≤ 0.55) ${strategyRatio <= 0.55 ? 'MET' : 'MISSED'}`,
      );
    } finally {
      await service.close();
    }
  } finally {
    await moto.stop();
  }
}

await main();
