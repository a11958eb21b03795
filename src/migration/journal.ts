import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { newestKey, refuseMissingArtifactBucket } from '../aws/s3-buckets.js';
import { RefusalError } from '../core/errors.js';
import { s3Url } from '../packaging/package-reference.js';
import { isRecord } from '../core/values.js';

export const STRATEGIES = ['update', 'blue-green', 'double-clone', 'rollback'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface JournalStep {
  /** The step's key in the journal: a re-run finds its result by it. */
  name: string;
  /** What the step does, as the summary says it (absent in journals from before 0.2). */
  title?: string;
  /** `started` and never finished means the run died during it. */
  status: 'started' | 'done' | 'failed';
  error?: string;
  /** The step stopped on purpose (a refusal: ⛔), not because its work failed (❌). */
  refused?: boolean;
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

/** The colours of a blue/green environment: its stacks are `{stack}-blue` and `{stack}-green`. */
export const COLOURS = ['blue', 'green'] as const;
export type Colour = (typeof COLOURS)[number];

/** update: the one stack, updated in place. */
export interface UpdateStacks {
  source: string;
}

/** double-clone: the original, and the temporary stack that holds the data in between. */
export interface DoubleCloneStacks {
  source: string;
  temporary: string;
}

/** blue-green: the active colour's stack ('' for a first run) and the idle one's. */
export interface BlueGreenStacks {
  source: string;
  target: string;
  targetColour: Colour;
  sourceColour?: Colour;
  /** The colour before the active one, past keep-previous-hours: deleted first. */
  retire?: string;
}

/**
 * rollback: a finished blue/green migration undone. `source` is the colour serving users when
 * it starts (the newer version), `target` the previous colour it returns them to.
 */
export interface RollbackStacks {
  source: string;
  target: string;
  sourceColour: Colour;
  targetColour: Colour;
  /** The finished migration (blue-green or rollback) whose switch this one undoes. */
  undoes: string;
  /** The version the source colour runs, which the environment leaves. */
  leaving: string;
}

/** What every journal holds, whatever its strategy. */
interface JournalFields {
  schema: 1;
  id: string;
  component: string;
  environment: string;
  toVersion: string;
  status: JournalStatus;
  /** Where the environment's data is, in one sentence; updated as the migration moves it. */
  dataLocation: string;
  /** Bumped when a failed phase is reset for a re-run; makes re-taken snapshots distinct. */
  attempt: number;
  startedAt: string;
  updatedAt: string;
  runUrl: string | null;
  steps: JournalStep[];
  error?: string;
}

/** One journal per strategy: the stacks it plans are typed by the strategy that uses them. */
export type UpdateJournal = JournalFields & { strategy: 'update'; stacks: UpdateStacks };
export type DoubleCloneJournal = JournalFields & {
  strategy: 'double-clone';
  stacks: DoubleCloneStacks;
};
export type BlueGreenJournal = JournalFields & { strategy: 'blue-green'; stacks: BlueGreenStacks };
export type RollbackJournal = JournalFields & { strategy: 'rollback'; stacks: RollbackStacks };
export type MigrationJournal =
  UpdateJournal | DoubleCloneJournal | BlueGreenJournal | RollbackJournal;

/** The journal of one strategy. */
export type JournalOf<S extends Strategy> = Extract<MigrationJournal, { strategy: S }>;

function isColour(value: unknown): value is Colour {
  return value === 'blue' || value === 'green';
}

function isStepList(value: unknown): value is JournalStep[] {
  return (
    Array.isArray(value) &&
    value.every(
      (step) =>
        isRecord(step) &&
        typeof step.name === 'string' &&
        (step.title === undefined || typeof step.title === 'string') &&
        (step.refused === undefined || typeof step.refused === 'boolean') &&
        (step.status === 'started' || step.status === 'done' || step.status === 'failed'),
    )
  );
}

function blueGreenStacks(
  stacks: Record<string, unknown>,
  source: string,
): BlueGreenStacks | undefined {
  const { target, targetColour, sourceColour, retire } = stacks;
  if (typeof target !== 'string' || !isColour(targetColour)) return undefined;
  if (sourceColour !== undefined && !isColour(sourceColour)) return undefined;
  if (retire !== undefined && typeof retire !== 'string') return undefined;
  return {
    source,
    target,
    targetColour,
    ...(sourceColour ? { sourceColour } : {}),
    ...(retire ? { retire } : {}),
  };
}

function rollbackStacks(
  stacks: Record<string, unknown>,
  source: string,
): RollbackStacks | undefined {
  const { target, sourceColour, targetColour, undoes, leaving } = stacks;
  if (typeof target !== 'string' || !isColour(sourceColour) || !isColour(targetColour)) {
    return undefined;
  }
  if (typeof undoes !== 'string' || typeof leaving !== 'string') return undefined;
  return { source, target, sourceColour, targetColour, undoes, leaving };
}

/**
 * A journal read back from the artifact bucket, or undefined when it is not one: what a later
 * run resumes from must hold every field the strategy needs, of the right kind.
 */
export function readJournal(value: unknown): MigrationJournal | undefined {
  if (!isRecord(value) || value.schema !== 1 || !isStepList(value.steps)) return undefined;
  const strings = [
    'id',
    'component',
    'environment',
    'toVersion',
    'dataLocation',
    'startedAt',
    'updatedAt',
  ];
  if (!strings.every((key) => typeof value[key] === 'string')) return undefined;
  const status = value.status;
  if (
    status !== 'running' &&
    status !== 'failed' &&
    status !== 'completed' &&
    status !== 'rolled-back'
  ) {
    return undefined;
  }
  const fields: JournalFields = {
    schema: 1,
    id: String(value.id),
    component: String(value.component),
    environment: String(value.environment),
    toVersion: String(value.toVersion),
    status,
    dataLocation: String(value.dataLocation),
    attempt: typeof value.attempt === 'number' ? value.attempt : 1,
    startedAt: String(value.startedAt),
    updatedAt: String(value.updatedAt),
    runUrl: typeof value.runUrl === 'string' ? value.runUrl : null,
    steps: value.steps,
    ...(typeof value.error === 'string' ? { error: value.error } : {}),
  };
  const { stacks } = value;
  if (!isRecord(stacks) || typeof stacks.source !== 'string') return undefined;
  const { source } = stacks;
  switch (value.strategy) {
    case 'update':
      return { ...fields, strategy: 'update', stacks: { source } };
    case 'double-clone':
      return typeof stacks.temporary === 'string'
        ? { ...fields, strategy: 'double-clone', stacks: { source, temporary: stacks.temporary } }
        : undefined;
    case 'blue-green': {
      const plan = blueGreenStacks(stacks, source);
      return plan && { ...fields, strategy: 'blue-green', stacks: plan };
    }
    case 'rollback': {
      const plan = rollbackStacks(stacks, source);
      return plan && { ...fields, strategy: 'rollback', stacks: plan };
    }
    default:
      return undefined;
  }
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
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const journal = readJournal(parsed);
    if (!journal || journal.component !== component || journal.environment !== environment) {
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

/** A migration in one line, for messages: what it does, when and by whom it started, and how far. */
export function describeMigration(journal: MigrationJournal): string {
  return `migration ${journal.id} (${journal.strategy} to ${journal.toVersion}, started ${journal.startedAt}${journal.runUrl ? ` by ${journal.runUrl}` : ''}, ${journal.status})`;
}
