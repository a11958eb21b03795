import { inRecovery } from '../core/deadline.js';
import {
  ActionError,
  RefusalError,
  errorMessage,
  type ExtraAnnotation,
  type FailureKind,
} from '../core/errors.js';
import { asActionError, withCleanupFailure } from '../core/failure.js';
import type { SummaryBuilder } from '../core/summary.js';
import type { GateResult } from './data-copy.js';
import {
  isDone,
  stepOf,
  type JournalStep,
  type JournalStatus,
  type JournalStore,
  type MigrationJournal,
} from './journal.js';
import type { MigrationContext, MigrationRequest } from './migration-context.js';
import { gateTables, journalFacts, stepsTable } from './summaries.js';

/** The statistics gate found a difference: nothing was deleted because of this copy. */
export class GateFailedError extends RefusalError {
  constructor(readonly gate: GateResult) {
    const problems = [
      ...gate.buckets
        .filter((bucket) => !bucket.equal)
        .map((bucket) => `bucket ${bucket.path}: ${bucket.differenceCount} object(s) differ`),
      ...gate.databases
        .filter((db) => !db.equal)
        .map(
          (db) =>
            `database ${db.path}: ${db.source.engine}/${db.source.allocatedStorage} GiB vs ${db.target.engine}/${db.target.allocatedStorage} GiB`,
        ),
      ...(gate.tables ?? [])
        .filter((table) => !table.equal)
        .map(
          (table) =>
            `table ${table.path}: ${table.source.items} item(s) vs ${table.target.items}${table.source.items === table.target.items ? ', contents differ' : ''}`,
        ),
      ...(gate.endpoint && !gate.endpoint.equal
        ? [`statistics endpoint: ${gate.endpoint.differences.length} path(s) differ`]
        : []),
    ];
    super(`The statistics of ${gate.to} do not match ${gate.from}: ${problems.join('; ')}.`);
  }

  override get headline(): string {
    return 'Stopped by the statistics gate';
  }
}

/** How a migration ended, for the outputs and the summary. */
export interface MigrationOutcome {
  journal: MigrationJournal;
  journalUrl: string;
  /** The stack users are (or will be) served by now. */
  activeStack: string;
  gates: GateResult[];
  resumed: boolean;
}

/** A migration that stopped; the journal says what state everything was left in. */
export class MigrationFailedError extends ActionError {
  override readonly name = 'MigrationFailedError';
  /** A refusal that stopped the migration is still a refusal (⛔), a failure a failure. */
  readonly kind: FailureKind;

  constructor(
    override readonly cause: unknown,
    readonly journal: MigrationJournal,
    readonly journalUrl: string,
    readonly gates: GateResult[],
  ) {
    super(
      `Migration ${journal.id} of ${journal.component} in ${journal.environment} ${journal.status === 'rolled-back' ? 'was rolled back' : 'stopped'}: ${errorMessage(cause)} Where the data is: ${journal.dataLocation}`,
    );
    this.kind = asActionError(cause).kind;
  }

  get headline(): string {
    const { journal } = this;
    return `Migration of ${journal.component} in ${journal.environment} ${journal.status === 'rolled-back' ? 'rolled back' : 'stopped'}`;
  }

  override details(summary: SummaryBuilder): void {
    journalFacts(summary, this.journal, this.journalUrl);
    gateTables(summary, this.gates);
    stepsTable(summary, this.journal);
  }

  override nextStep(): string | undefined {
    return asActionError(this.cause).nextStep();
  }

  override extraAnnotations(): ExtraAnnotation[] {
    return [
      { message: `Where the data is: ${this.journal.dataLocation}`, title: 'Migration stopped' },
    ];
  }
}

/**
 * One migration's steps, each journalled before and after it runs. A step the journal already
 * has as done is not run again: its recorded result is returned, so a re-run after a crash
 * picks up where the dead run left off. Every step is written to be safe to run twice, since
 * a crash can come between doing it and journalling it.
 */
export class MigrationRun {
  readonly gates: GateResult[] = [];

  constructor(
    readonly context: MigrationContext,
    readonly request: MigrationRequest,
    readonly journal: MigrationJournal,
    readonly store: JournalStore,
    readonly resumed: boolean,
    /** Checked before every step: a run that lost its lock must not go on. */
    private readonly lock?: { assertHeld(): void },
    /** Writes the statistics record; run before the journal may say completed. */
    private readonly recordStatistics?: (run: MigrationRun) => Promise<string | undefined>,
  ) {}

  /** The promotion-ledger record written by `complete`, when one was. */
  record: string | undefined;

  private now(): Date {
    return new Date(this.context.clock.now());
  }

  save(): Promise<void> {
    return this.store.save(this.journal, this.now());
  }

  done(name: string): boolean {
    return isDone(this.journal, name);
  }

  data(name: string): unknown {
    return stepOf(this.journal, name)?.data;
  }

  /**
   * `grouped: false` for steps whose work opens log groups of its own (a deploy): the runner
   * does not nest groups.
   */
  async step<T>(name: string, title: string, run: () => Promise<T>, grouped = true): Promise<T> {
    const existing = stepOf(this.journal, name);
    if (existing?.status === 'done') {
      this.context.logger.info(`✔ ${title}: done by an earlier run (${existing.finishedAt}).`);
      return existing.data as T;
    }
    this.lock?.assertHeld();
    const entry: JournalStep = existing ?? { name, status: 'started', startedAt: '' };
    entry.title = title;
    entry.status = 'started';
    entry.startedAt = this.now().toISOString();
    if (!existing) this.journal.steps.push(entry);
    await this.save();
    let value: T;
    try {
      if (grouped) {
        value = await this.context.logger.group(title, run);
      } else {
        this.context.logger.info(`▶ ${title}`);
        value = await run();
      }
    } catch (error) {
      entry.status = 'failed';
      entry.finishedAt = this.now().toISOString();
      entry.error = errorMessage(error);
      if (asActionError(error).kind === 'refusal') entry.refused = true;
      // The journal must not hide the step's own error if S3 fails too.
      await this.save().catch(() => undefined);
      throw error;
    }
    // The work is done but not yet journalled: where a kill leaves the most for a re-run to
    // recognise (a stack created, a record written).
    this.context.afterStep?.(`${name}:unjournalled`);
    delete entry.error;
    delete entry.refused;
    entry.status = 'done';
    entry.finishedAt = this.now().toISOString();
    if (value !== undefined) entry.data = value;
    await this.save();
    this.context.afterStep?.(name);
    return value;
  }

  /**
   * Runs what serves users again and records a failure: it may use the time the step's
   * deadline keeps in reserve, while the work that failed stays stopped.
   */
  recover<T>(run: () => Promise<T>): Promise<T> {
    return inRecovery(this.context.deadline, run);
  }

  /** Forgets steps so the next run does them again (their results are no longer valid). */
  forget(names: (name: string) => boolean): void {
    this.journal.steps = this.journal.steps.filter((step) => !names(step.name));
  }

  async setStatus(status: JournalStatus, dataLocation?: string, error?: unknown): Promise<void> {
    this.journal.status = status;
    if (dataLocation) this.journal.dataLocation = dataLocation;
    if (error !== undefined) this.journal.error = errorMessage(error);
    else delete this.journal.error;
    await this.save();
  }

  /**
   * Ends a migration that succeeded. The statistics record goes to the promotion ledger first,
   * as a journalled step: a run killed between the two leaves a journal that is not yet
   * completed, so its re-run writes the record instead of being refused with it missing.
   */
  async complete(dataLocation: string): Promise<void> {
    const recordStatistics = this.recordStatistics;
    if (recordStatistics) {
      const recorded = await this.step('record:statistics', 'Record the statistics gate', () =>
        recordStatistics(this),
      );
      this.record = typeof recorded === 'string' ? recorded : undefined;
    }
    await this.setStatus('completed', dataLocation);
  }

  async locate(dataLocation: string): Promise<void> {
    this.journal.dataLocation = dataLocation;
    await this.save();
  }

  outcome(activeStack: string): MigrationOutcome {
    return {
      journal: this.journal,
      journalUrl: this.store.url(this.journal),
      activeStack,
      gates: this.gates,
      resumed: this.resumed,
    };
  }

  failure(cause: unknown): MigrationFailedError {
    return new MigrationFailedError(cause, this.journal, this.store.url(this.journal), this.gates);
  }

  /**
   * Undoes what the failed run did (users served again, what it made removed) in the step's
   * reserve, then fails with the error that stopped it. When the undoing fails too, that is told
   * second, after the error that caused it, never in its place.
   */
  async failAfter(error: unknown, undo: () => Promise<void>): Promise<never> {
    try {
      await this.recover(undo);
    } catch (cleanup) {
      throw this.failure(withCleanupFailure(error, asActionError(cleanup)));
    }
    throw this.failure(error);
  }
}
