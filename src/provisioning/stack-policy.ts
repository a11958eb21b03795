import { SetStackPolicyCommand } from '@aws-sdk/client-cloudformation';
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
