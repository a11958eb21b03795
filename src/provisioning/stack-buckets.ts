import {
  GetTemplateCommand,
  ListStackResourcesCommand,
  type CloudFormationClient,
} from '@aws-sdk/client-cloudformation';
import { parseTemplateDocument } from '../definition/template.js';

export interface StackBucket {
  stackId: string;
  logicalId: string;
  bucket: string;
  /** `retain`: the template keeps the bucket on delete; `unknown`: the policy could not be read. */
  deletionPolicy: 'delete' | 'retain' | 'unknown';
}

const RETAIN = ['Retain', 'RetainExceptOnCreate'];

async function deletionPolicies(
  cloudFormation: CloudFormationClient,
  stackId: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const response = await cloudFormation.send(
      new GetTemplateCommand({ StackName: stackId, TemplateStage: 'Processed' }),
    );
    const document = parseTemplateDocument(response.TemplateBody ?? '', stackId) as {
      Resources?: Record<string, { DeletionPolicy?: unknown }>;
    };
    const policies: Record<string, unknown> = {};
    for (const [logicalId, resource] of Object.entries(document.Resources ?? {})) {
      policies[logicalId] = resource.DeletionPolicy;
    }
    return policies;
  } catch {
    return undefined;
  }
}

/**
 * Every S3 bucket the stack owns, nested stacks included, with its DeletionPolicy. Bucket
 * names come from the stack's resources rather than from a naming convention, because
 * templates should let CloudFormation name buckets (the seeds' "phantom bucket" lesson).
 */
export async function findStackBuckets(
  cloudFormation: CloudFormationClient,
  stackId: string,
  depth = 0,
): Promise<StackBucket[]> {
  const buckets: StackBucket[] = [];
  const nestedStacks: string[] = [];
  let nextToken: string | undefined;
  let policies: Record<string, unknown> | undefined | null = null;
  for (let page = 0; page < 1000; page++) {
    const response = await cloudFormation.send(
      new ListStackResourcesCommand({ StackName: stackId, NextToken: nextToken }),
    );
    for (const resource of response.StackResourceSummaries ?? []) {
      if (!resource.PhysicalResourceId || resource.ResourceStatus === 'DELETE_COMPLETE') continue;
      if (resource.ResourceType === 'AWS::CloudFormation::Stack') {
        nestedStacks.push(resource.PhysicalResourceId);
      } else if (resource.ResourceType === 'AWS::S3::Bucket') {
        if (policies === null) policies = await deletionPolicies(cloudFormation, stackId);
        const policy = policies?.[resource.LogicalResourceId ?? ''];
        buckets.push({
          stackId,
          logicalId: resource.LogicalResourceId ?? '?',
          bucket: resource.PhysicalResourceId,
          deletionPolicy:
            policies === undefined || (policy !== undefined && typeof policy !== 'string')
              ? 'unknown'
              : typeof policy === 'string' && RETAIN.includes(policy)
                ? 'retain'
                : 'delete',
        });
      }
    }
    nextToken = response.NextToken;
    if (!nextToken) break;
  }
  if (depth < 10) {
    for (const nested of nestedStacks) {
      buckets.push(...(await findStackBuckets(cloudFormation, nested, depth + 1)));
    }
  }
  return buckets;
}
