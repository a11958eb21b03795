import { existsSync, statSync } from 'node:fs';
import type { Capability } from '@aws-sdk/client-cloudformation';
import { ConfigurationError } from '../../src/core/errors.js';
import {
  choice,
  flag,
  keyValues,
  list,
  listOf,
  matching,
  optionalChoice,
  parsedInput,
  readInputs,
  text,
  wholeNumber,
  withDefault,
  type InputRule,
  type InputSource,
  type InputValues,
} from '../../src/core/inputs.js';
import { DEFAULT_DEFINITION, validateEnvironmentName } from '../../src/definition/definition.js';
import {
  parsePackageReference,
  validateBucketName,
} from '../../src/packaging/package-reference.js';
import { validateVersion } from '../../src/packaging/version.js';
import { CAPABILITIES } from '../../src/provisioning/stack-settings.js';

const DEFAULT_CAPABILITIES: Capability[] = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'];
import { OPERATIONS, type ProvisionRequest } from '../../src/provisioning/provision.js';
import { DRIFT_MODES } from '../../src/provisioning/drift.js';

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

/** Every input of action-provision and how it is read. */
export const provisionInputs = {
  operation: choice(OPERATIONS),
  definition: withDefault(text(), DEFAULT_DEFINITION),
  environment: parsedInput((name) => validateEnvironmentName(name, "input 'environment'")),
  version: parsedInput(validateVersion),
  package: parsedInput(parsePackageReference),
  'artifact-bucket': parsedInput((bucket) => validateBucketName(bucket, "input 'artifact-bucket'")),
  parameters: keyValues(),
  'allow-replacement': list(),
  'smoke-test': flag(false),
  'require-promotion-from': list((name) =>
    validateEnvironmentName(name, "input 'require-promotion-from'"),
  ),
  'keep-failed': flag(false),
  'timeout-minutes': wholeNumber({ min: 1, max: 720 }, 60),
  capabilities: listOf(CAPABILITIES, DEFAULT_CAPABILITIES),
  lint: choice(['auto', 'true', 'false'], 'auto'),
  'output-dir': text(),
  'github-token': text(),
  'environment-url-output': withDefault(text(), 'ServiceUrl'),
  drift: optionalChoice(DRIFT_MODES),
  'change-set': parsedInput(
    matching(
      (name) => CHANGE_SET_NAME.test(name) || CHANGE_SET_ARN.test(name),
      (name) =>
        `'${name}' is not a change set name or ARN (the change-set-name output of operation: plan), nor 'reviewed' (the newest plan of this version)`,
    ),
  ),
  'compare-to': parsedInput((name) => validateEnvironmentName(name, "input 'compare-to'")),
  'fail-on-difference': flag(false),
  'aws-region': text(),
};

type Values = InputValues<typeof provisionInputs>;

const CHANGE_SET_NAME = /^[A-Za-z][-A-Za-z0-9]{0,127}$/;
const CHANGE_SET_ARN =
  /^arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:\d{12}:changeSet\/[A-Za-z][-A-Za-z0-9]{0,127}\/[-a-f0-9]+$/;

const deploys = (inputs: Values) =>
  inputs.operation === 'deploy' || inputs.operation === 'recreate';

/** The bucket the promotion ledger is read from: the artifact bucket, or the package's. */
const ledgerBucketOf = (inputs: Values) =>
  inputs['artifact-bucket'] ?? (inputs.package?.kind === 's3' ? inputs.package.bucket : undefined);

const rules: Array<InputRule<Values>> = [
  ({ operation, environment }) =>
    operation !== 'package' && environment === undefined
      ? [
          'environment',
          `is required for operation '${operation}': the environment to ${operation} (for example ci, staging, production)`,
        ]
      : undefined,
  ({ operation, package: packageReference }) =>
    packageReference === undefined
      ? undefined
      : operation === 'package'
        ? [
            'package',
            "is for deploy and recreate; operation 'package' builds a package from the definition",
          ]
        : operation === 'delete'
          ? ['package', "is not used by operation 'delete'; name the definition instead"]
          : undefined,
  ({ package: packageReference, version }) =>
    packageReference && version !== undefined
      ? ['version', "cannot be combined with 'package': a package carries its own version"]
      : undefined,
  (inputs) =>
    inputs['smoke-test'] && !deploys(inputs)
      ? ['smoke-test', `applies to deploy and recreate, not to '${inputs.operation}'`]
      : undefined,
  (inputs) => {
    const from = inputs['require-promotion-from'];
    if (from.length === 0) return undefined;
    if (!deploys(inputs)) {
      return [
        'require-promotion-from',
        `applies to deploy and recreate, not to '${inputs.operation}'`,
      ];
    }
    if (ledgerBucketOf(inputs) === undefined) {
      return [
        'require-promotion-from',
        'needs the promotion ledger: set artifact-bucket, or deploy a package from s3:// (its bucket holds the ledger)',
      ];
    }
    if (inputs.environment !== undefined && from.includes(inputs.environment)) {
      return [
        'require-promotion-from',
        `names '${inputs.environment}', the environment being deployed; name the one before it (for example staging before production)`,
      ];
    }
    return undefined;
  },
  (inputs) =>
    inputs.operation === 'compare' && inputs['compare-to'] === undefined
      ? [
          'compare-to',
          "is required for operation 'compare': the environment to compare with (for example production)",
        ]
      : undefined,
  (inputs) =>
    inputs.operation === 'compare' && inputs['compare-to'] === inputs.environment
      ? ['compare-to', `names '${inputs.environment}' again; name the other environment`]
      : undefined,
  (inputs) =>
    inputs.operation !== 'compare' &&
    (inputs['compare-to'] !== undefined || inputs['fail-on-difference'])
      ? [
          inputs['compare-to'] !== undefined ? 'compare-to' : 'fail-on-difference',
          `applies to operation compare, not to '${inputs.operation}'`,
        ]
      : undefined,
  ({ operation, 'change-set': changeSet }) =>
    changeSet !== undefined && operation !== 'deploy'
      ? [
          'change-set',
          `is executed by operation deploy, not by '${operation}'${operation === 'plan' ? ' (plan makes the change set; deploy executes it)' : ''}`,
        ]
      : undefined,
  ({ operation, drift }) =>
    drift !== undefined && operation !== 'plan' && operation !== 'deploy'
      ? ['drift', `applies to plan and deploy, not to '${operation}'`]
      : undefined,
  ({ drift, 'change-set': changeSet }) =>
    drift === 'revert' && changeSet !== undefined
      ? [
          'drift',
          'revert is decided when the change set is made: plan with drift: revert, then deploy that change set',
        ]
      : undefined,
  (inputs) =>
    inputs['github-token'] !== undefined && !deploys(inputs) && inputs.operation !== 'plan'
      ? [
          'github-token',
          `records a GitHub deployment for deploy and recreate, or comments a plan on its pull request, not for '${inputs.operation}'`,
        ]
      : undefined,
];

export function parseProvisionInputs(
  source: InputSource,
  env: NodeJS.ProcessEnv = process.env,
): ProvisionInputs {
  const inputs = readInputs(provisionInputs, source, rules);
  return {
    operation: inputs.operation,
    definition: inputs.definition,
    environment: inputs.environment,
    version: inputs.version,
    package: inputs.package,
    artifactBucket: inputs['artifact-bucket'],
    parameters: inputs.parameters,
    allowReplacement: inputs['allow-replacement'],
    keepFailed: inputs['keep-failed'],
    timeoutMinutes: inputs['timeout-minutes'],
    capabilities: inputs.capabilities,
    outputDir: outputFolder(inputs['output-dir'] ?? env.RUNNER_TEMP ?? 'environment-packages'),
    compareTo: inputs['compare-to'],
    failOnDifference: inputs['fail-on-difference'],
    lint: inputs.lint,
    awsRegion: inputs['aws-region'],
    smokeTest: inputs['smoke-test'],
    requirePromotionFrom: inputs['require-promotion-from'],
    ledgerBucket: ledgerBucketOf(inputs),
    githubToken: inputs['github-token'],
    environmentUrlOutput: inputs['environment-url-output'],
    changeSet: inputs['change-set'],
    drift: inputs.drift,
  };
}
