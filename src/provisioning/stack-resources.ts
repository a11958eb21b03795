import {
  ListStackResourcesCommand,
  type CloudFormationClient,
} from '@aws-sdk/client-cloudformation';

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
  for (let page = 0; page < 1000; page++) {
    const response = await cloudFormation.send(
      new ListStackResourcesCommand({ StackName: stack, NextToken: nextToken }),
    );
    for (const resource of response.StackResourceSummaries ?? []) {
      if (!resource.PhysicalResourceId || resource.ResourceStatus?.startsWith('DELETE')) continue;
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
  if (depth < 10) {
    for (const child of nested) {
      found.push(
        ...(await listStackResources(cloudFormation, child.id, types, child.path, depth + 1)),
      );
    }
  }
  return found;
}
