import { RefusalError } from '../core/errors.js';
import { formatBytes } from '../core/summary.js';
import { STATEFUL_TYPES } from '../provisioning/stateful-guard.js';
import { listStackResources, type StackResource } from '../provisioning/stack-resources.js';
import {
  bucketHistoryStatistics,
  compareBucketHistories,
  compareBuckets,
  type BucketComparison,
} from './bucket-compare.js';
import {
  copyBucket,
  copyBucketHistory,
  mirrorBucket,
  type CopyProgress,
  type CopyResult,
} from './bucket-copy.js';
import { compareBucketSettings, readBucketSettings, refuseObjectLock } from './bucket-settings.js';
import { copyBucketWithBatchOperations, needsRunner, reachesThreshold } from './batch-copy.js';
import { versioningOf } from './bucket-versions.js';
import {
  databaseStatistics,
  snapshotDatabase,
  snapshotIdentifier,
  type DatabaseSnapshot,
  type DatabaseStatistics,
} from './database-snapshots.js';
import {
  checkSameKeys,
  compareTables,
  copyTable,
  mirrorTable,
  segmentsFor,
  type TableComparison,
  type TableCopyResult,
} from './dynamodb-tables.js';
import type { MigrationContext, MigrationRequest } from './migration-context.js';
import {
  compareStatistics,
  fetchStackStatistics,
  type StatisticsComparison,
} from './statistics-endpoint.js';
import { defined } from '../core/values.js';

export const BUCKET_TYPE = 'AWS::S3::Bucket';
export const DATABASE_TYPE = 'AWS::RDS::DBInstance';
export const TABLE_TYPE = 'AWS::DynamoDB::Table';

export interface BucketPair {
  path: string;
  source: string;
  target: string;
}

/**
 * Source and target buckets (or tables) matched by logical ID (path, for nested stacks). One
 * of the source with no counterpart stops the migration: its data would have nowhere to go.
 */
export function pairBuckets(
  source: StackResource[],
  target: StackResource[],
  sourceStack: string,
  targetStack: string,
  kind = 'bucket',
): BucketPair[] {
  const missing = source.filter((bucket) => !target.some((other) => other.path === bucket.path));
  if (missing.length > 0) {
    throw new RefusalError(
      `${targetStack} has no ${kind} for ${missing.map((bucket) => bucket.path).join(', ')} of ${sourceStack}; the data in it would be lost.`,
      `${kind === 'bucket' ? 'Buckets' : 'Tables'} are matched by logical ID: keep the logical ID in the new version, or move the data out first.`,
    );
  }
  return source.map((bucket) => ({
    path: bucket.path,
    source: bucket.physicalId,
    target: defined(
      target.find((other) => other.path === bucket.path),
      `the counterpart of ${bucket.path} in ${targetStack}`,
    ).physicalId,
  }));
}

export async function stackBuckets(context: MigrationContext, stack: string) {
  return listStackResources(context.cloudFormation, stack, [BUCKET_TYPE]);
}

export async function stackDatabases(context: MigrationContext, stack: string) {
  return listStackResources(context.cloudFormation, stack, [DATABASE_TYPE]);
}

export async function stackTables(context: MigrationContext, stack: string) {
  return listStackResources(context.cloudFormation, stack, [TABLE_TYPE]);
}

async function pairTables(
  context: MigrationContext,
  sourceStack: string,
  targetStack: string,
): Promise<BucketPair[]> {
  return pairBuckets(
    await stackTables(context, sourceStack),
    await stackTables(context, targetStack),
    sourceStack,
    targetStack,
    'table',
  );
}

/**
 * Copies every DynamoDB table of the source into the table with the same logical ID in the
 * target, after checking both are keyed alike. The target's table comes from the new version's
 * template, so its settings (billing, indexes, TTL, streams) are the new version's.
 */
export async function copyStackTables(
  context: MigrationContext,
  request: MigrationRequest,
  sourceStack: string,
  targetStack: string,
  how: CopyHow = 'clone',
): Promise<TableCopyResult[]> {
  const results: TableCopyResult[] = [];
  for (const pair of await pairTables(context, sourceStack, targetStack)) {
    await checkSameKeys(context.dynamodb(), pair.path, pair.source, pair.target);
    const options = { segments: segmentsFor(request.copyConcurrency), clock: context.clock };
    const mirrored =
      how === 'mirror'
        ? await mirrorTable(context.dynamodb(), pair.source, pair.target, options)
        : undefined;
    const result =
      mirrored ?? (await copyTable(context.dynamodb(), pair.source, pair.target, options));
    const deleted = mirrored ? `, ${mirrored.deleted} item(s) deleted first` : '';
    context.logger.info(
      `${pair.path}: copied ${result.items} item(s) from table ${pair.source} to ${pair.target}${deleted} in ${(result.durationMs / 1000).toFixed(1)} s, ${options.segments} segment(s) at a time${result.retries ? `, ${result.retries} retried batch(es)` : ''}.`,
    );
    results.push(result);
  }
  return results;
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
  const [example] = unmapped;
  if (example) {
    throw new RefusalError(
      `${stackName} has DB instance(s) ${unmapped.map((db) => db.path).join(', ')} with no snapshot parameter, so the new stack would get an empty database.`,
      `Name the template parameter that restores each one under migration.snapshot-parameters in the environment definition (for example ${example.path}: ${example.logicalId}Snapshot).`,
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
      resource.type !== TABLE_TYPE &&
      (STATEFUL_TYPES.includes(resource.type) ||
        request.stateful.resourceTypes.includes(resource.type) ||
        request.stateful.logicalIds.includes(resource.path)),
  );
  for (const bucket of resources.filter((resource) => resource.type === BUCKET_TYPE)) {
    await refuseObjectLock(context.s3(), bucket.path, bucket.physicalId);
  }
  if (unclonable.length > 0) {
    throw new RefusalError(
      `${stackName} holds data the migration cannot clone: ${unclonable.map((resource) => `${resource.path} (${resource.type})`).join(', ')}; a ${request.strategy} migration would leave it behind.`,
      'Only S3 buckets, RDS DB instances and DynamoDB tables are cloned (not Aurora clusters, EFS file systems or global tables). Use strategy update (the data stays in place), or move that data out first.',
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
          parameter: defined(
            request.snapshotParameters[db.path],
            `the snapshot parameter of ${db.path}`,
          ),
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

/**
 * How a bucket pair is copied and compared: `history` (every version and delete marker)
 * when the source is or was versioned and copy-versions is all; `current` when it is
 * versioned but copy-versions is current; `unversioned` otherwise. Decided from the source
 * bucket each time, so the copy and the gate always agree.
 */
export async function copyModeOf(
  context: MigrationContext,
  request: MigrationRequest,
  pair: BucketPair,
): Promise<'history' | 'current' | 'unversioned'> {
  const s3 = context.s3();
  const versioning = await versioningOf(s3, pair.source);
  if (versioning === 'Off') return 'unversioned';
  if (request.copyVersions === 'current') return 'current';
  const targetVersioning = await versioningOf(s3, pair.target);
  if (targetVersioning !== 'Enabled') {
    throw new RefusalError(
      `Bucket ${pair.path} of the source (${pair.source}) is versioned (${versioning}), but its counterpart ${pair.target} has versioning ${targetVersioning}, so the older versions and delete markers would be lost.`,
      'Enable versioning on that bucket in the new version (VersioningConfiguration: Status: Enabled), or set copy-versions: current to copy only current objects, knowingly.',
    );
  }
  return 'history';
}

/** What copy-versions: current leaves behind, said before anything is copied or deleted. */
async function reportLeftBehind(context: MigrationContext, pair: BucketPair): Promise<void> {
  const statistics = await bucketHistoryStatistics(context.s3(), pair.source);
  const noncurrent = (statistics.versions ?? 0) - statistics.objects;
  if (noncurrent === 0 && !statistics.deleteMarkers) return;
  context.logger.warning(
    `copy-versions: current: ${pair.path} (${pair.source}) is versioned; ${noncurrent} noncurrent version(s) and ${statistics.deleteMarkers ?? 0} delete marker(s) will not be carried over to ${pair.target}, and are lost when ${pair.source} is deleted.`,
    { title: 'Version history not copied' },
  );
}

/**
 * `clone` fills a new stack's empty buckets; `mirror` brings buckets that already hold an
 * earlier state of the data up to the source's (a rollback's previous colour): only what
 * changed is copied, what the source no longer has is deleted, and a versioned history is
 * only ever extended, never pruned.
 */
export type CopyHow = 'clone' | 'mirror';

/**
 * Whether a bucket pair is copied by an S3 Batch Operations job. Only a clone of current
 * objects can be: a job copies in no particular order (a history must be replayed oldest
 * first) and neither deletes nor compares (what a copy back does), so those stay on the
 * runner, said once as a warning when the job was asked for by name.
 */
async function usesBatchOperations(
  context: MigrationContext,
  request: MigrationRequest,
  pair: BucketPair,
  mode: 'history' | 'current' | 'unversioned',
  how: CopyHow,
): Promise<boolean> {
  const { engine, threshold } = request.copyEngine;
  if (engine === 'runner') return false;
  if (mode === 'history' || how === 'mirror') {
    const why =
      mode === 'history'
        ? "a job copies objects in no particular order, and each key's versions must be copied oldest first (copy-versions: current would let a job copy current objects)"
        : 'a copy back deletes what users deleted and leaves what is equal, which a copy job cannot do';
    if (engine === 'batch-operations') {
      context.logger.warning(
        `${pair.path}: copied on the runner, not by S3 Batch Operations: ${why}.`,
        { title: 'Copied on the runner' },
      );
    } else {
      context.logger.info(`${pair.path}: s3-copy-engine auto: copied on the runner: ${why}.`);
    }
    return false;
  }
  if (engine === 'batch-operations') return true;
  const { reached, counted } = await reachesThreshold(context.s3(), pair.source, threshold);
  context.logger.info(
    `${pair.path}: s3-copy-engine auto: ${reached ? `at least ${counted}` : counted} object(s) in ${pair.source}, ${reached ? 'at or above' : 'below'} s3-batch-threshold ${threshold}: copied ${reached ? 'by an S3 Batch Operations job' : 'on the runner'}.`,
  );
  return reached;
}

export async function copyStackBuckets(
  context: MigrationContext,
  request: MigrationRequest,
  sourceStack: string,
  targetStack: string,
  how: CopyHow = 'clone',
  /** Names this copy (migration and step) for the Batch Operations job and its files. */
  scope = `${request.component}/${request.environment}`,
): Promise<CopyResult[]> {
  const pairs = pairBuckets(
    await stackBuckets(context, sourceStack),
    await stackBuckets(context, targetStack),
    sourceStack,
    targetStack,
  );
  const results: CopyResult[] = [];
  for (const pair of pairs) {
    const [sourceSettings, targetSettings] = await Promise.all([
      readBucketSettings(context.s3(), pair.source),
      readBucketSettings(context.s3(), pair.target),
    ]);
    for (const difference of compareBucketSettings(
      { bucket: pair.source, settings: sourceSettings },
      { bucket: pair.target, settings: targetSettings },
    )) {
      context.logger.warning(`${pair.path}: the buckets' settings differ: ${difference}.`, {
        title: 'Bucket settings differ',
      });
    }
    const mode = await copyModeOf(context, request, pair);
    const { afterStep } = context;
    const options = {
      concurrency: request.copyConcurrency,
      clock: context.clock,
      ...(context.deadline ? { deadline: context.deadline } : {}),
      ...(afterStep ? { afterObject: (copied: number) => afterStep(`copy-object:${copied}`) } : {}),
      onProgress: (progress: CopyProgress) =>
        context.logger.info(
          `  ${pair.path}: ${progress.objects} object(s), ${formatBytes(progress.bytes)} copied so far`,
        ),
    };
    if (mode === 'current') await reportLeftBehind(context, pair);
    const batch = await usesBatchOperations(context, request, pair, mode, how);
    let result: CopyResult;
    let what: string;
    if (mode === 'history') {
      const copied = await copyBucketHistory(context.s3(), pair.source, pair.target, {
        ...options,
        diverged: how === 'mirror' ? 'refuse' : 'rewrite',
      });
      what = `every version: ${copied.versions} version(s) and ${copied.deleteMarkers} delete marker(s)${copied.rewritten ? `, ${copied.rewritten} key(s) redone over a dead run's partial copy` : ''}`;
      result = copied;
    } else if (batch) {
      const job = await copyBucketWithBatchOperations(pair.source, pair.target, {
        control: context.s3Control(),
        s3: context.s3(),
        roleArn: defined(request.copyEngine.roleArn, "input 's3-batch-role-arn'"),
        bucket: request.journalBucket,
        prefix: `batch-operations/${scope}/${pair.path}`,
        scope,
        polling: context.polling,
        clock: context.clock,
        logger: context.logger,
      });
      const rest = job.left
        ? await copyBucket(context.s3(), pair.source, pair.target, {
            ...options,
            only: needsRunner,
          })
        : undefined;
      what = `${job.objects} object(s) by S3 Batch Operations job ${job.jobId ?? '(none needed)'}${rest ? `, ${rest.objects} multipart or over 5 GiB on the runner` : ''}`;
      result = {
        source: pair.source,
        target: pair.target,
        objects: job.objects + (rest?.objects ?? 0),
        bytes: job.bytes + (rest?.bytes ?? 0),
        retries: rest?.retries ?? 0,
        multipart: rest?.multipart ?? 0,
        durationMs: job.durationMs + (rest?.durationMs ?? 0),
      };
    } else if (how === 'mirror') {
      const mirrored = await mirrorBucket(context.s3(), pair.source, pair.target, options);
      what = `${mirrored.objects} changed object(s), ${mirrored.deleted} deleted, ${mirrored.unchanged} already the same`;
      result = mirrored;
    } else {
      result = await copyBucket(context.s3(), pair.source, pair.target, options);
      what = `${result.objects} object(s)`;
    }
    context.logger.info(
      `${pair.path}: copied ${what} (${formatBytes(result.bytes)}) from ${pair.source} to ${pair.target} in ${(result.durationMs / 1000).toFixed(1)} s, ${request.copyConcurrency} at a time${result.retries ? `, ${result.retries} retried request(s)` : ''}.`,
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
  /** Absent in journals written before tables were cloned. */
  tables?: (TableComparison & { path: string })[];
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
  // Each stack listed once, nested stacks included, for every kind of data the gate measures.
  const types = [BUCKET_TYPE, DATABASE_TYPE, TABLE_TYPE];
  const [sourceData, targetData] = await Promise.all([
    listStackResources(context.cloudFormation, sourceStack, types),
    listStackResources(context.cloudFormation, targetStack, types),
  ]);
  const ofType = (resources: StackResource[], type: string) =>
    resources.filter((resource) => resource.type === type);
  const pairs = pairBuckets(
    ofType(sourceData, BUCKET_TYPE),
    ofType(targetData, BUCKET_TYPE),
    sourceStack,
    targetStack,
  );
  const buckets: GateResult['buckets'] = [];
  for (const pair of pairs) {
    const comparison =
      (await copyModeOf(context, request, pair)) === 'history'
        ? await compareBucketHistories(context.s3(), pair.source, pair.target)
        : await compareBuckets(context.s3(), pair.source, pair.target);
    buckets.push({ path: pair.path, ...comparison });
    context.logger.info(
      comparison.history
        ? `${pair.path}: ${comparison.source.versions} version(s) and ${comparison.source.deleteMarkers} delete marker(s) in ${sourceStack}, ${comparison.target.versions} and ${comparison.target.deleteMarkers} in ${targetStack}, compared key by key in order (version IDs necessarily differ): ${comparison.equal ? 'equal' : `${comparison.differenceCount} key(s) differ`}.`
        : `${pair.path}: ${comparison.source.objects} object(s) in ${sourceStack}, ${comparison.target.objects} in ${targetStack}: ${comparison.equal ? 'equal' : `${comparison.differenceCount} difference(s)`}.`,
    );
  }
  const targetDatabases = ofType(targetData, DATABASE_TYPE);
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
  const tables: NonNullable<GateResult['tables']> = [];
  const tablePairs = pairBuckets(
    ofType(sourceData, TABLE_TYPE),
    ofType(targetData, TABLE_TYPE),
    sourceStack,
    targetStack,
    'table',
  );
  for (const pair of tablePairs) {
    const comparison = await compareTables(
      context.dynamodb(),
      pair.source,
      pair.target,
      segmentsFor(request.copyConcurrency),
    );
    tables.push({ path: pair.path, ...comparison });
    context.logger.info(
      `${pair.path}: ${comparison.source.items} item(s) in ${sourceStack}, ${comparison.target.items} in ${targetStack}, every item digested: ${comparison.equal ? 'equal' : 'they differ'}.`,
    );
  }
  let endpoint: GateResult['endpoint'];
  const { statistics } = request;
  if (statistics) {
    const fetch = (stack: string) =>
      fetchStackStatistics(
        statistics,
        context.cloudFormation,
        stack,
        context.logger,
        context.clock,
      );
    const source = await fetch(sourceStack);
    const target = await fetch(targetStack);
    const comparison = compareStatistics(source, target, statistics.ignore);
    endpoint = {
      equal: comparison.equal,
      differences: comparison.differences,
      sourceUrl: source.url,
      targetUrl: target.url,
    };
  }
  if (buckets.length === 0 && databases.length === 0 && tables.length === 0 && !endpoint) {
    context.logger.warning(
      `The statistics gate had nothing to compare between ${sourceStack} and ${targetStack}: no buckets, no databases, no tables, no statistics-url. It passes, but proves nothing.`,
      { title: 'Empty statistics gate' },
    );
  }
  const passed =
    buckets.every((bucket) => bucket.equal) &&
    databases.every((db) => db.equal) &&
    tables.every((table) => table.equal) &&
    (endpoint?.equal ?? true);
  return {
    from: sourceStack,
    to: targetStack,
    passed,
    buckets,
    databases,
    tables,
    ...(endpoint ? { endpoint } : {}),
  };
}
