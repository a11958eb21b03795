export const id = 934;
export const ids = [934];
export const modules = {

/***/ 9262:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Aw: () => (/* binding */ compareBucketHistories),
/* harmony export */   Ip: () => (/* binding */ bucketStatistics),
/* harmony export */   K1: () => (/* binding */ bucketHistoryStatistics),
/* harmony export */   TE: () => (/* binding */ compareBuckets),
/* harmony export */   vD: () => (/* binding */ storageStatistics)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _bucket_listing_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4761);
/* harmony import */ var _bucket_versions_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1804);



const SHOWN = 20;
class Tally {
    objects = 0;
    bytes = 0;
    hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
    add(object) {
        this.objects += 1;
        this.bytes += object.size;
        // Multipart ETags depend on how the object was uploaded, not on its content.
        const etag = (0,_bucket_listing_js__WEBPACK_IMPORTED_MODULE_1__/* .isMultipartEtag */ .iP)(object.etag) ? 'multipart' : object.etag;
        this.hash.update(`${object.key}\u0000${object.size}\u0000${etag}\n`);
    }
    statistics(bucket) {
        return { bucket, objects: this.objects, bytes: this.bytes, digest: this.hash.digest('hex') };
    }
}
/** Statistics of one bucket, read in one streaming pass. */
async function bucketStatistics(s3, bucket) {
    const tally = new Tally();
    for await (const object of (0,_bucket_listing_js__WEBPACK_IMPORTED_MODULE_1__/* .listObjects */ .L)(s3, bucket))
        tally.add(object);
    return tally.statistics(bucket);
}
/**
 * Compares two buckets object by object (keys, sizes, ETags) by merging their listings, which
 * S3 returns in the same order: one pass, two pages in memory each, whatever the size. The
 * statistics of both come out of the same pass.
 */
async function compareBuckets(s3, source, target) {
    const sourceTally = new Tally();
    const targetTally = new Tally();
    const differences = [];
    let differenceCount = 0;
    let sizeOnly = 0;
    const differ = (difference) => {
        differenceCount += 1;
        if (differences.length < SHOWN)
            differences.push(difference);
    };
    const left = (0,_bucket_listing_js__WEBPACK_IMPORTED_MODULE_1__/* .listObjects */ .L)(s3, source);
    const right = (0,_bucket_listing_js__WEBPACK_IMPORTED_MODULE_1__/* .listObjects */ .L)(s3, target);
    let a = await left.next();
    let b = await right.next();
    for (let step = 0; step < Number.MAX_SAFE_INTEGER && !(a.done && b.done); step++) {
        const order = a.done ? 1 : b.done ? -1 : (0,_bucket_listing_js__WEBPACK_IMPORTED_MODULE_1__/* .compareKeys */ .YD)(a.value.key, b.value.key);
        if (order < 0 && !a.done) {
            sourceTally.add(a.value);
            differ({ key: a.value.key, problem: 'missing', source: `${a.value.size} bytes` });
            a = await left.next();
        }
        else if (order > 0 && !b.done) {
            targetTally.add(b.value);
            differ({ key: b.value.key, problem: 'extra', target: `${b.value.size} bytes` });
            b = await right.next();
        }
        else if (!a.done && !b.done) {
            sourceTally.add(a.value);
            targetTally.add(b.value);
            if (a.value.size !== b.value.size) {
                differ({
                    key: a.value.key,
                    problem: 'size',
                    source: String(a.value.size),
                    target: String(b.value.size),
                });
            }
            else if (a.value.etag === b.value.etag) {
                // equal
            }
            else if ((0,_bucket_listing_js__WEBPACK_IMPORTED_MODULE_1__/* .isMultipartEtag */ .iP)(a.value.etag) || (0,_bucket_listing_js__WEBPACK_IMPORTED_MODULE_1__/* .isMultipartEtag */ .iP)(b.value.etag)) {
                sizeOnly += 1;
            }
            else {
                differ({ key: a.value.key, problem: 'etag', source: a.value.etag, target: b.value.etag });
            }
            a = await left.next();
            b = await right.next();
        }
    }
    const sourceStatistics = sourceTally.statistics(source);
    const targetStatistics = targetTally.statistics(target);
    return {
        source: sourceStatistics,
        target: targetStatistics,
        // Not the digests: a source object with a multipart ETag is copied as a single part, so its
        // digest line differs while the object, compared by key and size, is the same.
        equal: differenceCount === 0,
        differenceCount,
        differences,
        sizeOnly,
    };
}
function historyStatistics(bucket, tally) {
    return {
        bucket,
        objects: tally.objects,
        bytes: tally.bytes,
        digest: tally.digest(),
        versions: tally.versions,
        deleteMarkers: tally.deleteMarkers,
    };
}
/**
 * The statistics a bucket is measured by: with its whole history when it is (or was)
 * versioned, so a change to an older version or a delete marker shows too.
 */
async function storageStatistics(s3, bucket) {
    return (await (0,_bucket_versions_js__WEBPACK_IMPORTED_MODULE_2__/* .versioningOf */ .eu)(s3, bucket)) === 'Off'
        ? bucketStatistics(s3, bucket)
        : bucketHistoryStatistics(s3, bucket);
}
/** Statistics of every version and delete marker of a bucket, in one streaming pass. */
async function bucketHistoryStatistics(s3, bucket) {
    const tally = new _bucket_versions_js__WEBPACK_IMPORTED_MODULE_2__/* .HistoryTally */ .Pq();
    for await (const history of (0,_bucket_versions_js__WEBPACK_IMPORTED_MODULE_2__/* .listHistories */ .PG)(s3, bucket))
        tally.add(history);
    return historyStatistics(bucket, tally);
}
/**
 * Compares two versioned buckets key by key, each key's whole history in order: the same
 * number of versions and delete markers, each version the same size and ETag, in the same
 * places. What a plain listing shows (the current objects) is then equal too.
 */
async function compareBucketHistories(s3, source, target) {
    const sourceTally = new _bucket_versions_js__WEBPACK_IMPORTED_MODULE_2__/* .HistoryTally */ .Pq();
    const targetTally = new _bucket_versions_js__WEBPACK_IMPORTED_MODULE_2__/* .HistoryTally */ .Pq();
    const differences = [];
    let differenceCount = 0;
    let sizeOnly = 0;
    for await (const pair of (0,_bucket_versions_js__WEBPACK_IMPORTED_MODULE_2__/* .pairHistories */ .Ts)((0,_bucket_versions_js__WEBPACK_IMPORTED_MODULE_2__/* .listHistories */ .PG)(s3, source), (0,_bucket_versions_js__WEBPACK_IMPORTED_MODULE_2__/* .listHistories */ .PG)(s3, target))) {
        if (pair.source)
            sourceTally.add(pair.source);
        if (pair.target)
            targetTally.add(pair.target);
        const left = pair.source?.versions ?? [];
        const right = pair.target?.versions ?? [];
        const same = left.length === right.length &&
            (0,_bucket_versions_js__WEBPACK_IMPORTED_MODULE_2__/* .commonStart */ .Qv)(left, right) === left.length &&
            !pair.source?.ambiguous;
        if (same) {
            sizeOnly += left.filter((version, index) => !version.deleteMarker && version.etag !== right[index]?.etag).length;
            continue;
        }
        differenceCount += 1;
        if (differences.length < SHOWN) {
            differences.push({
                key: pair.key,
                problem: !pair.target ? 'missing' : !pair.source ? 'extra' : 'history',
                ...(pair.source ? { source: pair.source.ambiguous ?? (0,_bucket_versions_js__WEBPACK_IMPORTED_MODULE_2__/* .describeHistory */ .aq)(left) } : {}),
                ...(pair.target ? { target: (0,_bucket_versions_js__WEBPACK_IMPORTED_MODULE_2__/* .describeHistory */ .aq)(right) } : {}),
            });
        }
    }
    return {
        source: historyStatistics(source, sourceTally),
        target: historyStatistics(target, targetTally),
        equal: differenceCount === 0,
        differenceCount,
        differences,
        sizeOnly,
        history: true,
    };
}


/***/ }),

/***/ 2736:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  sv: () => (/* binding */ BUCKET_TYPE),
  jD: () => (/* binding */ DATABASE_TYPE),
  _U: () => (/* binding */ TABLE_TYPE),
  d8: () => (/* binding */ checkClonable),
  VN: () => (/* binding */ copyStackBuckets),
  nL: () => (/* binding */ copyStackTables),
  Rg: () => (/* binding */ runGate),
  S1: () => (/* binding */ snapshotParameterValues),
  $w: () => (/* binding */ snapshotStackDatabases),
  Mu: () => (/* binding */ stackBuckets)
});

// UNUSED EXPORTS: checkSnapshotParameters, copyModeOf, pairBuckets, stackDatabases, stackTables

// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/core/summary.ts
var summary = __webpack_require__(1363);
// EXTERNAL MODULE: ./src/provisioning/stateful-guard.ts
var stateful_guard = __webpack_require__(5177);
// EXTERNAL MODULE: ./src/provisioning/stack-resources.ts
var stack_resources = __webpack_require__(29);
// EXTERNAL MODULE: ./src/migration/bucket-compare.ts
var bucket_compare = __webpack_require__(9262);
// EXTERNAL MODULE: ./src/migration/bucket-copy.ts + 1 modules
var bucket_copy = __webpack_require__(2091);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-s3/dist-cjs/index.js
var dist_cjs = __webpack_require__(3711);
// EXTERNAL MODULE: ./src/aws/errors.ts
var aws_errors = __webpack_require__(9378);
;// CONCATENATED MODULE: ./src/migration/bucket-settings.ts



// Each Get… answers a named error when the setting was never configured.
const NOT_CONFIGURED = new Set([
    'ObjectLockConfigurationNotFoundError',
    'ReplicationConfigurationNotFoundError',
    'NoSuchLifecycleConfiguration',
    'ServerSideEncryptionConfigurationNotFoundError',
]);
async function setting(read) {
    try {
        return await read();
    }
    catch (error) {
        if (NOT_CONFIGURED.has((0,aws_errors/* awsErrorName */.ZH)(error) ?? ''))
            return null;
        throw error;
    }
}
async function readBucketSettings(s3, bucket) {
    const [objectLock, replication, lifecycle, encryption] = await Promise.all([
        setting(async () => (await s3.send(new dist_cjs/* GetObjectLockConfigurationCommand */.mU1({ Bucket: bucket })))
            .ObjectLockConfiguration ?? null),
        setting(async () => (await s3.send(new dist_cjs/* GetBucketReplicationCommand */.qJf({ Bucket: bucket })))
            .ReplicationConfiguration ?? null),
        setting(async () => (await s3.send(new dist_cjs/* GetBucketLifecycleConfigurationCommand */.iQ1({ Bucket: bucket }))).Rules ??
            null),
        setting(async () => (await s3.send(new dist_cjs/* GetBucketEncryptionCommand */.tQT({ Bucket: bucket })))
            .ServerSideEncryptionConfiguration ?? null),
    ]);
    return { objectLock, replication, lifecycle, encryption };
}
function comparable(value) {
    return JSON.stringify(value ?? null);
}
/**
 * Object Lock cannot survive a copy: each object's retention and legal hold stay with the
 * original, so data the source keeps from deletion would lose that protection. Checked on the
 * source alone, before anything changes.
 */
async function refuseObjectLock(s3, path, bucket) {
    const lock = await setting(async () => (await s3.send(new dist_cjs/* GetObjectLockConfigurationCommand */.mU1({ Bucket: bucket })))
        .ObjectLockConfiguration ?? null);
    if (lock?.ObjectLockEnabled === 'Enabled') {
        throw new errors/* RefusalError */.XQ(`Bucket ${path} (${bucket}) has Object Lock enabled; a copy cannot carry each object's retention and legal hold, so the new stack's copy would not be protected as the original is.`, 'Migrate this environment with strategy update (the bucket stays in place), or move the locked data out by a process that keeps its retention.');
    }
}
/**
 * The settings the target does not have as the source has them: reported before the copy, since
 * a missing lifecycle rule, replication or encryption changes what happens to the data later.
 * (Replication between two colours may differ on purpose: its destinations.)
 */
function compareBucketSettings(source, target) {
    const names = ['objectLock', 'replication', 'lifecycle', 'encryption'];
    return names
        .filter((name) => comparable(source.settings[name]) !== comparable(target.settings[name]))
        .map((name) => `${name}: ${comparable(source.settings[name])} in ${source.bucket}, ${comparable(target.settings[name])} in ${target.bucket}`);
}

// EXTERNAL MODULE: ./src/migration/batch-copy.ts
var batch_copy = __webpack_require__(8712);
// EXTERNAL MODULE: ./src/migration/bucket-versions.ts
var bucket_versions = __webpack_require__(1804);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-rds/dist-cjs/index.js
var client_rds_dist_cjs = __webpack_require__(7202);
// EXTERNAL MODULE: ./src/core/waiter.ts
var waiter = __webpack_require__(9649);
// EXTERNAL MODULE: ./src/aws/suite-tags.ts
var suite_tags = __webpack_require__(6627);
;// CONCATENATED MODULE: ./src/migration/database-snapshots.ts





/** Snapshot identifiers: a letter first, letters, digits and single hyphens, at most 255. */
function snapshotIdentifier(migrationId, stackName, logicalId) {
    return `migration-${migrationId}-${stackName}-${logicalId}`
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .replace(/-+/g, '-')
        .replace(/^[^a-z]+/, '')
        .slice(0, 255)
        .replace(/-$/, '');
}
/**
 * Snapshots a DB instance (or finds the snapshot a crashed run already started: identifiers are
 * derived from the migration, so a re-run never takes a second one) and waits until it is
 * available.
 */
async function snapshotDatabase(rds, instance, snapshotId, logger, polling, clock) {
    try {
        await rds.send(new client_rds_dist_cjs/* CreateDBSnapshotCommand */.SQw({
            DBInstanceIdentifier: instance.identifier,
            DBSnapshotIdentifier: snapshotId,
            Tags: [{ Key: suite_tags/* SNAPSHOT_TAG */.K9.managedBy, Value: suite_tags/* MANAGED_BY */.Kf }],
        }));
        logger.info(`Snapshot ${snapshotId} of ${instance.identifier} (${instance.logicalId}) started.`);
    }
    catch (error) {
        if ((0,aws_errors/* awsErrorName */.ZH)(error) !== 'DBSnapshotAlreadyExistsFault')
            throw error;
        logger.info(`Snapshot ${snapshotId} already exists (an earlier attempt took it).`);
    }
    const snapshot = await (0,waiter/* waitUntil */.a0)(`snapshot ${snapshotId} to be available`, async () => {
        const response = await rds.send(new client_rds_dist_cjs/* DescribeDBSnapshotsCommand */.KKI({ DBSnapshotIdentifier: snapshotId }));
        const found = response.DBSnapshots?.[0];
        if (found?.Status === 'available')
            return { done: true, value: found };
        if (found?.Status === 'failed' || found?.Status === 'deleted') {
            throw new errors/* OperationError */.OK(`Snapshot ${snapshotId} of ${instance.identifier} is ${found.Status}.`, 'A database snapshot failed');
        }
        return {
            done: false,
            pending: `${found?.Status ?? 'not listed yet'}${found?.PercentProgress ? ` (${found.PercentProgress}%)` : ''}`,
        };
    }, polling, clock);
    if (snapshot.DBInstanceIdentifier && snapshot.DBInstanceIdentifier !== instance.identifier) {
        // A name clash with a stranger's snapshot must not smuggle other data into the new stack.
        throw new errors/* OperationError */.OK(`Snapshot ${snapshotId} exists but is of ${snapshot.DBInstanceIdentifier}, not ${instance.identifier}.`);
    }
    return {
        ...instance,
        snapshotId,
        engine: snapshot.Engine ?? '?',
        allocatedStorage: snapshot.AllocatedStorage ?? 0,
    };
}
async function databaseStatistics(rds, logicalId, identifier) {
    const response = await rds.send(new client_rds_dist_cjs/* DescribeDBInstancesCommand */.hhJ({ DBInstanceIdentifier: identifier }));
    const instance = response.DBInstances?.[0];
    return {
        logicalId,
        identifier,
        engine: instance?.Engine ?? '?',
        allocatedStorage: instance?.AllocatedStorage ?? 0,
    };
}

// EXTERNAL MODULE: ./src/migration/dynamodb-tables.ts
var dynamodb_tables = __webpack_require__(554);
// EXTERNAL MODULE: ./src/migration/statistics-endpoint.ts
var statistics_endpoint = __webpack_require__(2215);
// EXTERNAL MODULE: ./src/core/values.ts
var values = __webpack_require__(4101);
;// CONCATENATED MODULE: ./src/migration/data-copy.ts













const BUCKET_TYPE = 'AWS::S3::Bucket';
const DATABASE_TYPE = 'AWS::RDS::DBInstance';
const TABLE_TYPE = 'AWS::DynamoDB::Table';
/**
 * Source and target buckets (or tables) matched by logical ID (path, for nested stacks). One
 * of the source with no counterpart stops the migration: its data would have nowhere to go.
 */
function pairBuckets(source, target, sourceStack, targetStack, kind = 'bucket') {
    const missing = source.filter((bucket) => !target.some((other) => other.path === bucket.path));
    if (missing.length > 0) {
        throw new errors/* RefusalError */.XQ(`${targetStack} has no ${kind} for ${missing.map((bucket) => bucket.path).join(', ')} of ${sourceStack}; the data in it would be lost.`, `${kind === 'bucket' ? 'Buckets' : 'Tables'} are matched by logical ID: keep the logical ID in the new version, or move the data out first.`);
    }
    return source.map((bucket) => ({
        path: bucket.path,
        source: bucket.physicalId,
        target: (0,values/* defined */.sw)(target.find((other) => other.path === bucket.path), `the counterpart of ${bucket.path} in ${targetStack}`).physicalId,
    }));
}
async function stackBuckets(context, stack) {
    return (0,stack_resources/* listStackResources */.u)(context.cloudFormation, stack, [BUCKET_TYPE]);
}
async function stackDatabases(context, stack) {
    return (0,stack_resources/* listStackResources */.u)(context.cloudFormation, stack, [DATABASE_TYPE]);
}
async function stackTables(context, stack) {
    return (0,stack_resources/* listStackResources */.u)(context.cloudFormation, stack, [TABLE_TYPE]);
}
async function pairTables(context, sourceStack, targetStack) {
    return pairBuckets(await stackTables(context, sourceStack), await stackTables(context, targetStack), sourceStack, targetStack, 'table');
}
/**
 * Copies every DynamoDB table of the source into the table with the same logical ID in the
 * target, after checking both are keyed alike. The target's table comes from the new version's
 * template, so its settings (billing, indexes, TTL, streams) are the new version's.
 */
async function copyStackTables(context, request, sourceStack, targetStack, how = 'clone') {
    const results = [];
    for (const pair of await pairTables(context, sourceStack, targetStack)) {
        await (0,dynamodb_tables/* checkSameKeys */.TH)(context.dynamodb(), pair.path, pair.source, pair.target);
        const options = { segments: (0,dynamodb_tables/* segmentsFor */.Yc)(request.copyConcurrency), clock: context.clock };
        const mirrored = how === 'mirror'
            ? await (0,dynamodb_tables/* mirrorTable */.AK)(context.dynamodb(), pair.source, pair.target, options)
            : undefined;
        const result = mirrored ?? (await (0,dynamodb_tables/* copyTable */.uM)(context.dynamodb(), pair.source, pair.target, options));
        const deleted = mirrored ? `, ${mirrored.deleted} item(s) deleted first` : '';
        context.logger.info(`${pair.path}: copied ${result.items} item(s) from table ${pair.source} to ${pair.target}${deleted} in ${(result.durationMs / 1000).toFixed(1)} s, ${options.segments} segment(s) at a time${result.retries ? `, ${result.retries} retried batch(es)` : ''}.`);
        results.push(result);
    }
    return results;
}
/**
 * Refuses, before anything changes, a stack whose databases the new stack could not be given:
 * a DB instance without a snapshot parameter would come up empty in the new stack.
 */
function checkSnapshotParameters(databases, request, stackName) {
    const unmapped = databases.filter((db) => request.snapshotParameters[db.path] === undefined);
    const [example] = unmapped;
    if (example) {
        throw new errors/* RefusalError */.XQ(`${stackName} has DB instance(s) ${unmapped.map((db) => db.path).join(', ')} with no snapshot parameter, so the new stack would get an empty database.`, `Name the template parameter that restores each one under migration.snapshot-parameters in the environment definition (for example ${example.path}: ${example.logicalId}Snapshot).`);
    }
}
/**
 * Refuses a stack holding data the migration cannot clone (a DynamoDB table, an Aurora
 * cluster, a file system): copying around it would leave the new stack without that data,
 * and double-clone would then delete the only copy. Refuses too a DB instance with no snapshot
 * parameter. One listing of the stack serves both checks.
 */
async function checkClonable(context, request, stackName) {
    const resources = await (0,stack_resources/* listStackResources */.u)(context.cloudFormation, stackName);
    const unclonable = resources.filter((resource) => resource.type !== BUCKET_TYPE &&
        resource.type !== DATABASE_TYPE &&
        resource.type !== TABLE_TYPE &&
        (stateful_guard/* STATEFUL_TYPES */.Ts.includes(resource.type) ||
            request.stateful.resourceTypes.includes(resource.type) ||
            request.stateful.logicalIds.includes(resource.path)));
    for (const bucket of resources.filter((resource) => resource.type === BUCKET_TYPE)) {
        await refuseObjectLock(context.s3(), bucket.path, bucket.physicalId);
    }
    if (unclonable.length > 0) {
        throw new errors/* RefusalError */.XQ(`${stackName} holds data the migration cannot clone: ${unclonable.map((resource) => `${resource.path} (${resource.type})`).join(', ')}; a ${request.strategy} migration would leave it behind.`, 'Only S3 buckets, RDS DB instances and DynamoDB tables are cloned (not Aurora clusters, EFS file systems or global tables). Use strategy update (the data stays in place), or move that data out first.');
    }
    checkSnapshotParameters(resources.filter((resource) => resource.type === DATABASE_TYPE), request, stackName);
}
async function snapshotStackDatabases(context, request, stackName, migrationId, attempt) {
    const databases = await stackDatabases(context, stackName);
    checkSnapshotParameters(databases, request, stackName);
    const snapshots = [];
    for (const db of databases) {
        snapshots.push(await snapshotDatabase(context.rds(), {
            logicalId: db.path,
            identifier: db.physicalId,
            parameter: (0,values/* defined */.sw)(request.snapshotParameters[db.path], `the snapshot parameter of ${db.path}`),
        }, snapshotIdentifier(`${migrationId}${attempt > 1 ? `-a${attempt}` : ''}`, stackName, db.path), context.logger, context.polling, context.clock));
    }
    if (databases.length === 0)
        context.logger.info(`${stackName} has no RDS DB instances.`);
    return snapshots;
}
function snapshotParameterValues(snapshots) {
    return Object.fromEntries(snapshots.map((snapshot) => [snapshot.parameter, snapshot.snapshotId]));
}
/**
 * How a bucket pair is copied and compared: `history` (every version and delete marker)
 * when the source is or was versioned and copy-versions is all; `current` when it is
 * versioned but copy-versions is current; `unversioned` otherwise. Decided from the source
 * bucket each time, so the copy and the gate always agree.
 */
async function copyModeOf(context, request, pair) {
    const s3 = context.s3();
    const versioning = await (0,bucket_versions/* versioningOf */.eu)(s3, pair.source);
    if (versioning === 'Off')
        return 'unversioned';
    if (request.copyVersions === 'current')
        return 'current';
    const targetVersioning = await (0,bucket_versions/* versioningOf */.eu)(s3, pair.target);
    if (targetVersioning !== 'Enabled') {
        throw new errors/* RefusalError */.XQ(`Bucket ${pair.path} of the source (${pair.source}) is versioned (${versioning}), but its counterpart ${pair.target} has versioning ${targetVersioning}, so the older versions and delete markers would be lost.`, 'Enable versioning on that bucket in the new version (VersioningConfiguration: Status: Enabled), or set copy-versions: current to copy only current objects, knowingly.');
    }
    return 'history';
}
/** What copy-versions: current leaves behind, said before anything is copied or deleted. */
async function reportLeftBehind(context, pair) {
    const statistics = await (0,bucket_compare/* bucketHistoryStatistics */.K1)(context.s3(), pair.source);
    const noncurrent = (statistics.versions ?? 0) - statistics.objects;
    if (noncurrent === 0 && !statistics.deleteMarkers)
        return;
    context.logger.warning(`copy-versions: current: ${pair.path} (${pair.source}) is versioned; ${noncurrent} noncurrent version(s) and ${statistics.deleteMarkers ?? 0} delete marker(s) will not be carried over to ${pair.target}, and are lost when ${pair.source} is deleted.`, { title: 'Version history not copied' });
}
/**
 * Whether a bucket pair is copied by an S3 Batch Operations job. Only a clone of current
 * objects can be: a job copies in no particular order (a history must be replayed oldest
 * first) and neither deletes nor compares (what a copy back does), so those stay on the
 * runner, said once as a warning when the job was asked for by name.
 */
async function usesBatchOperations(context, request, pair, mode, how) {
    const { engine, threshold } = request.copyEngine;
    if (engine === 'runner')
        return false;
    if (mode === 'history' || how === 'mirror') {
        const why = mode === 'history'
            ? "a job copies objects in no particular order, and each key's versions must be copied oldest first (copy-versions: current would let a job copy current objects)"
            : 'a copy back deletes what users deleted and leaves what is equal, which a copy job cannot do';
        if (engine === 'batch-operations') {
            context.logger.warning(`${pair.path}: copied on the runner, not by S3 Batch Operations: ${why}.`, { title: 'Copied on the runner' });
        }
        else {
            context.logger.info(`${pair.path}: s3-copy-engine auto: copied on the runner: ${why}.`);
        }
        return false;
    }
    if (engine === 'batch-operations')
        return true;
    const { reached, counted } = await (0,batch_copy/* reachesThreshold */.Lu)(context.s3(), pair.source, threshold);
    context.logger.info(`${pair.path}: s3-copy-engine auto: ${reached ? `at least ${counted}` : counted} object(s) in ${pair.source}, ${reached ? 'at or above' : 'below'} s3-batch-threshold ${threshold}: copied ${reached ? 'by an S3 Batch Operations job' : 'on the runner'}.`);
    return reached;
}
async function copyStackBuckets(context, request, sourceStack, targetStack, how = 'clone', 
/** Names this copy (migration and step) for the Batch Operations job and its files. */
scope = `${request.component}/${request.environment}`) {
    const pairs = pairBuckets(await stackBuckets(context, sourceStack), await stackBuckets(context, targetStack), sourceStack, targetStack);
    const results = [];
    for (const pair of pairs) {
        const [sourceSettings, targetSettings] = await Promise.all([
            readBucketSettings(context.s3(), pair.source),
            readBucketSettings(context.s3(), pair.target),
        ]);
        for (const difference of compareBucketSettings({ bucket: pair.source, settings: sourceSettings }, { bucket: pair.target, settings: targetSettings })) {
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
            ...(afterStep ? { afterObject: (copied) => afterStep(`copy-object:${copied}`) } : {}),
            onProgress: (progress) => context.logger.info(`  ${pair.path}: ${progress.objects} object(s), ${(0,summary/* formatBytes */.z3)(progress.bytes)} copied so far`),
        };
        if (mode === 'current')
            await reportLeftBehind(context, pair);
        const batch = await usesBatchOperations(context, request, pair, mode, how);
        let result;
        let what;
        if (mode === 'history') {
            const copied = await (0,bucket_copy/* copyBucketHistory */.ml)(context.s3(), pair.source, pair.target, {
                ...options,
                diverged: how === 'mirror' ? 'refuse' : 'rewrite',
            });
            what = `every version: ${copied.versions} version(s) and ${copied.deleteMarkers} delete marker(s)${copied.rewritten ? `, ${copied.rewritten} key(s) redone over a dead run's partial copy` : ''}`;
            result = copied;
        }
        else if (batch) {
            const job = await (0,batch_copy/* copyBucketWithBatchOperations */.ob)(pair.source, pair.target, {
                control: context.s3Control(),
                s3: context.s3(),
                roleArn: (0,values/* defined */.sw)(request.copyEngine.roleArn, "input 's3-batch-role-arn'"),
                bucket: request.journalBucket,
                prefix: `batch-operations/${scope}/${pair.path}`,
                scope,
                polling: context.polling,
                clock: context.clock,
                logger: context.logger,
            });
            const rest = job.left
                ? await (0,bucket_copy/* copyBucket */.YQ)(context.s3(), pair.source, pair.target, {
                    ...options,
                    only: batch_copy/* needsRunner */.eu,
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
        }
        else if (how === 'mirror') {
            const mirrored = await (0,bucket_copy/* mirrorBucket */.mq)(context.s3(), pair.source, pair.target, options);
            what = `${mirrored.objects} changed object(s), ${mirrored.deleted} deleted, ${mirrored.unchanged} already the same`;
            result = mirrored;
        }
        else {
            result = await (0,bucket_copy/* copyBucket */.YQ)(context.s3(), pair.source, pair.target, options);
            what = `${result.objects} object(s)`;
        }
        context.logger.info(`${pair.path}: copied ${what} (${(0,summary/* formatBytes */.z3)(result.bytes)}) from ${pair.source} to ${pair.target} in ${(result.durationMs / 1000).toFixed(1)} s, ${request.copyConcurrency} at a time${result.retries ? `, ${result.retries} retried request(s)` : ''}.`);
        results.push(result);
    }
    if (pairs.length === 0)
        context.logger.info(`${sourceStack} has no S3 buckets.`);
    return results;
}
/**
 * Compares what the migration copied: every bucket object by object, every database against
 * its snapshot, and the service's own statistics when an endpoint is configured. Passes only
 * if everything is equal.
 */
async function runGate(context, request, sourceStack, targetStack, snapshots) {
    // Each stack listed once, nested stacks included, for every kind of data the gate measures.
    const types = [BUCKET_TYPE, DATABASE_TYPE, TABLE_TYPE];
    const [sourceData, targetData] = await Promise.all([
        (0,stack_resources/* listStackResources */.u)(context.cloudFormation, sourceStack, types),
        (0,stack_resources/* listStackResources */.u)(context.cloudFormation, targetStack, types),
    ]);
    const ofType = (resources, type) => resources.filter((resource) => resource.type === type);
    const pairs = pairBuckets(ofType(sourceData, BUCKET_TYPE), ofType(targetData, BUCKET_TYPE), sourceStack, targetStack);
    const buckets = [];
    for (const pair of pairs) {
        const comparison = (await copyModeOf(context, request, pair)) === 'history'
            ? await (0,bucket_compare/* compareBucketHistories */.Aw)(context.s3(), pair.source, pair.target)
            : await (0,bucket_compare/* compareBuckets */.TE)(context.s3(), pair.source, pair.target);
        buckets.push({ path: pair.path, ...comparison });
        context.logger.info(comparison.history
            ? `${pair.path}: ${comparison.source.versions} version(s) and ${comparison.source.deleteMarkers} delete marker(s) in ${sourceStack}, ${comparison.target.versions} and ${comparison.target.deleteMarkers} in ${targetStack}, compared key by key in order (version IDs necessarily differ): ${comparison.equal ? 'equal' : `${comparison.differenceCount} key(s) differ`}.`
            : `${pair.path}: ${comparison.source.objects} object(s) in ${sourceStack}, ${comparison.target.objects} in ${targetStack}: ${comparison.equal ? 'equal' : `${comparison.differenceCount} difference(s)`}.`);
    }
    const targetDatabases = ofType(targetData, DATABASE_TYPE);
    const databases = [];
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
        const source = {
            logicalId: snapshot.logicalId,
            identifier: snapshot.snapshotId,
            engine: snapshot.engine,
            allocatedStorage: snapshot.allocatedStorage,
        };
        databases.push({
            path: snapshot.logicalId,
            source,
            target: targetStats,
            equal: target !== undefined &&
                source.engine === targetStats.engine &&
                source.allocatedStorage === targetStats.allocatedStorage,
        });
    }
    const tables = [];
    const tablePairs = pairBuckets(ofType(sourceData, TABLE_TYPE), ofType(targetData, TABLE_TYPE), sourceStack, targetStack, 'table');
    for (const pair of tablePairs) {
        const comparison = await (0,dynamodb_tables/* compareTables */.Dz)(context.dynamodb(), pair.source, pair.target, (0,dynamodb_tables/* segmentsFor */.Yc)(request.copyConcurrency));
        tables.push({ path: pair.path, ...comparison });
        context.logger.info(`${pair.path}: ${comparison.source.items} item(s) in ${sourceStack}, ${comparison.target.items} in ${targetStack}, every item digested: ${comparison.equal ? 'equal' : 'they differ'}.`);
    }
    let endpoint;
    const { statistics } = request;
    if (statistics) {
        const fetch = (stack) => (0,statistics_endpoint/* fetchStackStatistics */.Wv)(statistics, context.cloudFormation, stack, context.logger, context.clock);
        const source = await fetch(sourceStack);
        const target = await fetch(targetStack);
        const comparison = (0,statistics_endpoint/* compareStatistics */.lV)(source, target, statistics.ignore);
        endpoint = {
            equal: comparison.equal,
            differences: comparison.differences,
            sourceUrl: source.url,
            targetUrl: target.url,
        };
    }
    if (buckets.length === 0 && databases.length === 0 && tables.length === 0 && !endpoint) {
        context.logger.warning(`The statistics gate had nothing to compare between ${sourceStack} and ${targetStack}: no buckets, no databases, no tables, no statistics-url. It passes, but proves nothing.`, { title: 'Empty statistics gate' });
    }
    const passed = buckets.every((bucket) => bucket.equal) &&
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


/***/ }),

/***/ 554:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   AK: () => (/* binding */ mirrorTable),
/* harmony export */   Dz: () => (/* binding */ compareTables),
/* harmony export */   K: () => (/* binding */ tableStatistics),
/* harmony export */   TH: () => (/* binding */ checkSameKeys),
/* harmony export */   Yc: () => (/* binding */ segmentsFor),
/* harmony export */   uM: () => (/* binding */ copyTable)
/* harmony export */ });
/* unused harmony export canonicalItem */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _aws_sdk_client_dynamodb__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(4305);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4296);
/* harmony import */ var _core_values_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(4101);
/* harmony import */ var _aws_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9378);





/** A Scan worker per segment; DynamoDB's parallel scan splits the key space evenly. */
const MAX_SEGMENTS = 16;
/** BatchWriteItem's limit. */
const BATCH = 25;
/** Ten million pages of up to 1 MB: a bound on a scan that never ends. */
const MAX_PAGES = 10_000_000;
/** Rounds for unprocessed items after the SDK's own retries, with a growing pause. */
const UNPROCESSED_ROUNDS = 8;
function segmentsFor(concurrency) {
    return Math.max(1, Math.min(MAX_SEGMENTS, Math.floor(concurrency)));
}
function base64(bytes) {
    return Buffer.from(bytes).toString('base64');
}
/**
 * One attribute value in a canonical form: set members sorted, map keys sorted, binary as
 * base64. A type this does not know is refused: an item it cannot read must not compare equal.
 */
function canonicalValue(value) {
    if (value.S !== undefined)
        return ['S', value.S];
    if (value.N !== undefined)
        return ['N', value.N];
    if (value.B !== undefined)
        return ['B', base64(value.B)];
    if (value.BOOL !== undefined)
        return ['BOOL', value.BOOL];
    if (value.NULL !== undefined)
        return ['NULL', true];
    if (value.SS !== undefined)
        return ['SS', [...value.SS].sort()];
    if (value.NS !== undefined)
        return ['NS', [...value.NS].sort()];
    if (value.BS !== undefined)
        return ['BS', value.BS.map(base64).sort()];
    if (value.L !== undefined)
        return ['L', value.L.map(canonicalValue)];
    if (value.M !== undefined)
        return ['M', canonicalMap(value.M)];
    throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .OperationError */ .OK(`an attribute value of a type this suite cannot read (${Object.keys(value).join(', ')})`);
}
function canonicalMap(map) {
    return Object.entries(map)
        .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
        .map(([name, value]) => [name, canonicalValue(value)]);
}
/** An item as one string, the same however its attributes and set members were ordered. */
function canonicalItem(item) {
    return JSON.stringify(canonicalMap(item));
}
const MODULUS = 1n << 256n;
/** Counts items and sums their hashes: segments finish in any order, the digest is the same. */
class TableTally {
    items = 0;
    sum = 0n;
    add(item) {
        this.items += 1;
        const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(canonicalItem(item)).digest('hex');
        this.sum = (this.sum + BigInt(`0x${hash}`)) % MODULUS;
    }
    statistics(table) {
        return { table, items: this.items, digest: this.sum.toString(16).padStart(64, '0') };
    }
}
/** Reads only these attributes; names go through placeholders, as reserved words would fail. */
function projectionOf(names) {
    return {
        ProjectionExpression: names.map((_, index) => `#k${index}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(names.map((name, index) => [`#k${index}`, name])),
    };
}
/**
 * Every item of one segment, page by page, strongly consistent: a verification right after a
 * copy must see every write the copy made.
 */
async function* scanSegment(dynamodb, table, segment, segments, 
/** Only these attributes (the key's), when set. */
only) {
    let start;
    for (let page = 0; page < MAX_PAGES; page++) {
        const response = await dynamodb.send(new _aws_sdk_client_dynamodb__WEBPACK_IMPORTED_MODULE_3__/* .ScanCommand */ .Zy5({
            TableName: table,
            ConsistentRead: true,
            Segment: segment,
            TotalSegments: segments,
            ...(start ? { ExclusiveStartKey: start } : {}),
            ...(only ? projectionOf(only) : {}),
        }));
        yield response.Items ?? [];
        start = response.LastEvaluatedKey;
        if (!start)
            return;
    }
    throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .OperationError */ .OK(`Scanning ${table} did not end after ${MAX_PAGES} pages.`);
}
/** Runs one worker per segment; the first failure is thrown once every worker has stopped. */
async function eachSegment(segments, work) {
    const results = await Promise.allSettled(Array.from({ length: segments }, (_, segment) => work(segment)));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed)
        throw failed.reason;
}
/** A table's statistics, from a parallel scan. */
async function tableStatistics(dynamodb, table, segments) {
    const tallies = Array.from({ length: segments }, () => new TableTally());
    await eachSegment(segments, async (segment) => {
        const tally = (0,_core_values_js__WEBPACK_IMPORTED_MODULE_4__/* .defined */ .sw)(tallies[segment], `the tally of segment ${segment}`);
        for await (const items of scanSegment(dynamodb, table, segment, segments)) {
            for (const item of items)
                tally.add(item);
        }
    });
    // The per-segment sums add up to the table's; the order they finished in does not matter.
    let sum = 0n;
    let items = 0;
    for (const tally of tallies) {
        const statistics = tally.statistics(table);
        sum = (sum + BigInt(`0x${statistics.digest}`)) % MODULUS;
        items += statistics.items;
    }
    return { table, items, digest: sum.toString(16).padStart(64, '0') };
}
async function compareTables(dynamodb, source, target, segments) {
    const [from, to] = await Promise.all([
        tableStatistics(dynamodb, source, segments),
        tableStatistics(dynamodb, target, segments),
    ]);
    return {
        source: from,
        target: to,
        equal: from.items === to.items && from.digest === to.digest,
    };
}
function keyOf(description) {
    return (description.KeySchema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join();
}
/**
 * Refuses a copy between tables keyed differently: the items could not be written as they are
 * (a missing key attribute), or would be keyed by something else.
 */
async function checkSameKeys(dynamodb, path, source, target) {
    const describe = async (table) => (await dynamodb.send(new _aws_sdk_client_dynamodb__WEBPACK_IMPORTED_MODULE_3__/* .DescribeTableCommand */ .h8C({ TableName: table }))).Table ?? {};
    const [from, to] = await Promise.all([describe(source), describe(target)]);
    if (keyOf(from) !== keyOf(to)) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .RefusalError */ .XQ(`Table ${path} is keyed ${keyOf(from) || '(unknown)'} in ${source} but ${keyOf(to) || '(unknown)'} in ${target}: its items cannot be copied as they are.`, 'Keep the key schema in the new version, or move the data with a migration of your own first.');
    }
}
/**
 * Copies every item of `source` into `target`, one Scan worker per segment, each writing what
 * it read in batches of 25 before reading on: memory holds one page per segment. Writes are
 * puts, so a run that died mid-copy is continued by copying again. Items DynamoDB leaves
 * unprocessed are written again with a growing pause, a bounded number of times.
 */
async function copyTable(dynamodb, source, target, options) {
    const started = options.clock.now();
    const writer = new BatchWriter(dynamodb, target, options.clock);
    let items = 0;
    await eachSegment(options.segments, async (segment) => {
        for await (const page of scanSegment(dynamodb, source, segment, options.segments)) {
            for (let start = 0; start < page.length; start += BATCH) {
                await writer.write(page.slice(start, start + BATCH).map((Item) => ({ PutRequest: { Item } })));
            }
            items += page.length;
        }
    });
    return {
        source,
        target,
        items,
        retries: writer.retries,
        durationMs: options.clock.now() - started,
    };
}
/** BatchWriteItem with the unprocessed items written again, a bounded number of times. */
class BatchWriter {
    dynamodb;
    table;
    clock;
    retries = 0;
    constructor(dynamodb, table, clock) {
        this.dynamodb = dynamodb;
        this.table = table;
        this.clock = clock;
    }
    async write(requests) {
        let pending = requests;
        for (let round = 0; pending.length > 0; round++) {
            if (round > UNPROCESSED_ROUNDS) {
                throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .OperationError */ .OK(`DynamoDB left ${pending.length} item(s) unprocessed in ${this.table} after ${UNPROCESSED_ROUNDS} retries.`);
            }
            if (round > 0) {
                this.retries += 1;
                await this.clock.sleep(100 * 2 ** round * (0.5 + Math.random() / 2));
            }
            const response = await this.dynamodb.send(new _aws_sdk_client_dynamodb__WEBPACK_IMPORTED_MODULE_3__/* .BatchWriteItemCommand */ .SZm({ RequestItems: { [this.table]: pending } }));
            pending = response.UnprocessedItems?.[this.table] ?? [];
        }
    }
}
/** BatchGetItem's limit. */
const GET_BATCH = 100;
async function keyAttributes(dynamodb, table) {
    const described = await dynamodb.send(new _aws_sdk_client_dynamodb__WEBPACK_IMPORTED_MODULE_3__/* .DescribeTableCommand */ .h8C({ TableName: table }));
    const names = (described.Table?.KeySchema ?? []).map((key) => (0,_aws_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .answered */ .oQ)(key.AttributeName, 'AttributeName of a key (DynamoDB DescribeTable)'));
    if (names.length === 0)
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .OperationError */ .OK(`DescribeTable gave no key schema for ${table}.`);
    return names;
}
/** The keys of `keys` that `table` has, read strongly consistent, unprocessed keys retried. */
async function existingKeys(dynamodb, table, keys, names, clock) {
    const found = new Set();
    let pending = keys;
    for (let round = 0; pending.length > 0; round++) {
        if (round > UNPROCESSED_ROUNDS) {
            throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .OperationError */ .OK(`DynamoDB left ${pending.length} key(s) of ${table} unread after ${UNPROCESSED_ROUNDS} retries.`);
        }
        if (round > 0)
            await clock.sleep(100 * 2 ** round * (0.5 + Math.random() / 2));
        const response = await dynamodb.send(new _aws_sdk_client_dynamodb__WEBPACK_IMPORTED_MODULE_3__/* .BatchGetItemCommand */ .Xo8({
            RequestItems: {
                [table]: {
                    Keys: pending,
                    ConsistentRead: true,
                    ...projectionOf(names),
                },
            },
        }));
        for (const item of response.Responses?.[table] ?? [])
            found.add(canonicalItem(item));
        pending = response.UnprocessedKeys?.[table]?.Keys ?? [];
    }
    return found;
}
/**
 * Brings a table that holds an earlier state of the data (a rollback's previous colour) to the
 * source's: every item the source no longer has is deleted (found by looking each of the
 * target's keys up in the source), then every item of the source is put. Memory holds one page
 * per segment; the gate compares the two tables afterwards.
 */
async function mirrorTable(dynamodb, source, target, options) {
    const started = options.clock.now();
    const names = await keyAttributes(dynamodb, target);
    const deleter = new BatchWriter(dynamodb, target, options.clock);
    let deleted = 0;
    await eachSegment(options.segments, async (segment) => {
        for await (const page of scanSegment(dynamodb, target, segment, options.segments, names)) {
            for (let start = 0; start < page.length; start += GET_BATCH) {
                const keys = page.slice(start, start + GET_BATCH);
                const kept = await existingKeys(dynamodb, source, keys, names, options.clock);
                const gone = keys.filter((key) => !kept.has(canonicalItem(key)));
                for (let from = 0; from < gone.length; from += BATCH) {
                    await deleter.write(gone.slice(from, from + BATCH).map((Key) => ({ DeleteRequest: { Key } })));
                }
                deleted += gone.length;
            }
        }
    });
    const copied = await copyTable(dynamodb, source, target, options);
    return {
        ...copied,
        deleted,
        retries: copied.retries + deleter.retries,
        durationMs: options.clock.now() - started,
    };
}


/***/ }),

/***/ 8094:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Bx: () => (/* binding */ createStep),
/* harmony export */   CI: () => (/* binding */ deleteStep),
/* harmony export */   DM: () => (/* binding */ restoreStack),
/* harmony export */   F7: () => (/* binding */ requireSourceStack),
/* harmony export */   F8: () => (/* binding */ makeStackUnavailable),
/* harmony export */   Kf: () => (/* binding */ copyStep),
/* harmony export */   Sx: () => (/* binding */ deleteOwnStack),
/* harmony export */   T2: () => (/* binding */ restoreStep),
/* harmony export */   om: () => (/* binding */ deleteVerifiedStack),
/* harmony export */   sf: () => (/* binding */ gateStep),
/* harmony export */   t7: () => (/* binding */ snapshotStep)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_cloudformation__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(3805);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4296);
/* harmony import */ var _provisioning_delete_stack_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3543);
/* harmony import */ var _provisioning_environment_shape_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3228);
/* harmony import */ var _provisioning_deploy_stack_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9620);
/* harmony import */ var _aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(9980);
/* harmony import */ var _availability_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(6873);
/* harmony import */ var _data_copy_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(2736);
/* harmony import */ var _migration_context_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(5446);
/* harmony import */ var _migration_run_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(4832);
/* harmony import */ var _aws_suite_tags_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(6627);











function availabilityContext(run) {
    const { context, request } = run;
    return {
        cloudFormation: context.cloudFormation,
        autoScaling: context.autoScaling,
        logger: context.logger,
        clock: context.clock,
        polling: { ...context.polling, initialDelayMs: 1_000, maxDelayMs: 10_000 },
        mode: request.availability,
        hook: request.hook,
    };
}
async function outputsOf(run, stackName) {
    return (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_4__/* .stackOutputs */ .X)(await (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_4__/* .findStack */ .e)(run.context.cloudFormation, stackName));
}
/**
 * Stops user traffic to a stack. The plan (which instances) is journalled as its own step
 * before anything changes, so whatever happens next, a run knows exactly what to bring back.
 */
async function makeStackUnavailable(run, role, stackName) {
    const availability = availabilityContext(run);
    const plan = await run.step(`plan-unavailable:${role}`, `Plan: stop traffic to ${stackName}`, () => (0,_availability_js__WEBPACK_IMPORTED_MODULE_5__/* .planUnavailability */ .Qs)(availability, stackName));
    await run.step(`unavailable:${role}`, `Stop traffic to ${stackName} (${plan.mode})`, async () => (0,_availability_js__WEBPACK_IMPORTED_MODULE_5__/* .makeUnavailable */ .Jn)(availability, plan, await outputsOf(run, stackName)));
}
/** The plans journalled for these roles (a stack is planned once per phase it is frozen in). */
function plansFor(run, roles) {
    return run.journal.steps
        .filter((step) => roles.some((role) => step.name === `plan-unavailable:${role}`) && step.data)
        .map((step) => step.data);
}
/** Brings a stack back as it was; a no-op when nothing was ever done to it. */
async function restoreStack(run, roles, stackName) {
    const availability = availabilityContext(run);
    const outputs = await outputsOf(run, stackName);
    for (const plan of plansFor(run, roles)) {
        await (0,_availability_js__WEBPACK_IMPORTED_MODULE_5__/* .restoreAvailability */ .SF)(availability, plan, outputs);
    }
}
async function restoreStep(run, role, stackName) {
    await run.step(`available:${role}`, `Serve users from ${stackName} again`, () => restoreStack(run, [role], stackName));
}
async function snapshotStep(run, role, stackName) {
    return run.step(`snapshot:${role}`, `Snapshot the databases of ${stackName}`, () => (0,_data_copy_js__WEBPACK_IMPORTED_MODULE_6__/* .snapshotStackDatabases */ .$w)(run.context, run.request, stackName, run.journal.id, run.journal.attempt));
}
/** Marks the stacks a migration creates, so a re-run can recognise its own after a crash. */
const MIGRATION_TAG = _aws_suite_tags_js__WEBPACK_IMPORTED_MODULE_8__/* .STACK_TAG */ .u6.migration;
function migrationTagOf(stack) {
    return stack.Tags?.find((candidate) => candidate.Key === MIGRATION_TAG)?.Value;
}
async function createStep(run, role, stackName, snapshots, protect) {
    const { request } = run;
    return run.step(`create:${role}`, `Create ${stackName} at ${request.version}`, async () => {
        await adoptOrRefuse(run, stackName);
        const result = await (0,_provisioning_deploy_stack_js__WEBPACK_IMPORTED_MODULE_3__/* .deployStack */ .gE)(run.context, (0,_migration_context_js__WEBPACK_IMPORTED_MODULE_9__/* .deployRequestFor */ .IO)(request, stackName, {
            extraParameters: (0,_data_copy_js__WEBPACK_IMPORTED_MODULE_6__/* .snapshotParameterValues */ .S1)(snapshots),
            extraTags: { [MIGRATION_TAG]: run.journal.id },
            allowReplacement: [],
            protect,
        }));
        return { stackName, stackId: result.stackId, outputs: result.outputs };
    }, false);
}
/**
 * Deletes an unverified copy this migration made, on a rollback. A stack of that name without
 * the migration's tag is someone else's: it is left alone, and said so.
 */
async function deleteOwnStack(run, stackName) {
    const existing = await (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_4__/* .findStack */ .e)(run.context.cloudFormation, stackName);
    if (!existing)
        return;
    const tag = migrationTagOf(existing);
    if (tag !== run.journal.id) {
        run.context.logger.warning(`${stackName} was not deleted: migration ${run.journal.id} did not create it (its ${MIGRATION_TAG} tag is ${tag ?? 'missing'}).`);
        return;
    }
    await deleteVerifiedStack(run, stackName, "it is this migration's unverified copy");
}
/**
 * A stack that already has the name this step creates is this migration's own only if it
 * carries the migration's tag: a run killed after CloudFormation created it but before the
 * journal said so. That one is adopted (the deploy finds nothing, or only the rest, to do);
 * any other is refused, never deleted or updated over.
 */
async function adoptOrRefuse(run, stackName) {
    const existing = await (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_4__/* .findStack */ .e)(run.context.cloudFormation, stackName);
    if (!existing)
        return;
    if ((0,_provisioning_environment_shape_js__WEBPACK_IMPORTED_MODULE_2__/* .isPlanPlaceholder */ .Zd)(existing, run.request.environment, run.request.component)) {
        run.context.logger.info(`${stackName} holds only a plan under review (REVIEW_IN_PROGRESS, no resources); it is replaced by the stack this migration creates.`);
        return;
    }
    const tag = migrationTagOf(existing);
    if (tag === run.journal.id) {
        run.context.logger.warning(`${stackName} (${existing.StackStatus}) was created by this migration (tag ${MIGRATION_TAG}=${tag}) in a run that ended before journalling it; adopting it.`, { title: 'Stack adopted' });
        return;
    }
    throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`${stackName} already exists (${existing.StackStatus}, created ${existing.CreationTime?.toISOString() ?? 'at an unknown time'}), but migration ${run.journal.id} did not create it (its ${MIGRATION_TAG} tag is ${tag ?? 'missing'}). It may hold data, so it is neither updated nor deleted.`, `Find out what created it; once it is known to hold nothing needed, delete it and run again. Where the data is: ${run.journal.dataLocation}.`);
}
async function copyStep(run, name, sourceStack, targetStack, how = 'clone') {
    await run.step(`copy:${name}`, how === 'mirror'
        ? `Copy what changed in ${sourceStack} back into ${targetStack}`
        : `Copy the data of ${sourceStack} into ${targetStack}`, async () => {
        const results = await (0,_data_copy_js__WEBPACK_IMPORTED_MODULE_6__/* .copyStackBuckets */ .VN)(run.context, run.request, sourceStack, targetStack, how, `${run.request.component}/${run.request.environment}/${run.journal.id}/${name}`);
        const tables = await (0,_data_copy_js__WEBPACK_IMPORTED_MODULE_6__/* .copyStackTables */ .nL)(run.context, run.request, sourceStack, targetStack, how);
        return [
            ...results.map(({ source, target, objects, bytes, retries, durationMs }) => ({
                source,
                target,
                objects,
                bytes,
                retries,
                durationMs,
            })),
            ...tables.map(({ source, target, items, retries, durationMs }) => ({
                source,
                target,
                items,
                retries,
                durationMs,
            })),
        ];
    });
}
/** The statistics gate: a failed comparison stops the migration before anything is deleted. */
async function gateStep(run, name, sourceStack, targetStack, snapshots) {
    const gate = await run.step(`compare:${name}`, `Compare the statistics of ${sourceStack} and ${targetStack}`, async () => {
        const result = await (0,_data_copy_js__WEBPACK_IMPORTED_MODULE_6__/* .runGate */ .Rg)(run.context, run.request, sourceStack, targetStack, snapshots);
        if (!result.passed) {
            run.gates.push(result);
            throw new _migration_run_js__WEBPACK_IMPORTED_MODULE_7__/* .GateFailedError */ .To(result);
        }
        return result;
    });
    if (!run.gates.includes(gate))
        run.gates.push(gate);
    return gate;
}
/**
 * Deletes a stack whose data has been verified elsewhere. Termination protection is switched
 * off first when it is on: the migration was asked for, and its gate has passed.
 */
async function deleteStep(run, role, stackName) {
    await run.step(`delete:${role}`, `Delete ${stackName}`, async () => {
        await deleteVerifiedStack(run, stackName);
    });
}
/**
 * Deletes a stack the migration made or whose data is verified elsewhere, switching off the
 * termination protection the migration may itself have switched on.
 */
async function deleteVerifiedStack(run, stackName, why = 'its data has passed the statistics gate in another stack') {
    const stack = await (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_4__/* .findStack */ .e)(run.context.cloudFormation, stackName);
    if (stack?.EnableTerminationProtection) {
        run.context.logger.warning(`Switching termination protection off for ${stackName} to delete it: ${why}.`);
        await run.context.cloudFormation.send(new _aws_sdk_client_cloudformation__WEBPACK_IMPORTED_MODULE_10__/* .UpdateTerminationProtectionCommand */ .mP2({
            StackName: stackName,
            EnableTerminationProtection: false,
        }));
    }
    await (0,_provisioning_delete_stack_js__WEBPACK_IMPORTED_MODULE_1__/* .deleteStack */ .w)(run.context, stackName);
}
/** The stack to migrate must exist: a migration never creates an environment's only copy. */
async function requireSourceStack(context, stackName) {
    if (!(await (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_4__/* .findStack */ .e)(context.cloudFormation, stackName))) {
        throw new _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .RefusalError */ .XQ(`Stack ${stackName} does not exist, so there is nothing to migrate.`, 'Create the environment with action-provision (operation: deploy) first.');
    }
}


/***/ }),

/***/ 2215:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Wv: () => (/* binding */ fetchStackStatistics),
/* harmony export */   lV: () => (/* binding */ compareStatistics)
/* harmony export */ });
/* unused harmony export fetchStatistics */
/* harmony import */ var _core_deadline_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6343);
/* harmony import */ var _aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9980);
/* harmony import */ var _core_placeholders_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3593);
/* harmony import */ var _core_waiter_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9649);
/* harmony import */ var _core_values_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(4101);
/* harmony import */ var _smoke_http_client_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(8421);
/* harmony import */ var _json_diff_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(2998);







const REQUEST_TIMEOUT_MS = 30_000;
async function fetchStatistics(endpoint, stackName, values, logger, clock) {
    const url = (0,_core_placeholders_js__WEBPACK_IMPORTED_MODULE_2__/* .renderPlaceholders */ .r8)(endpoint.url, values, "input 'statistics-url'", (secret) => logger.mask(secret));
    const headers = {
        accept: 'application/json',
        'user-agent': 'environment-pipeline-actions migrate',
        ...(0,_core_placeholders_js__WEBPACK_IMPORTED_MODULE_2__/* .renderMaskedHeaders */ .U4)(endpoint.headers, values, 'statistics-headers', (secret) => logger.mask(secret)),
    };
    const backoff = {
        initialDelayMs: 1_000,
        maxDelayMs: 10_000,
        factor: 2,
        timeoutMs: endpoint.timeoutMs,
    };
    const data = await (0,_core_waiter_js__WEBPACK_IMPORTED_MODULE_3__/* .waitUntil */ .a0)(`the statistics of ${stackName} at ${url}`, async () => {
        try {
            const response = await (0,_smoke_http_client_js__WEBPACK_IMPORTED_MODULE_4__/* .sendRequest */ .w$)({
                method: 'GET',
                url: new URL(url),
                headers,
                timeoutMs: (0,_core_deadline_js__WEBPACK_IMPORTED_MODULE_0__/* .timeoutWithin */ .HQ)(REQUEST_TIMEOUT_MS, clock),
            });
            if (response.status !== 200) {
                return { done: false, pending: `HTTP ${response.status}` };
            }
            let document;
            try {
                document = JSON.parse(response.body);
            }
            catch {
                return { done: false, pending: 'the answer is not JSON' };
            }
            if (!(0,_core_values_js__WEBPACK_IMPORTED_MODULE_6__/* .isRecord */ .u4)(document) || !('data' in document)) {
                return { done: false, pending: "the answer has no 'data' section" };
            }
            return { done: true, value: document.data };
        }
        catch (error) {
            if (error instanceof _smoke_http_client_js__WEBPACK_IMPORTED_MODULE_4__/* .HttpRequestError */ .Ci)
                return { done: false, pending: error.message };
            throw error;
        }
    }, backoff, clock);
    logger.info(`Statistics of ${stackName} (${url}): ${logger.redact(JSON.stringify(data))}`);
    // The URL is kept for the summary and the journal: without the secrets it may carry.
    return { stackName, url: logger.redact(url), data };
}
function compareStatistics(source, target, ignore) {
    const differences = (0,_json_diff_js__WEBPACK_IMPORTED_MODULE_5__/* .diffJson */ .g)(source.data, target.data, ignore);
    return { source, target, equal: differences.length === 0, differences };
}
/** The statistics of a stack as it is now: its outputs fill the URL's placeholders. */
async function fetchStackStatistics(endpoint, cloudFormation, stackName, logger, clock) {
    const outputs = (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_1__/* .stackOutputs */ .X)(await (0,_aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_1__/* .findStack */ .e)(cloudFormation, stackName));
    return fetchStatistics(endpoint, stackName, { outputs, env: process.env }, logger, clock);
}


/***/ }),

/***/ 1475:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   f: () => (/* binding */ journalFor)
/* harmony export */ });
function isJournalOf(journal, strategy) {
    return journal.strategy === strategy;
}
/**
 * The journal as the strategy that owns it reads it. A journal of another strategy here is a
 * bug in the registry, never the user's doing: the registry hands each journal to its own.
 */
function journalFor(journal, strategy) {
    if (isJournalOf(journal, strategy))
        return journal;
    throw new Error(`The ${strategy} strategy was given the journal of migration ${journal.id}, whose strategy is ${journal.strategy}.`);
}


/***/ }),

/***/ 3543:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  w: () => (/* binding */ deleteStack)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-cloudformation/dist-cjs/index.js
var dist_cjs = __webpack_require__(3805);
// EXTERNAL MODULE: ./src/core/errors.ts
var errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/aws/s3-buckets.ts
var s3_buckets = __webpack_require__(4429);
// EXTERNAL MODULE: ./src/definition/template.ts
var template = __webpack_require__(2103);
;// CONCATENATED MODULE: ./src/provisioning/stack-buckets.ts


const RETAIN = ['Retain', 'RetainExceptOnCreate'];
async function deletionPolicies(cloudFormation, stackId) {
    try {
        const response = await cloudFormation.send(new dist_cjs/* GetTemplateCommand */._JK({ StackName: stackId, TemplateStage: 'Processed' }));
        const document = (0,template/* parseTemplateDocument */.TU)(response.TemplateBody ?? '', stackId);
        const policies = {};
        for (const [logicalId, resource] of Object.entries(document.Resources ?? {})) {
            policies[logicalId] = resource.DeletionPolicy;
        }
        return policies;
    }
    catch {
        return undefined;
    }
}
/**
 * Every S3 bucket the stack owns, nested stacks included, with its DeletionPolicy. Bucket
 * names come from the stack's resources rather than from a naming convention, because
 * templates should let CloudFormation name buckets (the seeds' "phantom bucket" lesson).
 */
async function findStackBuckets(cloudFormation, stackId, depth = 0) {
    const buckets = [];
    const nestedStacks = [];
    let nextToken;
    let policies = null;
    for (let page = 0; page < 1000; page++) {
        const response = await cloudFormation.send(new dist_cjs/* ListStackResourcesCommand */.XnL({ StackName: stackId, NextToken: nextToken }));
        for (const resource of response.StackResourceSummaries ?? []) {
            if (!resource.PhysicalResourceId || resource.ResourceStatus === 'DELETE_COMPLETE')
                continue;
            if (resource.ResourceType === 'AWS::CloudFormation::Stack') {
                nestedStacks.push(resource.PhysicalResourceId);
            }
            else if (resource.ResourceType === 'AWS::S3::Bucket') {
                if (policies === null)
                    policies = await deletionPolicies(cloudFormation, stackId);
                const policy = policies?.[resource.LogicalResourceId ?? ''];
                buckets.push({
                    stackId,
                    logicalId: resource.LogicalResourceId ?? '?',
                    bucket: resource.PhysicalResourceId,
                    deletionPolicy: policies === undefined || (policy !== undefined && typeof policy !== 'string')
                        ? 'unknown'
                        : typeof policy === 'string' && RETAIN.includes(policy)
                            ? 'retain'
                            : 'delete',
                });
            }
        }
        nextToken = response.NextToken;
        if (!nextToken)
            break;
    }
    if (depth < 10) {
        for (const nested of nestedStacks) {
            buckets.push(...(await findStackBuckets(cloudFormation, nested, depth + 1)));
        }
    }
    return buckets;
}

// EXTERNAL MODULE: ./src/aws/stack-lookup.ts
var stack_lookup = __webpack_require__(9980);
// EXTERNAL MODULE: ./src/provisioning/stack-operation-error.ts
var stack_operation_error = __webpack_require__(3526);
// EXTERNAL MODULE: ./src/provisioning/stack-waiter.ts + 1 modules
var stack_waiter = __webpack_require__(1120);
// EXTERNAL MODULE: ./src/aws/errors.ts
var aws_errors = __webpack_require__(9378);
;// CONCATENATED MODULE: ./src/provisioning/delete-stack.ts









async function emptyBuckets(context, buckets) {
    const results = [];
    for (const bucket of buckets) {
        if (bucket.deletionPolicy === 'retain') {
            context.logger.info(`Keeping bucket ${bucket.bucket} (${bucket.logicalId}): its DeletionPolicy retains it.`);
            results.push({
                logicalId: bucket.logicalId,
                bucket: bucket.bucket,
                deleted: null,
                note: 'retained (DeletionPolicy)',
            });
            continue;
        }
        if (bucket.deletionPolicy === 'unknown') {
            context.logger.warning(`Not emptying bucket ${bucket.bucket} (${bucket.logicalId}): could not read its DeletionPolicy, and emptying a retained bucket would destroy data that was meant to be kept.`);
            results.push({
                logicalId: bucket.logicalId,
                bucket: bucket.bucket,
                deleted: null,
                note: 'left alone (policy unknown)',
            });
            continue;
        }
        const emptied = await (0,s3_buckets/* emptyBucket */.GK)(context.s3(), bucket.bucket);
        context.logger.info(emptied.missing
            ? `Bucket ${bucket.bucket} (${bucket.logicalId}) no longer exists.`
            : `Emptied bucket ${bucket.bucket} (${bucket.logicalId}): ${emptied.deleted} object version(s) and delete marker(s) removed.`);
        results.push({
            logicalId: bucket.logicalId,
            bucket: bucket.bucket,
            deleted: emptied.deleted,
            note: emptied.missing ? 'already gone' : 'emptied',
        });
    }
    return results;
}
async function deleteAndWait(context, stackId, stackName) {
    const token = `delete-${(0,external_node_crypto_.randomUUID)()}`;
    const since = new Date(context.clock.now());
    await context.cloudFormation.send(new dist_cjs/* DeleteStackCommand */.fAr({ StackName: stackId, ClientRequestToken: token }));
    return (0,stack_waiter/* waitForStackOperation */.a)(context, stackId, token, since, ['DELETE_COMPLETE'], `deletion of ${stackName}`);
}
/**
 * Deletes a stack the way CloudFormation cannot on its own: every bucket it owns is emptied
 * first (all versions and delete markers) unless its DeletionPolicy keeps it. A stack that is
 * already gone is a success; a termination-protected one is refused.
 */
async function deleteStack(context, stackName) {
    const { logger } = context;
    const found = await (0,stack_lookup/* findStack */.e)(context.cloudFormation, stackName);
    const stack = found ? await (0,stack_waiter/* waitForIdleStack */.F)(context, found) : undefined;
    if (!stack) {
        logger.info(`Stack ${stackName} does not exist; nothing to delete.`);
        return { stackName, stackId: found?.StackId, deleted: false, buckets: [] };
    }
    if (stack.EnableTerminationProtection) {
        throw new errors/* RefusalError */.XQ(`Stack ${stackName} has termination protection on, so it will not be deleted.`, `If you really mean to delete it, turn protection off deliberately first: aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name ${stackName}`);
    }
    const stackId = (0,aws_errors/* answered */.oQ)(stack.StackId, 'StackId (CloudFormation DescribeStacks)');
    const buckets = await findStackBuckets(context.cloudFormation, stackId);
    const cleanup = await emptyBuckets(context, buckets);
    let outcome = await deleteAndWait(context, stackId, stackName);
    const bucketFailures = outcome.failures.filter((failure) => failure.type === 'AWS::S3::Bucket');
    if (!outcome.succeeded && outcome.status === 'DELETE_FAILED' && bucketFailures.length > 0) {
        // Something (ELB access logs, a straggling writer) put objects back after we emptied the
        // bucket. Empty again and retry once rather than leave a half-deleted stack.
        logger.warning(`Deletion failed on bucket(s) ${bucketFailures.map((failure) => failure.logicalId).join(', ')}; objects were written after emptying. Emptying again and retrying once.`);
        const retry = buckets.filter((bucket) => bucketFailures.some((failure) => failure.logicalId === bucket.logicalId));
        await emptyBuckets(context, retry);
        outcome = await deleteAndWait(context, stackId, stackName);
    }
    if (!outcome.succeeded) {
        throw new stack_operation_error/* StackOperationError */.e(`Deleting stack ${stackName} failed (${outcome.status}).`, stackName, outcome.status, outcome.failures, `The stack is in ${outcome.status}; fix the reasons above and run delete again, or delete it with --retain-resources for what cannot be deleted.`);
    }
    logger.info(`Stack ${stackName} deleted.`);
    return { stackName, stackId, deleted: true, buckets: cleanup };
}


/***/ }),

/***/ 9620:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  gE: () => (/* binding */ deployStack)
});

// UNUSED EXPORTS: StatefulResourceGuardError, changeSetRequestFor, executeChangeSet, idleStack

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-cloudformation/dist-cjs/index.js
var dist_cjs = __webpack_require__(3805);
// EXTERNAL MODULE: ./src/aws/errors.ts
var errors = __webpack_require__(9378);
// EXTERNAL MODULE: ./src/core/errors.ts
var core_errors = __webpack_require__(4296);
// EXTERNAL MODULE: ./src/core/waiter.ts
var waiter = __webpack_require__(9649);
;// CONCATENATED MODULE: ./src/provisioning/change-set.ts




// CloudFormation reports "no changes" as a FAILED change set with one of these reasons.
const NO_CHANGES = [/didn't contain changes/i, /No updates are to be performed/i];
async function createChangeSet(cloudFormation, request, logger, backoff, clock) {
    const created = await cloudFormation.send(new dist_cjs/* CreateChangeSetCommand */.YDU({
        StackName: request.stackName,
        ChangeSetName: request.changeSetName,
        ChangeSetType: request.type,
        ...(request.templateUrl
            ? { TemplateURL: request.templateUrl }
            : { TemplateBody: request.templateBody }),
        Parameters: request.parameters,
        Tags: request.tags,
        Capabilities: request.capabilities,
        IncludeNestedStacks: true,
        Description: request.description,
        ...(request.includePropertyValues ? { IncludePropertyValues: true } : {}),
        ...(request.revertDrift ? { DeploymentMode: 'REVERT_DRIFT' } : {}),
        ...(request.type === 'CREATE' && request.onStackFailure
            ? { OnStackFailure: request.onStackFailure }
            : {}),
    }));
    const id = (0,errors/* answered */.oQ)(created.Id, 'Id (CloudFormation CreateChangeSet)');
    const first = await (0,waiter/* waitUntil */.a0)(`change set ${request.changeSetName}`, async () => {
        const described = await cloudFormation.send(new dist_cjs/* DescribeChangeSetCommand */.TTT({ ChangeSetName: id }));
        const status = described.Status ?? 'UNKNOWN';
        if (status === 'CREATE_COMPLETE' || status === 'FAILED' || status === 'DELETE_FAILED') {
            return { done: true, value: described };
        }
        return { done: false, pending: `change set status ${status}` };
    }, backoff, clock);
    if (first.Status !== 'CREATE_COMPLETE') {
        const reason = first.StatusReason ?? 'no reason given';
        if (NO_CHANGES.some((pattern) => pattern.test(reason))) {
            return { id, stackId: created.StackId ?? first.StackId ?? '', empty: true, changes: [] };
        }
        throw new ChangeSetFailedError(`CloudFormation could not create change set ${request.changeSetName}: ${reason}`, id, created.StackId ?? first.StackId ?? '');
    }
    const changes = await collectChanges(cloudFormation, first, '', 0);
    logger.debug(`Change set ${id}: ${changes.length} resource change(s)`);
    return { id, stackId: created.StackId ?? first.StackId ?? '', empty: false, changes };
}
class ChangeSetFailedError extends core_errors/* OperationError */.OK {
    changeSetId;
    stackId;
    name = 'ChangeSetFailedError';
    constructor(message, changeSetId, 
    /** The stack the change set belongs to, by its unique ID (never by name). */
    stackId) {
        super(message, 'The change set failed');
        this.changeSetId = changeSetId;
        this.stackId = stackId;
    }
}
function toRow(change, prefix) {
    const resource = change.ResourceChange;
    if (!resource)
        return undefined;
    const logicalId = resource.LogicalResourceId ?? '?';
    const details = (resource.Details ?? []).map((detail) => ({
        property: detail.Target?.Name ?? detail.Target?.Attribute ?? '?',
        requiresRecreation: detail.Target?.RequiresRecreation ?? '',
        evaluation: detail.Evaluation,
        ...(detail.Target?.Path !== undefined ? { path: detail.Target.Path } : {}),
        ...(detail.Target?.BeforeValue !== undefined ? { before: detail.Target.BeforeValue } : {}),
        ...(detail.Target?.AfterValue !== undefined ? { after: detail.Target.AfterValue } : {}),
        ...(detail.Target?.AttributeChangeType !== undefined
            ? { changeType: detail.Target.AttributeChangeType }
            : {}),
    }));
    return {
        action: resource.Action ?? '?',
        logicalId,
        path: prefix ? `${prefix}/${logicalId}` : logicalId,
        type: resource.ResourceType ?? '?',
        physicalId: resource.PhysicalResourceId,
        replacement: resource.Replacement ??
            (resource.Action === 'Modify' || resource.Action === 'Dynamic' ? 'Unknown' : '-'),
        policyAction: resource.PolicyAction,
        details,
        isNestedStack: resource.ResourceType === 'AWS::CloudFormation::Stack',
        nestedChangeSetId: resource.ChangeSetId,
    };
}
// Far beyond any real template; a limit only so that a malformed answer cannot loop for ever.
const MAX_PAGES = 1000;
const MAX_DEPTH = 20;
/**
 * Reads every page of a change set and descends into nested stacks' change sets. What it
 * cannot read to the end is an error, never a shorter list: the guard decides on these rows.
 */
async function collectChanges(cloudFormation, firstPage, prefix, depth) {
    const rows = [];
    let page = firstPage;
    for (let count = 0; page; count++) {
        if (count >= MAX_PAGES) {
            throw new core_errors/* RefusalError */.XQ(`The change set${prefix ? ` of nested stack ${prefix}` : ''} has more than ${MAX_PAGES} pages; it was not read to the end, so it cannot be checked.`, 'Split the template, or review and execute the change set by hand.');
        }
        for (const change of page.Changes ?? []) {
            const row = toRow(change, prefix);
            if (!row)
                continue;
            rows.push(row);
            const nestedId = row.nestedChangeSetId;
            if (row.isNestedStack && nestedId) {
                if (depth + 1 > MAX_DEPTH) {
                    throw new core_errors/* RefusalError */.XQ(`Nested stack ${row.path} is more than ${MAX_DEPTH} levels deep; its change set was not read, so it cannot be checked.`, 'Flatten the nesting, or review and execute the change set by hand.');
                }
                const nested = await cloudFormation.send(new dist_cjs/* DescribeChangeSetCommand */.TTT({ ChangeSetName: nestedId }));
                rows.push(...(await collectChanges(cloudFormation, nested, row.path, depth + 1)));
            }
        }
        page = page.NextToken
            ? await cloudFormation.send(new dist_cjs/* DescribeChangeSetCommand */.TTT({
                ChangeSetName: page.ChangeSetId,
                NextToken: page.NextToken,
            }))
            : undefined;
    }
    return rows;
}
async function describeChangeSet(cloudFormation, changeSet, stackName) {
    const first = await cloudFormation.send(new DescribeChangeSetCommand({ ChangeSetName: changeSet, StackName: stackName }));
    return {
        id: first.ChangeSetId ?? changeSet,
        name: first.ChangeSetName ?? changeSet,
        stackId: first.StackId ?? '',
        stackName: first.StackName ?? '',
        status: first.Status ?? 'UNKNOWN',
        executionStatus: first.ExecutionStatus ?? 'UNKNOWN',
        statusReason: first.StatusReason,
        description: first.Description,
        creationTime: first.CreationTime,
        changes: first.Status === 'CREATE_COMPLETE' ? await collectChanges(cloudFormation, first, '', 0) : [],
        parameters: first.Parameters ?? [],
        capabilities: first.Capabilities ?? [],
        tags: first.Tags ?? [],
        notificationArns: first.NotificationARNs ?? [],
        rollbackTriggers: (first.RollbackConfiguration?.RollbackTriggers ?? []).map((trigger) => `${trigger.Type ?? '?'} ${trigger.Arn ?? '?'}`),
        rollbackMonitoringMinutes: first.RollbackConfiguration?.MonitoringTimeInMinutes,
        onStackFailure: first.OnStackFailure,
        importExistingResources: first.ImportExistingResources === true,
        deploymentMode: first.DeploymentMode,
    };
}
async function deleteChangeSet(cloudFormation, changeSetId, logger) {
    try {
        await cloudFormation.send(new dist_cjs/* DeleteChangeSetCommand */.$GE({ ChangeSetName: changeSetId }));
    }
    catch (error) {
        // Leaving a change set behind is untidy, not harmful; never mask the real outcome.
        logger.warning(`Could not delete change set ${changeSetId}: ${error.message}`);
    }
}
function changeSetName(version, now) {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    return `deploy-${version.replace(/[^A-Za-z0-9]/g, '-')}-${stamp}`.slice(0, 128);
}
function changeRow(change) {
    return [change.action, change.path, change.type, change.replacement];
}
function changeRows(changes) {
    return changes.map(changeRow);
}
const CHANGE_HEADERS = ['Action', 'Logical ID', 'Type', 'Replacement'];
/** A fixed-width table for the log, where Markdown is not rendered. */
function textTable(headers, rows) {
    const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
    const line = (cells) => cells
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd();
    return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

// EXTERNAL MODULE: ./src/provisioning/context.ts
var provisioning_context = __webpack_require__(9350);
// EXTERNAL MODULE: ./src/provisioning/delete-stack.ts + 1 modules
var delete_stack = __webpack_require__(3543);
// EXTERNAL MODULE: ./src/provisioning/stateful-guard.ts
var stateful_guard = __webpack_require__(5177);
// EXTERNAL MODULE: ./src/aws/stack-lookup.ts
var stack_lookup = __webpack_require__(9980);
// EXTERNAL MODULE: ./src/provisioning/stack-operation-error.ts
var stack_operation_error = __webpack_require__(3526);
// EXTERNAL MODULE: ./src/core/deadline.ts
var deadline = __webpack_require__(6343);
// EXTERNAL MODULE: ./src/core/failure.ts
var failure = __webpack_require__(3333);
// EXTERNAL MODULE: ./src/core/summary.ts
var core_summary = __webpack_require__(1363);
;// CONCATENATED MODULE: ./src/provisioning/stack-policy.ts






/**
 * The stack policy of a protected environment: every update is allowed except replacing or
 * deleting a stateful resource, so even an update run by hand (the CLI, the console) cannot
 * lose its data. Nested stacks' resources are guarded by the guard, not by this policy: a stack
 * policy covers its own stack's resources only.
 */
function protectivePolicy(stateful, allowed = []) {
    // Only this stack's own logical IDs can be named; `Parent/Child` entries are the guard's.
    const lifted = allowed.filter((entry) => !entry.includes('/'));
    const named = stateful.logicalIds.filter((id) => !id.includes('/') && !lifted.includes(id));
    const statements = [
        { Effect: 'Allow', Principal: '*', Action: 'Update:*', Resource: '*' },
        {
            Effect: 'Deny',
            Principal: '*',
            Action: ['Update:Replace', 'Update:Delete'],
            ...(lifted.length > 0
                ? { NotResource: lifted.map((id) => `LogicalResourceId/${id}`) }
                : { Resource: '*' }),
            Condition: {
                StringEquals: {
                    ResourceType: [...new Set([...stateful_guard/* STATEFUL_TYPES */.Ts, ...stateful.resourceTypes])],
                },
            },
        },
    ];
    if (named.length > 0) {
        statements.push({
            Effect: 'Deny',
            Principal: '*',
            Action: ['Update:Replace', 'Update:Delete'],
            Resource: named.map((id) => `LogicalResourceId/${id}`),
        });
    }
    return JSON.stringify({ Statement: statements });
}
async function setStackPolicy(context, stackId, policy) {
    await context.cloudFormation.send(new dist_cjs/* SetStackPolicyCommand */.kpO({ StackName: stackId, StackPolicyBody: policy }));
}
/** The command a person runs to put the policy back by hand, quoted for a POSIX shell. */
function setStackPolicyCommand(stack, policy) {
    const quote = (text) => `'${text.replace(/'/g, `'\\''`)}'`;
    return `aws cloudformation set-stack-policy --stack-name ${quote(stack)} --stack-policy-body ${quote(policy)}`;
}
/** The full policy could not be put back: the stack's stateful resources are not protected. */
class PolicyNotRestoredError extends core_errors/* OperationError */.OK {
    stackName;
    reason;
    name = 'PolicyNotRestoredError';
    command;
    constructor(stackName, policy, reason) {
        const command = setStackPolicyCommand(stackName, policy);
        super(`The stack policy of ${stackName} could not be restored (${reason}): replacing or deleting its stateful resources is still allowed by the policy lifted for this deploy. Restore it now: ${command}`, 'The stack policy was not restored');
        this.stackName = stackName;
        this.reason = reason;
        this.command = command;
    }
    nextStep() {
        return `Restore the policy now: ${this.command}`;
    }
    details(summary) {
        summary.heading('Restore the stack policy').paragraph((0,core_summary/* code */.aY)(this.command));
    }
}
/**
 * Puts the full policy back, in the step's reserve: after a failure, a timeout or the runner's
 * stop, the work's time is over, and this must still happen.
 */
async function restore(context, stackId, stackName, policy) {
    try {
        await (0,deadline/* inRecovery */.Ng)(context.deadline, () => setStackPolicy(context, stackId, policy));
        context.logger.info(`Stack policy of ${stackName} restored in full.`);
        return undefined;
    }
    catch (error) {
        return new PolicyNotRestoredError(stackName, policy, (0,core_errors/* errorMessage */.gJ)(error));
    }
}
/**
 * Runs `work` (the execution of a change set) with the policy lifted for the resources named,
 * and restores the full policy on every way out: success, a failed execute call, a failed or
 * timed-out wait, the runner's stop. A restore that fails is an error naming the stack and the
 * command that restores it; after a failure of the work, it is told second.
 */
async function withPolicyLifted(context, stack, stateful, lifted, work) {
    const full = protectivePolicy(stateful);
    let result;
    try {
        await setStackPolicy(context, stack.id, protectivePolicy(stateful, lifted));
        context.logger.info(`Stack policy lifted for this update only: ${lifted.join(', ')}.`);
        result = await work();
    }
    catch (error) {
        // Even a lift whose answer was lost may have been made: the full policy goes back anyway.
        const failed = await restore(context, stack.id, stack.name, full);
        if (failed)
            throw (0,failure/* withCleanupFailure */.Tm)(error, failed);
        throw error;
    }
    const failed = await restore(context, stack.id, stack.name, full);
    if (failed)
        throw failed;
    return result;
}
/** A Deny of a policy statement that exempts resources: what `withPolicyLifted` sets. */
function liftedResources(policy) {
    let parsed;
    try {
        parsed = JSON.parse(policy);
    }
    catch {
        return undefined;
    }
    const statements = typeof parsed === 'object' && parsed !== null && 'Statement' in parsed
        ? parsed.Statement
        : undefined;
    if (!Array.isArray(statements))
        return undefined;
    const exempt = statements.flatMap((statement) => {
        if (typeof statement !== 'object' || statement === null)
            return [];
        const { Effect, NotResource } = statement;
        if (Effect !== 'Deny' || NotResource === undefined)
            return [];
        return (Array.isArray(NotResource) ? NotResource : [NotResource]).map(String);
    });
    return exempt.length > 0 ? exempt : undefined;
}
/**
 * A run stopped before it could restore the policy (killed, or its restore failed) leaves it
 * lifted: the next deploy of the protected stack finds that first and restores it in full.
 */
async function restoreLeftLift(context, stack, stateful) {
    const stackId = stack.StackId ?? stack.StackName ?? '';
    const stored = await context.cloudFormation.send(new dist_cjs/* GetStackPolicyCommand */.Mhr({ StackName: stackId }));
    const exempt = stored.StackPolicyBody ? liftedResources(stored.StackPolicyBody) : undefined;
    if (!exempt)
        return;
    context.logger.warning(`The stack policy of ${stack.StackName ?? stackId} was left lifted for ${exempt.join(', ')} (by a run that stopped before restoring it); restoring it in full before this deploy.`, { title: 'Stack policy left lifted' });
    await setStackPolicy(context, stackId, protectivePolicy(stateful));
}

// EXTERNAL MODULE: ./src/provisioning/drift.ts
var provisioning_drift = __webpack_require__(5134);
// EXTERNAL MODULE: ./src/provisioning/stack-status.ts
var stack_status = __webpack_require__(1764);
// EXTERNAL MODULE: ./src/provisioning/stack-settings.ts
var stack_settings = __webpack_require__(3455);
// EXTERNAL MODULE: ./src/provisioning/stack-waiter.ts + 1 modules
var stack_waiter = __webpack_require__(1120);
;// CONCATENATED MODULE: ./src/provisioning/deploy-stack.ts















/** Stopped by the stateful-resource guard; nothing was executed. */
class StatefulResourceGuardError extends core_errors/* RefusalError */.XQ {
    stackName;
    violations;
    constructor(stackName, violations, 
    /** A reviewed plan's change set is kept for its reviewers; a deploy's own is deleted. */
    changeSet = 'deleted') {
        super(`Refusing to update ${stackName}: ${violations
            .map((violation) => `${violation.path} (${violation.type}) ${violation.why}`)
            .join('; ')}. The change set was ${changeSet === 'kept' ? 'not executed' : 'deleted'} and nothing was changed.`, `If losing that data is really intended, add to the 'allow-replacement' input: ${[
            ...new Set(violations.map((violation) => violation.allowEntry)),
        ].join(', ')}.`);
        this.stackName = stackName;
        this.violations = violations;
    }
    get headline() {
        return 'Stopped by the stateful-resource guard';
    }
    details(summary) {
        summary.table(['Logical ID', 'Type', 'Why it was stopped', 'allow-replacement entry'], this.violations.map((violation) => [
            violation.path,
            violation.type,
            violation.why,
            violation.allowEntry,
        ]), { title: 'What the guard stopped' });
    }
}
function isAlreadyExists(error) {
    return ((0,errors/* awsErrorName */.ZH)(error) === 'AlreadyExistsException' ||
        ((0,errors/* awsErrorName */.ZH)(error) === 'ValidationError' && /already exists/i.test((0,core_errors/* errorMessage */.gJ)(error))));
}
/** Two deploys creating one new environment: the loser says so, and leaves the winner's alone. */
function anotherRunCreating(stackName) {
    return new core_errors/* RefusalError */.XQ(`Another run is creating stack ${stackName}: it did not exist when this deploy looked, and it does now. This deploy changed nothing.`, 'Wait for that run to finish, then deploy again (it will update the stack if needed). Give the workflow a concurrency group per environment to queue such runs.', 'Another run is creating the stack');
}
/**
 * The stack once no other operation runs on it, and what a change should do with it; a stack a
 * person has to act on first is refused, `refusal` saying what cannot be done to it.
 */
async function idleStack(context, stackName, refusal) {
    const found = await (0,stack_lookup/* findStack */.e)(context.cloudFormation, stackName);
    const stack = found ? await (0,stack_waiter/* waitForIdleStack */.F)(context, found) : undefined;
    const disposition = (0,stack_status/* dispositionOf */.LF)(stack?.StackStatus, stackName);
    if (disposition.kind === 'blocked') {
        throw new core_errors/* RefusalError */.XQ(`Stack ${stackName} is in ${stack?.StackStatus}${refusal}`, disposition.remedy, 'The stack is in a state that needs a person');
    }
    return { stack, disposition };
}
/** What a change set of this deploy asks CloudFormation for: the same for a deploy and a plan. */
function changeSetRequestFor(request, type, changeSetName, description) {
    return {
        stackName: request.stackName,
        changeSetName,
        type,
        templateBody: request.templateBody,
        ...(request.templateUrl ? { templateUrl: request.templateUrl } : {}),
        parameters: (0,stack_settings/* toCloudFormationParameters */.uw)(request.parameters),
        tags: (0,stack_settings/* toCloudFormationTags */.xG)(request.tags),
        capabilities: request.capabilities,
        onStackFailure: request.keepFailed ? 'DO_NOTHING' : 'ROLLBACK',
        description,
        revertDrift: type === 'UPDATE' && request.drift === 'revert',
    };
}
async function settle(context, request) {
    const { stackName } = request;
    const { stack, disposition: settled } = await idleStack(context, stackName, ' and cannot be updated.');
    if (stack && settled.kind !== 'recreate' && request.protect) {
        await restoreLeftLift(context, stack, request.stateful);
    }
    if (settled.kind === 'recreate') {
        context.logger.warning(`Stack ${stackName} is ${stack?.StackStatus}: ${settled.reason}, so it holds nothing. Deleting it and creating it afresh.`);
        await (0,delete_stack/* deleteStack */.w)(context, stackName);
        return { stack: undefined, replaced: `${stack?.StackStatus}: ${settled.reason}` };
    }
    return { stack };
}
async function protect(context, request, stack) {
    if (!request.protect)
        return 'off';
    if (stack?.EnableTerminationProtection)
        return 'already-enabled';
    await context.cloudFormation.send(new dist_cjs/* UpdateTerminationProtectionCommand */.mP2({
        StackName: request.stackName,
        EnableTerminationProtection: true,
    }));
    context.logger.info(`Termination protection switched on for ${request.stackName}.`);
    return 'enabled';
}
/**
 * Creates or updates a stack, always through a change set: printed, checked by the
 * stateful-resource guard, and only then executed. See docs in action-provision/README.md.
 */
async function deployStack(context, request) {
    const { logger, cloudFormation } = context;
    const { stack: existing, replaced } = await logger.group('Inspect the existing stack', async () => {
        const settled = await settle(context, request);
        logger.info(settled.stack
            ? `Stack ${request.stackName} exists (${settled.stack.StackStatus}); this deploy updates it.`
            : `Stack ${request.stackName} does not exist; this deploy creates it.`);
        return settled;
    });
    const type = existing ? 'UPDATE' : 'CREATE';
    const drift = existing
        ? await (0,provisioning_drift/* checkDrift */.o4)(context, request.stackName, request.drift ?? 'ignore')
        : undefined;
    const changeSet = await logger.group('Create and review the change set', async () => {
        const name = changeSetName(request.version, new Date(context.clock.now()));
        let created;
        try {
            created = await createChangeSet(cloudFormation, changeSetRequestFor(request, type, name, `Deploy version ${request.version}`), logger, (0,provisioning_context/* changeSetPolling */.s)(context.polling), context.clock);
        }
        catch (error) {
            if (type === 'CREATE' && isAlreadyExists(error))
                throw anotherRunCreating(request.stackName);
            if (error instanceof ChangeSetFailedError) {
                await deleteChangeSet(cloudFormation, error.changeSetId, logger);
                // A failed CREATE change set leaves an empty REVIEW_IN_PROGRESS stack behind. It is
                // deleted by its ID, and only while still empty: by name, it could be another run's.
                if (type === 'CREATE' && error.stackId) {
                    const left = await (0,stack_lookup/* findStack */.e)(cloudFormation, error.stackId);
                    if (left?.StackStatus === 'REVIEW_IN_PROGRESS')
                        await (0,delete_stack/* deleteStack */.w)(context, error.stackId);
                }
            }
            throw error;
        }
        if (created.empty) {
            logger.info('The change set is empty: the stack already matches this version, parameters and tags.');
        }
        else {
            logger.info(textTable(CHANGE_HEADERS, changeRows(created.changes)));
        }
        return created;
    });
    const nested = await (0,stateful_guard/* inspectNestedStacks */.Jo)(cloudFormation, changeSet.changes);
    const guard = (0,stateful_guard/* evaluateGuard */.re)(changeSet.changes, request.stateful, request.allowReplacement, nested);
    for (const unused of guard.unusedAllowances) {
        logger.warning(`allow-replacement names '${unused}', but no change removes or replaces it.`, {
            title: 'Unused allow-replacement',
        });
    }
    if (changeSet.empty) {
        await deleteChangeSet(cloudFormation, changeSet.id, logger);
        const terminationProtection = await protect(context, request, existing);
        return {
            stackName: request.stackName,
            stackId: existing?.StackId ?? changeSet.stackId,
            version: request.version,
            operation: 'none',
            changed: false,
            status: existing?.StackStatus ?? 'UNKNOWN',
            outputs: (0,stack_lookup/* stackOutputs */.X)(existing),
            changes: [],
            guard,
            terminationProtection,
            ...(drift ? { drift } : {}),
        };
    }
    if (guard.blocked.length > 0) {
        for (const violation of guard.blocked) {
            logger.error(`${violation.path} (${violation.type}) ${violation.why}`, {
                title: 'Stateful resource guard',
            });
        }
        await deleteChangeSet(cloudFormation, changeSet.id, logger);
        throw new StatefulResourceGuardError(request.stackName, guard.blocked);
    }
    for (const allowed of guard.allowed) {
        logger.warning(`${allowed.path} (${allowed.type}) ${allowed.why}; allowed by allow-replacement.`, { title: 'Stateful resource replaced on purpose' });
    }
    const result = await executeChangeSet(context, request, changeSet, type, guard, replaced);
    return drift ? { ...result, drift } : result;
}
/**
 * Executes a change set the guard has passed, waits for the stack to settle and says how it
 * came out; a failure leaves the stack as the aftermath says (a failed new stack is deleted
 * unless keep-failed).
 */
async function executeChangeSet(context, request, changeSet, type, guard, replaced) {
    const { logger, cloudFormation } = context;
    const execute = () => logger.group(`Execute the change set (${type === 'CREATE' ? 'create' : 'update'})`, async () => {
        const token = `deploy-${(0,external_node_crypto_.randomUUID)()}`;
        const since = new Date(context.clock.now());
        try {
            await cloudFormation.send(new dist_cjs/* ExecuteChangeSetCommand */.PB_({ ChangeSetName: changeSet.id, ClientRequestToken: token }));
        }
        catch (error) {
            if (type === 'CREATE' &&
                (isAlreadyExists(error) || (0,errors/* awsErrorName */.ZH)(error) === 'InvalidChangeSetStatus')) {
                throw anotherRunCreating(request.stackName);
            }
            throw error;
        }
        return (0,stack_waiter/* waitForStackOperation */.a)(context, changeSet.stackId, token, since, type === 'CREATE' ? stack_status/* CREATE_SUCCESS */.xk : stack_status/* UPDATE_SUCCESS */.eC, `${type === 'CREATE' ? 'creation' : 'update'} of ${request.stackName}`);
    });
    // A protected stack's policy forbids replacing its stateful resources; what the guard let
    // through on purpose is lifted from it for this execution only, and restored on every way out.
    const lifted = guard.allowed.map((entry) => entry.allowEntry);
    const lifting = request.protect && type === 'UPDATE' && lifted.length > 0;
    const outcome = lifting
        ? await withPolicyLifted(context, { id: changeSet.stackId, name: request.stackName }, request.stateful, lifted, execute)
        : await execute();
    if (request.protect && !lifting && (outcome.succeeded || type === 'UPDATE')) {
        try {
            await setStackPolicy(context, changeSet.stackId, protectivePolicy(request.stateful));
        }
        catch (error) {
            // The policy was never lifted: after a failed update it is as it was, and the failure is
            // the news; the next deploy sets it again.
            if (outcome.succeeded)
                throw error;
            logger.warning(`Could not set the stack policy of ${request.stackName} (${(0,core_errors/* errorMessage */.gJ)(error)}); the next deploy sets it again.`);
        }
    }
    if (!outcome.succeeded) {
        for (const failure of outcome.failures) {
            logger.error(`${failure.logicalId} (${failure.type}) ${failure.status}: ${failure.reason}`, {
                title: `Stack ${request.stackName} failed`,
            });
        }
        let aftermath;
        if (type === 'CREATE' && request.keepFailed) {
            aftermath = `The new stack was kept for investigation (keep-failed: true); delete it with operation: delete when done.`;
        }
        else if (type === 'CREATE') {
            aftermath = await logger.group('Clean up the failed stack', async () => {
                try {
                    await (0,delete_stack/* deleteStack */.w)(context, changeSet.stackId);
                    return 'The failed new stack was deleted (set keep-failed: true to keep one for investigation).';
                }
                catch (error) {
                    return `Deleting the failed new stack also failed (${error.message}); delete it with operation: delete.`;
                }
            });
        }
        else if (outcome.status === 'UPDATE_ROLLBACK_COMPLETE') {
            aftermath =
                'CloudFormation rolled the stack back to the previous version; it is as it was before this deploy.';
        }
        else {
            aftermath =
                (0,stack_status/* dispositionOf */.LF)(outcome.status, request.stackName).kind === 'blocked'
                    ? (0,stack_status/* dispositionOf */.LF)(outcome.status, request.stackName).remedy
                    : `The stack is ${outcome.status}.`;
        }
        throw new stack_operation_error/* StackOperationError */.e(`${type === 'CREATE' ? 'Creating' : 'Updating'} stack ${request.stackName} failed (${outcome.status}).`, request.stackName, outcome.status, outcome.failures, aftermath);
    }
    const terminationProtection = await protect(context, request, outcome.stack);
    return {
        stackName: request.stackName,
        stackId: changeSet.stackId,
        version: request.version,
        operation: type === 'CREATE' ? 'create' : 'update',
        changed: true,
        status: outcome.status,
        outputs: (0,stack_lookup/* stackOutputs */.X)(outcome.stack),
        changes: changeSet.changes,
        guard,
        ...(replaced ? { replacedBrokenStack: replaced } : {}),
        terminationProtection,
    };
}


/***/ }),

/***/ 3228:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Zd: () => (/* binding */ isPlanPlaceholder)
/* harmony export */ });
/* unused harmony exports readEnvironmentShape, describeShape, shapeOf */
/* harmony import */ var _aws_stack_lookup_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9980);
/* harmony import */ var _aws_suite_tags_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6627);
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4296);
/* harmony import */ var _migration_colours_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9933);




/**
 * A stack CloudFormation holds only for a change set under review: it never created anything
 * (REVIEW_IN_PROGRESS), and its tags say the suite planned it for this environment.
 */
function isPlanPlaceholder(stack, environment, component) {
    if (stack?.StackStatus !== 'REVIEW_IN_PROGRESS')
        return false;
    const tags = new Map((stack.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
    return (tags.get(_aws_suite_tags_js__WEBPACK_IMPORTED_MODULE_1__/* .STACK_TAG */ .u6.environment) === environment && tags.get(_aws_suite_tags_js__WEBPACK_IMPORTED_MODULE_1__/* .STACK_TAG */ .u6.component) === component);
}
function names(stacks) {
    return stacks
        .filter((stack) => stack !== undefined)
        .map((stack) => stack.StackName ?? '?')
        .join(' and ');
}
/** Reads the environment's stacks and pointer, refusing a shape that is two at once. */
async function readEnvironmentShape(aws, environment, component, declared) {
    const stackName = stackNameFor(environment, component);
    const pointer = pointerName(DEFAULT_POINTER, environment, component);
    const [plainFound, blueFound, greenFound] = await Promise.all([stackName, colourStackName(stackName, 'blue'), colourStackName(stackName, 'green')].map((name) => findStack(aws.cloudFormation, name)));
    const placeholder = (stack) => isPlanPlaceholder(stack, environment, component);
    const placeholders = [plainFound, blueFound, greenFound].filter((stack) => stack !== undefined && placeholder(stack));
    const plain = placeholder(plainFound) ? undefined : plainFound;
    const blue = placeholder(blueFound) ? undefined : blueFound;
    const green = placeholder(greenFound) ? undefined : greenFound;
    const { colour } = await readPointer(aws.ssm(), pointer);
    const colours = blue !== undefined || green !== undefined || colour !== undefined;
    if (plain && colours) {
        throw new RefusalError(`${environment} has both a plain stack, ${stackName}, and blue/green ${names([blue, green]) || 'colours'}${colour ? ` with the pointer ${pointer} naming ${colour}` : ''}: it cannot be told which one serves users, and no operation will guess.`, `Find which holds the data users see; delete the other (operation: delete cannot choose for you), then run again.`, 'The environment has two shapes');
    }
    const found = colours ? 'blue-green' : plain ? 'plain' : undefined;
    if (declared && found && declared !== found) {
        throw new RefusalError(`The definition says ${environment} is ${declared}, but it is ${found}: ${found === 'plain' ? `the stack ${stackName} exists` : `${names([blue, green]) || `the pointer ${pointer}`} exist${blue && green ? '' : 's'}`}.`, found === 'plain'
            ? `Move it to blue/green with action-migrate (strategy: double-clone keeps the name; blue-green needs colours), or set environments.${environment}.layout: plain.`
            : `Set environments.${environment}.layout: blue-green, or delete the colours and the pointer (operation: delete) to start it plain.`, 'The environment is not laid out as the definition says');
    }
    const layout = declared ?? found;
    let serving;
    if (layout === 'plain')
        serving = plain;
    else if (colour !== undefined) {
        serving = colour === 'blue' ? blue : green;
        if (!serving) {
            throw new RefusalError(`The active pointer ${pointer} says ${colour}, but ${colourStackName(stackName, colour)} does not exist.`, 'Find where the data is before going on; set the pointer to the colour that holds it.');
        }
    }
    else if (blue ?? green) {
        throw new RefusalError(`${names([blue, green])} exist${blue && green ? '' : 's'} but the active pointer ${pointer} does not, so it is unknown which colour serves users.`, `Set ${pointer} to the active colour (blue or green) and run again.`);
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
function describeShape(shape) {
    if (shape.layout !== 'blue-green')
        return shape.plain ? `plain (${shape.stackName})` : 'empty';
    const colours = names([shape.blue, shape.green]) || 'no colour yet';
    return `blue/green (${colours}; pointer ${shape.pointer.name}${shape.pointer.colour ? ` → ${shape.pointer.colour}` : ' not set'})`;
}
/** The environment's shape, read with the SSM client only a blue/green pointer needs. */
async function shapeOf(clients, environment, component, declared) {
    const { createMigrationClients } = await Promise.all(/* import() */[__webpack_require__.e(621), __webpack_require__.e(899)]).then(__webpack_require__.bind(__webpack_require__, 2280));
    let ssm;
    return readEnvironmentShape({
        cloudFormation: clients.cloudFormation,
        ssm: () => (ssm ??= createMigrationClients(clients.settings).ssm),
    }, environment, component, declared);
}


/***/ }),

/***/ 3526:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   e: () => (/* binding */ StackOperationError)
/* harmony export */ });
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4296);

/** A CloudFormation operation that ran and failed; carries the reasons from the stack events. */
class StackOperationError extends _core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .OperationError */ .OK {
    stackName;
    status;
    failures;
    aftermath;
    name = 'StackOperationError';
    constructor(message, stackName, status, failures, 
    /** What the failure left behind and how to finish, in one sentence. */
    aftermath) {
        super(`${message} ${aftermath}`.trim(), `${stackName} ended ${status}`);
        this.stackName = stackName;
        this.status = status;
        this.failures = failures;
        this.aftermath = aftermath;
    }
    nextStep() {
        return this.aftermath || undefined;
    }
    details(summary) {
        if (this.failures.length === 0)
            return;
        summary.table(['Logical ID', 'Type', 'Status', 'Reason'], this.failures.map((failure) => [
            failure.logicalId,
            failure.type,
            failure.status,
            failure.reason,
        ]), { title: 'Why it failed (stack events, root cause first)' });
    }
}


/***/ }),

/***/ 1764:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   LF: () => (/* binding */ dispositionOf),
/* harmony export */   LT: () => (/* binding */ isInProgress),
/* harmony export */   eC: () => (/* binding */ UPDATE_SUCCESS),
/* harmony export */   xk: () => (/* binding */ CREATE_SUCCESS)
/* harmony export */ });
/* unused harmony export DELETE_SUCCESS */
const EMPTY_STATES = {
    ROLLBACK_COMPLETE: 'its creation failed and was rolled back',
    CREATE_FAILED: 'its creation failed',
    REVIEW_IN_PROGRESS: 'it was never created (a change set was made but not executed)',
};
function dispositionOf(status, stackName) {
    if (status === undefined || status === 'DELETE_COMPLETE')
        return { kind: 'absent' };
    const empty = EMPTY_STATES[status];
    if (empty)
        return { kind: 'recreate', reason: empty };
    if (status.endsWith('_IN_PROGRESS'))
        return { kind: 'wait' };
    switch (status) {
        case 'UPDATE_ROLLBACK_FAILED':
            return {
                kind: 'blocked',
                remedy: `Fix the cause shown in the stack events, then run \`aws cloudformation continue-update-rollback --stack-name ${stackName}\` (with --resources-to-skip for resources that cannot roll back) and deploy again.`,
            };
        case 'DELETE_FAILED':
            return {
                kind: 'blocked',
                remedy: `Run the delete operation again (it empties the stack's buckets first), or delete the stack keeping the resources that cannot be deleted (\`aws cloudformation delete-stack --stack-name ${stackName} --retain-resources ...\`), then deploy again.`,
            };
        case 'ROLLBACK_FAILED':
        case 'IMPORT_ROLLBACK_FAILED':
            return {
                kind: 'blocked',
                remedy: `Its rollback failed and resources may remain; inspect them, delete the stack (\`aws cloudformation delete-stack --stack-name ${stackName}\`, retaining what cannot be deleted) and deploy again.`,
            };
        default:
            return { kind: 'update' };
    }
}
function isInProgress(status) {
    return status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS';
}
const CREATE_SUCCESS = ['CREATE_COMPLETE'];
const UPDATE_SUCCESS = ['UPDATE_COMPLETE'];
const DELETE_SUCCESS = (/* unused pure expression or super */ null && (['DELETE_COMPLETE']));


/***/ }),

/***/ 1120:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  F: () => (/* binding */ waitForIdleStack),
  a: () => (/* binding */ waitForStackOperation)
});

// EXTERNAL MODULE: ./src/core/waiter.ts
var waiter = __webpack_require__(9649);
// EXTERNAL MODULE: ./src/aws/stack-lookup.ts
var stack_lookup = __webpack_require__(9980);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-cloudformation/dist-cjs/index.js
var dist_cjs = __webpack_require__(3805);
;// CONCATENATED MODULE: ./src/provisioning/stack-events.ts

/**
 * Follows the events of one stack operation. Events carry the ClientRequestToken of the
 * operation that caused them, so only this operation's events are printed even when the stack
 * has years of history; events without a token (emulators) fall back to "not before start".
 */
class StackEventTail {
    cloudFormation;
    stackId;
    token;
    since;
    logger;
    seen = new Set();
    events = [];
    latestStatus = new Map();
    constructor(cloudFormation, stackId, token, since, logger) {
        this.cloudFormation = cloudFormation;
        this.stackId = stackId;
        this.token = token;
        this.since = since;
        this.logger = logger;
    }
    belongs(event) {
        if (event.ClientRequestToken)
            return event.ClientRequestToken === this.token;
        return (event.Timestamp === undefined || event.Timestamp.getTime() >= this.since.getTime() - 1000);
    }
    /** Fetches and prints events not seen yet, oldest first. */
    async poll() {
        const fresh = [];
        let nextToken;
        // Events come newest first; stop paging at the first one already seen or too old.
        for (let page = 0; page < 50; page++) {
            const response = await this.cloudFormation.send(new dist_cjs/* DescribeStackEventsCommand */.Ie9({ StackName: this.stackId, NextToken: nextToken }));
            let reachedKnown = false;
            for (const event of response.StackEvents ?? []) {
                const id = event.EventId ?? `${event.LogicalResourceId}-${event.Timestamp?.toISOString()}`;
                if (this.seen.has(id) ||
                    (event.Timestamp && event.Timestamp < new Date(this.since.getTime() - 60_000))) {
                    reachedKnown = true;
                    break;
                }
                this.seen.add(id);
                if (this.belongs(event))
                    fresh.push(event);
            }
            nextToken = response.NextToken;
            if (reachedKnown || !nextToken)
                break;
        }
        fresh.reverse();
        for (const event of fresh) {
            this.events.push(event);
            if (event.LogicalResourceId)
                this.latestStatus.set(event.LogicalResourceId, event.ResourceStatus ?? '');
            this.logger.info(formatEvent(event));
        }
        return fresh;
    }
    /** Resources whose latest event says they are still being worked on. */
    inProgress() {
        return [...this.latestStatus.entries()]
            .filter(([, status]) => status.endsWith('_IN_PROGRESS'))
            .map(([logicalId, status]) => `${logicalId} (${status})`);
    }
    /** The reasons resources failed during this operation, root cause first. */
    failures() {
        return this.events
            .filter((event) => (event.ResourceStatus ?? '').endsWith('_FAILED') && event.ResourceStatusReason)
            .map((event) => ({
            logicalId: event.LogicalResourceId ?? '?',
            type: event.ResourceType ?? '?',
            status: event.ResourceStatus ?? '?',
            reason: event.ResourceStatusReason ?? '',
            time: event.Timestamp,
        }));
    }
}
function formatEvent(event) {
    const time = event.Timestamp ? event.Timestamp.toISOString().slice(11, 19) : '--:--:--';
    const reason = event.ResourceStatusReason ? `  ${event.ResourceStatusReason}` : '';
    return `${time}  ${(event.ResourceStatus ?? '').padEnd(28)} ${event.ResourceType ?? ''}  ${event.LogicalResourceId ?? ''}${reason}`;
}

// EXTERNAL MODULE: ./src/provisioning/stack-status.ts
var stack_status = __webpack_require__(1764);
// EXTERNAL MODULE: ./src/aws/errors.ts
var errors = __webpack_require__(9378);
;// CONCATENATED MODULE: ./src/provisioning/stack-waiter.ts





/**
 * Waits for the stack operation identified by `token` to finish, printing its events as they
 * arrive. `stackId` (not the name) is used so a deleted stack can still be described.
 */
async function waitForStackOperation(context, stackId, token, since, success, what) {
    const tail = new StackEventTail(context.cloudFormation, stackId, token, since, context.logger);
    const stack = await (0,waiter/* waitUntil */.a0)(what, async () => {
        const current = await (0,stack_lookup/* findStack */.e)(context.cloudFormation, stackId);
        await tail.poll();
        const status = current?.StackStatus ?? 'DELETE_COMPLETE';
        if (current && (0,stack_status/* isInProgress */.LT)(status)) {
            const busy = tail.inProgress();
            return {
                done: false,
                pending: `stack ${status}${busy.length ? `; resources in progress: ${busy.join(', ')}` : ''}. CloudFormation carries on without us; look at the stack in the console, and deploy again to pick up where it stands.`,
            };
        }
        return { done: true, value: current };
    }, context.polling, context.clock);
    const status = stack?.StackStatus ?? 'DELETE_COMPLETE';
    const failures = tail.failures();
    if (failures.length === 0 && !success.includes(status) && stack?.StackStatusReason) {
        failures.push({
            logicalId: stack.StackName ?? '?',
            type: 'AWS::CloudFormation::Stack',
            status,
            reason: stack.StackStatusReason,
            time: undefined,
        });
    }
    return { stack, status, succeeded: success.includes(status), failures };
}
/**
 * If another operation is running on the stack, waits for it to finish. Returns the stack as it
 * then stands, or undefined when that operation was a deletion.
 */
async function waitForIdleStack(context, stack) {
    if (!(0,stack_status/* isInProgress */.LT)(stack.StackStatus ?? ''))
        return stack;
    context.logger.info(`Stack ${stack.StackName} is ${stack.StackStatus}; waiting for that operation to finish first.`);
    const stackId = (0,errors/* answered */.oQ)(stack.StackId, 'StackId (CloudFormation DescribeStacks)');
    return (0,waiter/* waitUntil */.a0)(`the running operation on ${stack.StackName}`, async () => {
        const current = await (0,stack_lookup/* findStack */.e)(context.cloudFormation, stackId);
        const status = current?.StackStatus ?? 'DELETE_COMPLETE';
        return (0,stack_status/* isInProgress */.LT)(status)
            ? { done: false, pending: status }
            : { done: true, value: status === 'DELETE_COMPLETE' ? undefined : current };
    }, context.polling, context.clock);
}


/***/ }),

/***/ 5177:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Jo: () => (/* binding */ inspectNestedStacks),
/* harmony export */   Ts: () => (/* binding */ STATEFUL_TYPES),
/* harmony export */   re: () => (/* binding */ evaluateGuard)
/* harmony export */ });
/* unused harmony export destructiveReason */
/* harmony import */ var _core_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4296);
/* harmony import */ var _stack_resources_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(29);


/** Resource types that hold data: replacing or removing one loses that data. */
const STATEFUL_TYPES = [
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
function isStateful(resource, stateful) {
    return (STATEFUL_TYPES.includes(resource.type) ||
        stateful.resourceTypes.includes(resource.type) ||
        stateful.logicalIds.includes(resource.logicalId) ||
        stateful.logicalIds.includes(resource.path));
}
const RECREATES = new Set(['Always', 'Conditionally']);
function triggers(change) {
    const recreating = change.details.filter((detail) => RECREATES.has(detail.requiresRecreation));
    if (recreating.length === 0) {
        return '; CloudFormation named no property that causes it';
    }
    const described = recreating.map((detail) => `${detail.property} (RequiresRecreation: ${detail.requiresRecreation}${detail.evaluation ? `, Evaluation: ${detail.evaluation}` : ''})`);
    return `; triggered by ${[...new Set(described)].join(', ')}`;
}
/**
 * Why a change to a stateful resource could lose its data, or undefined when CloudFormation
 * has said explicitly that it cannot. Anything CloudFormation leaves open (no Replacement at
 * all, `Conditional`, a `Dynamic` action or evaluation, an action this code does not know)
 * counts as a possible loss: an unknown is never a yes.
 */
function destructiveReason(change) {
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
    if (change.replacement === 'False' && !recreating)
        return undefined;
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
function nestedStackNeedsListing(change) {
    if (!change.isNestedStack || change.action === 'Add' || change.action === 'Import')
        return false;
    return !(change.action === 'Modify' &&
        change.replacement === 'False' &&
        change.nestedChangeSetId);
}
/** Lists, recursively and to the last page, every nested stack the guard must look inside. */
async function inspectNestedStacks(cloudFormation, changes) {
    const contents = new Map();
    for (const change of changes.filter(nestedStackNeedsListing)) {
        if (!change.physicalId) {
            contents.set(change.path, { error: 'the change set gives no physical ID to list it by' });
            continue;
        }
        try {
            const resources = await (0,_stack_resources_js__WEBPACK_IMPORTED_MODULE_1__/* .listStackResources */ .u)(cloudFormation, change.physicalId, undefined, change.path);
            contents.set(change.path, { resources });
        }
        catch (error) {
            contents.set(change.path, { error: (0,_core_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(error) });
        }
    }
    return contents;
}
function nestedViolations(change, contents, stateful) {
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
function evaluateGuard(changes, stateful, allowReplacement, nested = new Map()) {
    const violations = [];
    for (const change of changes) {
        if (change.isNestedStack) {
            if (nestedStackNeedsListing(change)) {
                violations.push(...nestedViolations(change, nested.get(change.path), stateful));
            }
            continue; // otherwise the nested change set's own rows are listed and checked
        }
        const why = destructiveReason(change);
        if (why === undefined || !isStateful(change, stateful))
            continue;
        violations.push({ path: change.path, type: change.type, why, allowEntry: change.path });
    }
    const blocked = [];
    const allowed = [];
    const used = new Set();
    for (const violation of violations) {
        const bare = violation.path.split('/').pop();
        const allowance = allowReplacement.find((entry) => entry === violation.allowEntry || entry === bare);
        if (allowance) {
            used.add(allowance);
            allowed.push(violation);
        }
        else {
            blocked.push(violation);
        }
    }
    return {
        blocked,
        allowed,
        unusedAllowances: allowReplacement.filter((entry) => !used.has(entry)),
    };
}


/***/ })

};
