import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError } from '../core/errors.js';
import { checkAllPlaceholders, parseChecks, type SmokeCheck } from '../smoke/checks.js';
import { realPathInside } from '../core/contained-paths.js';
import { located, parseLocatedYaml, type YamlLocator } from '../core/yaml.js';
import { parseTemplate, requiredParameters, type ParsedTemplate } from './template.js';
import { describeValue, isRecord } from '../core/values.js';
import { checkPlaceholders } from '../core/placeholders.js';
import { RESERVED_STACK_TAGS } from '../aws/suite-tags.js';

export const DEFAULT_DEFINITION = 'environment/environment.yml';

/** Parameters the suite fills in itself; a definition never has to. */
export const SUITE_PARAMETERS = ['EnvironmentVersion'] as const;

export interface EnvironmentSettings {
  parameters: Record<string, string>;
  tags: Record<string, string>;
  /** Termination protection on, and never `recreate`d. */
  protected: boolean;
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

const NAME = /^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$/;
const TOP_LEVEL_KEYS = [
  'component',
  'template',
  'parameters',
  'tags',
  'environments',
  'stateful-resources',
  'include',
  'smoke',
  'statistics',
  'migration',
];
const ENVIRONMENT_KEYS = ['parameters', 'tags', 'protected'];

export function validateEnvironmentName(name: string, source: string): string {
  if (!NAME.test(name) || name.length > 32) {
    throw new ConfigurationError(
      `'${name}' is not a valid environment name: lower-case letters, digits and hyphens, starting with a letter, at most 32 characters (for example ci, staging, production)`,
      source,
    );
  }
  return name;
}

type Raw = Record<string, unknown>;

class DefinitionReader {
  constructor(private readonly file: string) {}

  fail(key: string, message: string): never {
    throw new ConfigurationError(message, `${this.file}: ${key}`);
  }

  unknownKeys(raw: Raw, allowed: string[], prefix: string): void {
    for (const key of Object.keys(raw)) {
      if (!allowed.includes(key)) {
        this.fail(`${prefix}${key}`, `unknown key; valid keys here: ${allowed.join(', ')}`);
      }
    }
  }

  string(raw: Raw, key: string, prefix = ''): string {
    const value = raw[key];
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(`${prefix}${key}`, `expected a non-empty string, got ${describeValue(value)}`);
    }
    return value.trim();
  }

  /** A map of scalar values, as CloudFormation parameters and tags are strings. */
  scalarMap(value: unknown, key: string, listsAllowed: boolean): Record<string, string> {
    if (value === undefined || value === null) return {};
    if (!isRecord(value))
      this.fail(key, `expected a mapping of NAME: value, got ${describeValue(value)}`);
    const result: Record<string, string> = {};
    for (const [name, item] of Object.entries(value)) {
      if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
        result[name] = String(item);
      } else if (
        listsAllowed &&
        Array.isArray(item) &&
        item.every((entry) => ['string', 'number'].includes(typeof entry))
      ) {
        // CommaDelimitedList and List<...> parameters take comma-joined values.
        result[name] = item.map(String).join(',');
      } else {
        this.fail(
          `${key}.${name}`,
          `expected a string, number or boolean${listsAllowed ? ' (or a list of them)' : ''}, got ${describeValue(item)}`,
        );
      }
    }
    return result;
  }

  tags(value: unknown, key: string): Record<string, string> {
    const tags = this.scalarMap(value, key, false);
    for (const [name, tagValue] of Object.entries(tags)) {
      if (RESERVED_STACK_TAGS.includes(name) || name.startsWith('aws:')) {
        this.fail(
          `${key}.${name}`,
          `this tag is set by the suite (or reserved by AWS) and cannot be set here; reserved: ${RESERVED_STACK_TAGS.join(', ')}, aws:*`,
        );
      }
      if (name.length > 128 || tagValue.length > 256) {
        this.fail(`${key}.${name}`, 'tag keys are at most 128 characters and values at most 256');
      }
    }
    return tags;
  }

  stringList(value: unknown, key: string): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string' && entry)) {
      this.fail(key, `expected a list of strings, got ${describeValue(value)}`);
    }
    return value as string[];
  }

  relativePath(value: string, key: string): string {
    const normalised = path.posix.normalize(value.replace(/\\/g, '/'));
    if (path.posix.isAbsolute(normalised) || normalised.startsWith('..')) {
      this.fail(key, `'${value}' must be a path inside the definition's folder`);
    }
    return normalised.replace(/\/$/, '');
  }
}

/** Checks the definition's shape; every problem names the file, the key and the expected form. */
export function parseDefinition(text: string, file: string): EnvironmentDefinition {
  const displayName = path.relative(process.cwd(), file) || file;
  const { value, locate } = parseLocatedYaml(text, { file: displayName, kind: 'valid YAML' });
  try {
    const definition = readShape(value, displayName, file);
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

function readShape(raw: unknown, displayName: string, file: string): EnvironmentDefinition {
  const reader: DefinitionReader = new DefinitionReader(displayName);
  if (!isRecord(raw)) {
    throw new ConfigurationError(
      `expected a mapping with at least 'component' and 'template', got ${describeValue(raw)}`,
      displayName,
    );
  }
  reader.unknownKeys(raw, TOP_LEVEL_KEYS, '');

  const component = reader.string(raw, 'component');
  if (!NAME.test(component) || component.length > 64) {
    reader.fail(
      'component',
      `'${component}' is not valid: lower-case letters, digits and hyphens, starting with a letter, at most 64 characters (it becomes part of the stack name)`,
    );
  }
  const template = reader.relativePath(reader.string(raw, 'template'), 'template');

  const environments: Record<string, EnvironmentSettings> = {};
  const rawEnvironments = raw.environments ?? {};
  if (!isRecord(rawEnvironments)) {
    reader.fail(
      'environments',
      `expected a mapping of environment name to settings, got ${describeValue(rawEnvironments)}`,
    );
  }
  for (const [name, settings] of Object.entries(rawEnvironments)) {
    validateEnvironmentName(name, `${displayName}: environments.${name}`);
    const key = `environments.${name}`;
    const rawSettings = settings ?? {};
    if (!isRecord(rawSettings)) {
      reader.fail(
        key,
        `expected a mapping with ${ENVIRONMENT_KEYS.join(', ')}, got ${describeValue(rawSettings)}`,
      );
    }
    reader.unknownKeys(rawSettings, ENVIRONMENT_KEYS, `${key}.`);
    const isProtected = rawSettings.protected ?? false;
    if (typeof isProtected !== 'boolean') {
      reader.fail(`${key}.protected`, `expected true or false, got ${describeValue(isProtected)}`);
    }
    environments[name] = {
      parameters: reader.scalarMap(rawSettings.parameters, `${key}.parameters`, true),
      tags: reader.tags(rawSettings.tags, `${key}.tags`),
      protected: isProtected,
    };
  }

  const stateful: StatefulResources = { logicalIds: [], resourceTypes: [] };
  if (raw['stateful-resources'] !== undefined) {
    const rawStateful = raw['stateful-resources'];
    if (!isRecord(rawStateful)) {
      reader.fail(
        'stateful-resources',
        `expected a mapping with logical-ids and resource-types, got ${describeValue(rawStateful)}`,
      );
    }
    reader.unknownKeys(rawStateful, ['logical-ids', 'resource-types'], 'stateful-resources.');
    stateful.logicalIds = reader.stringList(
      rawStateful['logical-ids'],
      'stateful-resources.logical-ids',
    );
    stateful.resourceTypes = reader.stringList(
      rawStateful['resource-types'],
      'stateful-resources.resource-types',
    );
    for (const type of stateful.resourceTypes) {
      if (!/^[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+$/.test(type)) {
        reader.fail(
          'stateful-resources.resource-types',
          `'${type}' is not a resource type like AWS::S3::Bucket`,
        );
      }
    }
  }

  const include = reader
    .stringList(raw.include, 'include')
    .map((entry) => reader.relativePath(entry, 'include'));

  let statistics: StatisticsSettings | undefined;
  if (raw.statistics !== undefined && raw.statistics !== null) {
    const rawStatistics = raw.statistics;
    if (!isRecord(rawStatistics)) {
      reader.fail(
        'statistics',
        `expected a mapping with url, headers, ignore, got ${describeValue(rawStatistics)}`,
      );
    }
    reader.unknownKeys(rawStatistics, ['url', 'headers', 'ignore'], 'statistics.');
    statistics = {
      url: reader.string(rawStatistics, 'url', 'statistics.'),
      headers: reader.scalarMap(rawStatistics.headers, 'statistics.headers', false),
      ignore: reader.stringList(rawStatistics.ignore, 'statistics.ignore'),
    };
  }
  const migration: MigrationSettings = { snapshotParameters: {} };
  if (raw.migration !== undefined && raw.migration !== null) {
    const rawMigration = raw.migration;
    if (!isRecord(rawMigration)) {
      reader.fail(
        'migration',
        `expected a mapping with snapshot-parameters, got ${describeValue(rawMigration)}`,
      );
    }
    reader.unknownKeys(rawMigration, ['snapshot-parameters'], 'migration.');
    migration.snapshotParameters = reader.scalarMap(
      rawMigration['snapshot-parameters'],
      'migration.snapshot-parameters',
      false,
    );
  }

  return {
    file: path.resolve(file),
    root: path.dirname(path.resolve(file)),
    component,
    template,
    parameters: reader.scalarMap(raw.parameters, 'parameters', true),
    tags: reader.tags(raw.tags, 'tags'),
    environments,
    stateful,
    include,
    smoke: raw.smoke === undefined ? [] : parseChecks(raw.smoke, `${displayName}: smoke.`),
    ...(statistics ? { statistics } : {}),
    migration,
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
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
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
    const [first] = entry.split('/');
    const resource = template.resources[first!];
    if (!resource) {
      const near = resources
        .map((name) => ({ name, distance: editDistance(first!, name) }))
        .filter((candidate) => candidate.distance <= Math.max(2, Math.floor(first!.length / 4)))
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
