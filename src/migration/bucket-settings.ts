import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketReplicationCommand,
  GetObjectLockConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { awsErrorName } from '../aws/errors.js';
import { RefusalError } from '../core/errors.js';

/** The bucket settings that decide what happens to data after the copy. */
export interface BucketSettings {
  objectLock: unknown;
  replication: unknown;
  lifecycle: unknown;
  encryption: unknown;
}

// Each Get… answers a named error when the setting was never configured.
const NOT_CONFIGURED = new Set([
  'ObjectLockConfigurationNotFoundError',
  'ReplicationConfigurationNotFoundError',
  'NoSuchLifecycleConfiguration',
  'ServerSideEncryptionConfigurationNotFoundError',
]);

async function setting<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (NOT_CONFIGURED.has(awsErrorName(error) ?? '')) return null;
    throw error;
  }
}

export async function readBucketSettings(s3: S3Client, bucket: string): Promise<BucketSettings> {
  const [objectLock, replication, lifecycle, encryption] = await Promise.all([
    setting(
      async () =>
        (await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })))
          .ObjectLockConfiguration ?? null,
    ),
    setting(
      async () =>
        (await s3.send(new GetBucketReplicationCommand({ Bucket: bucket })))
          .ReplicationConfiguration ?? null,
    ),
    setting(
      async () =>
        (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ??
        null,
    ),
    setting(
      async () =>
        (await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })))
          .ServerSideEncryptionConfiguration ?? null,
    ),
  ]);
  return { objectLock, replication, lifecycle, encryption };
}

function comparable(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/**
 * Object Lock cannot survive a copy: each object's retention and legal hold stay with the
 * original, so data the source keeps from deletion would lose that protection. Checked on the
 * source alone, before anything changes.
 */
export async function refuseObjectLock(s3: S3Client, path: string, bucket: string): Promise<void> {
  const lock = await setting(
    async () =>
      (await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })))
        .ObjectLockConfiguration ?? null,
  );
  if (lock?.ObjectLockEnabled === 'Enabled') {
    throw new RefusalError(
      `Bucket ${path} (${bucket}) has Object Lock enabled; a copy cannot carry each object's retention and legal hold, so the new stack's copy would not be protected as the original is.`,
      'Migrate this environment with strategy update (the bucket stays in place), or move the locked data out by a process that keeps its retention.',
    );
  }
}

/**
 * The settings the target does not have as the source has them: reported before the copy, since
 * a missing lifecycle rule, replication or encryption changes what happens to the data later.
 * (Replication between two colours may differ on purpose: its destinations.)
 */
export function compareBucketSettings(
  source: { bucket: string; settings: BucketSettings },
  target: { bucket: string; settings: BucketSettings },
): string[] {
  const names: (keyof BucketSettings)[] = ['objectLock', 'replication', 'lifecycle', 'encryption'];
  return names
    .filter((name) => comparable(source.settings[name]) !== comparable(target.settings[name]))
    .map(
      (name) =>
        `${name}: ${comparable(source.settings[name])} in ${source.bucket}, ${comparable(target.settings[name])} in ${target.bucket}`,
    );
}
