import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { newestKey, refuseMissingArtifactBucket } from '../aws/s3-buckets.js';
import { RefusalError } from '../core/errors.js';
import { s3Url } from '../packaging/package-reference.js';

export const STRATEGIES = ['update', 'blue-green', 'double-clone'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface JournalStep {
  name: string;
  /** `started` and never finished means the run died during it. */
  status: 'started' | 'done' | 'failed';
  error?: string;
  startedAt: string;
  finishedAt?: string;
  /** What the step found or made, for the steps after it and for a re-run. */
  data?: unknown;
}

/**
 * running: in progress, or the run died (a re-run resumes or rolls back);
 * failed: stopped past the point of no return, data safe where `dataLocation` says (a re-run
 * resumes); completed and rolled-back are final.
 */
export type JournalStatus = 'running' | 'failed' | 'completed' | 'rolled-back';

export interface MigrationJournal {
  schema: 1;
  id: string;
  component: string;
  environment: string;
  strategy: Strategy;
  toVersion: string;
  status: JournalStatus;
  /** Where the environment's data is, in one sentence; updated as the migration moves it. */
  dataLocation: string;
  /** Stack names by role: source, target, temporary. */
  stacks: Record<string, string>;
  /** Bumped when a failed phase is reset for a re-run; makes re-taken snapshots distinct. */
  attempt: number;
  startedAt: string;
  updatedAt: string;
  runUrl: string | null;
  steps: JournalStep[];
  error?: string;
}

const ROOT = 'migrations';
const MAX_PAGES = 1000;

export function journalPrefix(component: string, environment: string): string {
  return `${ROOT}/${component}/${environment}/`;
}

/**
 * Sortable by time, to the millisecond, so the newest journal is the greatest key. `after` is
 * the newest existing id: a new one always sorts after it, even within the same millisecond or
 * with a clock that went back, because only the newest journal is read to find an unfinished
 * migration.
 */
export function newMigrationId(now: Date, after?: string): string {
  const stamp = (time: Date) => time.toISOString().replace(/[-:.]/g, '');
  const suffix = randomBytes(3).toString('hex');
  const id = `${stamp(now)}-${suffix}`;
  const previous = after && /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)(\d{3})Z/.exec(after);
  if (!after || id > after || !previous) return id;
  const [, year, month, day, hour, minute, second, ms] = previous;
  const time = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${ms}Z`);
  return `${stamp(new Date(time + 1))}-${suffix}`;
}

/** One journal object per migration in the artifact bucket, rewritten as each step runs. */
export class JournalStore {
  constructor(
    private readonly s3: () => S3Client,
    readonly bucket: string,
    /**
     * Applied to every string of a journal before it is written: errors and step results can
     * quote a URL or an answer that carries a masked value, and the journal outlives the log.
     */
    private readonly redact: (text: string) => string = (text) => text,
  ) {}

  key(journal: Pick<MigrationJournal, 'component' | 'environment' | 'id'>): string {
    return `${journalPrefix(journal.component, journal.environment)}${journal.id}.json`;
  }

  url(journal: Pick<MigrationJournal, 'component' | 'environment' | 'id'>): string {
    return s3Url(this.bucket, this.key(journal));
  }

  private missingBucket(error: unknown): never {
    refuseMissingArtifactBucket(
      error,
      this.bucket,
      'so the migration journal cannot be kept; no migration starts without one',
    );
  }

  /** The newest journal of an environment: the only one that can be unfinished. */
  async latest(component: string, environment: string): Promise<MigrationJournal | undefined> {
    let newest: string | undefined;
    try {
      newest = await newestKey(
        this.s3(),
        this.bucket,
        journalPrefix(component, environment),
        '.json',
        MAX_PAGES,
      );
    } catch (error) {
      this.missingBucket(error);
    }
    if (!newest) return undefined;
    const object = await this.s3().send(new GetObjectCommand({ Bucket: this.bucket, Key: newest }));
    const text = (await object.Body?.transformToString('utf8')) ?? '';
    let journal: MigrationJournal;
    try {
      journal = JSON.parse(text) as MigrationJournal;
    } catch {
      journal = undefined as never;
    }
    if (
      !journal ||
      journal.schema !== 1 ||
      !Array.isArray(journal.steps) ||
      journal.component !== component ||
      journal.environment !== environment
    ) {
      throw new RefusalError(
        `The newest migration journal ${s3Url(this.bucket, newest)} cannot be read as a journal of ${component} in ${environment}, so it is not possible to tell whether a migration is half-finished.`,
        'Inspect it and the stacks it names; once the environment is known to be whole, move the object aside and run again.',
      );
    }
    return journal;
  }

  private put(journal: MigrationJournal, firstWrite: boolean) {
    return this.s3().send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(journal),
        Body: JSON.stringify(
          journal,
          (_key, value: unknown) => (typeof value === 'string' ? this.redact(value) : value),
          2,
        ),
        ContentType: 'application/json',
        // A new journal never replaces another: ids are unique, and this makes sure of it.
        ...(firstWrite ? { IfNoneMatch: '*' } : {}),
      }),
    );
  }

  async create(journal: MigrationJournal): Promise<void> {
    try {
      await this.put(journal, true);
    } catch (error) {
      this.missingBucket(error);
    }
  }

  async save(journal: MigrationJournal, now: Date): Promise<void> {
    journal.updatedAt = now.toISOString();
    await this.put(journal, false);
  }
}

export function isFinished(journal: MigrationJournal): boolean {
  return journal.status === 'completed' || journal.status === 'rolled-back';
}

export function stepOf(journal: MigrationJournal, name: string): JournalStep | undefined {
  return journal.steps.find((step) => step.name === name);
}

export function isDone(journal: MigrationJournal, name: string): boolean {
  return stepOf(journal, name)?.status === 'done';
}

export function hasStarted(journal: MigrationJournal, name: string): boolean {
  return stepOf(journal, name) !== undefined;
}
