import {
  DescribeStacksCommand,
  type CloudFormationClient,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { isStackMissing } from './errors.js';

/** The stack, or undefined when it does not exist (or only exists as DELETE_COMPLETE). */
export async function findStack(
  cloudFormation: CloudFormationClient,
  nameOrId: string,
): Promise<Stack | undefined> {
  try {
    const response = await cloudFormation.send(new DescribeStacksCommand({ StackName: nameOrId }));
    const stack = response.Stacks?.[0];
    if (!stack || (stack.StackStatus === 'DELETE_COMPLETE' && !nameOrId.startsWith('arn:'))) {
      return undefined;
    }
    return stack;
  } catch (error) {
    if (isStackMissing(error)) return undefined;
    throw error;
  }
}

export function stackOutputs(stack: Stack | undefined): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const output of stack?.Outputs ?? []) {
    if (output.OutputKey) outputs[output.OutputKey] = output.OutputValue ?? '';
  }
  return outputs;
}
