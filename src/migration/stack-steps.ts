import { UpdateTerminationProtectionCommand } from '@aws-sdk/client-cloudformation';
import { RefusalError } from '../core/errors.js';
import { deleteStack } from '../provisioning/delete-stack.js';
import { isPlanPlaceholder } from '../provisioning/environment-shape.js';
import { deployStack } from '../provisioning/deploy-stack.js';
import { findStack, stackOutputs } from '../aws/stack-lookup.js';
import {
  makeUnavailable,
  planUnavailability,
  restoreAvailability,
  type AvailabilityContext,
  type Unavailability,
} from './availability.js';
import {
  copyStackBuckets,
  copyStackTables,
  runGate,
  snapshotParameterValues,
  snapshotStackDatabases,
  type CopyHow,
  type GateResult,
} from './data-copy.js';
import type { DatabaseSnapshot } from './database-snapshots.js';
import { deployRequestFor, type MigrationContext } from './migration-context.js';
import { GateFailedError, type MigrationRun } from './migration-run.js';
import { STACK_TAG } from '../aws/suite-tags.js';

function availabilityContext(run: MigrationRun): AvailabilityContext {
  const { context, request } = run;
  return {
    cloudFormation: context.cloudFormation,
    autoScaling: context.autoScaling,
    logger: context.logger,
    clock: context.clock,
    polling: { ...context.polling, initialDelayMs: 1_000, maxDelayMs: 10_000 },
    mode: request.availability,
    hook: request.hook,
  };
}

async function outputsOf(run: MigrationRun, stackName: string): Promise<Record<string, string>> {
  return stackOutputs(await findStack(run.context.cloudFormation, stackName));
}

/**
 * Stops user traffic to a stack. The plan (which instances) is journalled as its own step
 * before anything changes, so whatever happens next, a run knows exactly what to bring back.
 */
export async function makeStackUnavailable(
  run: MigrationRun,
  role: string,
  stackName: string,
): Promise<void> {
  const availability = availabilityContext(run);
  const plan = await run.step(
    `plan-unavailable:${role}`,
    `Plan: stop traffic to ${stackName}`,
    () => planUnavailability(availability, stackName),
  );
  await run.step(`unavailable:${role}`, `Stop traffic to ${stackName} (${plan.mode})`, async () =>
    makeUnavailable(availability, plan, await outputsOf(run, stackName)),
  );
}

/** The plans journalled for these roles (a stack is planned once per phase it is frozen in). */
function plansFor(run: MigrationRun, roles: string[]): Unavailability[] {
  return run.journal.steps
    .filter((step) => roles.some((role) => step.name === `plan-unavailable:${role}`) && step.data)
    .map((step) => step.data as Unavailability);
}

/** Brings a stack back as it was; a no-op when nothing was ever done to it. */
export async function restoreStack(
  run: MigrationRun,
  roles: string[],
  stackName: string,
): Promise<void> {
  const availability = availabilityContext(run);
  const outputs = await outputsOf(run, stackName);
  for (const plan of plansFor(run, roles)) {
    await restoreAvailability(availability, plan, outputs);
  }
}

export async function restoreStep(
  run: MigrationRun,
  role: string,
  stackName: string,
): Promise<void> {
  await run.step(`available:${role}`, `Serve users from ${stackName} again`, () =>
    restoreStack(run, [role], stackName),
  );
}

export async function snapshotStep(
  run: MigrationRun,
  role: string,
  stackName: string,
): Promise<DatabaseSnapshot[]> {
  return run.step(`snapshot:${role}`, `Snapshot the databases of ${stackName}`, () =>
    snapshotStackDatabases(
      run.context,
      run.request,
      stackName,
      run.journal.id,
      run.journal.attempt,
    ),
  );
}

export interface CreatedStack {
  stackName: string;
  stackId: string;
  outputs: Record<string, string>;
}

/** Marks the stacks a migration creates, so a re-run can recognise its own after a crash. */
const MIGRATION_TAG = STACK_TAG.migration;

function migrationTagOf(stack: { Tags?: { Key?: string; Value?: string }[] }): string | undefined {
  return stack.Tags?.find((candidate) => candidate.Key === MIGRATION_TAG)?.Value;
}

export async function createStep(
  run: MigrationRun,
  role: string,
  stackName: string,
  snapshots: DatabaseSnapshot[],
  protect: boolean,
): Promise<CreatedStack> {
  const { request } = run;
  return run.step(
    `create:${role}`,
    `Create ${stackName} at ${request.version}`,
    async () => {
      await adoptOrRefuse(run, stackName);
      const result = await deployStack(
        run.context,
        deployRequestFor(request, stackName, {
          extraParameters: snapshotParameterValues(snapshots),
          extraTags: { [MIGRATION_TAG]: run.journal.id },
          allowReplacement: [],
          protect,
        }),
      );
      return { stackName, stackId: result.stackId, outputs: result.outputs };
    },
    false,
  );
}

/**
 * Deletes an unverified copy this migration made, on a rollback. A stack of that name without
 * the migration's tag is someone else's: it is left alone, and said so.
 */
export async function deleteOwnStack(run: MigrationRun, stackName: string): Promise<void> {
  const existing = await findStack(run.context.cloudFormation, stackName);
  if (!existing) return;
  const tag = migrationTagOf(existing);
  if (tag !== run.journal.id) {
    run.context.logger.warning(
      `${stackName} was not deleted: migration ${run.journal.id} did not create it (its ${MIGRATION_TAG} tag is ${tag ?? 'missing'}).`,
    );
    return;
  }
  await deleteVerifiedStack(run, stackName, "it is this migration's unverified copy");
}

/**
 * A stack that already has the name this step creates is this migration's own only if it
 * carries the migration's tag: a run killed after CloudFormation created it but before the
 * journal said so. That one is adopted (the deploy finds nothing, or only the rest, to do);
 * any other is refused, never deleted or updated over.
 */
async function adoptOrRefuse(run: MigrationRun, stackName: string): Promise<void> {
  const existing = await findStack(run.context.cloudFormation, stackName);
  if (!existing) return;
  if (isPlanPlaceholder(existing, run.request.environment, run.request.component)) {
    run.context.logger.info(
      `${stackName} holds only a plan under review (REVIEW_IN_PROGRESS, no resources); it is replaced by the stack this migration creates.`,
    );
    return;
  }
  const tag = migrationTagOf(existing);
  if (tag === run.journal.id) {
    run.context.logger.warning(
      `${stackName} (${existing.StackStatus}) was created by this migration (tag ${MIGRATION_TAG}=${tag}) in a run that ended before journalling it; adopting it.`,
      { title: 'Stack adopted' },
    );
    return;
  }
  throw new RefusalError(
    `${stackName} already exists (${existing.StackStatus}, created ${existing.CreationTime?.toISOString() ?? 'at an unknown time'}), but migration ${run.journal.id} did not create it (its ${MIGRATION_TAG} tag is ${tag ?? 'missing'}). It may hold data, so it is neither updated nor deleted.`,
    `Find out what created it; once it is known to hold nothing needed, delete it and run again. Where the data is: ${run.journal.dataLocation}.`,
  );
}

export async function copyStep(
  run: MigrationRun,
  name: string,
  sourceStack: string,
  targetStack: string,
  how: CopyHow = 'clone',
): Promise<void> {
  await run.step(
    `copy:${name}`,
    how === 'mirror'
      ? `Copy what changed in ${sourceStack} back into ${targetStack}`
      : `Copy the data of ${sourceStack} into ${targetStack}`,
    async () => {
      const results = await copyStackBuckets(
        run.context,
        run.request,
        sourceStack,
        targetStack,
        how,
        `${run.request.component}/${run.request.environment}/${run.journal.id}/${name}`,
      );
      const tables = await copyStackTables(run.context, run.request, sourceStack, targetStack, how);
      return [
        ...results.map(({ source, target, objects, bytes, retries, durationMs }) => ({
          source,
          target,
          objects,
          bytes,
          retries,
          durationMs,
        })),
        ...tables.map(({ source, target, items, retries, durationMs }) => ({
          source,
          target,
          items,
          retries,
          durationMs,
        })),
      ];
    },
  );
}

/** The statistics gate: a failed comparison stops the migration before anything is deleted. */
export async function gateStep(
  run: MigrationRun,
  name: string,
  sourceStack: string,
  targetStack: string,
  snapshots: DatabaseSnapshot[],
): Promise<GateResult> {
  const gate = await run.step(
    `compare:${name}`,
    `Compare the statistics of ${sourceStack} and ${targetStack}`,
    async () => {
      const result = await runGate(run.context, run.request, sourceStack, targetStack, snapshots);
      if (!result.passed) {
        run.gates.push(result);
        throw new GateFailedError(result);
      }
      return result;
    },
  );
  if (!run.gates.includes(gate)) run.gates.push(gate);
  return gate;
}

/**
 * Deletes a stack whose data has been verified elsewhere. Termination protection is switched
 * off first when it is on: the migration was asked for, and its gate has passed.
 */
export async function deleteStep(
  run: MigrationRun,
  role: string,
  stackName: string,
): Promise<void> {
  await run.step(`delete:${role}`, `Delete ${stackName}`, async () => {
    await deleteVerifiedStack(run, stackName);
  });
}

/**
 * Deletes a stack the migration made or whose data is verified elsewhere, switching off the
 * termination protection the migration may itself have switched on.
 */
export async function deleteVerifiedStack(
  run: MigrationRun,
  stackName: string,
  why = 'its data has passed the statistics gate in another stack',
): Promise<void> {
  const stack = await findStack(run.context.cloudFormation, stackName);
  if (stack?.EnableTerminationProtection) {
    run.context.logger.warning(
      `Switching termination protection off for ${stackName} to delete it: ${why}.`,
    );
    await run.context.cloudFormation.send(
      new UpdateTerminationProtectionCommand({
        StackName: stackName,
        EnableTerminationProtection: false,
      }),
    );
  }
  await deleteStack(run.context, stackName);
}

/** The stack to migrate must exist: a migration never creates an environment's only copy. */
export async function requireSourceStack(
  context: MigrationContext,
  stackName: string,
): Promise<void> {
  if (!(await findStack(context.cloudFormation, stackName))) {
    throw new RefusalError(
      `Stack ${stackName} does not exist, so there is nothing to migrate.`,
      'Create the environment with action-provision (operation: deploy) first.',
    );
  }
}
