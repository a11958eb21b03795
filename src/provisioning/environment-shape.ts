import type { CloudFormationClient, Stack } from '@aws-sdk/client-cloudformation';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { AwsClients } from '../aws/clients.js';
import { findStack } from '../aws/stack-lookup.js';
import { STACK_TAG, stackNameFor } from '../aws/suite-tags.js';
import { RefusalError } from '../core/errors.js';
import type { Layout } from '../definition/definition-schema.js';
import {
  colourStackName,
  DEFAULT_POINTER,
  pointerName,
  readPointer,
} from '../migration/colours.js';
import type { Colour } from '../migration/journal.js';

/**
 * An environment is plain (one stack, `{environment}-{component}`, that deploy creates and
 * updates) or blue/green (the colour stacks `…-blue` and `…-green` and the pointer naming the one
 * that serves users, which only action-migrate changes). The definition may say which; else what
 * exists tells. Every operation reads the shape here, so none of them creates a third stack
 * beside two colours, or takes a stray stack for the one serving users.
 */
export interface EnvironmentShape {
  environment: string;
  /** `{environment}-{component}`: the plain stack's name, and the colours' stem. */
  stackName: string;
  /** Undefined when nothing exists yet and the definition does not say. */
  layout: Layout | undefined;
  declared: Layout | undefined;
  /** The plain stack, unless it is only a plan's placeholder. */
  plain: Stack | undefined;
  /** Stacks that hold only a plan under review (REVIEW_IN_PROGRESS, the suite's tags). */
  placeholders: Stack[];
  blue: Stack | undefined;
  green: Stack | undefined;
  pointer: { name: string; colour: Colour | undefined };
  /** The stack serving users: the plain one, or the colour the pointer names. */
  serving: Stack | undefined;
}

/**
 * A stack CloudFormation holds only for a change set under review: it never created anything
 * (REVIEW_IN_PROGRESS), and its tags say the suite planned it for this environment.
 */
export function isPlanPlaceholder(
  stack: Stack | undefined,
  environment: string,
  component: string,
): boolean {
  if (stack?.StackStatus !== 'REVIEW_IN_PROGRESS') return false;
  const tags = new Map((stack.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
  return (
    tags.get(STACK_TAG.environment) === environment && tags.get(STACK_TAG.component) === component
  );
}

function names(stacks: Array<Stack | undefined>): string {
  return stacks
    .filter((stack): stack is Stack => stack !== undefined)
    .map((stack) => stack.StackName ?? '?')
    .join(' and ');
}

/** Reads the environment's stacks and pointer, refusing a shape that is two at once. */
export async function readEnvironmentShape(
  aws: { cloudFormation: CloudFormationClient; ssm: () => SSMClient },
  environment: string,
  component: string,
  declared: Layout | undefined,
): Promise<EnvironmentShape> {
  const stackName = stackNameFor(environment, component);
  const pointer = pointerName(DEFAULT_POINTER, environment, component);
  const [plainFound, blueFound, greenFound] = await Promise.all(
    [stackName, colourStackName(stackName, 'blue'), colourStackName(stackName, 'green')].map(
      (name) => findStack(aws.cloudFormation, name),
    ),
  );
  const placeholder = (stack: Stack | undefined) =>
    isPlanPlaceholder(stack, environment, component);
  const placeholders = [plainFound, blueFound, greenFound].filter(
    (stack): stack is Stack => stack !== undefined && placeholder(stack),
  );
  const plain = placeholder(plainFound) ? undefined : plainFound;
  const blue = placeholder(blueFound) ? undefined : blueFound;
  const green = placeholder(greenFound) ? undefined : greenFound;
  const { colour } = await readPointer(aws.ssm(), pointer);
  const colours = blue !== undefined || green !== undefined || colour !== undefined;
  if (plain && colours) {
    throw new RefusalError(
      `${environment} has both a plain stack, ${stackName}, and blue/green ${names([blue, green]) || 'colours'}${colour ? ` with the pointer ${pointer} naming ${colour}` : ''}: it cannot be told which one serves users, and no operation will guess.`,
      `Find which holds the data users see; delete the other (operation: delete cannot choose for you), then run again.`,
      'The environment has two shapes',
    );
  }
  const found: Layout | undefined = colours ? 'blue-green' : plain ? 'plain' : undefined;
  if (declared && found && declared !== found) {
    throw new RefusalError(
      `The definition says ${environment} is ${declared}, but it is ${found}: ${found === 'plain' ? `the stack ${stackName} exists` : `${names([blue, green]) || `the pointer ${pointer}`} exist${blue && green ? '' : 's'}`}.`,
      found === 'plain'
        ? `Move it to blue/green with action-migrate (strategy: double-clone keeps the name; blue-green needs colours), or set environments.${environment}.layout: plain.`
        : `Set environments.${environment}.layout: blue-green, or delete the colours and the pointer (operation: delete) to start it plain.`,
      'The environment is not laid out as the definition says',
    );
  }
  const layout = declared ?? found;
  let serving: Stack | undefined;
  if (layout === 'plain') serving = plain;
  else if (colour !== undefined) {
    serving = colour === 'blue' ? blue : green;
    if (!serving) {
      throw new RefusalError(
        `The active pointer ${pointer} says ${colour}, but ${colourStackName(stackName, colour)} does not exist.`,
        'Find where the data is before going on; set the pointer to the colour that holds it.',
      );
    }
  } else if (blue ?? green) {
    throw new RefusalError(
      `${names([blue, green])} exist${blue && green ? '' : 's'} but the active pointer ${pointer} does not, so it is unknown which colour serves users.`,
      `Set ${pointer} to the active colour (blue or green) and run again.`,
    );
  }
  return {
    environment,
    stackName,
    layout,
    declared,
    plain,
    placeholders,
    blue,
    green,
    pointer: { name: pointer, colour },
    serving,
  };
}

/** How a message names the shape: `blue/green (…-blue and …-green, pointer … → green)`. */
export function describeShape(shape: EnvironmentShape): string {
  if (shape.layout !== 'blue-green') return shape.plain ? `plain (${shape.stackName})` : 'empty';
  const colours = names([shape.blue, shape.green]) || 'no colour yet';
  return `blue/green (${colours}; pointer ${shape.pointer.name}${shape.pointer.colour ? ` → ${shape.pointer.colour}` : ' not set'})`;
}

/** The environment's shape, read with the SSM client only a blue/green pointer needs. */
export async function shapeOf(
  clients: AwsClients,
  environment: string,
  component: string,
  declared: Layout | undefined,
): Promise<EnvironmentShape> {
  const { createMigrationClients } = await import('../aws/migration-clients.js');
  let ssm: SSMClient | undefined;
  return readEnvironmentShape(
    {
      cloudFormation: clients.cloudFormation,
      ssm: () => (ssm ??= createMigrationClients(clients.settings).ssm),
    },
    environment,
    component,
    declared,
  );
}
