import { RefusalError } from '../core/errors.js';
import { formatBytes } from '../core/summary.js';
import { STATEFUL_TYPES } from '../provisioning/stateful-guard.js';
import { listStackResources, type StackResource } from '../provisioning/stack-resources.js';
import { compareBuckets, type BucketComparison } from './bucket-compare.js';
import { copyBucket, type CopyResult } from './bucket-copy.js';
import {
  databaseStatistics,
  snapshotDatabase,
  snapshotIdentifier,
  type DatabaseSnapshot,
  type DatabaseStatistics,
} from './database-snapshots.js';
import type { MigrationContext, MigrationRequest } from './migration-context.js';
import {
  compareStatistics,
  fetchStackStatistics,
  type StatisticsComparison,
} from './statistics-endpoint.js';

export const BUCKET_TYPE = 'AWS::S3::Bucket';
export const DATABASE_TYPE = 'AWS::RDS::DBInstance';

export interface BucketPair {
  path: string;
  source: string;
  target: string;
}

/**
 * Source and target buckets matched by logical ID (path, for nested stacks). A bucket of the
 * source with no counterpart stops the migration: its data would have nowhere to go.
 */
export function pairBuckets(
  source: StackResource[],
  target: StackResource[],
  sourceStack: string,
  targetStack: string,
): BucketPair[] {
  const missing = source.filter((bucket) => !target.some((other) => other.path === bucket.path));
  if (missing.length > 0) {
    throw new RefusalError(
      `${targetStack} has no bucket for ${missing.map((bucket) => bucket.path).join(', ')} of ${sourceStack}; the data in it would be lost.`,
      'Buckets are matched by logical ID: keep the logical ID in the new version, or move the data out first.',
    );
  }
  return source.map((bucket) => ({
    path: bucket.path,
    source: bucket.physicalId,
    target: target.find((other) => other.path === bucket.path)!.physicalId,
  }));
}

export async function stackBuckets(context: MigrationContext, stack: string) {
  return listStackResources(context.cloudFormation, stack, [BUCKET_TYPE]);
}

export async function stackDatabases(context: MigrationContext, stack: string) {
  return listStackResources(context.cloudFormation, stack, [DATABASE_TYPE]);
}

/**
 * Refuses, before anything changes, a stack whose databases the new stack could not be given:
 * a DB instance without a snapshot parameter would come up empty in the new stack.
 */
export function checkSnapshotParameters(
  databases: StackResource[],
  request: MigrationRequest,
  stackName: string,
): void {
  const unmapped = databases.filter((db) => request.snapshotParameters[db.path] === undefined);
  if (unmapped.length > 0) {
    throw new RefusalError(
      `${stackName} has DB instance(s) ${unmapped.map((db) => db.path).join(', ')} with no snapshot parameter, so the new stack would get an empty database.`,
      `Name the template parameter that restores each one under migration.snapshot-parameters in the environment definition (for example ${unmapped[0]!.path}: ${unmapped[0]!.logicalId}Snapshot).`,
    );
  }
}

/**
 * Refuses a stack holding data the migration cannot clone (a DynamoDB table, an Aurora
 * cluster, a file system): copying around it would leave the new stack without that data,
 * and double-clone would then delete the only copy. Refuses too a DB instance with no snapshot
 * parameter. One listing of the stack serves both checks.
 */
export async function checkClonable(
  context: MigrationContext,
  request: MigrationRequest,
  stackName: string,
): Promise<void> {
  const resources = await listStackResources(context.cloudFormation, stackName);
  const unclonable = resources.filter(
    (resource) =>
      resource.type !== BUCKET_TYPE &&
      resource.type !== DATABASE_TYPE &&
      (STATEFUL_TYPES.includes(resource.type) ||
        request.stateful.resourceTypes.includes(resource.type) ||
        request.stateful.logicalIds.includes(resource.path)),
  );
  if (unclonable.length > 0) {
    throw new RefusalError(
      `${stackName} holds data the migration cannot clone: ${unclonable.map((resource) => `${resource.path} (${resource.type})`).join(', ')}; a ${request.strategy} migration would leave it behind.`,
      'Only S3 buckets and RDS DB instances are cloned. Use strategy update (the data stays in place), or move that data out first.',
    );
  }
  checkSnapshotParameters(
    resources.filter((resource) => resource.type === DATABASE_TYPE),
    request,
    stackName,
  );
}

export async function snapshotStackDatabases(
  context: MigrationContext,
  request: MigrationRequest,
  stackName: string,
  migrationId: string,
  attempt: number,
): Promise<DatabaseSnapshot[]> {
  const databases = await stackDatabases(context, stackName);
  checkSnapshotParameters(databases, request, stackName);
  const snapshots: DatabaseSnapshot[] = [];
  for (const db of databases) {
    snapshots.push(
      await snapshotDatabase(
        context.rds(),
        {
          logicalId: db.path,
          identifier: db.physicalId,
          parameter: request.snapshotParameters[db.path]!,
        },
        snapshotIdentifier(
          `${migrationId}${attempt > 1 ? `-a${attempt}` : ''}`,
          stackName,
          db.path,
        ),
        context.logger,
        context.polling,
        context.clock,
      ),
    );
  }
  if (databases.length === 0) context.logger.info(`${stackName} has no RDS DB instances.`);
  return snapshots;
}

export function snapshotParameterValues(snapshots: DatabaseSnapshot[]): Record<string, string> {
  return Object.fromEntries(snapshots.map((snapshot) => [snapshot.parameter, snapshot.snapshotId]));
}

export async function copyStackBuckets(
  context: MigrationContext,
  request: MigrationRequest,
  sourceStack: string,
  targetStack: string,
): Promise<CopyResult[]> {
  const pairs = pairBuckets(
    await stackBuckets(context, sourceStack),
    await stackBuckets(context, targetStack),
    sourceStack,
    targetStack,
  );
  const results: CopyResult[] = [];
  for (const pair of pairs) {
    const result = await copyBucket(context.s3(), pair.source, pair.target, {
      concurrency: request.copyConcurrency,
      clock: context.clock,
      onProgress: (progress) =>
        context.logger.info(
          `  ${pair.path}: ${progress.objects} object(s), ${formatBytes(progress.bytes)} copied so far`,
        ),
    });
    context.logger.info(
      `${pair.path}: copied ${result.objects} object(s) (${formatBytes(result.bytes)}) from ${pair.source} to ${pair.target} in ${(result.durationMs / 1000).toFixed(1)} s, ${request.copyConcurrency} at a time${result.retries ? `, ${result.retries} retried request(s)` : ''}.`,
    );
    results.push(result);
  }
  if (pairs.length === 0) context.logger.info(`${sourceStack} has no S3 buckets.`);
  return results;
}

/** The statistics gate's verdict on one copy; kept in the journal and shown in the summary. */
export interface GateResult {
  from: string;
  to: string;
  passed: boolean;
  buckets: (Omit<BucketComparison, 'differences'> & {
    path: string;
    differences: BucketComparison['differences'];
  })[];
  databases: {
    path: string;
    source: DatabaseStatistics;
    target: DatabaseStatistics;
    equal: boolean;
  }[];
  endpoint?: Pick<StatisticsComparison, 'equal' | 'differences'> & {
    sourceUrl: string;
    targetUrl: string;
  };
}

/**
 * Compares what the migration copied: every bucket object by object, every database against
 * its snapshot, and the service's own statistics when an endpoint is configured. Passes only
 * if everything is equal.
 */
export async function runGate(
  context: MigrationContext,
  request: MigrationRequest,
  sourceStack: string,
  targetStack: string,
  snapshots: DatabaseSnapshot[],
): Promise<GateResult> {
  const pairs = pairBuckets(
    await stackBuckets(context, sourceStack),
    await stackBuckets(context, targetStack),
    sourceStack,
    targetStack,
  );
  const buckets: GateResult['buckets'] = [];
  for (const pair of pairs) {
    const comparison = await compareBuckets(context.s3(), pair.source, pair.target);
    buckets.push({ path: pair.path, ...comparison });
    context.logger.info(
      `${pair.path}: ${comparison.source.objects} object(s) in ${sourceStack}, ${comparison.target.objects} in ${targetStack}: ${comparison.equal ? 'equal' : `${comparison.differenceCount} difference(s)`}.`,
    );
  }
  const targetDatabases = await stackDatabases(context, targetStack);
  const databases: GateResult['databases'] = [];
  for (const snapshot of snapshots) {
    const target = targetDatabases.find((db) => db.path === snapshot.logicalId);
    const targetStats = target
      ? await databaseStatistics(context.rds(), snapshot.logicalId, target.physicalId)
      : {
          logicalId: snapshot.logicalId,
          identifier: '(missing)',
          engine: '-',
          allocatedStorage: 0,
        };
    const source: DatabaseStatistics = {
      logicalId: snapshot.logicalId,
      identifier: snapshot.snapshotId,
      engine: snapshot.engine,
      allocatedStorage: snapshot.allocatedStorage,
    };
    databases.push({
      path: snapshot.logicalId,
      source,
      target: targetStats,
      equal:
        target !== undefined &&
        source.engine === targetStats.engine &&
        source.allocatedStorage === targetStats.allocatedStorage,
    });
  }
  let endpoint: GateResult['endpoint'];
  if (request.statistics) {
    const fetch = (stack: string) =>
      fetchStackStatistics(
        request.statistics!,
        context.cloudFormation,
        stack,
        context.logger,
        context.clock,
      );
    const source = await fetch(sourceStack);
    const target = await fetch(targetStack);
    const comparison = compareStatistics(source, target, request.statistics.ignore);
    endpoint = {
      equal: comparison.equal,
      differences: comparison.differences,
      sourceUrl: source.url,
      targetUrl: target.url,
    };
  }
  if (buckets.length === 0 && databases.length === 0 && !endpoint) {
    context.logger.warning(
      `The statistics gate had nothing to compare between ${sourceStack} and ${targetStack}: no buckets, no databases, no statistics-url. It passes, but proves nothing.`,
      { title: 'Empty statistics gate' },
    );
  }
  const passed =
    buckets.every((bucket) => bucket.equal) &&
    databases.every((db) => db.equal) &&
    (endpoint?.equal ?? true);
  return {
    from: sourceStack,
    to: targetStack,
    passed,
    buckets,
    databases,
    ...(endpoint ? { endpoint } : {}),
  };
}
