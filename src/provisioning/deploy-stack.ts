import { randomUUID } from 'node:crypto';
import {
  ExecuteChangeSetCommand,
  UpdateTerminationProtectionCommand,
  type Capability,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { awsErrorName } from '../aws/errors.js';
import { RefusalError, errorMessage } from '../core/errors.js';
import type { SummaryBuilder } from '../core/summary.js';
import type { StatefulResources } from '../definition/definition.js';
import {
  CHANGE_HEADERS,
  ChangeSetFailedError,
  changeRows,
  changeSetName,
  createChangeSet,
  deleteChangeSet,
  textTable,
  type ChangeSetRequest,
  type ResourceChangeRow,
} from './change-set.js';
import { changeSetPolling, type ProvisionContext } from './context.js';
import { deleteStack } from './delete-stack.js';
import {
  evaluateGuard,
  inspectNestedStacks,
  type GuardVerdict,
  type GuardViolation,
} from './stateful-guard.js';
import { findStack, stackOutputs } from '../aws/stack-lookup.js';
import { StackOperationError } from './stack-operation-error.js';
import {
  protectivePolicy,
  restoreLeftLift,
  setStackPolicy,
  withPolicyLifted,
} from './stack-policy.js';
import { checkDrift, type DriftMode, type DriftReport } from './drift.js';
import {
  CREATE_SUCCESS,
  UPDATE_SUCCESS,
  dispositionOf,
  type StackDisposition,
} from './stack-status.js';
import { toCloudFormationParameters, toCloudFormationTags } from './stack-settings.js';
import { waitForIdleStack, waitForStackOperation } from './stack-waiter.js';

export interface DeployRequest {
  stackName: string;
  version: string;
  templateBody: string;
  /** Set for a template over the request limit: uploaded to S3, read from there. */
  templateUrl?: string;
  parameters: Record<string, string>;
  tags: Record<string, string>;
  capabilities: Capability[];
  stateful: StatefulResources;
  allowReplacement: string[];
  /** Keep a newly created stack that failed, for investigation. */
  keepFailed: boolean;
  /** Switch termination protection on (protected environments). */
  protect: boolean;
  /** Parameters the template declares NoEcho: never shown, never digested. */
  noEcho?: string[];
  /** The template's parameter defaults, as CloudFormation lists a parameter not given. */
  parameterDefaults?: Record<string, string>;
  /** What to do about the live stack's drift before updating it; not asked: ignore. */
  drift?: DriftMode;
}

export interface DeployResult {
  stackName: string;
  stackId: string;
  version: string;
  operation: 'create' | 'update' | 'none';
  changed: boolean;
  status: string;
  outputs: Record<string, string>;
  changes: ResourceChangeRow[];
  guard: GuardVerdict;
  /** Set when a stack that never finished creating was deleted and created afresh. */
  replacedBrokenStack?: string;
  /** The live stack's drift before the update, when it was asked for. */
  drift?: DriftReport;
  terminationProtection: 'enabled' | 'already-enabled' | 'off';
}

/** Stopped by the stateful-resource guard; nothing was executed. */
export class StatefulResourceGuardError extends RefusalError {
  constructor(
    readonly stackName: string,
    readonly violations: GuardViolation[],
    /** A reviewed plan's change set is kept for its reviewers; a deploy's own is deleted. */
    changeSet: 'deleted' | 'kept' = 'deleted',
  ) {
    super(
      `Refusing to update ${stackName}: ${violations
        .map((violation) => `${violation.path} (${violation.type}) ${violation.why}`)
        .join(
          '; ',
        )}. The change set was ${changeSet === 'kept' ? 'not executed' : 'deleted'} and nothing was changed.`,
      `If losing that data is really intended, add to the 'allow-replacement' input: ${[
        ...new Set(violations.map((violation) => violation.allowEntry)),
      ].join(', ')}.`,
    );
  }

  override get headline(): string {
    return 'Stopped by the stateful-resource guard';
  }

  override details(summary: SummaryBuilder): void {
    summary.table(
      ['Logical ID', 'Type', 'Why it was stopped', 'allow-replacement entry'],
      this.violations.map((violation) => [
        violation.path,
        violation.type,
        violation.why,
        violation.allowEntry,
      ]),
      { title: 'What the guard stopped' },
    );
  }
}

function isAlreadyExists(error: unknown): boolean {
  return (
    awsErrorName(error) === 'AlreadyExistsException' ||
    (awsErrorName(error) === 'ValidationError' && /already exists/i.test(errorMessage(error)))
  );
}

/** Two deploys creating one new environment: the loser says so, and leaves the winner's alone. */
function anotherRunCreating(stackName: string): RefusalError {
  return new RefusalError(
    `Another run is creating stack ${stackName}: it did not exist when this deploy looked, and it does now. This deploy changed nothing.`,
    'Wait for that run to finish, then deploy again (it will update the stack if needed). Give the workflow a concurrency group per environment to queue such runs.',
    'Another run is creating the stack',
  );
}

/**
 * The stack once no other operation runs on it, and what a change should do with it; a stack a
 * person has to act on first is refused, `refusal` saying what cannot be done to it.
 */
export async function idleStack(
  context: ProvisionContext,
  stackName: string,
  refusal: string,
): Promise<{ stack: Stack | undefined; disposition: StackDisposition }> {
  const found = await findStack(context.cloudFormation, stackName);
  const stack = found ? await waitForIdleStack(context, found) : undefined;
  const disposition = dispositionOf(stack?.StackStatus, stackName);
  if (disposition.kind === 'blocked') {
    throw new RefusalError(
      `Stack ${stackName} is in ${stack?.StackStatus}${refusal}`,
      disposition.remedy,
      'The stack is in a state that needs a person',
    );
  }
  return { stack, disposition };
}

/** What a change set of this deploy asks CloudFormation for: the same for a deploy and a plan. */
export function changeSetRequestFor(
  request: DeployRequest,
  type: 'CREATE' | 'UPDATE',
  changeSetName: string,
  description: string,
): ChangeSetRequest {
  return {
    stackName: request.stackName,
    changeSetName,
    type,
    templateBody: request.templateBody,
    ...(request.templateUrl ? { templateUrl: request.templateUrl } : {}),
    parameters: toCloudFormationParameters(request.parameters),
    tags: toCloudFormationTags(request.tags),
    capabilities: request.capabilities,
    onStackFailure: request.keepFailed ? 'DO_NOTHING' : 'ROLLBACK',
    description,
    revertDrift: type === 'UPDATE' && request.drift === 'revert',
  };
}

async function settle(
  context: ProvisionContext,
  request: DeployRequest,
): Promise<{ stack: Stack | undefined; replaced?: string }> {
  const { stackName } = request;
  const { stack, disposition: settled } = await idleStack(
    context,
    stackName,
    ' and cannot be updated.',
  );
  if (stack && settled.kind !== 'recreate' && request.protect) {
    await restoreLeftLift(context, stack, request.stateful);
  }
  if (settled.kind === 'recreate') {
    context.logger.warning(
      `Stack ${stackName} is ${stack?.StackStatus}: ${settled.reason}, so it holds nothing. Deleting it and creating it afresh.`,
    );
    await deleteStack(context, stackName);
    return { stack: undefined, replaced: `${stack?.StackStatus}: ${settled.reason}` };
  }
  return { stack };
}

async function protect(
  context: ProvisionContext,
  request: DeployRequest,
  stack: Stack | undefined,
): Promise<DeployResult['terminationProtection']> {
  if (!request.protect) return 'off';
  if (stack?.EnableTerminationProtection) return 'already-enabled';
  await context.cloudFormation.send(
    new UpdateTerminationProtectionCommand({
      StackName: request.stackName,
      EnableTerminationProtection: true,
    }),
  );
  context.logger.info(`Termination protection switched on for ${request.stackName}.`);
  return 'enabled';
}

/**
 * Creates or updates a stack, always through a change set: printed, checked by the
 * stateful-resource guard, and only then executed. See docs in action-provision/README.md.
 */
export async function deployStack(
  context: ProvisionContext,
  request: DeployRequest,
): Promise<DeployResult> {
  const { logger, cloudFormation } = context;
  const { stack: existing, replaced } = await logger.group(
    'Inspect the existing stack',
    async () => {
      const settled = await settle(context, request);
      logger.info(
        settled.stack
          ? `Stack ${request.stackName} exists (${settled.stack.StackStatus}); this deploy updates it.`
          : `Stack ${request.stackName} does not exist; this deploy creates it.`,
      );
      return settled;
    },
  );
  const type = existing ? 'UPDATE' : 'CREATE';
  const drift = existing
    ? await checkDrift(context, request.stackName, request.drift ?? 'ignore')
    : undefined;

  const changeSet = await logger.group('Create and review the change set', async () => {
    const name = changeSetName(request.version, new Date(context.clock.now()));
    let created;
    try {
      created = await createChangeSet(
        cloudFormation,
        changeSetRequestFor(request, type, name, `Deploy version ${request.version}`),
        logger,
        changeSetPolling(context.polling),
        context.clock,
      );
    } catch (error) {
      if (type === 'CREATE' && isAlreadyExists(error)) throw anotherRunCreating(request.stackName);
      if (error instanceof ChangeSetFailedError) {
        await deleteChangeSet(cloudFormation, error.changeSetId, logger);
        // A failed CREATE change set leaves an empty REVIEW_IN_PROGRESS stack behind. It is
        // deleted by its ID, and only while still empty: by name, it could be another run's.
        if (type === 'CREATE' && error.stackId) {
          const left = await findStack(cloudFormation, error.stackId);
          if (left?.StackStatus === 'REVIEW_IN_PROGRESS') await deleteStack(context, error.stackId);
        }
      }
      throw error;
    }
    if (created.empty) {
      logger.info(
        'The change set is empty: the stack already matches this version, parameters and tags.',
      );
    } else {
      logger.info(textTable(CHANGE_HEADERS, changeRows(created.changes)));
    }
    return created;
  });

  const nested = await inspectNestedStacks(cloudFormation, changeSet.changes);
  const guard = evaluateGuard(
    changeSet.changes,
    request.stateful,
    request.allowReplacement,
    nested,
  );
  for (const unused of guard.unusedAllowances) {
    logger.warning(`allow-replacement names '${unused}', but no change removes or replaces it.`, {
      title: 'Unused allow-replacement',
    });
  }

  if (changeSet.empty) {
    await deleteChangeSet(cloudFormation, changeSet.id, logger);
    const terminationProtection = await protect(context, request, existing);
    return {
      stackName: request.stackName,
      stackId: existing?.StackId ?? changeSet.stackId,
      version: request.version,
      operation: 'none',
      changed: false,
      status: existing?.StackStatus ?? 'UNKNOWN',
      outputs: stackOutputs(existing),
      changes: [],
      guard,
      terminationProtection,
      ...(drift ? { drift } : {}),
    };
  }

  if (guard.blocked.length > 0) {
    for (const violation of guard.blocked) {
      logger.error(`${violation.path} (${violation.type}) ${violation.why}`, {
        title: 'Stateful resource guard',
      });
    }
    await deleteChangeSet(cloudFormation, changeSet.id, logger);
    throw new StatefulResourceGuardError(request.stackName, guard.blocked);
  }
  for (const allowed of guard.allowed) {
    logger.warning(
      `${allowed.path} (${allowed.type}) ${allowed.why}; allowed by allow-replacement.`,
      { title: 'Stateful resource replaced on purpose' },
    );
  }

  const result = await executeChangeSet(context, request, changeSet, type, guard, replaced);
  return drift ? { ...result, drift } : result;
}

/**
 * Executes a change set the guard has passed, waits for the stack to settle and says how it
 * came out; a failure leaves the stack as the aftermath says (a failed new stack is deleted
 * unless keep-failed).
 */
export async function executeChangeSet(
  context: ProvisionContext,
  request: DeployRequest,
  changeSet: { id: string; stackId: string; changes: ResourceChangeRow[] },
  type: 'CREATE' | 'UPDATE',
  guard: GuardVerdict,
  replaced?: string,
): Promise<DeployResult> {
  const { logger, cloudFormation } = context;
  const execute = () =>
    logger.group(
      `Execute the change set (${type === 'CREATE' ? 'create' : 'update'})`,
      async () => {
        const token = `deploy-${randomUUID()}`;
        const since = new Date(context.clock.now());
        try {
          await cloudFormation.send(
            new ExecuteChangeSetCommand({ ChangeSetName: changeSet.id, ClientRequestToken: token }),
          );
        } catch (error) {
          if (
            type === 'CREATE' &&
            (isAlreadyExists(error) || awsErrorName(error) === 'InvalidChangeSetStatus')
          ) {
            throw anotherRunCreating(request.stackName);
          }
          throw error;
        }
        return waitForStackOperation(
          context,
          changeSet.stackId,
          token,
          since,
          type === 'CREATE' ? CREATE_SUCCESS : UPDATE_SUCCESS,
          `${type === 'CREATE' ? 'creation' : 'update'} of ${request.stackName}`,
        );
      },
    );
  // A protected stack's policy forbids replacing its stateful resources; what the guard let
  // through on purpose is lifted from it for this execution only, and restored on every way out.
  const lifted = guard.allowed.map((entry) => entry.allowEntry);
  const lifting = request.protect && type === 'UPDATE' && lifted.length > 0;
  const outcome = lifting
    ? await withPolicyLifted(
        context,
        { id: changeSet.stackId, name: request.stackName },
        request.stateful,
        lifted,
        execute,
      )
    : await execute();

  if (request.protect && !lifting && (outcome.succeeded || type === 'UPDATE')) {
    try {
      await setStackPolicy(context, changeSet.stackId, protectivePolicy(request.stateful));
    } catch (error) {
      // The policy was never lifted: after a failed update it is as it was, and the failure is
      // the news; the next deploy sets it again.
      if (outcome.succeeded) throw error;
      logger.warning(
        `Could not set the stack policy of ${request.stackName} (${errorMessage(error)}); the next deploy sets it again.`,
      );
    }
  }
  if (!outcome.succeeded) {
    for (const failure of outcome.failures) {
      logger.error(`${failure.logicalId} (${failure.type}) ${failure.status}: ${failure.reason}`, {
        title: `Stack ${request.stackName} failed`,
      });
    }
    let aftermath: string;
    if (type === 'CREATE' && request.keepFailed) {
      aftermath = `The new stack was kept for investigation (keep-failed: true); delete it with operation: delete when done.`;
    } else if (type === 'CREATE') {
      aftermath = await logger.group('Clean up the failed stack', async () => {
        try {
          await deleteStack(context, changeSet.stackId);
          return 'The failed new stack was deleted (set keep-failed: true to keep one for investigation).';
        } catch (error) {
          return `Deleting the failed new stack also failed (${(error as Error).message}); delete it with operation: delete.`;
        }
      });
    } else if (outcome.status === 'UPDATE_ROLLBACK_COMPLETE') {
      aftermath =
        'CloudFormation rolled the stack back to the previous version; it is as it was before this deploy.';
    } else {
      aftermath =
        dispositionOf(outcome.status, request.stackName).kind === 'blocked'
          ? (dispositionOf(outcome.status, request.stackName) as { remedy: string }).remedy
          : `The stack is ${outcome.status}.`;
    }
    throw new StackOperationError(
      `${type === 'CREATE' ? 'Creating' : 'Updating'} stack ${request.stackName} failed (${outcome.status}).`,
      request.stackName,
      outcome.status,
      outcome.failures,
      aftermath,
    );
  }

  const terminationProtection = await protect(context, request, outcome.stack);
  return {
    stackName: request.stackName,
    stackId: changeSet.stackId,
    version: request.version,
    operation: type === 'CREATE' ? 'create' : 'update',
    changed: true,
    status: outcome.status,
    outputs: stackOutputs(outcome.stack),
    changes: changeSet.changes,
    guard,
    ...(replaced ? { replacedBrokenStack: replaced } : {}),
    terminationProtection,
  };
}
