import {
  GetStackPolicyCommand,
  SetStackPolicyCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { inRecovery } from '../core/deadline.js';
import { OperationError, errorMessage } from '../core/errors.js';
import { withCleanupFailure } from '../core/failure.js';
import { code, type SummaryBuilder } from '../core/summary.js';
import type { StatefulResources } from '../definition/definition.js';
import type { ProvisionContext } from './context.js';
import { STATEFUL_TYPES } from './stateful-guard.js';

/**
 * The stack policy of a protected environment: every update is allowed except replacing or
 * deleting a stateful resource, so even an update run by hand (the CLI, the console) cannot
 * lose its data. Nested stacks' resources are guarded by the guard, not by this policy: a stack
 * policy covers its own stack's resources only.
 */
export function protectivePolicy(stateful: StatefulResources, allowed: string[] = []): string {
  // Only this stack's own logical IDs can be named; `Parent/Child` entries are the guard's.
  const lifted = allowed.filter((entry) => !entry.includes('/'));
  const named = stateful.logicalIds.filter((id) => !id.includes('/') && !lifted.includes(id));
  const statements: unknown[] = [
    { Effect: 'Allow', Principal: '*', Action: 'Update:*', Resource: '*' },
    {
      Effect: 'Deny',
      Principal: '*',
      Action: ['Update:Replace', 'Update:Delete'],
      ...(lifted.length > 0
        ? { NotResource: lifted.map((id) => `LogicalResourceId/${id}`) }
        : { Resource: '*' }),
      Condition: {
        StringEquals: {
          ResourceType: [...new Set([...STATEFUL_TYPES, ...stateful.resourceTypes])],
        },
      },
    },
  ];
  if (named.length > 0) {
    statements.push({
      Effect: 'Deny',
      Principal: '*',
      Action: ['Update:Replace', 'Update:Delete'],
      Resource: named.map((id) => `LogicalResourceId/${id}`),
    });
  }
  return JSON.stringify({ Statement: statements });
}

export async function setStackPolicy(
  context: ProvisionContext,
  stackId: string,
  policy: string,
): Promise<void> {
  await context.cloudFormation.send(
    new SetStackPolicyCommand({ StackName: stackId, StackPolicyBody: policy }),
  );
}

/** The command a person runs to put the policy back by hand, quoted for a POSIX shell. */
export function setStackPolicyCommand(stack: string, policy: string): string {
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  return `aws cloudformation set-stack-policy --stack-name ${quote(stack)} --stack-policy-body ${quote(policy)}`;
}

/** The full policy could not be put back: the stack's stateful resources are not protected. */
export class PolicyNotRestoredError extends OperationError {
  override readonly name = 'PolicyNotRestoredError';
  readonly command: string;

  constructor(
    readonly stackName: string,
    policy: string,
    readonly reason: string,
  ) {
    const command = setStackPolicyCommand(stackName, policy);
    super(
      `The stack policy of ${stackName} could not be restored (${reason}): replacing or deleting its stateful resources is still allowed by the policy lifted for this deploy. Restore it now: ${command}`,
      'The stack policy was not restored',
    );
    this.command = command;
  }

  override nextStep(): string {
    return `Restore the policy now: ${this.command}`;
  }

  override details(summary: SummaryBuilder): void {
    summary.heading('Restore the stack policy').paragraph(code(this.command));
  }
}

/**
 * Puts the full policy back, in the step's reserve: after a failure, a timeout or the runner's
 * stop, the work's time is over, and this must still happen.
 */
async function restore(
  context: ProvisionContext,
  stackId: string,
  stackName: string,
  policy: string,
): Promise<PolicyNotRestoredError | undefined> {
  try {
    await inRecovery(context.deadline, () => setStackPolicy(context, stackId, policy));
    context.logger.info(`Stack policy of ${stackName} restored in full.`);
    return undefined;
  } catch (error) {
    return new PolicyNotRestoredError(stackName, policy, errorMessage(error));
  }
}

/**
 * Runs `work` (the execution of a change set) with the policy lifted for the resources named,
 * and restores the full policy on every way out: success, a failed execute call, a failed or
 * timed-out wait, the runner's stop. A restore that fails is an error naming the stack and the
 * command that restores it; after a failure of the work, it is told second.
 */
export async function withPolicyLifted<T>(
  context: ProvisionContext,
  stack: { id: string; name: string },
  stateful: StatefulResources,
  lifted: string[],
  work: () => Promise<T>,
): Promise<T> {
  const full = protectivePolicy(stateful);
  let result: T;
  try {
    await setStackPolicy(context, stack.id, protectivePolicy(stateful, lifted));
    context.logger.info(`Stack policy lifted for this update only: ${lifted.join(', ')}.`);
    result = await work();
  } catch (error) {
    // Even a lift whose answer was lost may have been made: the full policy goes back anyway.
    const failed = await restore(context, stack.id, stack.name, full);
    if (failed) throw withCleanupFailure(error, failed);
    throw error;
  }
  const failed = await restore(context, stack.id, stack.name, full);
  if (failed) throw failed;
  return result;
}

/** A Deny of a policy statement that exempts resources: what `withPolicyLifted` sets. */
function liftedResources(policy: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    return undefined;
  }
  const statements =
    typeof parsed === 'object' && parsed !== null && 'Statement' in parsed
      ? parsed.Statement
      : undefined;
  if (!Array.isArray(statements)) return undefined;
  const exempt = statements.flatMap((statement: unknown) => {
    if (typeof statement !== 'object' || statement === null) return [];
    const { Effect, NotResource } = statement as { Effect?: unknown; NotResource?: unknown };
    if (Effect !== 'Deny' || NotResource === undefined) return [];
    return (Array.isArray(NotResource) ? NotResource : [NotResource]).map(String);
  });
  return exempt.length > 0 ? exempt : undefined;
}

/**
 * A run stopped before it could restore the policy (killed, or its restore failed) leaves it
 * lifted: the next deploy of the protected stack finds that first and restores it in full.
 */
export async function restoreLeftLift(
  context: ProvisionContext,
  stack: Stack,
  stateful: StatefulResources,
): Promise<void> {
  const stackId = stack.StackId ?? stack.StackName ?? '';
  const stored = await context.cloudFormation.send(
    new GetStackPolicyCommand({ StackName: stackId }),
  );
  const exempt = stored.StackPolicyBody ? liftedResources(stored.StackPolicyBody) : undefined;
  if (!exempt) return;
  context.logger.warning(
    `The stack policy of ${stack.StackName ?? stackId} was left lifted for ${exempt.join(', ')} (by a run that stopped before restoring it); restoring it in full before this deploy.`,
    { title: 'Stack policy left lifted' },
  );
  await setStackPolicy(context, stackId, protectivePolicy(stateful));
}
