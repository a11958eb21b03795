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
import { once } from '../core/values.js';
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

/** The commands that make an artifact bucket, for a refusal to quote. */
export function createBucketCommands(bucket: string, region: string): string {
  const location =
    region === 'us-east-1' ? '' : ` --create-bucket-configuration LocationConstraint=${region}`;
  return [
    `aws s3api create-bucket --bucket ${bucket} --region ${region}${location}`,
    `aws s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled`,
    `aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`,
  ].join(' && ');
}

/**
 * The artifact bucket exists and this role reaches it, checked before anything is packaged,
 * uploaded or locked: otherwise the first write fails half-way with "NoSuchBucket" and no name.
 * Listed under `promotions/`, which every action's policy may list, so no permission is added.
 */
export async function requireArtifactBucket(
  s3: S3Client,
  bucket: string,
  input: string,
  region: string,
): Promise<void> {
  try {
    await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: 'promotions/',
        MaxKeys: 1,
        EncodingType: KEY_ENCODING,
      }),
    );
  } catch (error) {
    const name = awsErrorName(error);
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (name === 'NoSuchBucket' || name === 'NotFound' || status === 404) {
      throw new RefusalError(
        `The artifact bucket ${bucket} (${input}) does not exist in ${region}; nothing was packaged, uploaded or locked.`,
        `Create it once for the account and region, versioned and private: ${createBucketCommands(bucket, region)}. Or name an existing bucket in ${input}.`,
        'The artifact bucket does not exist',
      );
    }
    if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) {
      throw new RefusalError(
        `The artifact bucket ${bucket} (${input}) cannot be reached with this role: listing promotions/ in it was denied (${errorMessage(error)}); nothing was packaged, uploaded or locked.`,
        `Give the role s3:ListBucket on arn:aws:s3:::${bucket} for the prefixes in the README's IAM section, or name a bucket of this account in ${input}.`,
        'The artifact bucket cannot be reached',
      );
    }
    if (status === 301 || name === 'PermanentRedirect') {
      throw new RefusalError(
        `The artifact bucket ${bucket} (${input}) is in another region than ${region}; nothing was packaged, uploaded or locked.`,
        `Run the step in the bucket's region (aws-region), or name a bucket of ${region} in ${input}.`,
        'The artifact bucket is in another region',
      );
    }
    throw error;
  }
}

/**
 * The check of the artifact bucket as the steps call it: once, just before the first thing
 * that would write there (a package, an upload, a lock), after every check that needs no AWS.
 */
export function artifactBucketCheck(
  bucket: string | undefined,
  s3: () => S3Client,
  region: () => string,
): () => Promise<void> {
  if (bucket === undefined) return () => Promise.resolve();
  return once(() => requireArtifactBucket(s3(), bucket, "input 'artifact-bucket'", region()));
}
