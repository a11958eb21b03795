import type { Stack } from '@aws-sdk/client-cloudformation';
import { waitUntil } from '../core/waiter.js';
import type { ProvisionContext } from './context.js';
import { findStack } from '../aws/stack-lookup.js';
import { StackEventTail, type FailureReason } from './stack-events.js';
import { isInProgress } from './stack-status.js';
import { answered } from '../aws/errors.js';

export interface StackOperationOutcome {
  stack: Stack | undefined;
  status: string;
  succeeded: boolean;
  failures: FailureReason[];
}

/**
 * Waits for the stack operation identified by `token` to finish, printing its events as they
 * arrive. `stackId` (not the name) is used so a deleted stack can still be described.
 */
export async function waitForStackOperation(
  context: ProvisionContext,
  stackId: string,
  token: string,
  since: Date,
  success: string[],
  what: string,
): Promise<StackOperationOutcome> {
  const tail = new StackEventTail(context.cloudFormation, stackId, token, since, context.logger);
  const stack = await waitUntil(
    what,
    async () => {
      const current = await findStack(context.cloudFormation, stackId);
      await tail.poll();
      const status = current?.StackStatus ?? 'DELETE_COMPLETE';
      if (current && isInProgress(status)) {
        const busy = tail.inProgress();
        return {
          done: false,
          pending: `stack ${status}${busy.length ? `; resources in progress: ${busy.join(', ')}` : ''}. CloudFormation carries on without us; look at the stack in the console, and deploy again to pick up where it stands.`,
        };
      }
      return { done: true, value: current };
    },
    context.polling,
    context.clock,
  );
  const status = stack?.StackStatus ?? 'DELETE_COMPLETE';
  const failures = tail.failures();
  if (failures.length === 0 && !success.includes(status) && stack?.StackStatusReason) {
    failures.push({
      logicalId: stack.StackName ?? '?',
      type: 'AWS::CloudFormation::Stack',
      status,
      reason: stack.StackStatusReason,
      time: undefined,
    });
  }
  return { stack, status, succeeded: success.includes(status), failures };
}

/**
 * If another operation is running on the stack, waits for it to finish. Returns the stack as it
 * then stands, or undefined when that operation was a deletion.
 */
export async function waitForIdleStack(
  context: ProvisionContext,
  stack: Stack,
): Promise<Stack | undefined> {
  if (!isInProgress(stack.StackStatus ?? '')) return stack;
  context.logger.info(
    `Stack ${stack.StackName} is ${stack.StackStatus}; waiting for that operation to finish first.`,
  );
  const stackId = answered(stack.StackId, 'StackId (CloudFormation DescribeStacks)');
  return waitUntil(
    `the running operation on ${stack.StackName}`,
    async () => {
      const current = await findStack(context.cloudFormation, stackId);
      const status = current?.StackStatus ?? 'DELETE_COMPLETE';
      return isInProgress(status)
        ? { done: false, pending: status }
        : { done: true, value: status === 'DELETE_COMPLETE' ? undefined : current };
    },
    context.polling,
    context.clock,
  );
}
