import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import { OperationError, RefusalError } from '../core/errors.js';
import { awsErrorName, answered } from './errors.js';

export interface EmptiedBucket {
  bucket: string;
  /** Object versions and delete markers removed. */
  deleted: number;
  /** The bucket was already gone. */
  missing: boolean;
}

/**
 * Deletes every object version and delete marker in a bucket, a page (at most 1000 keys, the
 * DeleteObjects limit) at a time so memory does not grow with the bucket. Each page is listed
 * from the start: what was listed before is deleted, and a marker naming a deleted version is
 * not honoured by every S3 implementation (moto stops listing there, leaving objects behind). Any per-key error
 * in a DeleteObjects response fails the whole operation: a "successful" call can still have
 * left objects behind, and then CloudFormation cannot delete the bucket.
 */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<EmptiedBucket> {
  let deleted = 0;
  for (let page = 0; page < 10_000_000; page++) {
    let response;
    try {
      response = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          MaxKeys: 1000,
        }),
      );
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchBucket') return { bucket, deleted, missing: true };
      throw error;
    }
    const objects: ObjectIdentifier[] = [
      ...(response.Versions ?? []).map((version) => ({
        Key: answered(version.Key, 'Key of an object version (S3 ListObjectVersions)'),
        VersionId: version.VersionId,
      })),
      ...(response.DeleteMarkers ?? []).map((marker) => ({
        Key: answered(marker.Key, 'Key of a delete marker (S3 ListObjectVersions)'),
        VersionId: marker.VersionId,
      })),
    ];
    for (let start = 0; start < objects.length; start += 1000) {
      const batch = objects.slice(start, start + 1000);
      const result = await s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }),
      );
      const errors = result.Errors ?? [];
      if (errors.length > 0) {
        const sample = errors
          .slice(0, 3)
          .map((error) =>
            `${error.Key}${error.VersionId ? `@${error.VersionId}` : ''}: ${error.Code} ${error.Message ?? ''}`.trim(),
          );
        throw new OperationError(
          `Could not delete ${errors.length} object(s) from bucket ${bucket}: ${sample.join('; ')}`,
          'Emptying a bucket failed',
        );
      }
      deleted += batch.length;
    }
    if (!response.IsTruncated || objects.length === 0) break;
  }
  return { bucket, deleted, missing: false };
}

/**
 * The greatest key ending in `suffix` under `prefix`: the newest object where keys start with
 * a sortable timestamp (ledger records, migration journals). Lists at most `maxPages` pages.
 */
export async function newestKey(
  s3: S3Client,
  bucket: string,
  prefix: string,
  suffix: string,
  maxPages: number,
): Promise<string | undefined> {
  let newest: string | undefined;
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const response = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of response.Contents ?? []) {
      if (object.Key?.endsWith(suffix) && (!newest || object.Key > newest)) newest = object.Key;
    }
    token = response.IsTruncated ? response.NextContinuationToken : undefined;
    if (!token) break;
  }
  return newest;
}

/**
 * Rethrows an error, as a refusal that says what cannot be kept when the artifact bucket itself
 * is missing (`consequence`: "so the migration journal cannot be kept", for example).
 */
export function refuseMissingArtifactBucket(
  error: unknown,
  bucket: string,
  consequence: string,
  remedy = 'Check artifact-bucket.',
): never {
  if (awsErrorName(error) === 'NoSuchBucket') {
    throw new RefusalError(
      `The artifact bucket '${bucket}' does not exist, ${consequence}.`,
      remedy,
    );
  }
  throw error;
}
