import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { MotoServer } from '../../harness/moto.js';
import { startMotoWithBucket } from '../support/moto-bucket.js';
import { RefusalError } from '../../src/core/errors.js';
import type { MigrationJournal } from '../../src/migration/journal.js';
import {
  currentProcess,
  lockKey,
  MigrationLock,
  type LockOptions,
  type LockRecord,
} from '../../src/migration/migration-lock.js';
import { FakeClock } from '../support/fake-clock.js';
import { RecordingLogger } from '../support/recording-logger.js';

// The migration lock on moto's S3, whose conditional writes (If-None-Match, If-Match) the suite
// relies on; harness/moto_server.py makes them atomic, as they are on AWS.
let moto: MotoServer;
let s3: S3Client;
const BUCKET = 'lock-artifacts';
const TTL = 60_000;

beforeAll(async () => {
  ({ moto, s3 } = await startMotoWithBucket(BUCKET));
});

afterAll(async () => {
  await moto?.stop();
});

function options(
  environment: string,
  clock: FakeClock,
  extra: Partial<LockOptions> = {},
): LockOptions & { logger: RecordingLogger } {
  return {
    s3: () => s3,
    bucket: BUCKET,
    component: 'records',
    environment,
    runUrl: 'https://github.com/acme/records/actions/runs/1',
    clock,
    logger: new RecordingLogger(),
    latestJournal: async () => undefined,
    ttlMs: TTL,
    ...extra,
  } as LockOptions & { logger: RecordingLogger };
}

async function readLock(environment: string): Promise<LockRecord | undefined> {
  try {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: lockKey('records', environment) }),
    );
    return JSON.parse(await object.Body!.transformToString('utf8')) as LockRecord;
  } catch {
    return undefined;
  }
}

async function writeLock(environment: string, record: Partial<LockRecord>): Promise<void> {
  const now = new Date(Date.UTC(2026, 10, 22, 12, 0, 0));
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: lockKey('records', environment),
      Body: JSON.stringify({
        schema: 1,
        token: 'someone-else',
        component: 'records',
        environment,
        runUrl: 'https://github.com/acme/records/actions/runs/99',
        process: { host: 'runner-99', machine: 'elsewhere', pid: 4242 },
        acquiredAt: now.toISOString(),
        renewedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + TTL).toISOString(),
        ...record,
      }),
    }),
  );
}

describe('the migration lock', () => {
  test('a second run is refused while the first holds it, naming the run; release frees it', async () => {
    const clock = new FakeClock();
    const first = await MigrationLock.acquire(options('held', clock));
    const held = await readLock('held');
    expect(held).toMatchObject({
      runUrl: 'https://github.com/acme/records/actions/runs/1',
      process: { pid: process.pid },
    });

    const second = options('held', clock, {
      runUrl: 'https://github.com/acme/records/actions/runs/2',
    });
    const refused = await MigrationLock.acquire(second).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RefusalError);
    expect((refused as Error).message).toMatch(
      /Another migration of records in held holds the lock s3:\/\/lock-artifacts\/locks\/migrations\/records\/held\.json: run https:\/\/github\.com\/acme\/records\/actions\/runs\/1 .*This run changed nothing/,
    );

    await first.release();
    expect(await readLock('held')).toBeUndefined();
    const third = await MigrationLock.acquire(second);
    expect((await readLock('held'))?.runUrl).toBe('https://github.com/acme/records/actions/runs/2');
    await third.release();
  });

  test('of eight runs racing for one environment, exactly one gets the lock', async () => {
    const clock = new FakeClock();
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, index) =>
        MigrationLock.acquire(
          options('race', clock, {
            runUrl: `https://github.com/acme/records/actions/runs/${index}`,
          }),
        ),
      ),
    );
    const won = attempts.filter((attempt) => attempt.status === 'fulfilled');
    const lost = attempts.filter((attempt) => attempt.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(7);
    for (const attempt of lost) {
      expect(String(attempt.reason)).toMatch(/holds the lock|changed hands/);
    }
    await (won[0] as PromiseFulfilledResult<MigrationLock>).value.release();
  });

  test('an expired lock is taken over; the run that lost it stops at its next step', async () => {
    const clock = new FakeClock();
    const first = await MigrationLock.acquire(options('expired', clock));
    const later = new FakeClock(clock.now() + TTL + 1);
    const second = options('expired', later, {
      runUrl: 'https://github.com/acme/records/actions/runs/2',
    });
    const taker = await MigrationLock.acquire(second);
    expect(second.logger.messages('warning').join('\n')).toMatch(
      /Took over the migration lock .* from run https:\/\/github\.com\/acme\/records\/actions\/runs\/1 .*it expired at/,
    );

    await first.renew();
    expect(() => first.assertHeld()).toThrow(
      /This migration no longer holds its lock: the lock .* was taken over by another run/,
    );
    taker.assertHeld();
    // The loser's release leaves the winner's lock alone.
    await first.release();
    expect((await readLock('expired'))?.runUrl).toBe(
      'https://github.com/acme/records/actions/runs/2',
    );
    await taker.release();
  });

  test('renewal keeps a working run its lock past the first expiry', async () => {
    const clock = new FakeClock();
    const lock = await MigrationLock.acquire(options('renewed', clock));
    const before = (await readLock('renewed'))!.expiresAt;
    await clock.sleep(TTL / 2);
    await lock.renew();
    const after = (await readLock('renewed'))!.expiresAt;
    expect(Date.parse(after) - Date.parse(before)).toBe(TTL / 2);
    await clock.sleep(TTL / 2 + 1); // past the first expiry, inside the renewed one
    lock.assertHeld();
    const other = await MigrationLock.acquire(
      options('renewed', new FakeClock(Date.parse(before) + 1)),
    ).catch((error: unknown) => error);
    expect(String(other)).toMatch(/holds the lock/);
    await lock.release();
  });

  test('an expired lock whose migration wrote its journal after the expiry is not taken over', async () => {
    await writeLock('lagging', {});
    const expiry = Date.UTC(2026, 10, 22, 12, 0, 0) + TTL;
    const journal = {
      id: '20261122T120000000Z-abcdef',
      status: 'running',
      updatedAt: new Date(expiry + 5_000).toISOString(),
    } as MigrationJournal;
    const refused = await MigrationLock.acquire(
      options('lagging', new FakeClock(expiry + 10_000), { latestJournal: async () => journal }),
    ).catch((error: unknown) => error);
    expect(String(refused)).toMatch(
      /expired at .* but migration 20261122T120000000Z-abcdef wrote its journal later .* so its run may still be working/,
    );
    expect((await readLock('lagging'))?.token).toBe('someone-else');

    // Once the journal says it finished, the expired lock is free to take.
    const finished = { ...journal, status: 'completed' } as MigrationJournal;
    const lock = await MigrationLock.acquire(
      options('lagging', new FakeClock(expiry + 10_000), { latestJournal: async () => finished }),
    );
    await lock.release();
  });

  test('a holder that ran on this machine and has ended is taken over at once', async () => {
    const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const deadPid = Number(ended.stdout.toString());
    const here = currentProcess();
    if (!here.machine) return; // no /proc: nothing can be proven, the expiry is waited out
    await writeLock('crashed', { process: { ...here, pid: deadPid } });
    const clock = new FakeClock(); // well before the lock's expiry
    const taking = options('crashed', clock);
    const lock = await MigrationLock.acquire(taking);
    expect(taking.logger.messages('warning').join('\n')).toContain(
      'that process has ended on this machine',
    );
    await lock.release();

    // The same pid on another machine proves nothing: refused until it expires.
    await writeLock('crashed', { process: { ...here, machine: 'another-boot', pid: deadPid } });
    await expect(MigrationLock.acquire(options('crashed', new FakeClock()))).rejects.toThrow(
      /holds the lock/,
    );
  });

  test('a lock object that cannot be read refuses every run until a person looks', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: lockKey('records', 'junk'), Body: '{"half' }),
    );
    await expect(MigrationLock.acquire(options('junk', new FakeClock()))).rejects.toThrow(
      /exists but cannot be read as a lock/,
    );
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: lockKey('records', 'junk') }));
  });

  test('a missing artifact bucket is refused before anything else', async () => {
    await expect(
      MigrationLock.acquire({ ...options('any', new FakeClock()), bucket: 'no-such-artifacts' }),
    ).rejects.toThrow(/The artifact bucket 'no-such-artifacts' does not exist/);
  });
});
