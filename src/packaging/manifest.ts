import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

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
    Object.values(candidate.files).every(
      (sum) => typeof sum === 'string' && /^[0-9a-f]{64}$/.test(sum),
    )
  );
}
