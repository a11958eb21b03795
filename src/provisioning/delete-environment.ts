import { DeleteParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Stack } from '@aws-sdk/client-cloudformation';
import { awsErrorName } from '../aws/errors.js';
import { RefusalError, errorMessage } from '../core/errors.js';
import { withAftermath } from '../core/failure.js';
import type { ProvisionContext } from './context.js';
import { deleteStack, type DeleteResult } from './delete-stack.js';
import { describeShape, type EnvironmentShape } from './environment-shape.js';

/** What deleting an environment removed and what it kept, each said in a few words. */
export interface EnvironmentDeleteResult {
  shape: string;
  stacks: DeleteResult[];
  /** `pointer /environments/…`, `plan placeholder …`. */
  removed: string[];
  kept: string[];
}

/** A stack of the environment, what it is to the environment, in the order it is removed. */
interface Part {
  stack: Stack;
  role: string;
}

function partsOf(shape: EnvironmentShape): Part[] {
  const parts: Part[] = [];
  const serving = shape.serving?.StackName;
  for (const colour of [shape.blue, shape.green]) {
    if (colour && colour.StackName !== serving) parts.push({ stack: colour, role: 'idle colour' });
  }
  if (shape.serving) {
    parts.push({
      stack: shape.serving,
      role: shape.layout === 'blue-green' ? 'colour serving users' : 'stack',
    });
  }
  for (const placeholder of shape.placeholders) {
    parts.push({ stack: placeholder, role: 'plan placeholder (empty, under review)' });
  }
  return parts;
}

/**
 * Deletes the whole environment as its shape says: a plain stack; or every colour stack (the
 * idle one first, the one serving users last) and the pointer; and the empty placeholder a plan
 * left. Termination protection on any of them refuses the whole before anything is removed.
 */
export async function deleteEnvironment(
  context: ProvisionContext,
  ssm: () => SSMClient,
  shape: EnvironmentShape,
): Promise<EnvironmentDeleteResult> {
  const parts = partsOf(shape);
  const guarded = parts.filter((part) => part.stack.EnableTerminationProtection);
  if (guarded.length > 0) {
    throw new RefusalError(
      `${shape.environment} is ${describeShape(shape)}, and ${guarded.map((part) => part.stack.StackName ?? '?').join(' and ')} ha${guarded.length === 1 ? 's' : 've'} termination protection on, so nothing of it was deleted.`,
      `If you really mean to delete the environment, turn protection off deliberately first: ${guarded
        .map(
          (part) =>
            `aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name ${part.stack.StackName ?? '?'}`,
        )
        .join('; ')}`,
      'A protected environment is not deleted',
    );
  }
  if (parts.length === 0 && shape.pointer.colour === undefined) {
    context.logger.info(
      `${shape.environment}: ${shape.stackName} does not exist, nor any colour, pointer or plan of it; nothing to delete.`,
    );
  }
  const result: EnvironmentDeleteResult = {
    shape: describeShape(shape),
    stacks: [],
    removed: [],
    kept: [],
  };
  for (const [index, part] of parts.entries()) {
    const name = part.stack.StackName ?? '?';
    try {
      const deleted = await context.logger.group(`Delete ${name} (${part.role})`, () =>
        deleteStack(context, part.stack.StackId ?? name),
      );
      result.stacks.push({ ...deleted, stackName: name });
      result.removed.push(`${name} (${part.role})`);
    } catch (error) {
      // What is left is said with the failure, so the next run knows where it stands.
      const left = [
        ...parts.slice(index).map((rest) => `${rest.stack.StackName ?? '?'} (${rest.role})`),
        ...(shape.pointer.colour ? [`pointer ${shape.pointer.name}`] : []),
      ];
      const removed = result.removed.length > 0 ? ` Removed: ${result.removed.join(', ')}.` : '';
      throw withAftermath(
        error,
        new RefusalError(
          `deleting ${shape.environment} stopped at ${name}.${removed} Left: ${left.join(', ')}.`,
          'Fix the cause, then run delete again: it removes what is left.',
        ),
      );
    }
  }
  if (shape.pointer.colour !== undefined) {
    try {
      await ssm().send(new DeleteParameterCommand({ Name: shape.pointer.name }));
      result.removed.push(`pointer ${shape.pointer.name} (said ${shape.pointer.colour})`);
    } catch (error) {
      if (awsErrorName(error) !== 'ParameterNotFound') {
        throw new RefusalError(
          `Every stack of ${shape.environment} was deleted, but its pointer ${shape.pointer.name} could not be (${errorMessage(error)}).`,
          `Delete it: aws ssm delete-parameter --name ${shape.pointer.name}`,
          'The pointer was left',
        );
      }
    }
  }
  return result;
}
