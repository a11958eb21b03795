import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  UploadPartCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { startDroppingProxy } from '../../harness/dropping-proxy.js';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import { systemClock } from '../../src/core/waiter.js';
import {
  bucketStatistics,
  compareBucketHistories,
  compareBuckets,
  storageStatistics,
} from '../../src/migration/bucket-compare.js';
import { copyBucket, copyBucketHistory, mirrorBucket } from '../../src/migration/bucket-copy.js';
import {
  compareBucketSettings,
  readBucketSettings,
  refuseObjectLock,
} from '../../src/migration/bucket-settings.js';
import { listHistories } from '../../src/migration/bucket-versions.js';

// The copier and the verifier on moto's S3: keys that need encoding, metadata, throttling
// answered by retries, objects copied in parts, and every kind of difference found.
let moto: MotoServer;

function client(endpoint: string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 8,
  });
}

async function bucketWith(s3: S3Client, name: string, objects: Record<string, string>) {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  await Promise.all(
    Object.entries(objects).map(([Key, Body]) =>
      s3.send(
        new PutObjectCommand({
          Bucket: name,
          Key,
          Body,
          ContentType: 'application/json',
          Metadata: { origin: 'test' },
        }),
      ),
    ),
  );
}

// Two keys S3 orders by UTF-8 bytes (U+1F600 after U+FF5E) and JavaScript by UTF-16 units (the
// other way round): a merge in JavaScript order would report both missing.
const KEYS: Record<string, string> = {
  'plain.json': '{"a":1}',
  'with space/and+plus.json': '{"b":2}',
  'unicode/ü-é-ß.json': '{"c":3}',
  'deep/a/b/c/d.json': '{"d":4}',
  'mixed/\u{1F600}.json': '{"e":5}',
  'mixed/\uFF5E.json': '{"f":6}',
};

beforeAll(async () => {
  moto = await startMoto();
});

afterAll(async () => {
  await moto?.stop();
});

describe('copyBucket and compareBuckets on moto', () => {
  test('copies every object with its metadata, and the copy compares equal', async () => {
    const s3 = client(moto.endpoint);
    await bucketWith(s3, 'copy-source', KEYS);
    await s3.send(new CreateBucketCommand({ Bucket: 'copy-target' }));
    const result = await copyBucket(s3, 'copy-source', 'copy-target', {
      concurrency: 4,
      clock: systemClock,
    });
    expect(result).toMatchObject({ objects: 6, retries: 0, multipart: 0 });
    const comparison = await compareBuckets(s3, 'copy-source', 'copy-target');
    expect(comparison).toMatchObject({ equal: true, differenceCount: 0 });
    expect(comparison.source.digest).toBe(comparison.target.digest);
    expect(comparison.target.objects).toBe(6);
    const copied = await s3.send(
      new HeadObjectCommand({ Bucket: 'copy-target', Key: 'with space/and+plus.json' }),
    );
    expect(copied.ContentType).toBe('application/json');
    expect(copied.Metadata).toEqual({ origin: 'test' });
  });

  test('throttled copies (503 SlowDown) are retried until every object is there', async () => {
    const s3 = client(moto.endpoint);
    const many = Object.fromEntries(
      Array.from({ length: 60 }, (_, index) => [`t/${index}.json`, String(index)]),
    );
    await bucketWith(s3, 'throttle-source', many);
    await s3.send(new CreateBucketCommand({ Bucket: 'throttle-target' }));
    const proxy = await startDroppingProxy(moto.endpoint, 4, 'throttle');
    try {
      const result = await copyBucket(
        client(proxy.endpoint),
        'throttle-source',
        'throttle-target',
        {
          concurrency: 8,
          clock: systemClock,
        },
      );
      expect(proxy.dropped.length).toBeGreaterThanOrEqual(15);
      expect(result.objects).toBe(60);
      expect(result.retries).toBe(proxy.dropped.length);
    } finally {
      await proxy.close();
    }
    expect((await compareBuckets(s3, 'throttle-source', 'throttle-target')).equal).toBe(true);
  });

  test('objects above the threshold are copied in parts, byte for byte', async () => {
    const s3 = client(moto.endpoint);
    const big = Buffer.alloc(11 * 1024 * 1024);
    for (let index = 0; index < big.length; index += 4096) big.writeUInt32BE(index, index);
    await s3.send(new CreateBucketCommand({ Bucket: 'parts-source' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'parts-source',
        Key: 'big.bin',
        Body: big,
        ContentType: 'application/octet-stream',
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'parts-target' }));
    const result = await copyBucket(s3, 'parts-source', 'parts-target', {
      concurrency: 2,
      clock: systemClock,
      multipartThreshold: 5 * 1024 * 1024,
      partSize: 5 * 1024 * 1024,
    });
    expect(result).toMatchObject({ objects: 1, multipart: 1, bytes: big.length });
    const copied = await s3.send(new GetObjectCommand({ Bucket: 'parts-target', Key: 'big.bin' }));
    expect(Buffer.from(await copied.Body!.transformToByteArray()).equals(big)).toBe(true);
    expect(copied.ContentType).toBe('application/octet-stream');
    // The copy's ETag is a multipart one: compared by key and size, and said so.
    const comparison = await compareBuckets(s3, 'parts-source', 'parts-target');
    expect(comparison).toMatchObject({ equal: true, sizeOnly: 1 });
  });

  test('an object uploaded in parts is copied in the same parts: same ETag, tags kept', async () => {
    const s3 = client(moto.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'layout-source' }));
    const upload = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: 'layout-source',
        Key: 'uploaded/in-parts.bin',
        ContentType: 'application/octet-stream',
        Metadata: { origin: 'cli' },
        Tagging: 'team=records&tier=gold',
      }),
    );
    const parts = [];
    for (const [index, size] of [5 * 1024 * 1024, 5 * 1024 * 1024, 1000].entries()) {
      const part = await s3.send(
        new UploadPartCommand({
          Bucket: 'layout-source',
          Key: 'uploaded/in-parts.bin',
          UploadId: upload.UploadId,
          PartNumber: index + 1,
          Body: Buffer.alloc(size, index + 1),
        }),
      );
      parts.push({ ETag: part.ETag!, PartNumber: index + 1 });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'layout-source',
        Key: 'uploaded/in-parts.bin',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'layout-target' }));
    const result = await copyBucket(s3, 'layout-source', 'layout-target', {
      concurrency: 2,
      clock: systemClock,
    });
    expect(result).toMatchObject({ objects: 1, multipart: 1 });
    const [source, target] = await Promise.all(
      ['layout-source', 'layout-target'].map((Bucket) =>
        s3.send(new HeadObjectCommand({ Bucket, Key: 'uploaded/in-parts.bin' })),
      ),
    );
    expect(source!.ETag).toMatch(/-3"$/);
    expect(target!.ETag).toBe(source!.ETag);
    expect(target!.Metadata).toEqual({ origin: 'cli' });
    const tags = await s3.send(
      new GetObjectTaggingCommand({ Bucket: 'layout-target', Key: 'uploaded/in-parts.bin' }),
    );
    expect(tags.TagSet).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'records' },
        { Key: 'tier', Value: 'gold' },
      ]),
    );
    const comparison = await compareBuckets(s3, 'layout-source', 'layout-target');
    expect(comparison).toMatchObject({ equal: true, sizeOnly: 0 });
    expect(comparison.source.digest).toBe(comparison.target.digest);
  });

  test('missing, extra, resized and rewritten objects are all reported', async () => {
    const s3 = client(moto.endpoint);
    await bucketWith(s3, 'diff-source', KEYS);
    await bucketWith(s3, 'diff-target', {
      ...KEYS,
      'plain.json': '{"a":9}',
      'deep/a/b/c/d.json': '{"d":4444}',
      'stray.json': '{}',
    });
    // The first of the two in S3's order: a merge in JavaScript order would misreport both.
    await s3.send(new DeleteObjectCommand({ Bucket: 'diff-target', Key: 'mixed/\uFF5E.json' }));
    const comparison = await compareBuckets(s3, 'diff-source', 'diff-target');
    expect(comparison.equal).toBe(false);
    expect(
      comparison.differences.map((difference) => [difference.key, difference.problem]),
    ).toEqual([
      ['deep/a/b/c/d.json', 'size'],
      ['mixed/\uFF5E.json', 'missing'],
      ['plain.json', 'etag'],
      ['stray.json', 'extra'],
    ]);
    expect((await bucketStatistics(s3, 'diff-source')).digest).toBe(comparison.source.digest);
  });
});

describe('mirrorBucket: a rollback brings an earlier copy up to date', () => {
  test('copies only what is missing or different, deletes what the source no longer has', async () => {
    const s3 = client(moto.endpoint);
    await bucketWith(s3, 'mirror-source', {
      ...KEYS,
      'plain.json': '{"a":"changed"}',
      'new/written-since.json': '{}',
    });
    // The earlier copy: one object since deleted in the source, one since changed, and the
    // first of the two keys S3 orders by UTF-8 bytes missing (a JavaScript-order merge would
    // copy or delete the wrong one).
    await bucketWith(s3, 'mirror-target', { ...KEYS, 'deleted-since.json': '{}' });
    await s3.send(new DeleteObjectCommand({ Bucket: 'mirror-target', Key: 'mixed/\uFF5E.json' }));

    const result = await mirrorBucket(s3, 'mirror-source', 'mirror-target', {
      concurrency: 3,
      clock: systemClock,
    });

    expect(result).toMatchObject({ objects: 3, deleted: 1, unchanged: 4 });
    const comparison = await compareBuckets(s3, 'mirror-source', 'mirror-target');
    expect(comparison.differences).toEqual([]);
    expect(comparison.equal).toBe(true);
    // A second pass has nothing left to do.
    const again = await mirrorBucket(s3, 'mirror-source', 'mirror-target', {
      concurrency: 3,
      clock: systemClock,
    });
    expect(again).toMatchObject({ objects: 0, deleted: 0, unchanged: 7 });
  });
});

describe('versioned buckets: every version and delete marker, in order', () => {
  async function versionedBucket(s3: S3Client, name: string): Promise<void> {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: name,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
  }

  async function put(s3: S3Client, bucket: string, key: string, body: string): Promise<void> {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  /** Each key's history as S3 lists it, oldest first, without version IDs. */
  async function histories(s3: S3Client, bucket: string) {
    const result: Record<string, string[]> = {};
    for await (const history of listHistories(s3, bucket, 3)) {
      result[history.key] = history.versions.map((version) =>
        version.deleteMarker ? 'delete marker' : `${version.size} ${version.etag}`,
      );
    }
    return result;
  }

  // Three versions and a delete marker on one key, a key deleted and written again, a plain
  // key; listed three entries a page so histories span pages.
  async function history(s3: S3Client, bucket: string): Promise<void> {
    await versionedBucket(s3, bucket);
    await put(s3, bucket, 'customers/1.json', '{"v":1}');
    await put(s3, bucket, 'customers/1.json', '{"v":22}');
    await put(s3, bucket, 'customers/1.json', '{"v":333}');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'customers/1.json' }));
    await put(s3, bucket, 'customers/2.json', '{"first":true}');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'customers/2.json' }));
    await put(s3, bucket, 'customers/2.json', '{"second":true}');
    await put(s3, bucket, 'plain.json', '{"p":1}');
  }

  test('the whole history is copied and compares equal; a plain copy would have lost it', async () => {
    const s3 = client(moto.endpoint);
    await history(s3, 'history-source');
    await versionedBucket(s3, 'history-target');

    const result = await copyBucketHistory(s3, 'history-source', 'history-target', {
      concurrency: 4,
      clock: systemClock,
    });

    expect(result).toMatchObject({ versions: 6, deleteMarkers: 2, rewritten: 0 });
    const source = await histories(s3, 'history-source');
    expect(source['customers/1.json']).toHaveLength(4);
    expect(source['customers/1.json']![3]).toBe('delete marker');
    expect(await histories(s3, 'history-target')).toEqual(source);
    const comparison = await compareBucketHistories(s3, 'history-source', 'history-target');
    expect(comparison).toMatchObject({ equal: true, differenceCount: 0, history: true });
    expect(comparison.source).toMatchObject({ objects: 2, versions: 6, deleteMarkers: 2 });
    expect(comparison.target.digest).toBe(comparison.source.digest);

    // What the old copier did: current objects only. The history comparison catches it.
    await versionedBucket(s3, 'history-current-only');
    await copyBucket(s3, 'history-source', 'history-current-only', {
      concurrency: 4,
      clock: systemClock,
    });
    const lossy = await compareBucketHistories(s3, 'history-source', 'history-current-only');
    expect(lossy.equal).toBe(false);
    expect(lossy.differences).toEqual([
      {
        key: 'customers/1.json',
        problem: 'missing',
        source: '3 version(s), 1 delete marker(s); newest: delete marker',
      },
      {
        key: 'customers/2.json',
        problem: 'history',
        source: '2 version(s), 1 delete marker(s); newest: 15 bytes',
        target: '1 version(s), 0 delete marker(s); newest: 15 bytes',
      },
    ]);
  });

  test('storage statistics of a versioned bucket see a change to an older version', async () => {
    const s3 = client(moto.endpoint);
    await history(s3, 'stats-versioned');
    const before = await storageStatistics(s3, 'stats-versioned');
    expect(before).toMatchObject({ objects: 2, versions: 6, deleteMarkers: 2 });
    const current = await bucketStatistics(s3, 'stats-versioned');
    // Remove the oldest version of a key: what a plain listing shows does not change.
    const listed = await s3.send(
      new ListObjectVersionsCommand({ Bucket: 'stats-versioned', Prefix: 'customers/2.json' }),
    );
    const oldest = listed.Versions!.find((version) => !version.IsLatest)!;
    await s3.send(
      new DeleteObjectCommand({
        Bucket: 'stats-versioned',
        Key: 'customers/2.json',
        VersionId: oldest.VersionId,
      }),
    );
    expect(await bucketStatistics(s3, 'stats-versioned')).toEqual(current);
    const after = await storageStatistics(s3, 'stats-versioned');
    expect(after.versions).toBe(5);
    expect(after.digest).not.toBe(before.digest);
  });

  test("with diverged: refuse, a target history that is not the source's start is never pruned", async () => {
    const s3 = client(moto.endpoint);
    await history(s3, 'prune-source');
    await versionedBucket(s3, 'prune-target');
    // The previous colour still has a version the newer one no longer has.
    await put(s3, 'prune-target', 'plain.json', '{"only-here":1}');

    await expect(
      copyBucketHistory(s3, 'prune-source', 'prune-target', {
        concurrency: 2,
        clock: systemClock,
        diverged: 'refuse',
      }),
    ).rejects.toThrow(
      /the history of "plain\.json" in s3:\/\/prune-target \(1 entries\) is not a start of its history in s3:\/\/prune-source: copying it would remove 1 version/,
    );
    expect((await histories(s3, 'prune-target'))['plain.json']).toHaveLength(1);
    const kept = await s3.send(new GetObjectCommand({ Bucket: 'prune-target', Key: 'plain.json' }));
    expect(await kept.Body!.transformToString()).toBe('{"only-here":1}');
  });

  test('a partial copy left by a dead run is continued, and a wrong one redone', async () => {
    const s3 = client(moto.endpoint);
    await history(s3, 'resume-source');
    await versionedBucket(s3, 'resume-target');
    // A dead run had copied the first version of customers/1.json, and a wrong plain.json.
    await put(s3, 'resume-target', 'customers/1.json', '{"v":1}');
    await put(s3, 'resume-target', 'plain.json', '{"wrong":1}');

    const result = await copyBucketHistory(s3, 'resume-source', 'resume-target', {
      concurrency: 2,
      clock: systemClock,
    });

    expect(result).toMatchObject({ versions: 5, deleteMarkers: 2, rewritten: 1 });
    expect(await histories(s3, 'resume-target')).toEqual(await histories(s3, 'resume-source'));
    expect((await compareBucketHistories(s3, 'resume-source', 'resume-target')).equal).toBe(true);
  });
});

describe('bucket settings compared before a copy', () => {
  test('lifecycle and encryption the target lacks are reported; equal settings are not', async () => {
    const s3 = client(moto.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: 'settings-source' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'settings-target' }));
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: 'settings-source',
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'expire-exports',
              Status: 'Enabled',
              Filter: { Prefix: 'exports/' },
              Expiration: { Days: 30 },
            },
          ],
        },
      }),
    );
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'settings-source',
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
    const read = async (bucket: string) => ({
      bucket,
      settings: await readBucketSettings(s3, bucket),
    });

    const differences = compareBucketSettings(
      await read('settings-source'),
      await read('settings-target'),
    );

    expect(differences).toHaveLength(2);
    expect(differences[0]).toMatch(
      /^lifecycle: \[.*"expire-exports".*\] in settings-source, null in settings-target$/,
    );
    expect(differences[1]).toMatch(
      /^encryption: .*AES256.* in settings-source, null in settings-target$/,
    );
    expect(
      compareBucketSettings(await read('settings-source'), await read('settings-source')),
    ).toEqual([]);
  });

  test('a bucket with Object Lock is refused: a copy cannot carry retention', async () => {
    const s3 = client(moto.endpoint);
    await s3.send(
      new CreateBucketCommand({ Bucket: 'locked-source', ObjectLockEnabledForBucket: true }),
    );
    await expect(refuseObjectLock(s3, 'Ledger', 'locked-source')).rejects.toThrow(
      /Bucket Ledger \(locked-source\) has Object Lock enabled; a copy cannot carry each object's retention and legal hold/,
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'unlocked-source' }));
    await refuseObjectLock(s3, 'Data', 'unlocked-source');
  });
});
