import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { RefusalError } from '../core/errors.js';
import { findStack, stackOutputs } from '../aws/stack-lookup.js';

/** The stack a smoke test looks at: its outputs fill the placeholders, its tags say what runs. */
export interface SmokeTarget {
  stackName: string;
  outputs: Record<string, string>;
  tags: Record<string, string>;
  status: string;
}

export async function readSmokeTarget(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<SmokeTarget> {
  const stack = await findStack(cloudFormation, stackName);
  if (!stack) {
    throw new RefusalError(
      `Stack ${stackName} does not exist, so there is nothing to smoke test.`,
      'Deploy the environment first (action-provision), or check stack-name / environment.',
    );
  }
  const tags: Record<string, string> = {};
  for (const tag of stack.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
  return {
    stackName,
    outputs: stackOutputs(stack),
    tags,
    status: stack.StackStatus ?? 'unknown',
  };
}
