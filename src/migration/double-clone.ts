import { findStack } from '../aws/stack-lookup.js';
import { errorMessage, RefusalError } from '../core/errors.js';
import { checkClonable } from './data-copy.js';
import { describeMigration, hasStarted } from './journal.js';
import type { MigrationOutcome, MigrationRun } from './migration-run.js';
import { journalFor, type MigrationStrategy } from './strategy.js';
import {
  copyStep,
  createStep,
  deleteOwnStack,
  deleteStep,
  gateStep,
  makeStackUnavailable,
  restoreStack,
  requireSourceStack,
  restoreStep,
  snapshotStep,
} from './stack-steps.js';

/** Steps of the second half, redone from the start if it fails (the temporary holds the data). */
const SECOND_HALF =
  /^(delete:source|(plan-unavailable|unavailable):(temporary-again|final)|snapshot:temporary|create:final|copy:temporary-to-final|compare:temporary-to-final)$/;

export function temporaryStackName(stackName: string): string {
  return `${stackName}-temporary`;
}

/** Undoes the first half: the original still holds the data and serves users again. */
async function rollBackDoubleClone(run: MigrationRun, cause: unknown): Promise<void> {
  const { source, temporary } = journalFor(run.journal, 'double-clone').stacks;
  const { logger } = run.context;
  if (hasStarted(run.journal, 'delete:source')) {
    throw new RefusalError(
      `Migration ${run.journal.id} is past its point of no return: ${source} was deleted after its data was verified in ${temporary}, so it cannot be rolled back.`,
      'Run again with recover: resume to finish it.',
    );
  }
  await logger.group(`Roll back: ${source} keeps the data`, async () => {
    const problems: string[] = [];
    // Users first: the original serves again before the temporary copy is cleaned up, so a
    // rollback that runs out of time leaves a stack to delete, never users without service.
    try {
      await restoreStack(run, ['source'], source);
    } catch (error) {
      problems.push(`restoring ${source}'s availability failed: ${errorMessage(error)}`);
    }
    if (hasStarted(run.journal, 'create:temporary')) {
      try {
        await deleteOwnStack(run, temporary);
      } catch (error) {
        problems.push(`deleting ${temporary} failed: ${errorMessage(error)}`);
      }
    }
    if (problems.length > 0) {
      await run.setStatus(
        'failed',
        `${source}, untouched (the original)`,
        `${errorMessage(cause)} Rolling back: ${problems.join('; ')}`,
      );
      throw new RefusalError(
        `Rolling back left work undone: ${problems.join('; ')}.`,
        'Run again with recover: rollback to finish the rollback.',
      );
    }
    await run.setStatus('rolled-back', `${source}, untouched (the original)`, cause);
  });
}

/**
 * The seeds' migration, for stacks that must keep their name: freeze the original, clone it
 * into a temporary stack of the new version, compare, delete the original, clone the temporary
 * back under the original name, compare, delete the temporary. Nothing is deleted before a
 * copy of its data has passed the statistics gate, and the stack holding the only verified
 * copy is never deleted.
 */
async function doubleClone(run: MigrationRun): Promise<MigrationOutcome> {
  const { source, temporary } = journalFor(run.journal, 'double-clone').stacks;
  const { context, request } = run;

  try {
    await makeStackUnavailable(run, 'source', source);
    const snapshots = await snapshotStep(run, 'source', source);
    await createStep(run, 'temporary', temporary, snapshots, false);
    await makeStackUnavailable(run, 'temporary', temporary);
    await copyStep(run, 'source-to-temporary', source, temporary);
    await gateStep(run, 'source-to-temporary', source, temporary, snapshots);
    await run.locate(`${source} (the original) and ${temporary} (a verified copy)`);
  } catch (error) {
    if (!hasStarted(run.journal, 'delete:source')) {
      return run.failAfter(error, () => rollBackDoubleClone(run, error));
    }
    throw error;
  }

  // The point of no return: from here on the temporary holds the only verified copy until
  // the new original has passed the gate against it.
  try {
    await deleteStep(run, 'source', source);
    await run.locate(`${temporary} only (verified against ${source} before it was deleted)`);
    await makeStackUnavailable(run, 'temporary-again', temporary);
    const snapshots = await snapshotStep(run, 'temporary', temporary);
    await createStep(run, 'final', source, snapshots, request.protect);
    await makeStackUnavailable(run, 'final', source);
    await copyStep(run, 'temporary-to-final', temporary, source);
    await gateStep(run, 'temporary-to-final', temporary, source, snapshots);
    await run.locate(`${source} (the new version) and ${temporary} (a verified copy)`);
  } catch (error) {
    if (!hasStarted(run.journal, 'delete:temporary')) {
      const keepTemporary = async () => {
        const notes: string[] = [];
        // Users first, as in the rollback: the temporary serves again, then the unverified
        // new original goes.
        try {
          await restoreStack(run, ['temporary', 'temporary-again'], temporary);
        } catch (restore) {
          notes.push(
            `${temporary}'s availability could not be restored (${errorMessage(restore)})`,
          );
        }
        if (hasStarted(run.journal, 'create:final')) {
          try {
            await deleteOwnStack(run, source);
          } catch (cleanup) {
            notes.push(`the unverified ${source} could not be deleted (${errorMessage(cleanup)})`);
          }
        }
        // A re-run redoes the second half from the start: the temporary was available again,
        // so its data must be frozen, snapshotted and copied afresh.
        run.forget((name) => SECOND_HALF.test(name) && name !== 'delete:source');
        run.journal.attempt += 1;
        await run.setStatus(
          'failed',
          `${temporary} only (verified against the original, which was deleted)${notes.length ? `; ${notes.join('; ')}` : ''}`,
          error,
        );
      };
      await run.recover(() =>
        context.logger.group(`Keep ${temporary}: it holds the only verified copy`, keepTemporary),
      );
    } else {
      await run.recover(() =>
        run.setStatus(
          'failed',
          `${source} (the new version, verified against ${temporary})`,
          error,
        ),
      );
    }
    throw run.failure(error);
  }

  try {
    await deleteStep(run, 'temporary', temporary);
    await run.locate(`${source} (the new version, verified)`);
    await restoreStep(run, 'final', source);
  } catch (error) {
    await run.recover(async () => {
      // The new original may still be out of service: serve users from it again.
      await restoreStack(run, ['final'], source).catch((restore: unknown) =>
        context.logger.warning(
          `${source}'s availability could not be restored (${errorMessage(restore)}).`,
        ),
      );
      await run.setStatus('failed', `${source} (the new version, verified)`, error);
    });
    throw run.failure(error);
  }
  await run.complete(`${source} (the new version, verified)`);
  return run.outcome(source);
}

/** double-clone, registered by name: for stacks that must keep their name. */
export const doubleCloneStrategy: MigrationStrategy = {
  name: 'double-clone',
  async plan(context, request, stackName) {
    await requireSourceStack(context, stackName);
    const temporary = temporaryStackName(stackName);
    if (await findStack(context.cloudFormation, temporary)) {
      throw new RefusalError(
        `${temporary} already exists, and no unfinished migration in the journal accounts for it.`,
        'It may hold data: inspect it, and delete it (action-provision cannot, as it is not an environment; use the console or CLI) before migrating.',
      );
    }
    await checkClonable(context, request, stackName);
    return { strategy: 'double-clone', stacks: { source: stackName, temporary } };
  },
  async checkResumable(context, _request, journal) {
    if (!hasStarted(journal, 'delete:source')) return;
    const { source, temporary } = journalFor(journal, 'double-clone').stacks;
    const temporaryStack = await findStack(context.cloudFormation, temporary);
    const final = await findStack(context.cloudFormation, source);
    if (!temporaryStack && !hasStarted(journal, 'delete:temporary')) {
      throw new RefusalError(
        `The journal of ${describeMigration(journal)} says ${source} was deleted and the data is in ${temporary}, but ${temporary} does not exist${final ? ` (${source} does)` : ''}. It cannot tell what is safe.`,
        'Find the data (stacks, buckets, snapshots named after the migration) before doing anything else.',
      );
    }
  },
  run: doubleClone,
  rollBack: rollBackDoubleClone,
  verifiedStack: (journal) => journal.stacks.source,
};
