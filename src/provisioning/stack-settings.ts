import type { Capability, Parameter, Tag } from '@aws-sdk/client-cloudformation';
import { ConfigurationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RunContext } from '../core/github-context.js';
import type { EnvironmentDefinition } from '../definition/definition.js';
import type { ParsedTemplate } from '../definition/template.js';

export const VERSION_PARAMETER = 'EnvironmentVersion';

export function stackNameFor(environment: string, component: string): string {
  return `${environment}-${component}`;
}

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
  return values;
}

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
    environment,
    'environment:version': version,
    application: definition.component,
  };
  if (run.commit) tags['environment:commit'] = run.commit;
  if (run.runUrl) tags['environment:run-url'] = run.runUrl;
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
