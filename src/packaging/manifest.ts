import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { PackagedArtifact } from './local-parts.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_SCHEMA = 1;

export interface PackageManifest {
  schema: number;
  component: string;
  version: string;
  /** Commit SHA the package was built from, when known. */
  commit: string | null;
  /** The workflow run that built the package, when built in Actions. */
  runUrl: string | null;
  createdAt: string;
  /** Definition file, relative to the package root. */
  definition: string;
  /** SHA-256 (hex) of every file in the package except this manifest, by relative path. */
  files: Record<string, string>;
  /**
   * The local parts of the template (Lambda code, nested templates), uploaded by content when
   * the package is published; each also a file of the package. Absent when there are none.
   */
  artifacts?: PackagedArtifact[];
}

const HEX64 = /^[0-9a-f]{64}$/;

function isArtifact(value: unknown, files: Record<string, unknown>): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const artifact = value as Record<string, unknown>;
  return (
    ['template', 'resource', 'property', 'source', 'file', 'bucket', 'key', 'region'].every(
      (field) => typeof artifact[field] === 'string' && artifact[field] !== '',
    ) &&
    typeof artifact.sha256 === 'string' &&
    HEX64.test(artifact.sha256) &&
    typeof artifact.bytes === 'number' &&
    // The package holds each artifact, with the digest its name carries.
    files[artifact.file as string] === artifact.sha256 &&
    (artifact.key as string).includes(artifact.sha256)
  );
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A digest of the package's content only: the files and their checksums, not when or by which
 * run it was built. Two builds of the same source have the same content digest, which is what
 * makes re-publishing an existing version a no-op rather than a conflict.
 */
export function contentDigest(
  manifest: Pick<PackageManifest, 'component' | 'version' | 'files'>,
): string {
  const hash = createHash('sha256');
  hash.update(`${manifest.component}\n${manifest.version}\n`);
  for (const name of Object.keys(manifest.files).sort()) {
    hash.update(`${name}\0${manifest.files[name]}\n`);
  }
  return hash.digest('hex');
}

export function isManifest(value: unknown): value is PackageManifest {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    candidate.schema === MANIFEST_SCHEMA &&
    typeof candidate.component === 'string' &&
    typeof candidate.version === 'string' &&
    typeof candidate.definition === 'string' &&
    typeof candidate.files === 'object' &&
    candidate.files !== null &&
    Object.values(candidate.files).every((sum) => typeof sum === 'string' && HEX64.test(sum)) &&
    (candidate.artifacts === undefined ||
      (Array.isArray(candidate.artifacts) &&
        candidate.artifacts.every((artifact) =>
          isArtifact(artifact, candidate.files as Record<string, unknown>),
        )))
  );
}
