import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '../core/errors.js';
import type { RunContext } from '../core/github-context.js';
import type { Logger } from '../core/logger.js';
import { lintTemplate, type LintMode, type LintResult } from '../definition/cfn-lint.js';
import { loadDefinition } from '../definition/definition.js';
import { needsUpload, noBucketForLargeTemplate } from '../provisioning/template-upload.js';
import { uploadArtifacts } from './artifact-store.js';
import { createPackage, type CreatedPackage } from './create-package.js';
import { hasLocalParts, noBucketForLocalParts, packLocalParts } from './local-parts.js';
import { publishPackage, type PublishResult } from './publish-package.js';
import { UNVERSIONED_WARNING, unversionedVersion } from './version.js';
import { defined } from '../core/values.js';

export interface PackageRequest {
  definitionFile: string;
  version: string | undefined;
  outputDir: string;
  artifactBucket: string | undefined;
  /** The region artifacts are uploaded in: where the stacks that use them will be. */
  region: () => string;
  lint: LintMode;
  /** Proves the artifact bucket is there and reachable: awaited before the package is built. */
  bucketReady?: () => Promise<void>;
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
  const { loaded, lint, localParts } = await logger.group(
    'Validate the definition and template',
    async () => {
      const loaded = await loadDefinition(request.definitionFile);
      // A package whose template only S3 can hold must be published, or no deploy could use it.
      if (needsUpload(loaded.template.body) && !request.artifactBucket) {
        throw noBucketForLargeTemplate(loaded.template.body, 'artifact-bucket');
      }
      const templateFile = path.join(loaded.definition.root, loaded.definition.template);
      const display = path.relative(process.cwd(), templateFile) || templateFile;
      const localParts = hasLocalParts(loaded.template.body, display);
      if (localParts && !request.artifactBucket) {
        throw noBucketForLocalParts(loaded.template.body, display, 'artifact-bucket');
      }
      logger.info(
        `${loaded.definition.component}: template ${loaded.definition.template} with ${Object.keys(loaded.template.resources).length} resources; environments ${Object.keys(loaded.definition.environments).join(', ') || '(none named)'}`,
      );
      // W3002 says a local path needs `package`: this is that package.
      const lint = await lintTemplate(templateFile, request.lint, logger, {
        ignore: localParts ? ['W3002'] : [],
      });
      const errors = lint.findings.filter((finding) => finding.level === 'Error');
      const [first] = errors;
      if (first) {
        throw new ConfigurationError(
          `cfn-lint found ${errors.length} error(s) in the template (see the annotations); first: ${first.file}:${first.line} ${first.rule} ${first.message}`,
          loaded.definition.template,
        );
      }
      return { loaded, lint, localParts };
    },
  );

  const unversioned = request.version === undefined;
  const version = request.version ?? unversionedVersion(now);
  if (unversioned)
    logger.warning(UNVERSIONED_WARNING.replace('{version}', version), {
      title: 'Unversioned package',
    });

  await request.bucketReady?.();
  const created = await logger.group('Build the package', async () => {
    const { definition } = loaded;
    const packed = localParts
      ? await packLocalParts(definition.root, definition.template, loaded.template.body, {
          // A template with local parts was refused without a bucket before this.
          bucket: defined(request.artifactBucket, "input 'artifact-bucket'"),
          region: request.region(),
          component: definition.component,
        })
      : undefined;
    if (packed) {
      for (const artifact of packed.artifacts) {
        logger.info(
          `${artifact.template}: ${artifact.resource}.${artifact.property} ${artifact.source} → s3://${artifact.bucket}/${artifact.key} (${artifact.bytes.toLocaleString('en-US')} bytes)`,
        );
      }
    }
    const created = await createPackage(loaded, version, request.outputDir, run, now, packed);
    logger.info(
      `Wrote ${created.path} (${Object.keys(created.manifest.files).length} files, content digest ${created.digest.slice(0, 12)}…)`,
    );
    return created;
  });

  let published: PublishResult | undefined;
  if (request.artifactBucket) {
    const bucket = request.artifactBucket;
    published = await logger.group('Publish the package', async () => {
      // Before the package: a published package never names an artifact that is not there.
      await uploadArtifacts(s3(), created.artifacts, logger);
      return publishPackage(s3(), created, bucket, logger);
    });
  }
  return { package: created, version, unversioned, lint, published };
}
