import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError } from '../core/errors.js';
import { checkAllPlaceholders, checksOfSection, type SmokeCheck } from '../smoke/checks.js';
import { asSection } from '../smoke/checks-schema.js';
import { readWith } from '../core/schema.js';
import { definitionSchema, environmentNameProblem, type Layout } from './definition-schema.js';
import { realPathInside } from '../core/contained-paths.js';
import { located, parseLocatedYaml, type YamlLocator } from '../core/yaml.js';
import { parseTemplate, requiredParameters, type ParsedTemplate } from './template.js';
import { isRecord } from '../core/values.js';
import { checkPlaceholders } from '../core/placeholders.js';

export const DEFAULT_DEFINITION = 'environment/environment.yml';

/** Parameters the suite fills in itself; a definition never has to. */
export const SUITE_PARAMETERS = ['EnvironmentVersion'] as const;

export interface EnvironmentSettings {
  parameters: Record<string, string>;
  tags: Record<string, string>;
  /** Termination protection on, and never `recreate`d. */
  protected: boolean;
  /** How the environment is laid out, when the definition says; else what exists tells. */
  layout: Layout | undefined;
}

export interface StatefulResources {
  logicalIds: string[];
  resourceTypes: string[];
}

export interface EnvironmentDefinition {
  /** Absolute path of the definition file. */
  file: string;
  /** The definition file's directory: every other path is relative to it. */
  root: string;
  component: string;
  /** Template path relative to `root`, with forward slashes. */
  template: string;
  parameters: Record<string, string>;
  tags: Record<string, string>;
  environments: Record<string, EnvironmentSettings>;
  stateful: StatefulResources;
  /** Extra files or folders (relative to `root`) that go into the package. */
  include: string[];
  /** The checks every environment runs when it comes up; empty when the definition has none. */
  smoke: SmokeCheck[];
  /** The service's statistics endpoint, compared by action-migrate; absent when there is none. */
  statistics?: StatisticsSettings;
  migration: MigrationSettings;
  parity: ParitySettings;
}

/** An alarm meant to differ: only in these environments, or with another threshold there. */
export interface AlarmDifference {
  /** The alarm's name or its comparison key; `*` matches any text. */
  alarm: string;
  environments: string[];
  reason: string;
}

export interface ParitySettings {
  alarmDifferences: AlarmDifference[];
}

export interface StatisticsSettings {
  /** `{{ Output }}` placeholders filled from the stack's outputs. */
  url: string;
  headers: Record<string, string>;
  /** Paths inside `data` that differ legitimately between environments (timestamps). */
  ignore: string[];
}

export interface MigrationSettings {
  /** DB instance logical ID → the template parameter that restores it from a snapshot. */
  snapshotParameters: Record<string, string>;
}

export interface LoadedDefinition {
  definition: EnvironmentDefinition;
  template: ParsedTemplate;
}

export function validateEnvironmentName(name: string, source: string): string {
  const problem = environmentNameProblem(name);
  if (problem) throw new ConfigurationError(problem, source);
  return name;
}

/** Checks the definition's shape; every problem names the file, the key and the expected form. */
export function parseDefinition(text: string, file: string): EnvironmentDefinition {
  const displayName = path.relative(process.cwd(), file) || file;
  const { value, locate, offsetOf } = parseLocatedYaml(text, {
    file: displayName,
    kind: 'valid YAML',
  });
  try {
    const definition = readShape(value, displayName, file, offsetOf);
    LOCATORS.set(definition, locate);
    return definition;
  } catch (error) {
    throw located(error, displayName, locate);
  }
}

/** Each parsed definition's key locator, for the checks made later against its template. */
const LOCATORS = new WeakMap<EnvironmentDefinition, YamlLocator>();

/** A mistake found in the definition after it was parsed, placed on its line. */
function locatedInDefinition(error: unknown, definition: EnvironmentDefinition): unknown {
  const locate = LOCATORS.get(definition);
  const displayName = path.relative(process.cwd(), definition.file) || definition.file;
  return locate ? located(error, displayName, locate) : error;
}

function readShape(
  raw: unknown,
  displayName: string,
  file: string,
  offsetOf?: (key: string) => number | undefined,
): EnvironmentDefinition {
  // A bare list of checks is the smoke section's `checks`, so its entries read `smoke.checks[N]`.
  const value = isRecord(raw) && 'smoke' in raw ? { ...raw, smoke: asSection(raw.smoke) } : raw;
  const written = readWith(definitionSchema, value, `${displayName}: `, offsetOf);
  const stateful = written['stateful-resources'];
  return {
    file: path.resolve(file),
    root: path.dirname(path.resolve(file)),
    component: written.component.trim(),
    template: written.template,
    parameters: written.parameters,
    tags: written.tags,
    environments: Object.fromEntries(
      Object.entries(written.environments).map(([name, settings]) => [
        name,
        {
          parameters: settings.parameters,
          tags: settings.tags,
          protected: settings.protected,
          layout: settings.layout,
        },
      ]),
    ),
    stateful: {
      logicalIds: stateful['logical-ids'],
      resourceTypes: stateful['resource-types'],
    },
    include: written.include,
    smoke: written.smoke ? checksOfSection(written.smoke, `${displayName}: smoke.`) : [],
    ...(written.statistics ? { statistics: written.statistics } : {}),
    migration: { snapshotParameters: written.migration['snapshot-parameters'] },
    parity: { alarmDifferences: written.parity['alarm-differences'] },
  };
}

/**
 * Every parameter the definition sets must exist in the template, and every parameter the
 * template requires must be set for every environment the definition names, so a missing
 * production value fails the build that packages it, not the production deploy.
 */
export function checkParameterCoverage(
  definition: EnvironmentDefinition,
  template: ParsedTemplate,
  templateFile: string,
): void {
  const declared = Object.keys(template.parameters);
  const problems: string[] = [];
  const undeclared = (values: Record<string, string>, where: string): void => {
    for (const name of Object.keys(values)) {
      if (!declared.includes(name)) {
        problems.push(`${where}.${name} is not a parameter of ${templateFile}`);
      }
    }
  };
  undeclared(definition.parameters, 'parameters');
  for (const [logicalId, parameter] of Object.entries(definition.migration.snapshotParameters)) {
    const resource = template.resources[logicalId];
    if (resource?.type !== 'AWS::RDS::DBInstance') {
      const instances = Object.entries(template.resources)
        .filter(([, candidate]) => candidate.type === 'AWS::RDS::DBInstance')
        .map(([id]) => id);
      problems.push(
        `migration.snapshot-parameters.${logicalId} ${resource ? `is a ${resource.type}, not` : 'names no'} AWS::RDS::DBInstance of ${templateFile}; DB instances it declares: ${instances.join(', ') || 'none'}`,
      );
    }
    if (!declared.includes(parameter)) {
      problems.push(
        `migration.snapshot-parameters.${logicalId} names ${parameter}, which is not a parameter of ${templateFile}`,
      );
    }
  }
  const required = requiredParameters(template).filter(
    (name) => !(SUITE_PARAMETERS as readonly string[]).includes(name),
  );
  for (const [name, settings] of Object.entries(definition.environments)) {
    undeclared(settings.parameters, `environments.${name}.parameters`);
    const missing = required.filter(
      (parameter) => !(parameter in definition.parameters) && !(parameter in settings.parameters),
    );
    if (missing.length > 0) {
      problems.push(`environment '${name}' is missing required parameter(s) ${missing.join(', ')}`);
    }
  }
  if (Object.keys(definition.environments).length === 0) {
    const missing = required.filter((parameter) => !(parameter in definition.parameters));
    if (missing.length > 0) {
      problems.push(`missing required parameter(s) ${missing.join(', ')}`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigurationError(
      `${problems.join('; ')} (declared parameters: ${declared.join(', ') || 'none'})`,
      path.relative(process.cwd(), definition.file) || definition.file,
    );
  }
}

function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  // Every index read below is within the row just built; `?? 0` only satisfies the type.
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const substitution =
        (previous[j - 1] ?? 0) + (left.charAt(i - 1) === right.charAt(j - 1) ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/**
 * A `stateful-resources.logical-ids` entry that names no resource of the template protects
 * nothing: a typo (`DataBuckt`) would leave the real bucket unguarded. `Parent/Child` entries
 * must at least start at a nested stack of this template (the child's template may live
 * elsewhere).
 */
export function checkStatefulResources(
  definition: EnvironmentDefinition,
  template: ParsedTemplate,
  templateFile: string,
): void {
  const resources = Object.keys(template.resources);
  const problems: string[] = [];
  for (const entry of definition.stateful.logicalIds) {
    const [first = ''] = entry.split('/');
    const resource = template.resources[first];
    if (!resource) {
      const near = resources
        .map((name) => ({ name, distance: editDistance(first, name) }))
        .filter((candidate) => candidate.distance <= Math.max(2, Math.floor(first.length / 4)))
        .sort((left, right) => left.distance - right.distance)[0];
      problems.push(
        `'${entry}' names no resource of ${templateFile}${near ? ` (did you mean '${near.name}'?)` : ''}`,
      );
    } else if (entry.includes('/') && resource.type !== 'AWS::CloudFormation::Stack') {
      problems.push(
        `'${entry}' reaches into ${first}, which is a ${resource.type}, not a nested stack (AWS::CloudFormation::Stack)`,
      );
    }
  }
  if (problems.length > 0) {
    throw new ConfigurationError(
      `${problems.join('; ')}. An entry that matches nothing protects nothing. Resources of the template: ${resources.join(', ') || 'none'}`,
      `${path.relative(process.cwd(), definition.file) || definition.file}: stateful-resources.logical-ids`,
    );
  }
}

async function readText(file: string, what: string, source: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError(
      code === 'ENOENT'
        ? `${what} '${file}' does not exist`
        : `cannot read ${what} '${file}': ${code}`,
      source,
    );
  }
}

/** Reads and checks the definition file alone, for actions that do not need the template. */
export async function readDefinition(
  file: string,
  source = "input 'definition'",
): Promise<EnvironmentDefinition> {
  return parseDefinition(await readText(file, 'environment definition', source), file);
}

/** Reads the definition and its template, and checks them against each other. */
export async function loadDefinition(
  file: string,
  source = "input 'definition'",
): Promise<LoadedDefinition> {
  const text = await readText(file, 'environment definition', source);
  const definition = parseDefinition(text, file);
  const templateFile = path.join(definition.root, definition.template);
  const templateSource = `${path.relative(process.cwd(), definition.file) || definition.file}: template`;
  // Read from where it really is, and only if that is inside the definition's folder.
  const realTemplate = await realPathInside(definition.root, definition.template, templateSource);
  const body = await readText(realTemplate ?? templateFile, 'template', templateSource);
  const displayTemplate = path.relative(process.cwd(), templateFile) || templateFile;
  const template = parseTemplate(body, displayTemplate);
  try {
    checkParameterCoverage(definition, template, displayTemplate);
    checkStatefulResources(definition, template, displayTemplate);
    // A smoke check naming an output the template does not declare would only fail after the
    // stack was built; the template says now which outputs there will be.
    checkAllPlaceholders(definition.smoke, template.outputs);
    if (definition.statistics) {
      checkPlaceholders(
        definition.statistics.url,
        template.outputs,
        `${path.relative(process.cwd(), definition.file) || definition.file}: statistics.url`,
      );
    }
  } catch (error) {
    throw locatedInDefinition(error, definition);
  }
  return { definition, template };
}
