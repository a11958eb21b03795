import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { errorMessage } from '../core/errors.js';
import type { StatefulResources } from '../definition/definition.js';
import type { ResourceChangeRow } from './change-set.js';
import { listStackResources, type StackResource } from './stack-resources.js';

/** Resource types that hold data: replacing or removing one loses that data. */
export const STATEFUL_TYPES = [
  'AWS::S3::Bucket',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBCluster',
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::EC2::Volume',
  'AWS::EFS::FileSystem',
  'AWS::FSx::FileSystem',
  'AWS::ElastiCache::CacheCluster',
  'AWS::ElastiCache::ReplicationGroup',
  'AWS::ElastiCache::ServerlessCache',
  'AWS::OpenSearchService::Domain',
  'AWS::Elasticsearch::Domain',
  'AWS::DocDB::DBCluster',
  'AWS::Neptune::DBCluster',
  'AWS::Redshift::Cluster',
];

export interface GuardViolation {
  /** `Parent/Child` for a resource inside a nested stack. */
  path: string;
  type: string;
  why: string;
  /** The exact `allow-replacement` entry that would let this change through. */
  allowEntry: string;
}

export interface GuardVerdict {
  /** Changes that could lose data and were not allowed: the deploy must stop. */
  blocked: GuardViolation[];
  /** Changes that could lose data but `allow-replacement` names them. */
  allowed: GuardViolation[];
  /** `allow-replacement` entries that matched nothing, likely typos. */
  unusedAllowances: string[];
}

/**
 * What a nested stack held when the change set was reviewed, for a nested stack that is
 * removed or replaced (everything in it goes), or modified without a nested change set to
 * inspect. `error` when it could not be listed: then nothing about it is proven.
 */
export type NestedContents = { resources: StackResource[] } | { error: string };

function isStateful(
  resource: { type: string; logicalId: string; path: string },
  stateful: StatefulResources,
): boolean {
  return (
    STATEFUL_TYPES.includes(resource.type) ||
    stateful.resourceTypes.includes(resource.type) ||
    stateful.logicalIds.includes(resource.logicalId) ||
    stateful.logicalIds.includes(resource.path)
  );
}

const RECREATES = new Set(['Always', 'Conditionally']);

function triggers(change: ResourceChangeRow): string {
  const recreating = change.details.filter((detail) => RECREATES.has(detail.requiresRecreation));
  if (recreating.length === 0) {
    return '; CloudFormation named no property that causes it';
  }
  const described = recreating.map(
    (detail) =>
      `${detail.property} (RequiresRecreation: ${detail.requiresRecreation}${detail.evaluation ? `, Evaluation: ${detail.evaluation}` : ''})`,
  );
  return `; triggered by ${[...new Set(described)].join(', ')}`;
}

/**
 * Why a change to a stateful resource could lose its data, or undefined when CloudFormation
 * has said explicitly that it cannot. Anything CloudFormation leaves open (no Replacement at
 * all, `Conditional`, a `Dynamic` action or evaluation, an action this code does not know)
 * counts as a possible loss: an unknown is never a yes.
 */
export function destructiveReason(change: ResourceChangeRow): string | undefined {
  const policy = change.policyAction ? ` (policy action: ${change.policyAction})` : '';
  switch (change.action) {
    case 'Add':
    case 'Import':
      return undefined;
    case 'Remove':
      return `would be removed from the stack and deleted${policy}`;
    case 'Dynamic':
      return `has Action: Dynamic, so CloudFormation decides only during the update whether it is replaced or removed${triggers(change)}${policy}`;
    case 'Modify':
      break;
    default:
      return `has an action this guard does not know (${change.action}), so it may lose its data${policy}`;
  }
  const recreating = change.details.some((detail) => RECREATES.has(detail.requiresRecreation));
  if (change.replacement === 'False' && !recreating) return undefined;
  if (change.replacement === 'True') {
    return `would be replaced: a new, empty resource is created and the old one deleted${triggers(change)}${policy}`;
  }
  if (change.replacement === 'Conditional') {
    return `may be replaced (Replacement: Conditional; CloudFormation can only tell during the update)${triggers(change)}${policy}`;
  }
  if (change.replacement === 'False') {
    return `may be replaced: Replacement is False, but a property change requires recreation${triggers(change)}${policy}`;
  }
  return `may be replaced: CloudFormation did not say whether it is (Replacement: ${change.replacement || 'missing'})${triggers(change)}${policy}`;
}

/**
 * A nested stack row whose own rows do not tell the whole story: removed or replaced (every
 * resource in it goes with it), or modified with no nested change set to read.
 */
function nestedStackNeedsListing(change: ResourceChangeRow): boolean {
  if (!change.isNestedStack || change.action === 'Add' || change.action === 'Import') return false;
  return !(
    change.action === 'Modify' &&
    change.replacement === 'False' &&
    change.nestedChangeSetId
  );
}

/** Lists, recursively and to the last page, every nested stack the guard must look inside. */
export async function inspectNestedStacks(
  cloudFormation: CloudFormationClient,
  changes: ResourceChangeRow[],
): Promise<Map<string, NestedContents>> {
  const contents = new Map<string, NestedContents>();
  for (const change of changes.filter(nestedStackNeedsListing)) {
    if (!change.physicalId) {
      contents.set(change.path, { error: 'the change set gives no physical ID to list it by' });
      continue;
    }
    try {
      const resources = await listStackResources(
        cloudFormation,
        change.physicalId,
        undefined,
        change.path,
      );
      contents.set(change.path, { resources });
    } catch (error) {
      contents.set(change.path, { error: errorMessage(error) });
    }
  }
  return contents;
}

function nestedViolations(
  change: ResourceChangeRow,
  contents: NestedContents | undefined,
  stateful: StatefulResources,
): GuardViolation[] {
  const removed = change.action !== 'Modify' || change.replacement !== 'False';
  const what = removed
    ? `nested stack ${change.path} ${change.action === 'Remove' ? 'is removed' : `may be replaced (Action: ${change.action}, Replacement: ${change.replacement})`}, and everything in it with it`
    : `nested stack ${change.path} is modified, but CloudFormation gave no nested change set to inspect, so whether this resource is replaced cannot be told`;
  if (!contents || 'error' in contents) {
    return [
      {
        path: change.path,
        type: change.type,
        why: `${what}; its resources could not be listed (${contents && 'error' in contents ? contents.error : 'not inspected'}), so it may hold data`,
        allowEntry: change.path,
      },
    ];
  }
  return contents.resources
    .filter((resource) => isStateful(resource, stateful))
    .map((resource) => ({
      path: resource.path,
      type: resource.type,
      why: `would be lost: the ${what}`,
      allowEntry: resource.path,
    }));
}

/**
 * The check that would have saved the seeds' customer bucket: a change that could remove or
 * replace a resource holding data stops the deploy unless that resource is named in
 * `allow-replacement` (by logical ID, or `Parent/Child` for a nested stack's resource).
 * `nested` holds what `inspectNestedStacks` found for the nested stacks it had to look into;
 * a nested stack that needed it and is missing from the map counts as unknown.
 */
export function evaluateGuard(
  changes: ResourceChangeRow[],
  stateful: StatefulResources,
  allowReplacement: string[],
  nested: Map<string, NestedContents> = new Map(),
): GuardVerdict {
  const violations: GuardViolation[] = [];
  for (const change of changes) {
    if (change.isNestedStack) {
      if (nestedStackNeedsListing(change)) {
        violations.push(...nestedViolations(change, nested.get(change.path), stateful));
      }
      continue; // otherwise the nested change set's own rows are listed and checked
    }
    const why = destructiveReason(change);
    if (why === undefined || !isStateful(change, stateful)) continue;
    violations.push({ path: change.path, type: change.type, why, allowEntry: change.path });
  }

  const blocked: GuardViolation[] = [];
  const allowed: GuardViolation[] = [];
  const used = new Set<string>();
  for (const violation of violations) {
    const bare = violation.path.split('/').pop();
    const allowance = allowReplacement.find(
      (entry) => entry === violation.allowEntry || entry === bare,
    );
    if (allowance) {
      used.add(allowance);
      allowed.push(violation);
    } else {
      blocked.push(violation);
    }
  }
  return {
    blocked,
    allowed,
    unusedAllowances: allowReplacement.filter((entry) => !used.has(entry)),
  };
}
