import { ConfigurationError } from '../../src/core/errors.js';
import { boolean, integer, list, optionalString, type InputSource } from '../../src/core/inputs.js';
import { DEFAULT_DEFINITION, validateEnvironmentName } from '../../src/definition/definition.js';
import { validateBucketName } from '../../src/packaging/package-reference.js';
import { validateVersion } from '../../src/packaging/version.js';
import type { ChecksSource, OutputsSource, SmokeTestRequest } from '../../src/smoke/smoke-test.js';
import { BUILT_IN_DEFAULTS, validateUrlForm, type HttpCheck } from '../../src/smoke/checks.js';

export type { ChecksSource, OutputsSource } from '../../src/smoke/smoke-test.js';

/** Every input of action-smoke-test, validated once, before any request. */
export type SmokeTestInputs = SmokeTestRequest;

function parseOutputsJson(text: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(
      `is not JSON (${(error as Error).message}); pass the 'outputs' output of action-provision, e.g. \${{ steps.deploy.outputs.outputs }}`,
      "input 'outputs'",
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(
      'expected a JSON object of output name to value',
      "input 'outputs'",
    );
  }
  const outputs: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      throw new ConfigurationError(
        `output '${name}' is not a string, number or boolean`,
        "input 'outputs'",
      );
    }
    outputs[name] = String(item);
  }
  return outputs;
}

function quickCheck(source: InputSource, url: string): HttpCheck {
  validateUrlForm(url, 'url', "input 'url'");
  const statuses = list(source, 'expect-status').map((status) => {
    if (!/^\d{3}$/.test(status) || Number(status) < 100 || Number(status) > 599) {
      throw new ConfigurationError(
        `'${status}' is not an HTTP status; give one or more of 100-599, comma separated`,
        "input 'expect-status'",
      );
    }
    return Number(status);
  });
  const timeoutSeconds = integer(source, 'timeout-seconds', BUILT_IN_DEFAULTS.timeoutSeconds, {
    min: 0,
    max: 3600,
  });
  return {
    kind: 'http',
    name: url,
    source: "input 'url'",
    url,
    method: 'GET',
    headers: [],
    body: undefined,
    proxy: undefined,
    expectStatus: statuses.length ? statuses : [200],
    bodyMatches: undefined,
    json: [],
    allowMaintenance: false,
    requestTimeoutSeconds: integer(
      source,
      'request-timeout-seconds',
      BUILT_IN_DEFAULTS.requestTimeoutSeconds,
      { min: 1, max: 300 },
    ),
    timeoutSeconds,
    intervalSeconds: integer(source, 'interval-seconds', BUILT_IN_DEFAULTS.intervalSeconds, {
      min: 1,
      max: 600,
    }),
  };
}

export function parseSmokeTestInputs(source: InputSource): SmokeTestInputs {
  const url = optionalString(source, 'url');
  const checksFile = optionalString(source, 'checks');
  if (url !== undefined && checksFile !== undefined) {
    throw new ConfigurationError(
      "cannot be combined with 'checks': give one quick check with url, or a checks file",
      "input 'url'",
    );
  }
  if (url === undefined) {
    for (const name of [
      'expect-status',
      'timeout-seconds',
      'interval-seconds',
      'request-timeout-seconds',
    ]) {
      if (optionalString(source, name) !== undefined) {
        throw new ConfigurationError(
          "only applies to the quick check given by 'url'; checks files and definitions set it per check",
          `input '${name}'`,
        );
      }
    }
  }
  const checks: ChecksSource =
    url !== undefined
      ? { kind: 'url', check: quickCheck(source, url) }
      : checksFile !== undefined
        ? { kind: 'file', file: checksFile }
        : { kind: 'definition' };

  const environmentValue = optionalString(source, 'environment');
  const environment =
    environmentValue === undefined
      ? undefined
      : validateEnvironmentName(environmentValue, "input 'environment'");
  const outputsText = optionalString(source, 'outputs');
  const stackName = optionalString(source, 'stack-name');
  if (outputsText !== undefined && stackName !== undefined) {
    throw new ConfigurationError(
      "cannot be combined with 'stack-name': the outputs are either given or read from the stack",
      "input 'outputs'",
    );
  }
  if (stackName !== undefined && !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    throw new ConfigurationError(
      `'${stackName}' is not a CloudFormation stack name (letters, digits and hyphens, starting with a letter, at most 128)`,
      "input 'stack-name'",
    );
  }
  const outputs: OutputsSource =
    outputsText !== undefined
      ? { kind: 'json', outputs: parseOutputsJson(outputsText) }
      : stackName !== undefined
        ? { kind: 'stack', stackName }
        : environment !== undefined
          ? { kind: 'environment' }
          : { kind: 'none' };

  const componentValue = optionalString(source, 'component');
  if (componentValue !== undefined && !/^[a-z][a-z0-9-]{0,63}$/.test(componentValue)) {
    throw new ConfigurationError(
      `'${componentValue}' is not a component name (lower-case letters, digits and hyphens)`,
      "input 'component'",
    );
  }
  const versionValue = optionalString(source, 'version');
  const bucketValue = optionalString(source, 'artifact-bucket');
  const definitionValue = optionalString(source, 'definition');
  return {
    checks,
    outputs,
    definition: definitionValue ?? DEFAULT_DEFINITION,
    // The runner passes action.yml's default when the workflow names none: only another path
    // is a definition the user asked to be read.
    definitionGiven: definitionValue !== undefined && definitionValue !== DEFAULT_DEFINITION,
    environment,
    component: componentValue,
    version: versionValue === undefined ? undefined : validateVersion(versionValue),
    artifactBucket:
      bucketValue === undefined
        ? undefined
        : validateBucketName(bucketValue, "input 'artifact-bucket'"),
    failOnError: boolean(source, 'fail-on-error', true),
    awsRegion: optionalString(source, 'aws-region'),
  };
}
