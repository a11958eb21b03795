import { ConfigurationError } from '../../src/core/errors.js';
import {
  flag,
  list,
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
import { validateBucketName } from '../../src/packaging/package-reference.js';
import { validateVersion } from '../../src/packaging/version.js';
import type { ChecksSource, OutputsSource, SmokeTestRequest } from '../../src/smoke/smoke-test.js';
import { BUILT_IN_DEFAULTS, type HttpCheck } from '../../src/smoke/checks.js';
import { validateUrlForm } from '../../src/smoke/url-form.js';

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
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError('expected a JSON object of output name to value');
  }
  const outputs: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      throw new ConfigurationError(`output '${name}' is not a string, number or boolean`);
    }
    outputs[name] = String(item);
  }
  return outputs;
}

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const COMPONENT = /^[a-z][a-z0-9-]{0,63}$/;

/** Every input of action-smoke-test and how it is read. */
export const smokeTestInputs = {
  checks: text(),
  url: parsedInput((url) => {
    validateUrlForm(url, 'url', "input 'url'");
    return url;
  }),
  'expect-status': list((status) => {
    if (!/^\d{3}$/.test(status) || Number(status) < 100 || Number(status) > 599) {
      throw new ConfigurationError(
        `'${status}' is not an HTTP status; give one or more of 100-599, comma separated`,
      );
    }
    return Number(status);
  }),
  'timeout-seconds': wholeNumber({ min: 0, max: 3600 }),
  'interval-seconds': wholeNumber({ min: 1, max: 600 }),
  'request-timeout-seconds': wholeNumber({ min: 1, max: 300 }),
  definition: withDefault(text(), DEFAULT_DEFINITION),
  environment: parsedInput((name) => validateEnvironmentName(name, "input 'environment'")),
  'stack-name': parsedInput((name) => {
    if (!STACK_NAME.test(name)) {
      throw new ConfigurationError(
        `'${name}' is not a CloudFormation stack name (letters, digits and hyphens, starting with a letter, at most 128)`,
      );
    }
    return name;
  }),
  outputs: parsedInput(parseOutputsJson),
  component: parsedInput((name) => {
    if (!COMPONENT.test(name)) {
      throw new ConfigurationError(
        `'${name}' is not a component name (lower-case letters, digits and hyphens)`,
      );
    }
    return name;
  }),
  version: parsedInput(validateVersion),
  'artifact-bucket': parsedInput((bucket) => validateBucketName(bucket, "input 'artifact-bucket'")),
  'fail-on-error': flag(true),
  'aws-region': text(),
};

type Values = InputValues<typeof smokeTestInputs>;

const QUICK_CHECK_ONLY = [
  'expect-status',
  'timeout-seconds',
  'interval-seconds',
  'request-timeout-seconds',
] as const;

const rules: Array<InputRule<Values>> = [
  (inputs) =>
    inputs.url !== undefined && inputs.checks !== undefined
      ? ['url', "cannot be combined with 'checks': give one quick check with url, or a checks file"]
      : undefined,
  (inputs) => {
    if (inputs.url !== undefined) return undefined;
    const given = QUICK_CHECK_ONLY.find((name) => {
      const value = inputs[name];
      return Array.isArray(value) ? value.length > 0 : value !== undefined;
    });
    return given
      ? [
          given,
          "only applies to the quick check given by 'url'; checks files and definitions set it per check",
        ]
      : undefined;
  },
  (inputs) =>
    inputs.outputs !== undefined && inputs['stack-name'] !== undefined
      ? [
          'outputs',
          "cannot be combined with 'stack-name': the outputs are either given or read from the stack",
        ]
      : undefined,
];

function quickCheck(inputs: Values, url: string): HttpCheck {
  return {
    kind: 'http',
    name: url,
    source: "input 'url'",
    url,
    method: 'GET',
    headers: [],
    body: undefined,
    proxy: undefined,
    expectStatus: inputs['expect-status'].length ? inputs['expect-status'] : [200],
    bodyMatches: undefined,
    json: [],
    allowMaintenance: false,
    requestTimeoutSeconds:
      inputs['request-timeout-seconds'] ?? BUILT_IN_DEFAULTS.requestTimeoutSeconds,
    timeoutSeconds: inputs['timeout-seconds'] ?? BUILT_IN_DEFAULTS.timeoutSeconds,
    intervalSeconds: inputs['interval-seconds'] ?? BUILT_IN_DEFAULTS.intervalSeconds,
  };
}

export function parseSmokeTestInputs(source: InputSource): SmokeTestInputs {
  const inputs = readInputs(smokeTestInputs, source, rules);
  const { url, environment } = inputs;
  const checks: ChecksSource =
    url !== undefined
      ? { kind: 'url', check: quickCheck(inputs, url) }
      : inputs.checks !== undefined
        ? { kind: 'file', file: inputs.checks }
        : { kind: 'definition' };
  const outputs: OutputsSource =
    inputs.outputs !== undefined
      ? { kind: 'json', outputs: inputs.outputs }
      : inputs['stack-name'] !== undefined
        ? { kind: 'stack', stackName: inputs['stack-name'] }
        : environment !== undefined
          ? { kind: 'environment' }
          : { kind: 'none' };
  return {
    checks,
    outputs,
    definition: inputs.definition,
    // The runner passes action.yml's default when the workflow names none: only another path
    // is a definition the user asked to be read.
    definitionGiven: inputs.definition !== DEFAULT_DEFINITION,
    environment,
    component: inputs.component,
    version: inputs.version,
    artifactBucket: inputs['artifact-bucket'],
    failOnError: inputs['fail-on-error'],
    awsRegion: inputs['aws-region'],
  };
}
