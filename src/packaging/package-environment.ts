import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '../core/errors.js';
import type { RunContext } from '../core/github-context.js';
import type { Logger } from '../core/logger.js';
import { lintTemplate, type LintMode, type LintResult } from '../definition/cfn-lint.js';
import { loadDefinition } from '../definition/definition.js';
import { needsUpload, noBucketForLargeTemplate } from '../provisioning/template-upload.js';
import { createPackage, type CreatedPackage } from './create-package.js';
import { publishPackage, type PublishResult } from './publish-package.js';
import { UNVERSIONED_WARNING, unversionedVersion } from './version.js';

export interface PackageRequest {
  definitionFile: string;
  version: string | undefined;
  outputDir: string;
  artifactBucket: string | undefined;
  lint: LintMode;
}

export interface PackageOutcome {
  package: CreatedPackage;
  version: string;
  unversioned: boolean;
  lint: LintResult;
  published: PublishResult | undefined;
}

/** Validate (definition, template, cfn-lint), build the .tgz, and publish it when asked. */
export async function packageEnvironment(
  request: PackageRequest,
  run: RunContext,
  now: Date,
  s3: () => S3Client,
  logger: Logger,
): Promise<PackageOutcome> {
  const { loaded, lint } = await logger.group('Validate the definition and template', async () => {
    const loaded = await loadDefinition(request.definitionFile);
    // A package whose template only S3 can hold must be published, or no deploy could use it.
    if (needsUpload(loaded.template.body) && !request.artifactBucket) {
      throw noBucketForLargeTemplate(loaded.template.body, 'artifact-bucket');
    }
    const templateFile = path.join(loaded.definition.root, loaded.definition.template);
    logger.info(
      `${loaded.definition.component}: template ${loaded.definition.template} with ${Object.keys(loaded.template.resources).length} resources; environments ${Object.keys(loaded.definition.environments).join(', ') || '(none named)'}`,
    );
    const lint = await lintTemplate(templateFile, request.lint, logger);
    const errors = lint.findings.filter((finding) => finding.level === 'Error');
    if (errors.length > 0) {
      throw new ConfigurationError(
        `cfn-lint found ${errors.length} error(s) in the template (see the annotations); first: ${errors[0]!.file}:${errors[0]!.line} ${errors[0]!.rule} ${errors[0]!.message}`,
        loaded.definition.template,
      );
    }
    return { loaded, lint };
  });

  const unversioned = request.version === undefined;
  const version = request.version ?? unversionedVersion(now);
  if (unversioned)
    logger.warning(UNVERSIONED_WARNING.replace('{version}', version), {
      title: 'Unversioned package',
    });

  const created = await logger.group('Build the package', async () => {
    const created = await createPackage(loaded, version, request.outputDir, run, now);
    logger.info(
      `Wrote ${created.path} (${Object.keys(created.manifest.files).length} files, content digest ${created.digest.slice(0, 12)}…)`,
    );
    return created;
  });

  let published: PublishResult | undefined;
  if (request.artifactBucket) {
    const bucket = request.artifactBucket;
    published = await logger.group('Publish the package', () =>
      publishPackage(s3(), created, bucket, logger),
    );
  }
  return { package: created, version, unversioned, lint, published };
}
