import type { RetentionPolicy } from '../../src/ami/retention.js';
import { parseSourceAmiFilter } from '../../src/ami/source-ami.js';
import {
  DEFAULT_SIGNAL_PATH,
  PLATFORMS,
  WAIT_MODES,
  type UserDataWait,
} from '../../src/ami/user-data-wait.js';
import { validateRegionName } from '../../src/aws/clients.js';
import { ConfigurationError } from '../../src/core/errors.js';
import {
  choice,
  decimal,
  flag,
  keyValues,
  list,
  matching,
  parsedInput,
  parseKeyValues,
  readInputs,
  required,
  text,
  wholeNumber,
  withDefault,
  type InputRule,
  type InputSource,
  type InputValues,
} from '../../src/core/inputs.js';
import { validateVersion } from '../../src/packaging/version.js';
import type { BuildAmiStepRequest } from '../../src/ami/build-ami-step.js';

/** Every input of action-build-ami, validated once, before Packer or AWS is touched. */
export type BuildAmiInputs = BuildAmiStepRequest;

/** EC2's rules for the tags the user adds: the suite's own `ami:` tags and AWS's `aws:` are not theirs to set. */
function amiTags(text: string): Record<string, string> {
  const tags = parseKeyValues(text);
  const keys = Object.keys(tags);
  for (const key of keys) {
    if (key.toLowerCase().startsWith('aws:') || key.startsWith('ami:')) {
      throw new ConfigurationError(
        `'${key}' uses a reserved prefix (aws: belongs to AWS, ami: to this suite's traceability tags)`,
      );
    }
    if (key.length > 128 || (tags[key] ?? '').length > 256) {
      throw new ConfigurationError(
        `'${key.slice(0, 40)}': EC2 tag keys are at most 128 characters and values at most 256`,
      );
    }
  }
  // EC2 allows 50 tags per resource; the suite adds up to 8 of its own.
  if (keys.length > 42) {
    throw new ConfigurationError(
      `${keys.length} tags; EC2 allows 50 per image, and the suite adds up to 8 of its own, so at most 42`,
    );
  }
  return tags;
}

/** Every input of action-build-ami and how it is read. */
export const buildAmiInputs = {
  template: required('the Packer template to build, for example packer/image.json'),
  name: required(
    'the image family, for example web (AMIs are named {name}-{version}-{timestamp})',
    matching(
      (name) => /^[a-z][a-z0-9-]{0,63}$/.test(name),
      (name) =>
        `'${name}' is not valid: lower-case letters, digits and hyphens, starting with a letter, at most 64`,
    ),
  ),
  version: parsedInput(validateVersion),
  variables: keyValues(),
  'var-file': text(),
  'sensitive-variables': list(),
  packer: text(),
  'working-directory': withDefault(text(), '.'),
  'source-ami-filter': parsedInput((text) => {
    const pairs = parseKeyValues(text);
    return Object.keys(pairs).length > 0 ? parseSourceAmiFilter(pairs) : undefined;
  }),
  'source-ami-variable': withDefault(
    parsedInput(
      matching(
        (name) => /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name),
        (name) => `'${name}' is not a Packer variable name`,
      ),
    ),
    'source_ami',
  ),
  'wait-for-user-data': choice(WAIT_MODES, 'none'),
  platform: choice(PLATFORMS, 'linux'),
  'signal-path': parsedInput(
    matching(
      (path) => !/[\r\n]/.test(path),
      () => 'must be one path on one line',
    ),
  ),
  'signal-interval-seconds': wholeNumber({ min: 1, max: 3600 }),
  'signal-timeout-seconds': wholeNumber({ min: 1, max: 86_400 }),
  tags: withDefault(parsedInput(amiTags), {}, ''),
  'share-with-accounts': list(
    matching(
      (account) => /^\d{12}$/.test(account),
      (account) => `'${account}' is not an AWS account ID (12 digits)`,
    ),
  ),
  'copy-to-regions': list((region) => validateRegionName(region, "input 'copy-to-regions'")),
  'build-timeout-minutes': decimal({ min: 0.1, max: 1440 }, 120),
  'copy-timeout-minutes': wholeNumber({ min: 1, max: 720 }, 60),
  keep: wholeNumber({ min: 0, max: 1000 }),
  'min-age-days': wholeNumber({ min: 0, max: 3650 }),
  'retention-dry-run': flag(),
  'retire-shared': flag(),
  'manifest-file': withDefault(text(), 'ami-manifest.json'),
  'aws-region': text(),
};

type Values = InputValues<typeof buildAmiInputs>;

/** Inputs that only act when another input turns them on: set without it, they are refused. */
function onlyWith(
  names: Array<Extract<keyof Values, string>>,
  condition: (inputs: Values) => boolean,
  why: string,
): InputRule<Values> {
  return (inputs) => {
    if (condition(inputs)) return undefined;
    const given = names.find((name) => inputs[name] !== undefined);
    return given ? [given, `only applies ${why}`] : undefined;
  };
}

const rules: Array<InputRule<Values>> = [
  (inputs) =>
    inputs['source-ami-filter'] !== undefined && inputs['source-ami-variable'] in inputs.variables
      ? [
          'variables',
          `sets ${inputs['source-ami-variable']}, which source-ami-filter also sets; give one of them`,
        ]
      : undefined,
  onlyWith(
    ['signal-path'],
    (inputs) => inputs['wait-for-user-data'] === 'signal-file',
    'when wait-for-user-data is signal-file',
  ),
  onlyWith(
    ['signal-interval-seconds', 'signal-timeout-seconds'],
    (inputs) => inputs['wait-for-user-data'] !== 'none',
    'when wait-for-user-data is cloud-init or signal-file',
  ),
  (inputs) =>
    inputs['wait-for-user-data'] === 'cloud-init' && inputs.platform === 'windows'
      ? [
          'wait-for-user-data',
          'cloud-init runs on Linux; Windows instances signal with a file: use wait-for-user-data: signal-file',
        ]
      : undefined,
  onlyWith(
    ['min-age-days', 'retention-dry-run', 'retire-shared'],
    (inputs) => inputs.keep !== undefined,
    'with keep, which turns retention on',
  ),
];

function waitOf(inputs: Values): UserDataWait | undefined {
  const mode = inputs['wait-for-user-data'];
  if (mode === 'none') return undefined;
  const platform = inputs.platform;
  return {
    mode,
    platform,
    signalPath: inputs['signal-path'] ?? DEFAULT_SIGNAL_PATH[platform],
    intervalSeconds: inputs['signal-interval-seconds'] ?? 30,
    timeoutSeconds: inputs['signal-timeout-seconds'] ?? 3000,
  };
}

function retentionOf(inputs: Values): RetentionPolicy | undefined {
  if (inputs.keep === undefined) return undefined;
  return {
    keep: inputs.keep,
    minAgeDays: inputs['min-age-days'] ?? 7,
    dryRun: inputs['retention-dry-run'] ?? true,
    retireShared: inputs['retire-shared'] ?? false,
  };
}

export function parseBuildAmiInputs(source: InputSource): BuildAmiInputs {
  const inputs = readInputs(buildAmiInputs, source, rules);
  return {
    version: inputs.version,
    awsRegion: inputs['aws-region'],
    request: {
      template: inputs.template,
      workingDirectory: inputs['working-directory'],
      variables: inputs.variables,
      varFile: inputs['var-file'],
      sensitiveVariables: inputs['sensitive-variables'],
      name: inputs.name,
      packer: inputs.packer,
      sourceAmiFilter: inputs['source-ami-filter'],
      sourceAmiVariable: inputs['source-ami-variable'],
      wait: waitOf(inputs),
      tags: inputs.tags,
      shareWithAccounts: inputs['share-with-accounts'],
      copyToRegions: [...new Set(inputs['copy-to-regions'])],
      copyTimeoutMinutes: inputs['copy-timeout-minutes'],
      buildTimeoutMinutes: inputs['build-timeout-minutes'],
      retention: retentionOf(inputs),
      manifestFile: inputs['manifest-file'],
    },
  };
}
