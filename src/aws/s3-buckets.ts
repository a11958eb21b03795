import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import { OperationError, RefusalError, errorMessage } from '../core/errors.js';
import { KEY_ENCODING, listedKeys, shownKey, xmlCarries } from './s3-keys.js';
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
          EncodingType: KEY_ENCODING,
        }),
      );
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchBucket') return { bucket, deleted, missing: true };
      throw error;
    }
    const decode = listedKeys(
      response,
      (response.Versions?.length ?? 0) + (response.DeleteMarkers?.length ?? 0),
      `S3 ListObjectVersions of ${bucket}`,
    );
    const listed: ObjectIdentifier[] = [
      ...(response.Versions ?? []).map((version) => ({
        Key: decode(answered(version.Key, 'Key of an object version (S3 ListObjectVersions)')),
        VersionId: version.VersionId,
      })),
      ...(response.DeleteMarkers ?? []).map((marker) => ({
        Key: decode(answered(marker.Key, 'Key of a delete marker (S3 ListObjectVersions)')),
        VersionId: marker.VersionId,
      })),
    ];
    // A key XML cannot carry goes in the URL of a request of its own.
    const objects = listed.filter((object) => xmlCarries(object.Key ?? ''));
    for (const object of listed.filter((entry) => !xmlCarries(entry.Key ?? ''))) {
      try {
        await s3.send(
          new DeleteObjectCommand({ Bucket: bucket, Key: object.Key, VersionId: object.VersionId }),
        );
      } catch (error) {
        throw new OperationError(
          `Could not delete ${shownKey(object.Key ?? '')}${object.VersionId ? `@${object.VersionId}` : ''} from bucket ${bucket}: ${errorMessage(error)}`,
          'Emptying a bucket failed',
          { cause: error },
        );
      }
      deleted += 1;
    }
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
            `${shownKey(error.Key ?? '')}${error.VersionId ? `@${error.VersionId}` : ''}: ${error.Code} ${error.Message ?? ''}`.trim(),
          );
        throw new OperationError(
          `Could not delete ${errors.length} object(s) from bucket ${bucket}: ${sample.join('; ')}`,
          'Emptying a bucket failed',
        );
      }
      deleted += batch.length;
    }
    if (!response.IsTruncated || listed.length === 0) break;
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
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ContinuationToken: token,
        EncodingType: KEY_ENCODING,
      }),
    );
    const contents = response.Contents ?? [];
    const decode = listedKeys(response, contents.length, `S3 ListObjectsV2 of ${bucket}`);
    for (const object of contents) {
      const key = object.Key === undefined ? undefined : decode(object.Key);
      if (key?.endsWith(suffix) && (!newest || key > newest)) newest = key;
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
