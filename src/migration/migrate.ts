import { inRecovery } from '../core/deadline.js';
import { ConfigurationError, RefusalError } from '../core/errors.js';
import { newRecord, recordPromotion } from '../promotion/ledger.js';
import { stackNameFor } from '../aws/suite-tags.js';
import {
  describeMigration as describe,
  isFinished,
  JournalStore,
  newMigrationId,
  type MigrationJournal,
} from './journal.js';
import type { MigrationContext, MigrationRequest } from './migration-context.js';
import {
  GateFailedError,
  MigrationFailedError,
  MigrationRun,
  type MigrationOutcome,
} from './migration-run.js';
import { MigrationLock } from './migration-lock.js';
import { loadStrategy } from './strategies.js';
import { checkDrift } from '../provisioning/drift.js';

function writeGateRecord(
  context: MigrationContext,
  request: MigrationRequest,
  passed: boolean,
  detail: string,
  stackName: string,
): Promise<string> {
  return recordPromotion(
    context.s3(),
    request.journalBucket,
    newRecord(
      {
        component: request.component,
        version: request.version,
        environment: request.environment,
        gate: 'statistics',
      },
      passed,
      request.run,
      new Date(context.clock.now()),
      { stackName, detail },
    ),
    context.logger,
  );
}

/** A failed gate's record is best effort: the migration has already failed for its own reason. */
async function recordFailedGate(
  context: MigrationContext,
  request: MigrationRequest,
  detail: string,
  stackName: string,
): Promise<void> {
  try {
    await writeGateRecord(context, request, false, detail, stackName);
  } catch (error) {
    context.logger.warning(
      `Could not record the failed statistics gate in the promotion ledger: ${(error as Error).message}`,
    );
  }
}

/**
 * The passed gate's record, written before the journal says completed (MigrationRun.complete):
 * a later migration or deploy may require it, so a migration is not finished without it.
 */
async function recordPassedGate(run: MigrationRun): Promise<string | undefined> {
  const comparisons = run.journal.steps.filter((step) => step.name.startsWith('compare:'));
  if (run.gates.length === 0 && comparisons.length === 0) return undefined;
  const strategy = await loadStrategy(run.journal.strategy);
  return writeGateRecord(
    run.context,
    run.request,
    true,
    `${run.journal.strategy}: ${comparisons.length} comparison(s) equal`,
    strategy.verifiedStack(run.journal),
  );
}

export interface MigrateResult extends MigrationOutcome {
  /** The promotion-ledger record of the statistics gate, when one was written. */
  record?: string;
  rolledBack: boolean;
}

/**
 * Migrates an environment to a new version by the requested strategy, journalled step by step
 * in the artifact bucket. An unfinished migration is resumed or rolled back (request.recover),
 * never overlapped by a new one.
 */
export async function migrate(
  context: MigrationContext,
  request: MigrationRequest,
): Promise<MigrateResult> {
  const store = new JournalStore(context.s3, request.journalBucket, (text) =>
    context.logger.redact(text),
  );
  // Taken in the deadline's recovery phase: the lock is renewed (its timer runs in the context
  // it was started from) and released while a failed run serves users again, after the work's
  // share of the time has ended.
  const housekeeping = <T>(work: () => Promise<T>): Promise<T> =>
    inRecovery(context.deadline, work);
  const lock = await context.logger.group('Take the migration lock', () =>
    housekeeping(() =>
      MigrationLock.acquire({
        s3: context.s3,
        bucket: request.journalBucket,
        component: request.component,
        environment: request.environment,
        runUrl: request.run.runUrl,
        clock: context.clock,
        logger: context.logger,
        latestJournal: () => store.latest(request.component, request.environment),
      }),
    ),
  );
  try {
    return await migrateLocked(context, request, store, lock);
  } finally {
    await housekeeping(() => lock.release());
  }
}

async function migrateLocked(
  context: MigrationContext,
  request: MigrationRequest,
  store: JournalStore,
  lock: MigrationLock,
): Promise<MigrateResult> {
  const { logger } = context;
  const stackName = stackNameFor(request.environment, request.component);
  const latest = await logger.group('Read the migration journal', async () => {
    const found = await store.latest(request.component, request.environment);
    logger.info(
      found
        ? `Newest: ${describe(found)} at ${store.url(found)}`
        : 'No earlier migration of this environment.',
    );
    return found;
  });

  let run: MigrationRun;
  if (latest && !isFinished(latest)) {
    if (latest.strategy !== request.strategy || latest.toVersion !== request.version) {
      throw new RefusalError(
        `An unfinished ${describe(latest)} must be finished before another starts; this run asks for ${request.strategy} to ${request.version}. Where its data is: ${latest.dataLocation}.`,
        `Run with strategy: ${latest.strategy} and version ${latest.toVersion} to resume it (or recover: rollback to undo it). Journal: ${store.url(latest)}`,
        'An unfinished migration comes first',
      );
    }
    await context.loadServices?.();
    const strategy = await loadStrategy(latest.strategy);
    await strategy.checkResumable(context, request, latest);
    run = new MigrationRun(context, request, latest, store, true, lock, recordPassedGate);
    if (request.recover === 'rollback') {
      logger.warning(`Rolling back the unfinished ${describe(latest)}.`, {
        title: 'Migration rolled back',
      });
      const reason = new Error('rolled back on request (recover: rollback)');
      await run.recover(() => strategy.rollBack(run, reason));
      return { ...run.outcome(latest.stacks.source || stackName), rolledBack: true };
    }
    logger.warning(`Resuming the unfinished ${describe(latest)} from its journal.`, {
      title: 'Migration resumed',
    });
    latest.status = 'running';
    await run.save();
  } else {
    if (request.recover === 'rollback') {
      throw new ConfigurationError(
        `is rollback, but there is no unfinished migration of ${request.component} in ${request.environment}${latest ? ` (the newest, ${latest.id}, is ${latest.status})` : ''}`,
        "input 'recover'",
      );
    }
    await context.loadServices?.();
    const strategy = await loadStrategy(request.strategy);
    const { steps = [], ...planned } = await logger.group('Plan the migration', () =>
      strategy.plan(context, request, stackName, latest),
    );
    // A new stack is built from the template, so what was changed by hand on the live one
    // would be missing from it without a word. Asked only before a migration starts: making
    // the source unavailable changes it on purpose. The update strategy's deploy asks itself;
    // a rollback builds nothing.
    if (
      (planned.strategy === 'blue-green' || planned.strategy === 'double-clone') &&
      planned.stacks.source
    ) {
      await checkDrift(context, planned.stacks.source, request.drift, {
        refusal: `The new stack is built from the template, so it would not have those changes`,
        warning: `${planned.stacks.source}'s replacement is built from the template, without it`,
      });
    }
    const now = new Date(context.clock.now());
    const journal: MigrationJournal = {
      schema: 1,
      id: newMigrationId(now, latest?.id),
      component: request.component,
      environment: request.environment,
      ...planned,
      toVersion: request.version,
      status: 'running',
      dataLocation: `${planned.stacks.source || '(no data yet)'}, untouched`,
      attempt: 1,
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      runUrl: request.run.runUrl,
      steps,
    };
    await store.create(journal);
    logger.info(`Journal: ${store.url(journal)}`);
    run = new MigrationRun(context, request, journal, store, false, lock, recordPassedGate);
  }

  try {
    const outcome = await (await loadStrategy(run.journal.strategy)).run(run);
    return { ...outcome, rolledBack: false, ...(run.record ? { record: run.record } : {}) };
  } catch (error) {
    if (error instanceof MigrationFailedError && error.cause instanceof GateFailedError) {
      const { gate, message } = error.cause;
      await run.recover(() => recordFailedGate(context, request, message, gate.to));
    }
    throw error;
  }
}
