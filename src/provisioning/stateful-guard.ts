import type { StatefulResources } from '../definition/definition.js';
import type { ResourceChangeRow } from './change-set.js';

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
  change: ResourceChangeRow;
  why: string;
}

export interface GuardVerdict {
  /** Changes that would lose data and were not allowed: the deploy must stop. */
  blocked: GuardViolation[];
  /** Changes that would lose data but `allow-replacement` names them. */
  allowed: GuardViolation[];
  /** `allow-replacement` entries that matched nothing, likely typos. */
  unusedAllowances: string[];
}

function isStateful(change: ResourceChangeRow, stateful: StatefulResources): boolean {
  return (
    STATEFUL_TYPES.includes(change.type) ||
    stateful.resourceTypes.includes(change.type) ||
    stateful.logicalIds.includes(change.logicalId) ||
    stateful.logicalIds.includes(change.path)
  );
}

function destructiveReason(change: ResourceChangeRow): string | undefined {
  const policy = change.policyAction ? ` (policy action: ${change.policyAction})` : '';
  const causes = change.replacementCauses.length
    ? `; caused by a change to ${change.replacementCauses.join(', ')}`
    : '';
  if (change.action === 'Remove') return `would be removed from the stack and deleted${policy}`;
  if (change.action === 'Modify' && change.replacement === 'True') {
    return `would be replaced: a new, empty resource is created and the old one deleted${causes}${policy}`;
  }
  if (change.action === 'Modify' && change.replacement === 'Conditional') {
    return `may be replaced (CloudFormation can only tell during the update)${causes}${policy}`;
  }
  return undefined;
}

/**
 * The check that would have saved the seeds' customer bucket: a change that removes or
 * replaces a resource holding data stops the deploy unless that resource is named in
 * `allow-replacement` (by logical ID, or `Parent/Child` for a nested stack's resource).
 */
export function evaluateGuard(
  changes: ResourceChangeRow[],
  stateful: StatefulResources,
  allowReplacement: string[],
): GuardVerdict {
  const blocked: GuardViolation[] = [];
  const allowed: GuardViolation[] = [];
  const used = new Set<string>();
  for (const change of changes) {
    if (change.isNestedStack) continue; // the nested stack's own changes are listed too
    const why = destructiveReason(change);
    if (why === undefined || !isStateful(change, stateful)) continue;
    const allowance = allowReplacement.find(
      (entry) => entry === change.path || entry === change.logicalId,
    );
    if (allowance) {
      used.add(allowance);
      allowed.push({ change, why });
    } else {
      blocked.push({ change, why });
    }
  }
  return {
    blocked,
    allowed,
    unusedAllowances: allowReplacement.filter((entry) => !used.has(entry)),
  };
}
