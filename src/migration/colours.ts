import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { CloudFormationClient, Stack } from '@aws-sdk/client-cloudformation';
import { awsErrorName } from '../aws/errors.js';
import { findStack } from '../aws/stack-lookup.js';
import { RefusalError } from '../core/errors.js';
import { describeMigration, hasStarted, type Colour, type MigrationJournal } from './journal.js';

/** Where a blue/green environment's active colour is kept, unless action-migrate is told otherwise. */
export const DEFAULT_POINTER = '/environments/{environment}/{component}/active-colour';

export function pointerName(pattern: string, environment: string, component: string): string {
  return pattern.replace('{environment}', environment).replace('{component}', component);
}

export function colourStackName(stackName: string, colour: Colour): string {
  return `${stackName}-${colour}`;
}

export function otherColour(colour: Colour): Colour {
  return colour === 'blue' ? 'green' : 'blue';
}

export interface Pointer {
  colour: Colour | undefined;
  /** When the pointer last changed: the previous colour is kept for rollback from then. */
  since: Date | undefined;
}

export async function readPointer(ssm: SSMClient, name: string): Promise<Pointer> {
  try {
    const response = await ssm.send(new GetParameterCommand({ Name: name }));
    const value = response.Parameter?.Value?.trim();
    if (value !== 'blue' && value !== 'green') {
      throw new RefusalError(
        `The active pointer ${name} says '${value}', which is not a colour (blue or green).`,
        'Set it to the colour of the stack that serves users.',
      );
    }
    return { colour: value, since: response.Parameter?.LastModifiedDate };
  } catch (error) {
    if (awsErrorName(error) === 'ParameterNotFound') return { colour: undefined, since: undefined };
    throw error;
  }
}

export async function writePointer(ssm: SSMClient, name: string, colour: Colour): Promise<void> {
  await ssm.send(
    new PutParameterCommand({
      Name: name,
      Value: colour,
      Type: 'String',
      Overwrite: true,
      Description: 'The active colour of a blue/green environment (environment-pipeline-actions).',
    }),
  );
}

export interface ActiveColour {
  pointer: Pointer;
  blue: Stack | undefined;
  green: Stack | undefined;
  /** The stack that serves users; undefined when the environment has no colours yet. */
  active: Stack | undefined;
}

/**
 * Which colour of a blue/green environment serves users, refusing every state in which that is
 * not known: colours without a pointer, a pointer to a colour that does not exist.
 */
export async function activeColour(
  ssm: SSMClient,
  cloudFormation: CloudFormationClient,
  stackName: string,
  pointerName: string,
): Promise<ActiveColour> {
  const pointer = await readPointer(ssm, pointerName);
  // A colour under review holds nothing: a plan of it, made before it was created.
  const existing = async (colour: Colour) => {
    const found = await findStack(cloudFormation, colourStackName(stackName, colour));
    return found?.StackStatus === 'REVIEW_IN_PROGRESS' ? undefined : found;
  };
  const blue = await existing('blue');
  const green = await existing('green');
  if (pointer.colour === undefined) {
    const existing = blue ?? green;
    if (existing) {
      throw new RefusalError(
        `${existing.StackName} exists but the active pointer ${pointerName} does not, so it is unknown which colour serves users.`,
        `Set ${pointerName} to the active colour (blue or green) and run again.`,
      );
    }
    return { pointer, blue, green, active: undefined };
  }
  const active = pointer.colour === 'blue' ? blue : green;
  if (!active) {
    throw new RefusalError(
      `The active pointer ${pointerName} says ${pointer.colour}, but ${colourStackName(stackName, pointer.colour)} does not exist.`,
      'Find where the data is before going on; set the pointer to the colour that holds it.',
    );
  }
  return { pointer, blue, green, active };
}

/**
 * Refuses to resume a journal whose pointer is not where its steps left it: before the switch
 * it must still name the colour users were on, after it either colour.
 */
export async function checkPointerAsJournalled(
  ssm: SSMClient,
  name: string,
  journal: MigrationJournal,
  colours: { from: Colour; to: Colour },
): Promise<void> {
  const pointer = await readPointer(ssm, name);
  const expected = hasStarted(journal, 'switch-pointer')
    ? [colours.from, colours.to]
    : [colours.from];
  if (!pointer.colour || !expected.includes(pointer.colour)) {
    throw new RefusalError(
      `The journal of ${describeMigration(journal)} expects ${name} to be ${expected.join(' or ')}, but it is ${pointer.colour ?? 'missing'}. Someone changed it during the migration; it cannot tell what is safe.`,
      'Find which colour holds the current data and set the pointer to it before running again.',
    );
  }
}
