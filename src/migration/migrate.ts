import { inRecovery } from '../core/deadline.js';
import { ConfigurationError, RefusalError } from '../core/errors.js';
import { newRecord, recordPromotion } from '../promotion/ledger.js';
import { findStack } from '../aws/stack-lookup.js';
import { stackNameFor } from '../aws/suite-tags.js';
import {
  blueGreen,
  colourStackName,
  planBlueGreen,
  readPointer,
  rollBackBlueGreen,
} from './blue-green.js';
import { checkClonable } from './data-copy.js';
import { doubleClone, rollBackDoubleClone, temporaryStackName } from './double-clone.js';
import {
  hasStarted,
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
import { restoreStack } from './stack-steps.js';
import { updateInPlace } from './update.js';
import { MigrationLock } from './migration-lock.js';

function describe(journal: MigrationJournal): string {
  return `migration ${journal.id} (${journal.strategy} to ${journal.toVersion}, started ${journal.startedAt}${journal.runUrl ? ` by ${journal.runUrl}` : ''}, ${journal.status})`;
}

/** The stacks a new migration will use, checked before anything is written or changed. */
async function planStacks(
  context: MigrationContext,
  request: MigrationRequest,
  stackName: string,
): Promise<Record<string, string>> {
  const requireSource = async () => {
    if (!(await findStack(context.cloudFormation, stackName))) {
      throw new RefusalError(
        `Stack ${stackName} does not exist, so there is nothing to migrate.`,
        'Create the environment with action-provision (operation: deploy) first.',
      );
    }
  };
  if (request.strategy === 'update') {
    await requireSource();
    return { source: stackName };
  }
  if (request.strategy === 'double-clone') {
    await requireSource();
    const temporary = temporaryStackName(stackName);
    if (await findStack(context.cloudFormation, temporary)) {
      throw new RefusalError(
        `${temporary} already exists, and no unfinished migration in the journal accounts for it.`,
        'It may hold data: inspect it, and delete it (action-provision cannot, as it is not an environment; use the console or CLI) before migrating.',
      );
    }
    await checkClonable(context, request, stackName);
    return { source: stackName, temporary };
  }
  const plan = await planBlueGreen(
    context,
    stackName,
    request.pointerParameter,
    request.keepPreviousHours,
  );
  const stacks: Record<string, string> = {
    source: plan.active ? colourStackName(stackName, plan.active) : '',
    target: colourStackName(stackName, plan.target),
    targetColour: plan.target,
  };
  if (plan.active) {
    stacks.sourceColour = plan.active;
    await checkClonable(context, request, stacks.source!);
  }
  if (plan.retire) stacks.retire = plan.retire;
  return stacks;
}

/** Refuses to resume when the world no longer looks like what the journal says. */
async function checkResumable(
  context: MigrationContext,
  request: MigrationRequest,
  journal: MigrationJournal,
): Promise<void> {
  const stacks = journal.stacks;
  if (journal.strategy === 'double-clone' && hasStarted(journal, 'delete:source')) {
    const temporary = await findStack(context.cloudFormation, stacks.temporary!);
    const final = await findStack(context.cloudFormation, stacks.source!);
    if (!temporary && !hasStarted(journal, 'delete:temporary')) {
      throw new RefusalError(
        `The journal of ${describe(journal)} says ${stacks.source} was deleted and the data is in ${stacks.temporary}, but ${stacks.temporary} does not exist${final ? ` (${stacks.source} does)` : ''}. It cannot tell what is safe.`,
        'Find the data (stacks, buckets, snapshots named after the migration) before doing anything else.',
      );
    }
  }
  if (journal.strategy === 'blue-green' && stacks.sourceColour) {
    const pointer = await readPointer(context.ssm(), request.pointerParameter);
    const expected = hasStarted(journal, 'switch-pointer')
      ? [stacks.sourceColour, stacks.targetColour]
      : [stacks.sourceColour];
    if (!pointer.colour || !expected.includes(pointer.colour)) {
      throw new RefusalError(
        `The journal of ${describe(journal)} expects ${request.pointerParameter} to be ${expected.join(' or ')}, but it is ${pointer.colour ?? 'missing'}. Someone changed it during the migration; it cannot tell what is safe.`,
        'Find which colour holds the current data and set the pointer to it before running again.',
      );
    }
  }
}

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
function recordPassedGate(run: MigrationRun): Promise<string | undefined> {
  const comparisons = run.journal.steps.filter((step) => step.name.startsWith('compare:'));
  if (run.gates.length === 0 && comparisons.length === 0) return Promise.resolve(undefined);
  return writeGateRecord(
    run.context,
    run.request,
    true,
    `${run.journal.strategy}: ${comparisons.length} comparison(s) equal`,
    run.journal.strategy === 'blue-green' ? run.journal.stacks.target! : run.journal.stacks.source!,
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
      );
    }
    await checkResumable(context, request, latest);
    run = new MigrationRun(context, request, latest, store, true, lock, recordPassedGate);
    if (request.recover === 'rollback') {
      logger.warning(`Rolling back the unfinished ${describe(latest)}.`, {
        title: 'Migration rolled back',
      });
      if (latest.strategy === 'double-clone')
        await run.recover(() =>
          rollBackDoubleClone(run, new Error('rolled back on request (recover: rollback)')),
        );
      else if (latest.strategy === 'blue-green')
        await run.recover(() =>
          rollBackBlueGreen(run, new Error('rolled back on request (recover: rollback)')),
        );
      else {
        if (run.done('update')) {
          throw new RefusalError(
            `The in-place update of ${describe(latest)} has been applied; it cannot be rolled back by the migration.`,
            'Deploy the previous version with action-provision.',
          );
        }
        await run.recover(async () => {
          await restoreStack(run, ['source'], latest.stacks.source!);
          await run.setStatus(
            'rolled-back',
            `${latest.stacks.source}, not updated`,
            new Error('rolled back on request'),
          );
        });
      }
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
    const stacks = await logger.group('Plan the migration', () =>
      planStacks(context, request, stackName),
    );
    const now = new Date(context.clock.now());
    const journal: MigrationJournal = {
      schema: 1,
      id: newMigrationId(now, latest?.id),
      component: request.component,
      environment: request.environment,
      strategy: request.strategy,
      toVersion: request.version,
      status: 'running',
      dataLocation: `${stacks.source || '(no data yet)'}, untouched`,
      stacks,
      attempt: 1,
      startedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      runUrl: request.run.runUrl,
      steps: [],
    };
    await store.create(journal);
    logger.info(`Journal: ${store.url(journal)}`);
    run = new MigrationRun(context, request, journal, store, false, lock, recordPassedGate);
  }

  try {
    const outcome =
      run.journal.strategy === 'double-clone'
        ? await doubleClone(run)
        : run.journal.strategy === 'blue-green'
          ? await blueGreen(run)
          : await updateInPlace(run);
    return { ...outcome, rolledBack: false, ...(run.record ? { record: run.record } : {}) };
  } catch (error) {
    if (error instanceof MigrationFailedError && error.cause instanceof GateFailedError) {
      const { gate, message } = error.cause;
      await run.recover(() => recordFailedGate(context, request, message, gate.to));
    }
    throw error;
  }
}
