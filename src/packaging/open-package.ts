import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as tar from 'tar';
import { ConfigurationError, RefusalError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { isS3NotFound } from '../aws/errors.js';
import {
  MANIFEST_FILE,
  contentDigest,
  isManifest,
  sha256File,
  type PackageManifest,
} from './manifest.js';
import type { PackageReference } from './package-reference.js';
import { DIGEST_METADATA } from './publish-package.js';

export interface OpenedPackage {
  /** Folder the package was extracted into. */
  root: string;
  manifest: PackageManifest;
  definitionFile: string;
}

function tampered(source: string, detail: string): RefusalError {
  return new RefusalError(
    `Package ${source} failed verification: ${detail}.`,
    'It was changed after it was built; rebuild and republish it, and find out who changed it.',
    'Package failed verification',
  );
}

async function download(
  s3: S3Client,
  reference: Extract<PackageReference, { kind: 's3' }>,
  target: string,
): Promise<string | undefined> {
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: reference.bucket, Key: reference.key }),
    );
    await pipeline(response.Body as Readable, createWriteStream(target));
    return response.Metadata?.[DIGEST_METADATA];
  } catch (error) {
    if (isS3NotFound(error)) {
      throw new ConfigurationError(`${reference.url} does not exist`, "input 'package'");
    }
    throw error;
  }
}

/**
 * Every entry of the archive that a package built by this suite never holds: a link (hard or
 * symbolic), a device, a FIFO, or a path that is absolute or climbs with `..`. Read before
 * anything is extracted: tar would skip or rewrite such entries silently, and a package that
 * needs them is not the package that was built.
 */
async function unsafeEntries(archive: string): Promise<string[]> {
  const problems: string[] = [];
  await tar.t({
    file: archive,
    strict: true,
    onReadEntry: (entry) => {
      const name = entry.path;
      const segments = name.split(/[\\/]+/);
      if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'Directory') {
        problems.push(`${name} is a ${entry.type}${entry.linkpath ? ` to ${entry.linkpath}` : ''}`);
      } else if (path.posix.isAbsolute(name) || path.win32.isAbsolute(name)) {
        problems.push(`${name} has an absolute path`);
      } else if (segments.includes('..')) {
        problems.push(`${name} climbs out of the package with ..`);
      }
      entry.resume();
    },
  });
  return problems;
}

async function walk(root: string, relative = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      return entry.isDirectory() ? walk(root, name) : [name];
    }),
  );
  return nested.flat();
}

/**
 * Fetches (from S3) or reads a package, extracts it and verifies every file against the
 * manifest's SHA-256 before anything in it is used. Missing, changed or extra files abort.
 */
export async function openPackage(
  reference: PackageReference,
  s3: () => S3Client,
  logger: Logger,
): Promise<OpenedPackage> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'environment-deploy-'));
  const root = path.join(work, 'package');
  const label = reference.kind === 's3' ? reference.url : reference.path;
  let archive: string;
  let publishedDigest: string | undefined;
  if (reference.kind === 's3') {
    archive = path.join(work, 'package.tgz');
    publishedDigest = await download(s3(), reference, archive);
  } else {
    archive = reference.path;
  }

  const unsafe = await unsafeEntries(archive).catch((error: unknown) => {
    throw tampered(label, `it is not a readable .tgz (${(error as Error).message})`);
  });
  if (unsafe.length > 0) {
    throw tampered(
      label,
      `it holds ${unsafe.length === 1 ? 'an entry' : 'entries'} no package has: ${unsafe.slice(0, 5).join('; ')}${unsafe.length > 5 ? `; and ${unsafe.length - 5} more` : ''}; nothing was extracted`,
    );
  }
  await mkdir(root);
  try {
    await tar.x({
      file: archive,
      cwd: root,
      strict: true,
      // Already refused above; kept so extraction can never write anything else.
      filter: (_path, entry) =>
        'type' in entry && (entry.type === 'File' || entry.type === 'Directory'),
    });
  } catch (error) {
    throw tampered(label, `it is not a readable .tgz (${(error as Error).message})`);
  }

  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(path.join(root, MANIFEST_FILE), 'utf8'));
  } catch {
    throw tampered(label, `${MANIFEST_FILE} is missing or not JSON`);
  }
  if (!isManifest(manifest)) throw tampered(label, `${MANIFEST_FILE} is not a package manifest`);

  const present = new Set((await walk(root)).filter((file) => file !== MANIFEST_FILE));
  for (const [file, expected] of Object.entries(manifest.files)) {
    if (!present.has(file)) throw tampered(label, `${file} is listed in the manifest but missing`);
    const actual = await sha256File(path.join(root, file));
    if (actual !== expected) {
      throw tampered(label, `${file} has SHA-256 ${actual}, the manifest says ${expected}`);
    }
    present.delete(file);
  }
  if (present.size > 0) {
    throw tampered(label, `${[...present].join(', ')} not listed in the manifest`);
  }
  if (!(manifest.definition in manifest.files)) {
    throw tampered(label, `the definition ${manifest.definition} is not in the package`);
  }
  // The object's metadata was written at publish time from the manifest; a manifest rewritten
  // to match altered files no longer matches it.
  if (publishedDigest !== undefined && publishedDigest !== contentDigest(manifest)) {
    throw tampered(label, 'its manifest does not match the digest recorded when it was published');
  }
  logger.info(
    `Verified ${label}: ${manifest.component} ${manifest.version}, ${Object.keys(manifest.files).length} files match their SHA-256`,
  );
  return { root, manifest, definitionFile: path.join(root, manifest.definition) };
}
