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
  boolean,
  decimal,
  integer,
  keyValues,
  list,
  oneOf,
  optionalString,
  requiredString,
  type InputSource,
} from '../../src/core/inputs.js';
import { validateVersion } from '../../src/packaging/version.js';
import type { BuildAmiStepRequest } from '../../src/ami/build-ami-step.js';

/** Every input of action-build-ami, validated once, before Packer or AWS is touched. */
export type BuildAmiInputs = BuildAmiStepRequest;

function onlyWith(source: InputSource, names: string[], condition: boolean, why: string): void {
  if (condition) return;
  for (const name of names) {
    if (optionalString(source, name) !== undefined) {
      throw new ConfigurationError(`only applies ${why}`, `input '${name}'`);
    }
  }
}

function parseWait(source: InputSource): UserDataWait | undefined {
  const mode = oneOf(source, 'wait-for-user-data', WAIT_MODES, 'none');
  const platform = oneOf(source, 'platform', PLATFORMS, 'linux');
  onlyWith(
    source,
    ['signal-path'],
    mode === 'signal-file',
    'when wait-for-user-data is signal-file',
  );
  onlyWith(
    source,
    ['signal-interval-seconds', 'signal-timeout-seconds'],
    mode !== 'none',
    'when wait-for-user-data is cloud-init or signal-file',
  );
  if (mode === 'none') return undefined;
  if (mode === 'cloud-init' && platform === 'windows') {
    throw new ConfigurationError(
      'cloud-init runs on Linux; Windows instances signal with a file: use wait-for-user-data: signal-file',
      "input 'wait-for-user-data'",
    );
  }
  const signalPath = optionalString(source, 'signal-path') ?? DEFAULT_SIGNAL_PATH[platform];
  if (/[\r\n]/.test(signalPath)) {
    throw new ConfigurationError('must be one path on one line', "input 'signal-path'");
  }
  const intervalSeconds = integer(source, 'signal-interval-seconds', 30, { min: 1, max: 3600 });
  const timeoutSeconds = integer(source, 'signal-timeout-seconds', 3000, { min: 1, max: 86_400 });
  return { mode, platform, signalPath, intervalSeconds, timeoutSeconds };
}

function parseRetention(source: InputSource): RetentionPolicy | undefined {
  const keepText = optionalString(source, 'keep');
  onlyWith(
    source,
    ['min-age-days', 'retention-dry-run', 'retire-shared'],
    keepText !== undefined,
    'with keep, which turns retention on',
  );
  if (keepText === undefined) return undefined;
  return {
    keep: integer(source, 'keep', 0, { min: 0, max: 1000 }),
    minAgeDays: integer(source, 'min-age-days', 7, { min: 0, max: 3650 }),
    dryRun: boolean(source, 'retention-dry-run', true),
    retireShared: boolean(source, 'retire-shared', false),
  };
}

/** EC2's rules for the tags the user adds: the suite's own `ami:` tags and AWS's `aws:` are not theirs to set. */
function amiTagsInput(source: InputSource): Record<string, string> {
  const tags = keyValues(source, 'tags');
  const keys = Object.keys(tags);
  for (const key of keys) {
    if (key.toLowerCase().startsWith('aws:') || key.startsWith('ami:')) {
      throw new ConfigurationError(
        `'${key}' uses a reserved prefix (aws: belongs to AWS, ami: to this suite's traceability tags)`,
        "input 'tags'",
      );
    }
    if (key.length > 128 || tags[key]!.length > 256) {
      throw new ConfigurationError(
        `'${key.slice(0, 40)}': EC2 tag keys are at most 128 characters and values at most 256`,
        "input 'tags'",
      );
    }
  }
  // EC2 allows 50 tags per resource; the suite adds up to 8 of its own.
  if (keys.length > 42) {
    throw new ConfigurationError(
      `${keys.length} tags; EC2 allows 50 per image, and the suite adds up to 8 of its own, so at most 42`,
      "input 'tags'",
    );
  }
  return tags;
}

export function parseBuildAmiInputs(source: InputSource): BuildAmiInputs {
  const template = requiredString(
    source,
    'template',
    'the Packer template to build, for example packer/image.json',
  );
  const name = requiredString(
    source,
    'name',
    'the image family, for example web (AMIs are named {name}-{version}-{timestamp})',
  );
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(name)) {
    throw new ConfigurationError(
      `'${name}' is not valid: lower-case letters, digits and hyphens, starting with a letter, at most 64`,
      "input 'name'",
    );
  }
  const versionText = optionalString(source, 'version');
  const variables = keyValues(source, 'variables');
  const sourceAmiVariable = optionalString(source, 'source-ami-variable') ?? 'source_ami';
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(sourceAmiVariable)) {
    throw new ConfigurationError(
      `'${sourceAmiVariable}' is not a Packer variable name`,
      "input 'source-ami-variable'",
    );
  }
  const filterPairs = keyValues(source, 'source-ami-filter');
  const sourceAmiFilter =
    Object.keys(filterPairs).length > 0 ? parseSourceAmiFilter(filterPairs) : undefined;
  if (sourceAmiFilter !== undefined && sourceAmiVariable in variables) {
    throw new ConfigurationError(
      `sets ${sourceAmiVariable}, which source-ami-filter also sets; give one of them`,
      "input 'variables'",
    );
  }
  const shareWithAccounts = list(source, 'share-with-accounts');
  const badAccount = shareWithAccounts.find((account) => !/^\d{12}$/.test(account));
  if (badAccount !== undefined) {
    throw new ConfigurationError(
      `'${badAccount}' is not an AWS account ID (12 digits)`,
      "input 'share-with-accounts'",
    );
  }
  const awsRegion = optionalString(source, 'aws-region');
  const copyToRegions = [...new Set(list(source, 'copy-to-regions'))].map((region) =>
    validateRegionName(region, "input 'copy-to-regions'"),
  );
  const sensitiveVariables = list(source, 'sensitive-variables');
  return {
    version: versionText === undefined ? undefined : validateVersion(versionText),
    awsRegion,
    request: {
      template,
      workingDirectory: optionalString(source, 'working-directory') ?? '.',
      variables,
      varFile: optionalString(source, 'var-file'),
      sensitiveVariables,
      name,
      packer: optionalString(source, 'packer'),
      sourceAmiFilter,
      sourceAmiVariable,
      wait: parseWait(source),
      tags: amiTagsInput(source),
      shareWithAccounts,
      copyToRegions,
      copyTimeoutMinutes: integer(source, 'copy-timeout-minutes', 60, { min: 1, max: 720 }),
      buildTimeoutMinutes: decimal(source, 'build-timeout-minutes', 120, { min: 0.1, max: 1440 }),
      retention: parseRetention(source),
      manifestFile: optionalString(source, 'manifest-file') ?? 'ami-manifest.json',
    },
  };
}
