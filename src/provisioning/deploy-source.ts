import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '../core/errors.js';
import type { RunContext } from '../core/github-context.js';
import type { Logger } from '../core/logger.js';
import { loadDefinition, type LoadedDefinition } from '../definition/definition.js';
import { parseTemplate } from '../definition/template.js';
import { uploadArtifacts, verifyArtifacts } from '../packaging/artifact-store.js';
import { hasLocalParts, noBucketForLocalParts, packLocalParts } from '../packaging/local-parts.js';
import { openPackage } from '../packaging/open-package.js';
import type { PackageReference } from '../packaging/package-reference.js';
import { UNVERSIONED_WARNING, unversionedVersion } from '../packaging/version.js';

/** What a deploy deploys: a verified package, or the definition straight from the work tree. */
export interface DeploySource {
  loaded: LoadedDefinition;
  version: string;
  unversioned: boolean;
  /** The commit the environment was built from (the package's, or this run's). */
  commit: string | null;
  /**
   * The run that built it. The package's build run, not this deploy's, so the stack's tags stay
   * the same for the same package and a repeated deploy really is a no-op.
   */
  runUrl: string | null;
  label: string;
}

/** Where a deploy may upload what its template needs from S3, and in which region. */
export interface UploadTarget {
  /** The artifact bucket; undefined when the step was given none. */
  bucket: string | undefined;
  region: () => string;
  /** Proves the bucket is there and reachable; awaited before the first upload. */
  ready?: () => Promise<void>;
}

/**
 * A definition read from the work tree whose template names local parts: they are packaged and
 * uploaded now, exactly as `package` would, and the template deployed names them in S3.
 */
async function withLocalPartsUploaded(
  loaded: LoadedDefinition,
  uploads: UploadTarget,
  s3: () => S3Client,
  logger: Logger,
): Promise<LoadedDefinition> {
  const { definition, template } = loaded;
  const display = path.relative(process.cwd(), path.join(definition.root, definition.template));
  if (!hasLocalParts(template.body, display)) return loaded;
  if (uploads.bucket === undefined) {
    throw noBucketForLocalParts(template.body, display, 'artifact-bucket');
  }
  const packed = await packLocalParts(definition.root, definition.template, template.body, {
    bucket: uploads.bucket,
    region: uploads.region(),
    component: definition.component,
  });
  await uploads.ready?.();
  await uploadArtifacts(s3(), packed.artifacts, logger);
  return { definition, template: parseTemplate(packed.body, `${display} (packaged)`) };
}

export async function resolveDeploySource(
  reference: PackageReference | undefined,
  definitionFile: string,
  version: string | undefined,
  run: RunContext,
  now: Date,
  s3: () => S3Client,
  logger: Logger,
  uploads: UploadTarget,
  check: (loaded: LoadedDefinition) => void = () => undefined,
): Promise<DeploySource> {
  if (reference) {
    const opened = await openPackage(reference, s3, logger);
    const loaded = await loadDefinition(opened.definitionFile, "input 'package'");
    check(loaded);
    if (loaded.definition.component !== opened.manifest.component) {
      throw new ConfigurationError(
        `the manifest says component '${opened.manifest.component}' but the definition inside says '${loaded.definition.component}'`,
        "input 'package'",
      );
    }
    await verifyArtifacts(
      s3(),
      opened.manifest.artifacts ?? [],
      opened.root,
      uploads.region(),
      logger,
    );
    return {
      loaded,
      version: opened.manifest.version,
      unversioned: false,
      commit: opened.manifest.commit,
      runUrl: opened.manifest.runUrl,
      label: reference.kind === 's3' ? reference.url : reference.path,
    };
  }
  const read = await loadDefinition(definitionFile);
  check(read);
  const loaded = await withLocalPartsUploaded(read, uploads, s3, logger);
  const resolved = version ?? unversionedVersion(now);
  if (version === undefined) {
    logger.warning(UNVERSIONED_WARNING.replace('{version}', resolved), {
      title: 'Unversioned deploy',
    });
  }
  return {
    loaded,
    version: resolved,
    unversioned: version === undefined,
    commit: run.commit,
    runUrl: run.runUrl,
    label: definitionFile,
  };
}
