import type { Capability } from '@aws-sdk/client-cloudformation';
import { ConfigurationError } from '../../src/core/errors.js';
import {
  choice,
  keyValues,
  list,
  listOf,
  matching,
  optionalChoice,
  parsedInput,
  readInputs,
  required,
  text,
  wholeNumber,
  withDefault,
  type InputRule,
  type InputSource,
  type InputValues,
} from '../../src/core/inputs.js';
import { placeholdersIn } from '../../src/core/placeholders.js';
import { DEFAULT_DEFINITION, validateEnvironmentName } from '../../src/definition/definition.js';
import { AVAILABILITY_MODES, type MaintenanceHook } from '../../src/migration/availability.js';
import { COPY_ENGINES, parseBatchRoleArn } from '../../src/migration/batch-copy.js';
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
import { DRIFT_MODES } from '../../src/provisioning/drift.js';
import { GATES } from '../../src/promotion/ledger.js';
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

export { DEFAULT_POINTER } from '../../src/migration/colours.js';
import { DEFAULT_POINTER } from '../../src/migration/colours.js';

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

const ZONE_ID = /^(\/hostedzone\/)?[A-Z0-9]{1,32}$/;
const DNS_NAME = /^[A-Za-z0-9*_.-]+\.?$/;
const POINTER = /^\/?[A-Za-z0-9_.\-/{}]+$/;
const DEFAULT_CAPABILITIES: Capability[] = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'];

/** Every input of action-migrate and how it is read. */
export const migrateInputs = {
  strategy: choice(STRATEGIES),
  environment: required('the environment to migrate (for example staging, production)', (name) =>
    validateEnvironmentName(name, "input 'environment'"),
  ),
  package: parsedInput(parsePackageReference),
  definition: withDefault(text(), DEFAULT_DEFINITION),
  version: parsedInput(validateVersion),
  'artifact-bucket': parsedInput((bucket) => validateBucketName(bucket, "input 'artifact-bucket'")),
  parameters: keyValues(),
  availability: choice(AVAILABILITY_MODES, 'asg-standby'),
  'maintenance-on-url': parsedInput((url) =>
    checkUrlTemplate(url, 'maintenance-on-url', 'every stack would get the same call'),
  ),
  'maintenance-off-url': parsedInput((url) =>
    checkUrlTemplate(url, 'maintenance-off-url', 'every stack would get the same call'),
  ),
  'maintenance-method': choice(METHODS, 'POST'),
  'maintenance-headers': keyValues(),
  'statistics-url': parsedInput((url) =>
    checkUrlTemplate(
      url,
      'statistics-url',
      'both environments would be asked at the same address and compared with themselves',
    ),
  ),
  'statistics-headers': keyValues(),
  'statistics-ignore': list((entry) => parseIgnorePattern(entry, "input 'statistics-ignore'")),
  'statistics-timeout-seconds': wholeNumber({ min: 1, max: 3600 }, 300),
  's3-copy-concurrency': wholeNumber({ min: 1, max: 512 }, 32),
  'copy-versions': choice(COPY_VERSIONS, 'all'),
  's3-copy-engine': choice(COPY_ENGINES, 'runner'),
  's3-batch-role-arn': parsedInput((arn) => parseBatchRoleArn(arn, "input 's3-batch-role-arn'")),
  's3-batch-threshold': wholeNumber({ min: 1, max: 10_000_000_000 }, 250_000),
  'keep-previous-hours': wholeNumber({ min: 0, max: 8760 }, 24),
  'pointer-parameter': withDefault(
    parsedInput(
      matching(
        (name) => POINTER.test(name) && name.length <= 1011,
        (name) =>
          `'${name}' is not an SSM parameter name (letters, digits, _ . - and / separators)`,
      ),
    ),
    DEFAULT_POINTER,
  ),
  'route53-zone-id': parsedInput(
    matching(
      (id) => ZONE_ID.test(id),
      (id) => `'${id}' is not a hosted zone ID (for example Z0123456789ABCDEFGHIJ)`,
    ),
  ),
  'route53-record-name': parsedInput(
    matching(
      (name) => DNS_NAME.test(name) && name.length <= 253,
      (name) => `'${name}' is not a DNS name`,
    ),
  ),
  'route53-endpoint-output': withDefault(text(), 'Endpoint'),
  'route53-ttl': wholeNumber({ min: 0, max: 86_400 }, 60),
  'allow-replacement': list(),
  capabilities: listOf(CAPABILITIES, DEFAULT_CAPABILITIES),
  'require-promotion-from': list((name) =>
    validateEnvironmentName(name, "input 'require-promotion-from'"),
  ),
  'require-gates': listOf(GATES, ['smoke']),
  recover: choice(RECOVERY_MODES, 'resume'),
  drift: optionalChoice(DRIFT_MODES.filter((mode) => mode !== 'revert')),
  'timeout-minutes': wholeNumber({ min: 1, max: 720 }, 120),
  'github-token': text(),
  'environment-url-output': withDefault(text(), 'ServiceUrl'),
  'aws-region': text(),
};

type Values = InputValues<typeof migrateInputs>;

const bucketOf = (inputs: Values) =>
  inputs['artifact-bucket'] ?? (inputs.package?.kind === 's3' ? inputs.package.bucket : undefined);

const NO_BUCKET =
  'is required: the migration journal and the promotion ledger live in it (or migrate a package from s3://, whose bucket is used)';

const hasRecord = (inputs: Values) =>
  inputs['route53-zone-id'] !== undefined || inputs['route53-record-name'] !== undefined;

/**
 * An input that does nothing for this strategy is refused, not ignored: whoever set it expected
 * it to act. The defaults of action.yml arrive as values too, so only a value other than the
 * default counts as given.
 */
function notFor<K extends keyof Values>(
  name: K & string,
  given: (value: Values[K]) => boolean,
  applies: (inputs: Values) => boolean,
  why: (inputs: Values) => string,
): InputRule<Values> {
  return (inputs) =>
    given(inputs[name]) && !applies(inputs) ? [name, `is set, but ${why(inputs)}`] : undefined;
}

const blueGreen = (inputs: Values) =>
  inputs.strategy === 'blue-green' || inputs.strategy === 'rollback';
const blueGreenOnly = ({ strategy }: Values) =>
  `strategy ${strategy} has no colours; it applies to strategies blue-green and rollback only`;
const copiesData = (inputs: Values) => inputs.strategy !== 'update';
const copies = () =>
  `strategy update copies no data; it applies to blue-green, double-clone and rollback`;
const noRecord = () => 'there is no record to point (set route53-zone-id and route53-record-name)';
const usesHook = (inputs: Values) => inputs.availability === 'maintenance-hook';
const hookOnly = ({ availability }: Values) =>
  `availability is ${availability}; it applies to availability: maintenance-hook`;

const rules: Array<InputRule<Values>> = [
  ({ package: packageReference, version }) =>
    packageReference && version !== undefined
      ? ['version', "cannot be combined with 'package': a package carries its own version"]
      : undefined,
  ({ package: packageReference, version }) =>
    !packageReference && version === undefined
      ? [
          'version',
          "is required without 'package': a migration moves the environment to a named version (an unversioned migration could not be resumed or recorded)",
        ]
      : undefined,
  (inputs) => (bucketOf(inputs) === undefined ? ['artifact-bucket', NO_BUCKET] : undefined),
  (inputs) => {
    const on = inputs['maintenance-on-url'];
    const off = inputs['maintenance-off-url'];
    if (usesHook(inputs)) {
      return on === undefined || off === undefined
        ? [
            on === undefined ? 'maintenance-on-url' : 'maintenance-off-url',
            'availability maintenance-hook needs both maintenance-on-url and maintenance-off-url',
          ]
        : undefined;
    }
    return on !== undefined || off !== undefined
      ? [
          on !== undefined ? 'maintenance-on-url' : 'maintenance-off-url',
          `is only used with availability: maintenance-hook (availability is ${inputs.availability})`,
        ]
      : undefined;
  },
  ({ strategy, 'allow-replacement': allowReplacement }) =>
    allowReplacement.length > 0 && strategy !== 'update'
      ? [
          'allow-replacement',
          `applies to strategy update only: ${strategy} never replaces a resource in place, it copies the data into a new stack`,
        ]
      : undefined,
  ({ environment, 'require-promotion-from': from }) =>
    from.includes(environment)
      ? [
          'require-promotion-from',
          `names '${environment}', the environment being migrated; name the one before it (for example staging before production)`,
        ]
      : undefined,
  (inputs) => {
    if (!hasRecord(inputs)) return undefined;
    const zoneId = inputs['route53-zone-id'];
    if (zoneId === undefined || inputs['route53-record-name'] === undefined) {
      return [
        zoneId === undefined ? 'route53-zone-id' : 'route53-record-name',
        'route53-zone-id and route53-record-name go together: the record to UPSERT and its hosted zone',
      ];
    }
    return blueGreen(inputs)
      ? undefined
      : [
          'route53-record-name',
          `applies to strategies blue-green and rollback only (the record follows the active colour); ${inputs.strategy} keeps the stack's name`,
        ];
  },
  notFor('pointer-parameter', (value) => value !== DEFAULT_POINTER, blueGreen, blueGreenOnly),
  notFor('keep-previous-hours', (value) => value !== 24, blueGreen, blueGreenOnly),
  notFor('copy-versions', (value) => value !== 'all', copiesData, copies),
  notFor('s3-copy-concurrency', (value) => value !== 32, copiesData, copies),
  notFor('s3-copy-engine', (value) => value !== 'runner', copiesData, copies),
  (inputs) =>
    inputs['s3-copy-engine'] !== 'runner' && inputs['s3-batch-role-arn'] === undefined
      ? [
          's3-batch-role-arn',
          `is required with s3-copy-engine ${inputs['s3-copy-engine']}: the IAM role S3 Batch Operations assumes to read the source buckets and write the new ones (see the README for its trust policy and permissions)`,
        ]
      : undefined,
  notFor(
    's3-batch-role-arn',
    (value) => value !== undefined,
    (inputs) => inputs['s3-copy-engine'] !== 'runner',
    () => 's3-copy-engine is runner; it applies to s3-copy-engine batch-operations and auto',
  ),
  notFor(
    's3-batch-threshold',
    (value) => value !== 250_000,
    (inputs) => inputs['s3-copy-engine'] === 'auto',
    (inputs) => `s3-copy-engine is ${inputs['s3-copy-engine']}; it applies to s3-copy-engine auto`,
  ),
  notFor('route53-endpoint-output', (value) => value !== 'Endpoint', hasRecord, noRecord),
  notFor('route53-ttl', (value) => value !== 60, hasRecord, noRecord),
  notFor('maintenance-method', (value) => value !== 'POST', usesHook, hookOnly),
  notFor('maintenance-headers', (value) => Object.keys(value).length > 0, usesHook, hookOnly),
];

export function parseMigrateInputs(source: InputSource): MigrateInputs {
  const inputs = readInputs(migrateInputs, source, rules);
  // The rules refuse a migration without a bucket; this tells the compiler so.
  const artifactBucket = bucketOf(inputs);
  if (artifactBucket === undefined)
    throw new ConfigurationError(NO_BUCKET, "input 'artifact-bucket'");
  const onUrl = inputs['maintenance-on-url'];
  const offUrl = inputs['maintenance-off-url'];
  const hook: MaintenanceHook | undefined =
    usesHook(inputs) && onUrl !== undefined && offUrl !== undefined
      ? {
          onUrl,
          offUrl,
          method: inputs['maintenance-method'],
          headers: inputs['maintenance-headers'],
        }
      : undefined;
  const zoneId = inputs['route53-zone-id'];
  const recordName = inputs['route53-record-name'];
  const dnsRecord: DnsRecord | undefined =
    zoneId !== undefined && recordName !== undefined
      ? {
          zoneId: zoneId.replace('/hostedzone/', ''),
          name: recordName,
          output: inputs['route53-endpoint-output'],
          ttl: inputs['route53-ttl'],
        }
      : undefined;
  return {
    strategy: inputs.strategy,
    environment: inputs.environment,
    definition: inputs.definition,
    version: inputs.version,
    package: inputs.package,
    artifactBucket,
    parameters: inputs.parameters,
    allowReplacement: inputs['allow-replacement'],
    capabilities: inputs.capabilities,
    availability: inputs.availability,
    hook,
    statisticsUrl: inputs['statistics-url'],
    statisticsHeaders: inputs['statistics-headers'],
    statisticsIgnore: inputs['statistics-ignore'],
    statisticsTimeoutSeconds: inputs['statistics-timeout-seconds'],
    copyConcurrency: inputs['s3-copy-concurrency'],
    copyVersions: inputs['copy-versions'],
    copyEngine: {
      engine: inputs['s3-copy-engine'],
      roleArn: inputs['s3-batch-role-arn'],
      threshold: inputs['s3-batch-threshold'],
    },
    keepPreviousHours: inputs['keep-previous-hours'],
    pointerParameter: inputs['pointer-parameter'],
    dnsRecord,
    recover: inputs.recover,
    drift: inputs.drift,
    requirePromotionFrom: inputs['require-promotion-from'],
    requireGates: inputs['require-gates'],
    timeoutMinutes: inputs['timeout-minutes'],
    awsRegion: inputs['aws-region'],
    githubToken: inputs['github-token'],
    environmentUrlOutput: inputs['environment-url-output'],
  };
}
