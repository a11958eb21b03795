import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { awsErrorName, httpStatus, isS3NotFound } from '../aws/errors.js';
import { refuseMissingArtifactBucket } from '../aws/s3-buckets.js';
import { RefusalError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/waiter.js';
import { s3Url } from '../packaging/package-reference.js';
import { isFinished, type MigrationJournal } from './journal.js';

/** Long enough to ride out a slow S3 answer, short enough that a dead run's lock clears soon. */
export const LOCK_TTL_MS = 5 * 60_000;
const MAX_ATTEMPTS = 3;

/** The process holding a lock, precisely enough to tell on the same machine whether it died. */
export interface LockProcess {
  host: string;
  /** Linux's boot id and pid namespace: a pid means the same process only within both. */
  machine: string | null;
  pid: number;
}

export interface LockRecord {
  schema: 1;
  /** Random per acquisition: renewal and release only touch the lock this run wrote. */
  token: string;
  component: string;
  environment: string;
  runUrl: string | null;
  process: LockProcess;
  acquiredAt: string;
  renewedAt: string;
  expiresAt: string;
}

export function lockKey(component: string, environment: string): string {
  return `locks/migrations/${component}/${environment}.json`;
}

function readOrNull(read: () => string): string | null {
  try {
    return read().trim();
  } catch {
    return null;
  }
}

/** Null where the platform offers no way to tell one machine's processes from another's. */
function machineIdentity(): string | null {
  const boot = readOrNull(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  const namespace = readOrNull(() => readlinkSync('/proc/self/ns/pid'));
  return boot && namespace ? `${boot}/${namespace}` : null;
}

export function currentProcess(): LockProcess {
  return { host: hostname(), machine: machineIdentity(), pid: process.pid };
}

/**
 * True only when the holder provably ended: it ran on this very machine and pid namespace
 * and no process has its pid any more. Anything else (another machine, no /proc, a pid now
 * reused by some other process) is "maybe alive", and the lock is then waited out.
 */
export function holderProvablyDead(holder: LockProcess, here: LockProcess): boolean {
  if (!holder.machine || holder.machine !== here.machine || holder.pid === here.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function isConditionFailure(error: unknown): boolean {
  const name = awsErrorName(error);
  // 409 ConditionalRequestConflict: S3's answer to two conditional writes racing for a key.
  return (
    name === 'PreconditionFailed' ||
    name === 'ConditionalRequestConflict' ||
    httpStatus(error) === 412 ||
    httpStatus(error) === 409
  );
}

function describeHolder(record: LockRecord): string {
  return `${record.runUrl ? `run ${record.runUrl}` : 'a run with no GitHub run URL'} (pid ${record.process.pid} on ${record.process.host}, since ${record.acquiredAt}, lock expires ${record.expiresAt} unless renewed)`;
}

export interface LockOptions {
  s3: () => S3Client;
  bucket: string;
  component: string;
  environment: string;
  runUrl: string | null;
  clock: Clock;
  logger: Logger;
  /** The environment's newest journal, read only when a stale lock is considered. */
  latestJournal: () => Promise<MigrationJournal | undefined>;
  ttlMs?: number;
}

/**
 * One migration of an environment at a time, whatever the workflows' concurrency groups say:
 * an object in the artifact bucket created with If-None-Match, renewed with If-Match while the
 * run works. A second run is refused before it touches anything; a lock is taken over only
 * when it has expired and the journal shows no sign of its holder since, or when its holder
 * ran on this machine and has provably ended.
 */
export class MigrationLock {
  private etag: string | undefined;
  private lostReason: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  private constructor(
    private readonly options: LockOptions,
    private record: LockRecord,
  ) {}

  get key(): string {
    return lockKey(this.options.component, this.options.environment);
  }

  get url(): string {
    return s3Url(this.options.bucket, this.key);
  }

  get ttlMs(): number {
    return this.options.ttlMs ?? LOCK_TTL_MS;
  }

  static async acquire(options: LockOptions): Promise<MigrationLock> {
    const now = new Date(options.clock.now());
    const ttl = options.ttlMs ?? LOCK_TTL_MS;
    const record: LockRecord = {
      schema: 1,
      token: randomBytes(12).toString('hex'),
      component: options.component,
      environment: options.environment,
      runUrl: options.runUrl,
      process: currentProcess(),
      acquiredAt: now.toISOString(),
      renewedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttl).toISOString(),
    };
    const lock = new MigrationLock(options, record);
    await lock.take();
    lock.startRenewing();
    return lock;
  }

  private async put(condition: { IfNoneMatch: '*' } | { IfMatch: string }): Promise<void> {
    const response = await this.options.s3().send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: this.key,
        Body: JSON.stringify(this.record, null, 2),
        ContentType: 'application/json',
        ...condition,
      }),
    );
    this.etag = response.ETag;
  }

  private async read(): Promise<{ record: LockRecord | undefined; etag: string } | undefined> {
    let text: string;
    let etag: string;
    try {
      const object = await this.options
        .s3()
        .send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key }));
      text = (await object.Body?.transformToString('utf8')) ?? '';
      etag = object.ETag ?? '';
    } catch (error) {
      if (isS3NotFound(error)) return undefined;
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as Partial<LockRecord> | null;
      if (parsed?.schema === 1 && typeof parsed.token === 'string' && parsed.process) {
        return { record: parsed as LockRecord, etag };
      }
    } catch {
      // falls through: an unreadable lock proves nothing about its holder
    }
    return { record: undefined, etag };
  }

  private missingBucket(error: unknown): never {
    refuseMissingArtifactBucket(
      error,
      this.options.bucket,
      'so no migration lock can be taken; no migration starts without one',
    );
  }

  private async take(): Promise<void> {
    const { logger, clock } = this.options;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        await this.put({ IfNoneMatch: '*' });
        logger.info(`Took the migration lock ${this.url} (expires ${this.record.expiresAt}).`);
        return;
      } catch (error) {
        if (!isConditionFailure(error)) this.missingBucket(error);
      }
      const found = await this.read();
      if (!found) continue; // released between our write and our read: try again
      if (!found.record) {
        throw new RefusalError(
          `The migration lock ${this.url} exists but cannot be read as a lock, so it cannot be told whether another migration of ${this.options.environment} is running.`,
          'Make sure no migration of this environment is running, then delete that object and run again.',
        );
      }
      const holder = found.record;
      const now = clock.now();
      const dead = holderProvablyDead(holder.process, this.record.process);
      if (!dead && now < Date.parse(holder.expiresAt)) {
        throw new RefusalError(
          `Another migration of ${this.options.component} in ${this.options.environment} holds the lock ${this.url}: ${describeHolder(holder)}. This run changed nothing.`,
          'Wait for that run to finish, then run again; if it was cancelled, its lock expires by itself.',
          'Another migration holds the lock',
        );
      }
      if (!dead) {
        // Expired: but a holder whose clock or renewals lag may still be working. Its journal
        // writes say so: one written after the lock's expiry means it is alive.
        const journal = await this.options.latestJournal();
        if (
          journal &&
          !isFinished(journal) &&
          Date.parse(journal.updatedAt) >= Date.parse(holder.expiresAt)
        ) {
          throw new RefusalError(
            `The migration lock ${this.url} expired at ${holder.expiresAt}, but migration ${journal.id} wrote its journal later (${journal.updatedAt}), so its run may still be working: ${describeHolder(holder)}.`,
            'Wait for that run to finish, or make sure it has stopped, then run again.',
          );
        }
      }
      try {
        await this.put({ IfMatch: found.etag });
        logger.warning(
          `Took over the migration lock ${this.url} from ${describeHolder(holder)}: ${dead ? 'that process has ended on this machine' : `it expired at ${holder.expiresAt}`}.`,
          { title: 'Stale migration lock taken over' },
        );
        return;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Another run took it over first: the next round reads and names it.
      }
    }
    throw new RefusalError(
      `The migration lock ${this.url} changed hands ${MAX_ATTEMPTS} times while this run tried to take it; another migration of ${this.options.environment} is starting.`,
      'Wait for it to finish, then run again.',
    );
  }

  private startRenewing(): void {
    this.timer = setInterval(
      () => {
        this.renewing ??= this.renew().finally(() => {
          this.renewing = undefined;
        });
      },
      Math.max(50, Math.floor(this.ttlMs / 5)),
    );
    // The renewal must never keep a finished process alive.
    this.timer.unref();
  }

  /** Pushes the expiry on; a lock lost to another run is noted, and the next step stops. */
  async renew(): Promise<void> {
    if (this.lostReason || !this.etag) return;
    const now = new Date(this.options.clock.now());
    const previous = { ...this.record };
    this.record.renewedAt = now.toISOString();
    this.record.expiresAt = new Date(now.getTime() + this.ttlMs).toISOString();
    try {
      await this.put({ IfMatch: this.etag });
    } catch (error) {
      this.record = previous;
      if (isConditionFailure(error)) {
        this.lostReason = `the lock ${this.url} was taken over by another run`;
      } else if (now.getTime() >= Date.parse(previous.expiresAt)) {
        this.lostReason = `the lock ${this.url} expired at ${previous.expiresAt} and could not be renewed (${errorMessage(error)})`;
      } else {
        this.options.logger.warning(
          `Could not renew the migration lock (${errorMessage(error)}); trying again before it expires at ${previous.expiresAt}.`,
        );
      }
    }
  }

  /** Throws when the lock is no longer this run's: going on could overlap another migration. */
  assertHeld(): void {
    const expired = this.options.clock.now() >= Date.parse(this.record.expiresAt);
    const reason =
      this.lostReason ??
      (expired ? `the lock ${this.url} expired at ${this.record.expiresAt}` : undefined);
    if (reason) {
      throw new RefusalError(
        `This migration no longer holds its lock: ${reason}. It stopped before its next step so as not to overlap another run.`,
        'The journal says where the data is; run again once no other migration of this environment is running.',
      );
    }
  }

  /** Deletes the lock if it is still this run's; a failure only delays the next run. */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.renewing?.catch(() => undefined);
    if (!this.etag || this.lostReason) return;
    try {
      const found = await this.read();
      if (found?.record?.token !== this.record.token) return;
      await this.options
        .s3()
        .send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key }));
      this.options.logger.info(`Released the migration lock ${this.url}.`);
    } catch (error) {
      this.options.logger.warning(
        `Could not release the migration lock ${this.url} (${errorMessage(error)}); it expires by itself at ${this.record.expiresAt}.`,
      );
    }
  }
}
