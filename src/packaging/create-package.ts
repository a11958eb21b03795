import { copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { realPathInside } from '../core/contained-paths.js';
import { ConfigurationError } from '../core/errors.js';
import type { RunContext } from '../core/github-context.js';
import type { LoadedDefinition } from '../definition/definition.js';
import { distinctArtifacts } from './artifact-store.js';
import { ARTIFACTS_FOLDER, type PackedArtifact, type PackedTemplate } from './local-parts.js';
import {
  MANIFEST_FILE,
  MANIFEST_SCHEMA,
  contentDigest,
  sha256File,
  type PackageManifest,
} from './manifest.js';

export interface CreatedPackage {
  /** Absolute path of the `.tgz`. */
  path: string;
  fileName: string;
  manifest: PackageManifest;
  /** Content digest: same files, same digest, whoever built it and when. */
  digest: string;
  /** The local parts, with their bytes, for publishing. */
  artifacts: PackedArtifact[];
}

export function packageFileName(component: string, version: string): string {
  return `${component}-${version}.tgz`;
}

/** A file's path in the package, and where it really is (proven inside the folder). */
type PackagedFile = [relative: string, real: string];

/** `relative` resolved once, refused when it leads outside the folder or does not exist. */
async function resolveInside(root: string, relative: string, source: string): Promise<string> {
  const real = await realPathInside(root, relative, source);
  if (real === undefined) {
    throw new ConfigurationError(`'${relative}' does not exist in ${root}`, source);
  }
  return real;
}

/**
 * The files under `relative`, each checked to lead nowhere outside the environment's folder.
 * A folder reached twice through links (a link back to a parent) is listed once.
 */
async function listFiles(
  root: string,
  relative: string,
  visited: Set<string>,
): Promise<PackagedFile[]> {
  const real = await resolveInside(root, relative, 'include');
  const info = await stat(real);
  if (info.isFile()) return [[relative, real]];
  if (!info.isDirectory() || visited.has(real)) return [];
  visited.add(real);
  const entries = await readdir(real, { withFileTypes: true });
  const nested = [];
  for (const entry of entries) {
    nested.push(await listFiles(root, path.posix.join(relative, entry.name), visited));
  }
  return nested.flat();
}

/**
 * Writes `{component}-{version}.tgz`: the definition, the template, the `include`d files and a
 * manifest with the SHA-256 of each. Files are copied to a staging folder first and hashed
 * there, so what is hashed is exactly what is packed even if the work tree changes meanwhile.
 * The archive is reproducible (sorted entries, fixed times and owners).
 */
export async function createPackage(
  loaded: LoadedDefinition,
  version: string,
  outputDir: string,
  run: RunContext,
  now: Date,
  packed?: PackedTemplate,
): Promise<CreatedPackage> {
  const { definition } = loaded;
  const definitionName = path.posix.basename(definition.file);
  // Every file resolved to where it really is, once: what is copied is what was checked.
  const wanted = new Map<string, string>([
    [definitionName, await resolveInside(definition.root, definitionName, "input 'definition'")],
    [definition.template, await resolveInside(definition.root, definition.template, 'template')],
  ]);
  const visited = new Set<string>();
  for (const entry of definition.include) {
    for (const [file, real] of await listFiles(definition.root, entry, visited)) {
      wanted.set(file, real);
    }
  }
  if (wanted.has(MANIFEST_FILE)) {
    throw new ConfigurationError(
      `'${MANIFEST_FILE}' is reserved for the package manifest`,
      'include',
    );
  }
  const clash = [...wanted.keys()].find((file) => file.startsWith(`${ARTIFACTS_FOLDER}/`));
  if (clash) {
    throw new ConfigurationError(
      `'${clash}': the folder ${ARTIFACTS_FOLDER}/ is reserved for the template's packaged local parts`,
      'include',
    );
  }
  const artifacts = packed ? distinctArtifacts(packed.artifacts) : [];
  const packaged = [...wanted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const files = [
    ...packaged.map(([file]) => file),
    ...artifacts.map((artifact) => artifact.file),
  ].sort();

  const staging = await mkdtemp(path.join(os.tmpdir(), 'environment-package-'));
  try {
    const checksums: Record<string, string> = {};
    for (const [file, real] of packaged) {
      const target = path.join(staging, file);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(real, target);
    }
    if (packed) {
      // The template as deployed names its parts in S3; the parts travel in the package too.
      await writeFile(path.join(staging, definition.template), packed.body);
      await mkdir(path.join(staging, ARTIFACTS_FOLDER), { recursive: true });
      for (const artifact of artifacts)
        await writeFile(path.join(staging, artifact.file), artifact.data);
    }
    for (const file of files) checksums[file] = await sha256File(path.join(staging, file));
    const manifest: PackageManifest = {
      schema: MANIFEST_SCHEMA,
      component: definition.component,
      version,
      commit: run.commit,
      runUrl: run.runUrl,
      createdAt: now.toISOString(),
      definition: definitionName,
      files: checksums,
      ...(packed && packed.artifacts.length > 0
        ? { artifacts: packed.artifacts.map(({ data: _data, ...artifact }) => artifact) }
        : {}),
    };
    await writeFile(path.join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);

    await mkdir(outputDir, { recursive: true });
    const fileName = packageFileName(definition.component, version);
    const archive = path.resolve(outputDir, fileName);
    await tar.c(
      {
        gzip: true,
        file: archive,
        cwd: staging,
        portable: true,
        mtime: new Date(0),
        noDirRecurse: true,
      },
      [MANIFEST_FILE, ...files],
    );
    return { path: archive, fileName, manifest, digest: contentDigest(manifest), artifacts };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
