import { readFile } from 'node:fs/promises';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { RefusalError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { awsErrorName, httpStatus, isS3NotFound } from '../aws/errors.js';
import type { CreatedPackage } from './create-package.js';
import { packageKey, s3Url } from './package-reference.js';

export const DIGEST_METADATA = 'content-sha256';

export interface PublishResult {
  url: string;
  /** `unchanged`: the same content was already published under this version. */
  status: 'published' | 'unchanged';
}

async function existingDigest(s3: S3Client, bucket: string, key: string): Promise<string | null> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.Metadata?.[DIGEST_METADATA] ?? 'unknown';
  } catch (error) {
    if (isS3NotFound(error)) return null;
    throw error;
  }
}

function conflict(url: string, existing: string, ours: string): RefusalError {
  return new RefusalError(
    `${url} already exists with different content (content digest ${existing.slice(0, 12)}…, this build ${ours.slice(0, 12)}…); published versions are immutable.`,
    'Give this build a new version.',
  );
}

/**
 * Publishes to `s3://{bucket}/{component}/{version}.tgz`, once. A version is immutable: the
 * same content again is a no-op, different content is refused, and the write itself is
 * conditional (If-None-Match) so two builds racing for one version cannot both win.
 */
export async function publishPackage(
  s3: S3Client,
  pkg: CreatedPackage,
  bucket: string,
  logger: Logger,
): Promise<PublishResult> {
  const key = packageKey(pkg.manifest.component, pkg.manifest.version);
  const url = s3Url(bucket, key);
  const existing = await existingDigest(s3, bucket, key);
  if (existing !== null) {
    if (existing === pkg.digest) {
      logger.info(`${url} is already published with identical content; nothing to do.`);
      return { url, status: 'unchanged' };
    }
    throw conflict(url, existing, pkg.digest);
  }
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: await readFile(pkg.path),
        ContentType: 'application/gzip',
        IfNoneMatch: '*',
        Metadata: {
          [DIGEST_METADATA]: pkg.digest,
          component: pkg.manifest.component,
          version: pkg.manifest.version,
          ...(pkg.manifest.commit ? { commit: pkg.manifest.commit } : {}),
        },
      }),
    );
  } catch (error) {
    if (httpStatus(error) === 412 || awsErrorName(error) === 'PreconditionFailed') {
      const raced = await existingDigest(s3, bucket, key);
      if (raced === pkg.digest) return { url, status: 'unchanged' };
      throw conflict(url, raced ?? 'unknown', pkg.digest);
    }
    throw error;
  }
  logger.info(`Published ${url}`);
  return { url, status: 'published' };
}
