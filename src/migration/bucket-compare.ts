import { createHash, type Hash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { compareKeys, isMultipartEtag, listObjects, type ListedObject } from './bucket-listing.js';
import {
  commonStart,
  describeHistory,
  HistoryTally,
  listHistories,
  pairHistories,
  versioningOf,
} from './bucket-versions.js';

/**
 * The suite's own statistics of a bucket: what is compared between environments even when the
 * service has no statistics endpoint.
 */
export interface BucketStatistics {
  bucket: string;
  objects: number;
  bytes: number;
  /** SHA-256 over every key, size and ETag in listing order: equal digests, equal contents. */
  digest: string;
  /** Set when every version and delete marker was counted, not just current objects. */
  versions?: number;
  deleteMarkers?: number;
}

export interface ObjectDifference {
  key: string;
  problem: 'missing' | 'extra' | 'size' | 'etag' | 'history';
  source?: string;
  target?: string;
}

export interface BucketComparison {
  source: BucketStatistics;
  target: BucketStatistics;
  equal: boolean;
  /** How many objects differ; `differences` holds the first few. */
  differenceCount: number;
  differences: ObjectDifference[];
  /**
   * Objects whose ETags differ only because they were uploaded in different parts (at least
   * one is a multipart ETag, "…-N"): compared by key and size alone. The copier copies a
   * multipart object in its source's part layout, so this stays 0 for objects uploaded in
   * equal parts (as the AWS CLI and SDKs do).
   */
  sizeOnly: number;
  /**
   * True when each key's whole history (every version and delete marker, in order) was
   * compared. Version IDs always differ between two buckets, so they are not compared.
   */
  history?: boolean;
}

const SHOWN = 20;

class Tally {
  objects = 0;
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');

  add(object: ListedObject): void {
    this.objects += 1;
    this.bytes += object.size;
    // Multipart ETags depend on how the object was uploaded, not on its content.
    const etag = isMultipartEtag(object.etag) ? 'multipart' : object.etag;
    this.hash.update(`${object.key}\u0000${object.size}\u0000${etag}\n`);
  }

  statistics(bucket: string): BucketStatistics {
    return { bucket, objects: this.objects, bytes: this.bytes, digest: this.hash.digest('hex') };
  }
}

/** Statistics of one bucket, read in one streaming pass. */
export async function bucketStatistics(s3: S3Client, bucket: string): Promise<BucketStatistics> {
  const tally = new Tally();
  for await (const object of listObjects(s3, bucket)) tally.add(object);
  return tally.statistics(bucket);
}

/**
 * Compares two buckets object by object (keys, sizes, ETags) by merging their listings, which
 * S3 returns in the same order: one pass, two pages in memory each, whatever the size. The
 * statistics of both come out of the same pass.
 */
export async function compareBuckets(
  s3: S3Client,
  source: string,
  target: string,
): Promise<BucketComparison> {
  const sourceTally = new Tally();
  const targetTally = new Tally();
  const differences: ObjectDifference[] = [];
  let differenceCount = 0;
  let sizeOnly = 0;
  const differ = (difference: ObjectDifference): void => {
    differenceCount += 1;
    if (differences.length < SHOWN) differences.push(difference);
  };
  const left = listObjects(s3, source);
  const right = listObjects(s3, target);
  let a = await left.next();
  let b = await right.next();
  for (let step = 0; step < Number.MAX_SAFE_INTEGER && !(a.done && b.done); step++) {
    const order = a.done ? 1 : b.done ? -1 : compareKeys(a.value.key, b.value.key);
    if (order < 0 && !a.done) {
      sourceTally.add(a.value);
      differ({ key: a.value.key, problem: 'missing', source: `${a.value.size} bytes` });
      a = await left.next();
    } else if (order > 0 && !b.done) {
      targetTally.add(b.value);
      differ({ key: b.value.key, problem: 'extra', target: `${b.value.size} bytes` });
      b = await right.next();
    } else if (!a.done && !b.done) {
      sourceTally.add(a.value);
      targetTally.add(b.value);
      if (a.value.size !== b.value.size) {
        differ({
          key: a.value.key,
          problem: 'size',
          source: String(a.value.size),
          target: String(b.value.size),
        });
      } else if (a.value.etag === b.value.etag) {
        // equal
      } else if (isMultipartEtag(a.value.etag) || isMultipartEtag(b.value.etag)) {
        sizeOnly += 1;
      } else {
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

function historyStatistics(bucket: string, tally: HistoryTally): BucketStatistics {
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
export async function storageStatistics(s3: S3Client, bucket: string): Promise<BucketStatistics> {
  return (await versioningOf(s3, bucket)) === 'Off'
    ? bucketStatistics(s3, bucket)
    : bucketHistoryStatistics(s3, bucket);
}

/** Statistics of every version and delete marker of a bucket, in one streaming pass. */
export async function bucketHistoryStatistics(
  s3: S3Client,
  bucket: string,
): Promise<BucketStatistics> {
  const tally = new HistoryTally();
  for await (const history of listHistories(s3, bucket)) tally.add(history);
  return historyStatistics(bucket, tally);
}

/**
 * Compares two versioned buckets key by key, each key's whole history in order: the same
 * number of versions and delete markers, each version the same size and ETag, in the same
 * places. What a plain listing shows (the current objects) is then equal too.
 */
export async function compareBucketHistories(
  s3: S3Client,
  source: string,
  target: string,
): Promise<BucketComparison> {
  const sourceTally = new HistoryTally();
  const targetTally = new HistoryTally();
  const differences: ObjectDifference[] = [];
  let differenceCount = 0;
  let sizeOnly = 0;
  for await (const pair of pairHistories(listHistories(s3, source), listHistories(s3, target))) {
    if (pair.source) sourceTally.add(pair.source);
    if (pair.target) targetTally.add(pair.target);
    const left = pair.source?.versions ?? [];
    const right = pair.target?.versions ?? [];
    const same =
      left.length === right.length &&
      commonStart(left, right) === left.length &&
      !pair.source?.ambiguous;
    if (same) {
      sizeOnly += left.filter(
        (version, index) => !version.deleteMarker && version.etag !== right[index]?.etag,
      ).length;
      continue;
    }
    differenceCount += 1;
    if (differences.length < SHOWN) {
      differences.push({
        key: pair.key,
        problem: !pair.target ? 'missing' : !pair.source ? 'extra' : 'history',
        ...(pair.source ? { source: pair.source.ambiguous ?? describeHistory(left) } : {}),
        ...(pair.target ? { target: describeHistory(right) } : {}),
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
