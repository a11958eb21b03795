import { DeleteParameterCommand } from '@aws-sdk/client-ssm';
import { ConfigurationError, errorMessage, RefusalError } from '../core/errors.js';
import { findStack, stackOutputs } from '../aws/stack-lookup.js';
import { deleteStack } from '../provisioning/delete-stack.js';
import { isPlanPlaceholder } from '../provisioning/environment-shape.js';
import {
  activeColour,
  checkPointerAsJournalled,
  colourStackName,
  otherColour,
  writePointer,
} from './colours.js';
import { pointRecord } from './dns-record.js';
import { hasStarted, isDone, type Colour } from './journal.js';
import { journalFor, type MigrationStrategy } from './strategy.js';
import { checkClonable } from './data-copy.js';
import type { MigrationContext } from './migration-context.js';
import type { MigrationOutcome, MigrationRun } from './migration-run.js';
import {
  copyStep,
  createStep,
  deleteOwnStack,
  deleteVerifiedStack,
  gateStep,
  makeStackUnavailable,
  restoreStack,
  restoreStep,
  snapshotStep,
} from './stack-steps.js';

export { COLOURS, type Colour } from './journal.js';
export { colourStackName, otherColour } from './colours.js';

export interface ColourPlan {
  /** Undefined when the environment has no colours yet: the first run creates blue. */
  active: Colour | undefined;
  target: Colour;
  /** The previous colour, to be deleted first because its rollback window has passed. */
  retire: string | undefined;
}

/**
 * Works out the colours from the pointer and the stacks, refusing every state in which going
 * on could be wrong: a plain stack without colours, colours without a pointer, a pointer to a
 * missing stack, a previous colour still inside its rollback window.
 */
export async function planBlueGreen(
  context: MigrationContext,
  stackName: string,
  pointerName: string,
  keepPreviousHours: number,
  owner: { environment: string; component: string },
): Promise<ColourPlan> {
  const { pointer, blue, green } = await activeColour(
    context.ssm(),
    context.cloudFormation,
    stackName,
    pointerName,
  );
  if (pointer.colour === undefined) {
    const plain = await findStack(context.cloudFormation, stackName);
    // A plan of the environment made before it had colours holds nothing: it goes, and the
    // first colour is created as it would have been.
    if (isPlanPlaceholder(plain, owner.environment, owner.component)) {
      context.logger.warning(
        `${stackName} holds only a plan under review (REVIEW_IN_PROGRESS, no resources), made before ${owner.environment} had colours; deleting it and creating ${stackName}-blue.`,
        { title: 'Plan placeholder removed' },
      );
      await deleteStack(context, plain?.StackId ?? stackName);
      return { active: undefined, target: 'blue', retire: undefined };
    }
    if (plain) {
      throw new ConfigurationError(
        `'blue-green' needs the stacks ${stackName}-blue / -green and the pointer ${pointerName}, but ${stackName} is a stack without colours. Migrate it with strategy double-clone or update, or create the colours: a blue-green run on an environment with no stack creates ${stackName}-blue and the pointer.`,
        "input 'strategy'",
      );
    }
    return { active: undefined, target: 'blue', retire: undefined };
  }
  const active = pointer.colour;
  const target = otherColour(active);
  const previous = active === 'blue' ? green : blue;
  let retire: string | undefined;
  if (previous) {
    const keptUntil = new Date((pointer.since?.getTime() ?? 0) + keepPreviousHours * 3_600_000);
    if (keptUntil.getTime() > context.clock.now()) {
      throw new RefusalError(
        `${previous.StackName} is the previous colour, kept for rollback until ${keptUntil.toISOString()} (keep-previous-hours: ${keepPreviousHours}).`,
        'Run again after that, or set keep-previous-hours lower to retire it now.',
      );
    }
    retire = previous.StackName;
  }
  return { active, target, retire };
}

/**
 * Points the pointer (deleted when there was no colour before) and the DNS record back at
 * `stack`, each only if the run had switched it. Returns what failed, so whoever undoes the run
 * still serves users from `stack` and reports the rest.
 */
export async function pointUsersBack(
  run: MigrationRun,
  colour: Colour | undefined,
  stack: string,
): Promise<string[]> {
  const problems: string[] = [];
  const { pointerParameter, dnsRecord: record } = run.request;
  if (hasStarted(run.journal, 'switch-pointer')) {
    await (
      colour
        ? writePointer(run.context.ssm(), pointerParameter, colour)
        : run.context.ssm().send(new DeleteParameterCommand({ Name: pointerParameter }))
    ).catch((error: unknown) =>
      problems.push(`switching the pointer back failed: ${errorMessage(error)}`),
    );
  }
  if (record && stack && hasStarted(run.journal, 'switch-dns')) {
    try {
      const outputs = stackOutputs(await findStack(run.context.cloudFormation, stack));
      await pointRecord(run.context.route53(), record, outputs, stack, run.context.logger);
    } catch (error) {
      problems.push(`pointing ${record.name} back at ${stack} failed: ${errorMessage(error)}`);
    }
  }
  return problems;
}

/** Undoes a blue/green run before users were moved: the active colour serves them again. */
async function rollBackBlueGreen(run: MigrationRun, cause: unknown): Promise<void> {
  const { source, target, sourceColour: from } = journalFor(run.journal, 'blue-green').stacks;
  if (isDone(run.journal, 'available:target')) {
    throw new RefusalError(
      `Migration ${run.journal.id} already serves users from ${target}; it cannot be rolled back.`,
      `Migrate back to the previous version instead (${source} is kept until keep-previous-hours pass).`,
    );
  }
  await run.context.logger.group(`Roll back: ${source || 'nothing'} keeps the data`, async () => {
    const problems = await pointUsersBack(run, from, source);
    // Users first: the active colour serves again before the new one is deleted, so a
    // rollback that runs out of time leaves a stack to delete, never users without service.
    if (source) {
      await restoreStack(run, ['source'], source).catch((error: unknown) =>
        problems.push(`restoring ${source}'s availability failed: ${errorMessage(error)}`),
      );
    }
    if (hasStarted(run.journal, 'create:target')) {
      await deleteOwnStack(run, target).catch((error: unknown) =>
        problems.push(`deleting ${target} failed: ${errorMessage(error)}`),
      );
    }
    const location = source
      ? `${source}, untouched (the active colour)`
      : 'nowhere: the environment had no data yet';
    if (problems.length > 0) {
      await run.setStatus(
        'failed',
        location,
        `${errorMessage(cause)} Rolling back: ${problems.join('; ')}`,
      );
      throw new RefusalError(
        `Rolling back left work undone: ${problems.join('; ')}.`,
        'Run again with recover: rollback to finish the rollback.',
      );
    }
    await run.setStatus('rolled-back', location, cause);
  });
}

/**
 * Blue/green: the new version goes into the idle colour, the data is cloned into it once and
 * compared, then the pointer moves. The previous colour stays, frozen, for rollback until
 * keep-previous-hours pass; a later run retires it.
 */
async function blueGreen(run: MigrationRun): Promise<MigrationOutcome> {
  const stacks = journalFor(run.journal, 'blue-green').stacks;
  const { source, target, retire } = stacks;
  try {
    if (retire) {
      await run.step('retire-previous', `Retire the previous colour ${retire}`, () =>
        deleteVerifiedStack(run, retire, 'it is the previous colour, past its rollback window'),
      );
    }
    if (source) {
      await makeStackUnavailable(run, 'source', source);
    }
    const snapshots = source ? await snapshotStep(run, 'source', source) : [];
    await createStep(run, 'target', target, snapshots, run.request.protect);
    if (source) {
      await makeStackUnavailable(run, 'target', target);
      await copyStep(run, 'source-to-target', source, target);
      await gateStep(run, 'source-to-target', source, target, snapshots);
    }
    await run.step(
      'switch-pointer',
      `Point ${run.request.pointerParameter} at ${stacks.targetColour}`,
      () => writePointer(run.context.ssm(), run.request.pointerParameter, stacks.targetColour),
    );
    const record = run.request.dnsRecord;
    if (record) {
      await run.step('switch-dns', `Point ${record.name} at ${target}`, async () =>
        pointRecord(
          run.context.route53(),
          record,
          stackOutputs(await findStack(run.context.cloudFormation, target)),
          target,
          run.context.logger,
        ),
      );
    }
    await run.locate(
      source
        ? `${target} (active, verified against ${source}); ${source} keeps the pre-migration copy`
        : `${target} (active; it started empty)`,
    );
    if (source) await restoreStep(run, 'target', target);
  } catch (error) {
    return run.failAfter(error, () => rollBackBlueGreen(run, error));
  }
  await run.complete(
    source
      ? `${target} (active, verified against ${source}); ${source} keeps the pre-migration copy, out of service, until keep-previous-hours pass`
      : `${target} (active)`,
  );
  return run.outcome(target);
}

/** blue-green, registered by name: the new version in the idle colour, then the pointer moves. */
export const blueGreenStrategy: MigrationStrategy = {
  name: 'blue-green',
  async plan(context, request, stackName) {
    const plan = await planBlueGreen(
      context,
      stackName,
      request.pointerParameter,
      request.keepPreviousHours,
      request,
    );
    const source = plan.active ? colourStackName(stackName, plan.active) : '';
    if (plan.active) await checkClonable(context, request, source);
    return {
      strategy: 'blue-green',
      stacks: {
        source,
        target: colourStackName(stackName, plan.target),
        targetColour: plan.target,
        ...(plan.active ? { sourceColour: plan.active } : {}),
        ...(plan.retire ? { retire: plan.retire } : {}),
      },
    };
  },
  async checkResumable(context, request, journal) {
    const { sourceColour, targetColour } = journalFor(journal, 'blue-green').stacks;
    if (!sourceColour) return;
    await checkPointerAsJournalled(context.ssm(), request.pointerParameter, journal, {
      from: sourceColour,
      to: targetColour,
    });
  },
  run: blueGreen,
  rollBack: rollBackBlueGreen,
  verifiedStack: (journal) => journalFor(journal, 'blue-green').stacks.target,
};
