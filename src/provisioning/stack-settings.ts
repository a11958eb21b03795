import type { Capability, Parameter, Tag } from '@aws-sdk/client-cloudformation';
import { ConfigurationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RunContext } from '../core/github-context.js';
import type { EnvironmentDefinition } from '../definition/definition.js';
import type { ParsedTemplate } from '../definition/template.js';
import { suiteStackTags } from '../aws/suite-tags.js';

export const VERSION_PARAMETER = 'EnvironmentVersion';

export { stackNameFor } from '../aws/suite-tags.js';

/**
 * Parameters in order of precedence: the definition's defaults, then the environment's own
 * values, then the `parameters` input; `EnvironmentVersion` last, from the package. Values
 * the template marks NoEcho are masked before anything could print them.
 */
export function resolveParameters(
  definition: EnvironmentDefinition,
  template: ParsedTemplate,
  environment: string,
  overrides: Record<string, string>,
  version: string,
  logger: Logger,
): Record<string, string> {
  const declared = Object.keys(template.parameters);
  const undeclared = Object.keys(overrides).filter((name) => !declared.includes(name));
  if (undeclared.length > 0) {
    throw new ConfigurationError(
      `${undeclared.join(', ')} ${undeclared.length === 1 ? 'is not a parameter' : 'are not parameters'} of the template; declared parameters: ${declared.join(', ') || 'none'}`,
      "input 'parameters'",
    );
  }
  if (VERSION_PARAMETER in overrides) {
    throw new ConfigurationError(
      `${VERSION_PARAMETER} comes from the package version and cannot be overridden`,
      "input 'parameters'",
    );
  }
  const values: Record<string, string> = {
    ...definition.parameters,
    ...(definition.environments[environment]?.parameters ?? {}),
    ...overrides,
  };
  if (VERSION_PARAMETER in template.parameters) values[VERSION_PARAMETER] = version;

  const missing = Object.entries(template.parameters)
    .filter(([name, parameter]) => !parameter.hasDefault && !(name in values))
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new ConfigurationError(
      `environment '${environment}' has no value for required parameter(s) ${missing.join(', ')}; set them under environments.${environment}.parameters in the definition, or in the 'parameters' input`,
      "input 'environment'",
    );
  }
  for (const [name, value] of Object.entries(values)) {
    if (template.parameters[name]?.noEcho) logger.mask(value);
  }
  for (const [name, value] of Object.entries(values)) {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_PARAMETER_BYTES) {
      throw new ConfigurationError(
        `the value of ${name} is ${bytes.toLocaleString('en-US')} bytes; CloudFormation accepts at most 4,096 bytes per parameter value`,
        name in overrides ? "input 'parameters'" : `definition: parameters.${name}`,
      );
    }
  }
  return values;
}

/** CloudFormation's quota on a stack's tags. */
const MAX_STACK_TAGS = 50;

/** CloudFormation's quota on one parameter value. */
const MAX_PARAMETER_BYTES = 4_096;

export function toCloudFormationParameters(values: Record<string, string>): Parameter[] {
  return Object.entries(values).map(([ParameterKey, ParameterValue]) => ({
    ParameterKey,
    ParameterValue,
  }));
}

/** The traceability tags of the seeds' deploy script, plus the definition's own. */
export function stackTags(
  definition: EnvironmentDefinition,
  environment: string,
  version: string,
  run: RunContext,
): Record<string, string> {
  const tags: Record<string, string> = {
    ...definition.tags,
    ...(definition.environments[environment]?.tags ?? {}),
    ...suiteStackTags({
      environment,
      version,
      component: definition.component,
      commit: run.commit,
      runUrl: run.runUrl,
    }),
  };
  const count = Object.keys(tags).length;
  if (count > MAX_STACK_TAGS) {
    throw new ConfigurationError(
      `${count} stack tags for ${environment}, the suite's own included; CloudFormation allows at most ${MAX_STACK_TAGS}`,
      `definition: tags / environments.${environment}.tags`,
    );
  }
  return tags;
}

export function toCloudFormationTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags)
    .filter(([, value]) => value !== '')
    .map(([Key, Value]) => ({ Key, Value }));
}

export const CAPABILITIES: Capability[] = [
  'CAPABILITY_IAM',
  'CAPABILITY_NAMED_IAM',
  'CAPABILITY_AUTO_EXPAND',
];
