import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '../core/errors.js';
import type { RunContext } from '../core/github-context.js';
import type { Logger } from '../core/logger.js';
import { loadDefinition, type LoadedDefinition } from '../definition/definition.js';
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

export async function resolveDeploySource(
  reference: PackageReference | undefined,
  definitionFile: string,
  version: string | undefined,
  run: RunContext,
  now: Date,
  s3: () => S3Client,
  logger: Logger,
): Promise<DeploySource> {
  if (reference) {
    const opened = await openPackage(reference, s3, logger);
    const loaded = await loadDefinition(opened.definitionFile, "input 'package'");
    if (loaded.definition.component !== opened.manifest.component) {
      throw new ConfigurationError(
        `the manifest says component '${opened.manifest.component}' but the definition inside says '${loaded.definition.component}'`,
        "input 'package'",
      );
    }
    return {
      loaded,
      version: opened.manifest.version,
      unversioned: false,
      commit: opened.manifest.commit,
      runUrl: opened.manifest.runUrl,
      label: reference.kind === 's3' ? reference.url : reference.path,
    };
  }
  const loaded = await loadDefinition(definitionFile);
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
