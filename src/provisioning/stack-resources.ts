import {
  ListStackResourcesCommand,
  type CloudFormationClient,
} from '@aws-sdk/client-cloudformation';
import { RefusalError } from '../core/errors.js';

// Limits only so that a malformed answer cannot loop for ever; reaching one is an error, since
// callers decide what a stack holds from this list.
const MAX_PAGES = 1000;
const MAX_DEPTH = 20;

export interface StackResource {
  /** `Parent/Child` for a resource inside a nested stack. */
  path: string;
  logicalId: string;
  type: string;
  physicalId: string;
}

/**
 * Every live resource of a stack, nested stacks' included, optionally only of some types.
 * Used to find what a stack owns (buckets, databases, Auto Scaling groups) from the stack
 * itself rather than from naming conventions.
 */
export async function listStackResources(
  cloudFormation: CloudFormationClient,
  stack: string,
  types?: string[],
  prefix = '',
  depth = 0,
): Promise<StackResource[]> {
  const found: StackResource[] = [];
  const nested: { id: string; path: string }[] = [];
  let nextToken: string | undefined;
  for (let page = 0; ; page++) {
    if (page >= MAX_PAGES) {
      throw new RefusalError(
        `Stack ${prefix || stack} has more than ${MAX_PAGES} pages of resources; it was not listed to the end.`,
      );
    }
    const response = await cloudFormation.send(
      new ListStackResourcesCommand({ StackName: stack, NextToken: nextToken }),
    );
    for (const resource of response.StackResourceSummaries ?? []) {
      // DELETE_FAILED and DELETE_IN_PROGRESS resources still exist, and may still hold data.
      if (!resource.PhysicalResourceId || resource.ResourceStatus === 'DELETE_COMPLETE') continue;
      const logicalId = resource.LogicalResourceId ?? '?';
      const path = prefix ? `${prefix}/${logicalId}` : logicalId;
      const type = resource.ResourceType ?? '?';
      if (type === 'AWS::CloudFormation::Stack') {
        nested.push({ id: resource.PhysicalResourceId, path });
      } else if (!types || types.includes(type)) {
        found.push({ path, logicalId, type, physicalId: resource.PhysicalResourceId });
      }
    }
    nextToken = response.NextToken;
    if (!nextToken) break;
  }
  const [deepest] = nested;
  if (deepest && depth + 1 > MAX_DEPTH) {
    throw new RefusalError(
      `Nested stack ${deepest.path} is more than ${MAX_DEPTH} levels deep; it was not listed.`,
    );
  }
  for (const child of nested) {
    found.push(
      ...(await listStackResources(cloudFormation, child.id, types, child.path, depth + 1)),
    );
  }
  return found;
}
