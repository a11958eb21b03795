import { existsSync, statSync } from 'node:fs';
import type { Capability } from '@aws-sdk/client-cloudformation';
import { ConfigurationError } from '../../src/core/errors.js';
import {
  boolean,
  integer,
  keyValues,
  list,
  oneOf,
  optionalString,
  type InputSource,
} from '../../src/core/inputs.js';
import { DEFAULT_DEFINITION, validateEnvironmentName } from '../../src/definition/definition.js';
import {
  parsePackageReference,
  validateBucketName,
} from '../../src/packaging/package-reference.js';
import { validateVersion } from '../../src/packaging/version.js';
import { CAPABILITIES } from '../../src/provisioning/stack-settings.js';
import { OPERATIONS, type ProvisionRequest } from '../../src/provisioning/provision.js';

export { OPERATIONS, type Operation } from '../../src/provisioning/provision.js';

/** Every input of action-provision, validated once, before any AWS call. */
export type ProvisionInputs = ProvisionRequest;

/** The folder packages are written to: created if missing, refused if something else is there. */
function outputFolder(folder: string): string {
  const existing = existsSync(folder) ? statSync(folder) : undefined;
  if (existing && !existing.isDirectory()) {
    throw new ConfigurationError(
      `'${folder}' exists and is not a folder; name a folder to write the package into`,
      "input 'output-dir'",
    );
  }
  return folder;
}

export function parseProvisionInputs(
  source: InputSource,
  env: NodeJS.ProcessEnv = process.env,
): ProvisionInputs {
  const operation = oneOf(source, 'operation', OPERATIONS);
  const environmentValue = optionalString(source, 'environment');
  const environment =
    environmentValue === undefined
      ? undefined
      : validateEnvironmentName(environmentValue, "input 'environment'");
  if (operation !== 'package' && environment === undefined) {
    throw new ConfigurationError(
      `is required for operation '${operation}': the environment to ${operation} (for example ci, staging, production)`,
      "input 'environment'",
    );
  }

  const versionValue = optionalString(source, 'version');
  const version = versionValue === undefined ? undefined : validateVersion(versionValue);

  const packageValue = optionalString(source, 'package');
  if (packageValue !== undefined && operation === 'package') {
    throw new ConfigurationError(
      "is for deploy and recreate; operation 'package' builds a package from the definition",
      "input 'package'",
    );
  }
  if (packageValue !== undefined && operation === 'delete') {
    throw new ConfigurationError(
      "is not used by operation 'delete'; name the definition instead",
      "input 'package'",
    );
  }
  const packageReference =
    packageValue === undefined ? undefined : parsePackageReference(packageValue);
  if (packageReference && version !== undefined) {
    throw new ConfigurationError(
      "cannot be combined with 'package': a package carries its own version",
      "input 'version'",
    );
  }

  const bucketValue = optionalString(source, 'artifact-bucket');
  const artifactBucket =
    bucketValue === undefined
      ? undefined
      : validateBucketName(bucketValue, "input 'artifact-bucket'");

  const capabilities = list(source, 'capabilities');
  for (const capability of capabilities) {
    if (!(CAPABILITIES as string[]).includes(capability)) {
      throw new ConfigurationError(
        `'${capability}' is not valid; valid values: ${CAPABILITIES.join(', ')}`,
        "input 'capabilities'",
      );
    }
  }

  const deploys = operation === 'deploy' || operation === 'recreate';
  const smokeTest = boolean(source, 'smoke-test', false);
  if (smokeTest && !deploys) {
    throw new ConfigurationError(
      `applies to deploy and recreate, not to '${operation}'`,
      "input 'smoke-test'",
    );
  }
  const requirePromotionFrom = list(source, 'require-promotion-from').map((name) =>
    validateEnvironmentName(name, "input 'require-promotion-from'"),
  );
  const ledgerBucket =
    artifactBucket ?? (packageReference?.kind === 's3' ? packageReference.bucket : undefined);
  if (requirePromotionFrom.length > 0) {
    if (!deploys) {
      throw new ConfigurationError(
        `applies to deploy and recreate, not to '${operation}'`,
        "input 'require-promotion-from'",
      );
    }
    if (ledgerBucket === undefined) {
      throw new ConfigurationError(
        'needs the promotion ledger: set artifact-bucket, or deploy a package from s3:// (its bucket holds the ledger)',
        "input 'require-promotion-from'",
      );
    }
    if (environment !== undefined && requirePromotionFrom.includes(environment)) {
      throw new ConfigurationError(
        `names '${environment}', the environment being deployed; name the one before it (for example staging before production)`,
        "input 'require-promotion-from'",
      );
    }
  }

  const githubToken = optionalString(source, 'github-token');
  if (githubToken !== undefined && !deploys) {
    throw new ConfigurationError(
      `records a GitHub deployment for deploy and recreate, not for '${operation}'`,
      "input 'github-token'",
    );
  }

  return {
    operation,
    definition: optionalString(source, 'definition') ?? DEFAULT_DEFINITION,
    environment,
    version,
    package: packageReference,
    artifactBucket,
    parameters: keyValues(source, 'parameters'),
    allowReplacement: list(source, 'allow-replacement'),
    keepFailed: boolean(source, 'keep-failed', false),
    timeoutMinutes: integer(source, 'timeout-minutes', 60, { min: 1, max: 720 }),
    capabilities: (capabilities.length
      ? capabilities
      : ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM']) as Capability[],
    outputDir: outputFolder(
      optionalString(source, 'output-dir') ?? env.RUNNER_TEMP ?? 'environment-packages',
    ),
    lint: oneOf(source, 'lint', ['auto', 'true', 'false'] as const, 'auto'),
    awsRegion: optionalString(source, 'aws-region'),
    smokeTest,
    requirePromotionFrom,
    ledgerBucket,
    githubToken,
    environmentUrlOutput: optionalString(source, 'environment-url-output') ?? 'ServiceUrl',
  };
}
