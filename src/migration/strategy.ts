import type { JournalOf, JournalStep, MigrationJournal, Strategy } from './journal.js';
import type { MigrationContext, MigrationRequest } from './migration-context.js';
import type { MigrationOutcome, MigrationRun } from './migration-run.js';

/**
 * A new journal's strategy and the stacks that strategy planned, correlated; `steps` are what
 * it starts out knowing (a rollback inherits them from the migration it undoes).
 */
export type PlannedStacks = {
  [S in Strategy]: Pick<JournalOf<S>, 'strategy' | 'stacks'>;
}[Strategy] & { steps?: JournalStep[] };

/**
 * One way of migrating an environment. Each is registered by name (strategies.ts), so the
 * migration itself never asks which strategy it runs; each reads its own stacks from the
 * journal with `journalFor`, typed, so none guesses at another's.
 */
export interface MigrationStrategy {
  readonly name: Strategy;
  /**
   * The stacks a new migration will use, checked before anything is written or changed.
   * `latest` is the environment's newest journal, finished (an unfinished one is resumed).
   */
  plan(
    context: MigrationContext,
    request: MigrationRequest,
    stackName: string,
    latest: MigrationJournal | undefined,
  ): Promise<PlannedStacks>;
  /** Refuses to resume when the world no longer looks like what the journal says. */
  checkResumable(
    context: MigrationContext,
    request: MigrationRequest,
    journal: MigrationJournal,
  ): Promise<void>;
  /** Runs the migration, or resumes it from its journal. */
  run(run: MigrationRun): Promise<MigrationOutcome>;
  /**
   * Undoes an unfinished migration (recover: rollback, or after a failure): users are served by
   * the stack that held the data before. Refuses past the strategy's point of no return.
   */
  rollBack(run: MigrationRun, reason: unknown): Promise<void>;
  /** The stack whose data a passed statistics gate vouches for, named in its record. */
  verifiedStack(journal: MigrationJournal): string;
}

function isJournalOf<S extends Strategy>(
  journal: MigrationJournal,
  strategy: S,
): journal is JournalOf<S> {
  return journal.strategy === strategy;
}

/**
 * The journal as the strategy that owns it reads it. A journal of another strategy here is a
 * bug in the registry, never the user's doing: the registry hands each journal to its own.
 */
export function journalFor<S extends Strategy>(
  journal: MigrationJournal,
  strategy: S,
): JournalOf<S> {
  if (isJournalOf(journal, strategy)) return journal;
  throw new Error(
    `The ${strategy} strategy was given the journal of migration ${journal.id}, whose strategy is ${journal.strategy}.`,
  );
}
