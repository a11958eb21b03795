import type { Capability } from '@aws-sdk/client-cloudformation';
import { ConfigurationError } from '../../src/core/errors.js';
import {
  integer,
  keyValues,
  list,
  oneOf,
  optionalString,
  type InputSource,
} from '../../src/core/inputs.js';
import { placeholdersIn } from '../../src/core/placeholders.js';
import { DEFAULT_DEFINITION, validateEnvironmentName } from '../../src/definition/definition.js';
import { AVAILABILITY_MODES, type MaintenanceHook } from '../../src/migration/availability.js';
import { STRATEGIES } from '../../src/migration/journal.js';
import { parseIgnorePattern } from '../../src/migration/json-diff.js';
import {
  RECOVERY_MODES,
  COPY_VERSIONS,
  type DnsRecord,
} from '../../src/migration/migration-context.js';
import {
  parsePackageReference,
  validateBucketName,
} from '../../src/packaging/package-reference.js';
import { validateVersion } from '../../src/packaging/version.js';
import { GATES, type Gate } from '../../src/promotion/ledger.js';
import { CAPABILITIES } from '../../src/provisioning/stack-settings.js';
import type { MigrateEnvironmentRequest } from '../../src/migration/migrate-environment.js';

const METHODS = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE'] as const;

/** Every input of action-migrate, validated once, before any AWS call. */
export type MigrateInputs = MigrateEnvironmentRequest;

/** What is masked before anything runs: header values, unless they are templates to fill in. */
export function migrateSecrets(inputs: MigrateInputs): string[] {
  return [
    ...(inputs.githubToken ? [inputs.githubToken] : []),
    ...[
      ...Object.values(inputs.statisticsHeaders),
      ...Object.values(inputs.hook?.headers ?? {}),
    ].filter((value) => !value.includes('{{')),
  ];
}

export const DEFAULT_POINTER = '/environments/{environment}/{component}/active-colour';

/** A fixed URL would ask the same service twice and compare it with itself. */
function checkUrlTemplate(value: string, name: string, why: string): string {
  const source = `input '${name}'`;
  if (
    placeholdersIn(value, source).filter((placeholder) => !placeholder.startsWith('env.'))
      .length === 0
  ) {
    throw new ConfigurationError(
      `'${value}' has no {{ Output }} placeholder, so ${why}; write it over a stack output, for example {{ ServiceUrl }}/admin/statistics`,
      source,
    );
  }
  return value;
}

export function parseMigrateInputs(source: InputSource): MigrateInputs {
  const strategy = oneOf(source, 'strategy', STRATEGIES);
  const environmentValue = optionalString(source, 'environment');
  if (environmentValue === undefined) {
    throw new ConfigurationError(
      'is required: the environment to migrate (for example staging, production)',
      "input 'environment'",
    );
  }
  const environment = validateEnvironmentName(environmentValue, "input 'environment'");
  const versionValue = optionalString(source, 'version');
  const packageValue = optionalString(source, 'package');
  const packageReference =
    packageValue === undefined ? undefined : parsePackageReference(packageValue);
  if (packageReference && versionValue !== undefined) {
    throw new ConfigurationError(
      "cannot be combined with 'package': a package carries its own version",
      "input 'version'",
    );
  }
  if (!packageReference && versionValue === undefined) {
    throw new ConfigurationError(
      "is required without 'package': a migration moves the environment to a named version (an unversioned migration could not be resumed or recorded)",
      "input 'version'",
    );
  }
  const bucketValue = optionalString(source, 'artifact-bucket');
  const artifactBucket =
    bucketValue !== undefined
      ? validateBucketName(bucketValue, "input 'artifact-bucket'")
      : packageReference?.kind === 's3'
        ? packageReference.bucket
        : undefined;
  if (artifactBucket === undefined) {
    throw new ConfigurationError(
      'is required: the migration journal and the promotion ledger live in it (or migrate a package from s3://, whose bucket is used)',
      "input 'artifact-bucket'",
    );
  }

  const availability = oneOf(source, 'availability', AVAILABILITY_MODES, 'asg-standby');
  const onUrl = optionalString(source, 'maintenance-on-url');
  const offUrl = optionalString(source, 'maintenance-off-url');
  let hook: MaintenanceHook | undefined;
  if (availability === 'maintenance-hook') {
    if (onUrl === undefined || offUrl === undefined) {
      throw new ConfigurationError(
        'availability maintenance-hook needs both maintenance-on-url and maintenance-off-url',
        `input '${onUrl === undefined ? 'maintenance-on-url' : 'maintenance-off-url'}'`,
      );
    }
    hook = {
      onUrl: checkUrlTemplate(onUrl, 'maintenance-on-url', 'every stack would get the same call'),
      offUrl: checkUrlTemplate(
        offUrl,
        'maintenance-off-url',
        'every stack would get the same call',
      ),
      method: oneOf(source, 'maintenance-method', METHODS, 'POST'),
      headers: keyValues(source, 'maintenance-headers'),
    };
  } else if (onUrl !== undefined || offUrl !== undefined) {
    throw new ConfigurationError(
      `is only used with availability: maintenance-hook (availability is ${availability})`,
      `input '${onUrl !== undefined ? 'maintenance-on-url' : 'maintenance-off-url'}'`,
    );
  }

  const statisticsValue = optionalString(source, 'statistics-url');
  const statisticsUrl =
    statisticsValue === undefined
      ? undefined
      : checkUrlTemplate(
          statisticsValue,
          'statistics-url',
          'both environments would be asked at the same address and compared with themselves',
        );

  const allowReplacement = list(source, 'allow-replacement');
  if (allowReplacement.length > 0 && strategy !== 'update') {
    throw new ConfigurationError(
      `applies to strategy update only: ${strategy} never replaces a resource in place, it copies the data into a new stack`,
      "input 'allow-replacement'",
    );
  }
  const capabilities = list(source, 'capabilities');
  for (const capability of capabilities) {
    if (!(CAPABILITIES as string[]).includes(capability)) {
      throw new ConfigurationError(
        `'${capability}' is not valid; valid values: ${CAPABILITIES.join(', ')}`,
        "input 'capabilities'",
      );
    }
  }
  const pointerParameter = optionalString(source, 'pointer-parameter') ?? DEFAULT_POINTER;
  if (!/^\/?[A-Za-z0-9_.\-/{}]+$/.test(pointerParameter) || pointerParameter.length > 1011) {
    throw new ConfigurationError(
      `'${pointerParameter}' is not an SSM parameter name (letters, digits, _ . - and / separators)`,
      "input 'pointer-parameter'",
    );
  }

  const requirePromotionFrom = list(source, 'require-promotion-from').map((name) =>
    validateEnvironmentName(name, "input 'require-promotion-from'"),
  );
  if (requirePromotionFrom.includes(environment)) {
    throw new ConfigurationError(
      `names '${environment}', the environment being migrated; name the one before it (for example staging before production)`,
      "input 'require-promotion-from'",
    );
  }
  const gateNames = list(source, 'require-gates');
  for (const gate of gateNames) {
    if (!(GATES as readonly string[]).includes(gate)) {
      throw new ConfigurationError(
        `'${gate}' is not valid; valid values: ${GATES.join(', ')}`,
        "input 'require-gates'",
      );
    }
  }

  const zoneId = optionalString(source, 'route53-zone-id');
  const recordName = optionalString(source, 'route53-record-name');
  let dnsRecord: DnsRecord | undefined;
  if (zoneId !== undefined || recordName !== undefined) {
    if (zoneId === undefined || recordName === undefined) {
      throw new ConfigurationError(
        'route53-zone-id and route53-record-name go together: the record to UPSERT and its hosted zone',
        `input '${zoneId === undefined ? 'route53-zone-id' : 'route53-record-name'}'`,
      );
    }
    if (strategy !== 'blue-green') {
      throw new ConfigurationError(
        `applies to strategy blue-green only (the record follows the active colour); ${strategy} keeps the stack's name`,
        "input 'route53-record-name'",
      );
    }
    if (!/^(\/hostedzone\/)?[A-Z0-9]{1,32}$/.test(zoneId)) {
      throw new ConfigurationError(
        `'${zoneId}' is not a hosted zone ID (for example Z0123456789ABCDEFGHIJ)`,
        "input 'route53-zone-id'",
      );
    }
    if (!/^[A-Za-z0-9*_.-]+\.?$/.test(recordName) || recordName.length > 253) {
      throw new ConfigurationError(
        `'${recordName}' is not a DNS name`,
        "input 'route53-record-name'",
      );
    }
    dnsRecord = {
      zoneId: zoneId.replace('/hostedzone/', ''),
      name: recordName,
      output: optionalString(source, 'route53-endpoint-output') ?? 'Endpoint',
      ttl: integer(source, 'route53-ttl', 60, { min: 0, max: 86_400 }),
    };
  }

  // An input that does nothing for this strategy is refused, not ignored: whoever set it
  // expected it to act. The defaults of action.yml arrive as values too, so only a value other
  // than the default counts as given.
  const notFor = (name: string, fallback: string, applies: boolean, why: string) => {
    const value = optionalString(source, name);
    if (value !== undefined && value !== fallback && !applies) {
      throw new ConfigurationError(`is set, but ${why}`, `input '${name}'`);
    }
  };
  const blueGreenOnly = `strategy ${strategy} has no colours; it applies to strategy blue-green only`;
  notFor('pointer-parameter', DEFAULT_POINTER, strategy === 'blue-green', blueGreenOnly);
  notFor('keep-previous-hours', '24', strategy === 'blue-green', blueGreenOnly);
  const copies = `strategy update copies no data; it applies to blue-green and double-clone`;
  notFor('copy-versions', 'all', strategy !== 'update', copies);
  notFor('s3-copy-concurrency', '32', strategy !== 'update', copies);
  const record = 'there is no record to point (set route53-zone-id and route53-record-name)';
  notFor('route53-endpoint-output', 'Endpoint', dnsRecord !== undefined, record);
  notFor('route53-ttl', '60', dnsRecord !== undefined, record);
  const hookOnly = `availability is ${availability}; it applies to availability: maintenance-hook`;
  notFor('maintenance-method', 'POST', availability === 'maintenance-hook', hookOnly);
  notFor('maintenance-headers', '', availability === 'maintenance-hook', hookOnly);

  return {
    strategy,
    environment,
    definition: optionalString(source, 'definition') ?? DEFAULT_DEFINITION,
    version: versionValue === undefined ? undefined : validateVersion(versionValue),
    package: packageReference,
    artifactBucket,
    parameters: keyValues(source, 'parameters'),
    allowReplacement,
    capabilities: (capabilities.length
      ? capabilities
      : ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM']) as Capability[],
    availability,
    hook,
    statisticsUrl,
    statisticsHeaders: keyValues(source, 'statistics-headers'),
    statisticsIgnore: list(source, 'statistics-ignore').map((entry) =>
      parseIgnorePattern(entry, "input 'statistics-ignore'"),
    ),
    statisticsTimeoutSeconds: integer(source, 'statistics-timeout-seconds', 300, {
      min: 1,
      max: 3600,
    }),
    copyConcurrency: integer(source, 's3-copy-concurrency', 32, { min: 1, max: 512 }),
    copyVersions: oneOf(source, 'copy-versions', COPY_VERSIONS, 'all'),
    keepPreviousHours: integer(source, 'keep-previous-hours', 24, { min: 0, max: 8760 }),
    pointerParameter,
    dnsRecord,
    recover: oneOf(source, 'recover', RECOVERY_MODES, 'resume'),
    requirePromotionFrom,
    requireGates: (gateNames.length ? gateNames : ['smoke']) as Gate[],
    timeoutMinutes: integer(source, 'timeout-minutes', 120, { min: 1, max: 720 }),
    awsRegion: optionalString(source, 'aws-region'),
    githubToken: optionalString(source, 'github-token'),
    environmentUrlOutput: optionalString(source, 'environment-url-output') ?? 'ServiceUrl',
  };
}
