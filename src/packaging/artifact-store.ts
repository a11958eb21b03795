import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ConfigurationError, RefusalError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { isS3NotFound } from '../aws/errors.js';
import type { PackagedArtifact } from './local-parts.js';

export type ArtifactState = 'present' | 'uploaded';

function base64Of(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

function replaced(artifact: PackagedArtifact, found: string): RefusalError {
  return new RefusalError(
    `s3://${artifact.bucket}/${artifact.key} (${artifact.resource}.${artifact.property}: ${artifact.source}) is not the artifact that was packaged: its SHA-256 is ${found}, its name and the manifest say ${artifact.sha256}.`,
    'Someone replaced it; find out who, then delete it so it is uploaded again from the package.',
    'Artifact failed verification',
  );
}

async function sha256OfObject(s3: S3Client, artifact: PackagedArtifact): Promise<string> {
  const object = await s3.send(
    new GetObjectCommand({ Bucket: artifact.bucket, Key: artifact.key }),
  );
  const hash = createHash('sha256');
  for await (const chunk of object.Body as Readable) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Makes sure the object an artifact's key names holds exactly the artifact: uploaded when
 * missing, left alone when S3's own SHA-256 of it matches, refused when it holds anything else.
 * An object S3 keeps no full SHA-256 for (uploaded without one, or in parts) is read and hashed:
 * what cannot be proven is never taken as a match.
 */
export async function ensureArtifact(
  s3: S3Client,
  artifact: PackagedArtifact,
  data: () => Promise<Buffer>,
): Promise<ArtifactState> {
  let checksum: string | undefined;
  try {
    const head = await s3.send(
      new HeadObjectCommand({
        Bucket: artifact.bucket,
        Key: artifact.key,
        ChecksumMode: 'ENABLED',
      }),
    );
    // A multipart object's checksum is of its parts ("…-3"), not of its bytes.
    checksum = head.ChecksumSHA256?.includes('-') ? undefined : head.ChecksumSHA256;
  } catch (error) {
    if (!isS3NotFound(error)) throw error;
    const body = await data();
    await s3.send(
      new PutObjectCommand({
        Bucket: artifact.bucket,
        Key: artifact.key,
        Body: body,
        ContentType: artifact.key.endsWith('.zip') ? 'application/zip' : 'application/octet-stream',
        // S3 checks the bytes it received against it, and keeps it for later verification.
        ChecksumAlgorithm: 'SHA256',
        ChecksumSHA256: base64Of(artifact.sha256),
      }),
    );
    return 'uploaded';
  }
  if (checksum !== undefined) {
    if (checksum === base64Of(artifact.sha256)) return 'present';
    throw replaced(artifact, Buffer.from(checksum, 'base64').toString('hex'));
  }
  const actual = await sha256OfObject(s3, artifact);
  if (actual !== artifact.sha256) throw replaced(artifact, actual);
  return 'present';
}

/** Each distinct artifact once: two functions with the same code share one object. */
export function distinctArtifacts<T extends PackagedArtifact>(artifacts: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const artifact of artifacts) {
    const key = `${artifact.bucket}/${artifact.key}`;
    if (!byKey.has(key)) byKey.set(key, artifact);
  }
  return [...byKey.values()];
}

/** Uploads (or finds, proven) every artifact; the package is only published after them. */
export async function uploadArtifacts(
  s3: S3Client,
  artifacts: ReadonlyArray<PackagedArtifact & { data: Buffer }>,
  logger: Logger,
): Promise<void> {
  const distinct = distinctArtifacts(artifacts);
  let uploaded = 0;
  for (const artifact of distinct) {
    if ((await ensureArtifact(s3, artifact, () => Promise.resolve(artifact.data))) === 'uploaded')
      uploaded++;
  }
  const [first] = distinct;
  if (first) {
    logger.info(
      `Artifacts: ${distinct.length} in s3://${first.bucket}/${path.posix.dirname(first.key)}/ (${uploaded} uploaded, ${distinct.length - uploaded} already there with the same SHA-256).`,
    );
  }
}

/**
 * Before a deploy of a package: every artifact its template names is where the template says,
 * with the bytes the manifest says, in the region of the stack. An artifact missing from S3 is
 * uploaded again from the package, whose copy was verified with the rest of it.
 */
export async function verifyArtifacts(
  s3: S3Client,
  artifacts: readonly PackagedArtifact[],
  packageRoot: string,
  region: string,
  logger: Logger,
): Promise<void> {
  if (artifacts.length === 0) return;
  const elsewhere = artifacts.find((artifact) => artifact.region !== region);
  if (elsewhere) {
    throw new ConfigurationError(
      `names artifacts packaged for ${elsewhere.region} (${elsewhere.resource}.${elsewhere.property} in s3://${elsewhere.bucket}), but this deploy is in ${region}: Lambda code and nested templates must be in the stack's region; package it once per region, with an artifact bucket there`,
      "input 'package'",
    );
  }
  const distinct = distinctArtifacts(artifacts);
  const restored: string[] = [];
  for (const artifact of distinct) {
    const state = await ensureArtifact(s3, artifact, () =>
      readFile(path.join(packageRoot, artifact.file)),
    );
    if (state === 'uploaded') restored.push(artifact.key);
  }
  logger.info(
    `Verified ${distinct.length} artifact(s) in S3 against the manifest's SHA-256${restored.length ? `; uploaded again from the package: ${restored.join(', ')}` : ''}.`,
  );
}
