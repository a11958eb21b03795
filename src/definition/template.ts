import type { Tags } from 'yaml';
import { parseUserYaml } from '../core/yaml.js';
import { ConfigurationError } from '../core/errors.js';

/** The parts of a CloudFormation template the suite reasons about. */
export interface TemplateParameter {
  type: string;
  hasDefault: boolean;
  /** The default as CloudFormation reports it (a list joined by commas); unset without one. */
  defaultValue?: string;
  noEcho: boolean;
}

export interface TemplateResource {
  type: string;
  deletionPolicy?: string;
  updateReplacePolicy?: string;
}

export interface ParsedTemplate {
  body: string;
  format: 'json' | 'yaml';
  parameters: Record<string, TemplateParameter>;
  resources: Record<string, TemplateResource>;
  outputs: string[];
}

// The short forms CloudFormation accepts in YAML, each mapped to its long form.
const INTRINSICS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  Base64: 'Fn::Base64',
  Cidr: 'Fn::Cidr',
  FindInMap: 'Fn::FindInMap',
  ForEach: 'Fn::ForEach',
  GetAtt: 'Fn::GetAtt',
  GetAZs: 'Fn::GetAZs',
  ImportValue: 'Fn::ImportValue',
  Join: 'Fn::Join',
  Length: 'Fn::Length',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  Sub: 'Fn::Sub',
  ToJsonString: 'Fn::ToJsonString',
  Transform: 'Fn::Transform',
  And: 'Fn::And',
  Equals: 'Fn::Equals',
  If: 'Fn::If',
  Not: 'Fn::Not',
  Or: 'Fn::Or',
};

function cloudFormationTags(): Tags {
  const tags: Tags = [];
  for (const [short, long] of Object.entries(INTRINSICS)) {
    tags.push({
      tag: `!${short}`,
      // `!GetAtt Resource.Attribute` is the one scalar short form with its own syntax.
      resolve: (value: string) => ({
        [long]: short === 'GetAtt' ? splitGetAtt(value) : value,
      }),
    });
    tags.push({
      tag: `!${short}`,
      collection: 'seq',
      resolve: (seq) => ({ [long]: seq.toJSON() as unknown }),
    });
    tags.push({
      tag: `!${short}`,
      collection: 'map',
      resolve: (map) => ({ [long]: map.toJSON() as unknown }),
    });
  }
  return tags;
}

function splitGetAtt(value: string): string[] {
  const dot = value.indexOf('.');
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

const TAGS = cloudFormationTags();

/** Parses a CloudFormation template (JSON, or YAML with short-form intrinsic tags). */
export function parseTemplateDocument(body: string, file: string): unknown {
  const trimmed = body.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(body);
    } catch (error) {
      throw new ConfigurationError(`not valid JSON: ${(error as Error).message}`, file);
    }
  }
  return parseUserYaml(body, {
    file,
    kind: 'a valid template',
    customTags: TAGS,
    failOnWarnings: ['TAG_RESOLVE_FAILED'],
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and checks the shape CloudFormation requires; names the file and key of a problem. */
/**
 * CloudFormation's documented quotas on a template, checked before any request: over them the
 * deploy can only fail, after AWS was called.
 */
export const TEMPLATE_QUOTAS = {
  /** A template passed in the request (TemplateBody); larger ones are deployed from S3. */
  bodyBytes: 51_200,
  /** A template read from S3 (TemplateURL). */
  urlBytes: 1_048_576,
  Resources: 500,
  Parameters: 200,
  Outputs: 200,
  Mappings: 200,
} as const;

function checkQuotas(body: string, document: Record<string, unknown>, file: string): void {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > TEMPLATE_QUOTAS.urlBytes) {
    throw new ConfigurationError(
      `the template is ${bytes.toLocaleString('en-US')} bytes; CloudFormation accepts at most ${TEMPLATE_QUOTAS.urlBytes.toLocaleString('en-US')} bytes even from S3: split it into nested stacks`,
      file,
    );
  }
  for (const section of ['Resources', 'Parameters', 'Outputs', 'Mappings'] as const) {
    const entries = document[section];
    const count = isRecord(entries) ? Object.keys(entries).length : 0;
    if (count > TEMPLATE_QUOTAS[section]) {
      throw new ConfigurationError(
        `${count} entries; CloudFormation allows at most ${TEMPLATE_QUOTAS[section]} in a template`,
        `${file}: ${section}`,
      );
    }
  }
}

export function parseTemplate(body: string, file: string): ParsedTemplate {
  const document = parseTemplateDocument(body, file);
  if (!isRecord(document)) throw new ConfigurationError('a template must be a mapping', file);
  checkQuotas(body, document, file);

  const resources: Record<string, TemplateResource> = {};
  const rawResources = document.Resources;
  if (!isRecord(rawResources) || Object.keys(rawResources).length === 0) {
    throw new ConfigurationError(
      "'Resources' must be a mapping with at least one resource",
      `${file}: Resources`,
    );
  }
  for (const [logicalId, raw] of Object.entries(rawResources)) {
    if (!isRecord(raw) || typeof raw.Type !== 'string') {
      throw new ConfigurationError(
        "each resource needs a 'Type' string",
        `${file}: Resources.${logicalId}`,
      );
    }
    resources[logicalId] = {
      type: raw.Type,
      ...(typeof raw.DeletionPolicy === 'string' ? { deletionPolicy: raw.DeletionPolicy } : {}),
      ...(typeof raw.UpdateReplacePolicy === 'string'
        ? { updateReplacePolicy: raw.UpdateReplacePolicy }
        : {}),
    };
  }

  const parameters: Record<string, TemplateParameter> = {};
  const rawParameters = document.Parameters ?? {};
  if (!isRecord(rawParameters)) {
    throw new ConfigurationError("'Parameters' must be a mapping", `${file}: Parameters`);
  }
  for (const [name, raw] of Object.entries(rawParameters)) {
    if (!isRecord(raw) || typeof raw.Type !== 'string') {
      throw new ConfigurationError("each parameter needs a 'Type'", `${file}: Parameters.${name}`);
    }
    const fallback = defaultText(raw.Default);
    parameters[name] = {
      type: raw.Type,
      hasDefault: raw.Default !== undefined,
      ...(fallback !== undefined ? { defaultValue: fallback } : {}),
      noEcho: raw.NoEcho === true || raw.NoEcho === 'true',
    };
  }

  const outputs = isRecord(document.Outputs) ? Object.keys(document.Outputs) : [];
  return {
    body,
    format: body.trimStart().startsWith('{') ? 'json' : 'yaml',
    parameters,
    resources,
    outputs,
  };
}

function defaultText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.join(',');
  }
  return undefined;
}

/** Parameters a deploy must supply: declared without a default. */
export function requiredParameters(template: ParsedTemplate): string[] {
  return Object.entries(template.parameters)
    .filter(([, parameter]) => !parameter.hasDefault)
    .map(([name]) => name);
}
