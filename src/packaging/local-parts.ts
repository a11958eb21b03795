import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { realPathInside } from '../core/contained-paths.js';
import { ConfigurationError } from '../core/errors.js';
import { isRecord, defined } from '../core/values.js';
import { parseTemplate, parseTemplateDocument } from '../definition/template.js';
import { templateUrl } from '../provisioning/template-upload.js';
import { reproducibleZip, zipNameProblem, type ZipEntry } from './zip.js';

/** How a local path is turned into an artifact, and what takes its place in the template. */
interface Packageable {
  property: string;
  /** `zip`: a folder (or a file) zipped; `file`: uploaded as it is; `template`: packaged in turn. */
  packing: 'zip' | 'file' | 'template';
  /** `code`: {S3Bucket, S3Key}; `bucket-key`: {Bucket, Key}; `s3-uri`; `https-url`. */
  reference: 'code' | 'bucket-key' | 's3-uri' | 'https-url';
}

/** The properties `aws cloudformation package` uploads that a deploy of this suite needs. */
export const PACKAGEABLE: Readonly<Record<string, readonly Packageable[]>> = {
  'AWS::CloudFormation::Stack': [
    { property: 'TemplateURL', packing: 'template', reference: 'https-url' },
  ],
  'AWS::Serverless::Application': [
    { property: 'Location', packing: 'template', reference: 'https-url' },
  ],
  'AWS::Lambda::Function': [{ property: 'Code', packing: 'zip', reference: 'code' }],
  'AWS::Lambda::LayerVersion': [{ property: 'Content', packing: 'zip', reference: 'code' }],
  'AWS::Serverless::Function': [{ property: 'CodeUri', packing: 'zip', reference: 's3-uri' }],
  'AWS::Serverless::LayerVersion': [
    { property: 'ContentUri', packing: 'zip', reference: 's3-uri' },
  ],
  'AWS::ApiGateway::RestApi': [
    { property: 'BodyS3Location', packing: 'file', reference: 'bucket-key' },
  ],
  'AWS::Serverless::Api': [{ property: 'DefinitionUri', packing: 'file', reference: 's3-uri' }],
  'AWS::StepFunctions::StateMachine': [
    { property: 'DefinitionS3Location', packing: 'file', reference: 'bucket-key' },
  ],
};

/** Lambda's quota on a function's or layer's unzipped code, told before anything is uploaded. */
export const LAMBDA_UNZIPPED_BYTES = 262_144_000;

/** The folder of the package that holds the artifacts, by content. */
export const ARTIFACTS_FOLDER = '.artifacts';

/** Where the artifacts are uploaded: the bucket the package is published to, in its region. */
export interface ArtifactStore {
  bucket: string;
  region: string;
  component: string;
}

/** One local part, packaged: what the manifest records and a deploy verifies. */
export interface PackagedArtifact {
  /** The template (relative to the definition's folder) whose resource named the local path. */
  template: string;
  resource: string;
  property: string;
  /** The local path as the template wrote it. */
  source: string;
  /** The artifact inside the package. */
  file: string;
  bucket: string;
  key: string;
  region: string;
  /** SHA-256 (hex) of the artifact's bytes; its key is named by it. */
  sha256: string;
  bytes: number;
}

export interface PackedArtifact extends PackagedArtifact {
  data: Buffer;
}

export interface PackedTemplate {
  /** The template with every local path replaced by where its artifact is uploaded. */
  body: string;
  /** Every artifact of this template and of the templates it nests, children first. */
  artifacts: PackedArtifact[];
}

/** A local path a template names, where aws cloudformation package would upload one. */
export interface LocalReference {
  resource: string;
  type: string;
  rule: Packageable;
  source: string;
}

// An S3 or HTTPS address is already somewhere CloudFormation can read; anything else is a path.
const REMOTE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** The local paths in a template's resources, in the template's order. */
export function localReferences(document: unknown): LocalReference[] {
  const resources = isRecord(document) && isRecord(document.Resources) ? document.Resources : {};
  const found: LocalReference[] = [];
  for (const [resource, raw] of Object.entries(resources)) {
    if (!isRecord(raw) || typeof raw.Type !== 'string' || !isRecord(raw.Properties)) continue;
    for (const rule of PACKAGEABLE[raw.Type] ?? []) {
      const value = raw.Properties[rule.property];
      if (typeof value === 'string' && value.trim() !== '' && !REMOTE.test(value.trim())) {
        found.push({ resource, type: raw.Type, rule, source: value.trim() });
      }
    }
  }
  return found;
}

/** Whether the template names local parts: they need somewhere to be uploaded to. */
export function hasLocalParts(body: string, file: string): boolean {
  return localReferences(parseTemplateDocument(body, file)).length > 0;
}

export function noBucketForLocalParts(body: string, file: string, input: string) {
  const first = defined(
    localReferences(parseTemplateDocument(body, file))[0],
    `a local part of ${file}`,
  );
  return new ConfigurationError(
    `is needed: ${file} names local files (${first.resource}.${first.rule.property}: ${first.source}), which CloudFormation can only read from S3; they are zipped and uploaded to the artifact bucket by their content, and the template deployed names them there; set ${input}`,
    `input '${input}'`,
  );
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

interface Context {
  root: string;
  store: ArtifactStore;
  /** Real paths of the templates being packaged above this one: a loop is refused. */
  ancestors: string[];
}

/** Files under `folder`, each proven inside the environment's folder; a folder linked twice once. */
async function zipEntries(
  context: Context,
  relative: string,
  prefix: string,
  visited: Set<string>,
  where: string,
): Promise<ZipEntry[]> {
  const real = await realPathInside(context.root, relative, where);
  if (real === undefined) throw new ConfigurationError(`'${relative}' does not exist`, where);
  const info = await stat(real);
  if (info.isFile()) {
    return [{ name: prefix, data: await readFile(real), executable: (info.mode & 0o111) !== 0 }];
  }
  if (!info.isDirectory() || visited.has(real)) return [];
  visited.add(real);
  const entries = [];
  for (const entry of await readdir(real)) {
    const problem = zipNameProblem(entry);
    if (problem) {
      throw new ConfigurationError(
        `'${relative}' holds ${JSON.stringify(path.posix.join(relative, entry))}, which cannot be zipped: ${problem}; rename it`,
        where,
      );
    }
    entries.push(
      ...(await zipEntries(
        context,
        path.posix.join(relative, entry),
        prefix ? `${prefix}/${entry}` : entry,
        visited,
        where,
      )),
    );
  }
  return entries;
}

async function artifactData(
  context: Context,
  relative: string,
  rule: Packageable,
  where: string,
): Promise<{ data: Buffer; extension: string }> {
  const real = await realPathInside(context.root, relative, where);
  if (real === undefined) {
    throw new ConfigurationError(
      `'${relative}' does not exist (local paths are relative to the template's folder)`,
      where,
    );
  }
  const info = await stat(real);
  if (rule.packing === 'file') {
    if (!info.isFile()) throw new ConfigurationError(`'${relative}' is not a file`, where);
    return { data: await readFile(real), extension: path.extname(real).toLowerCase() };
  }
  // An archive already built is uploaded as it is, as aws cloudformation package does.
  if (info.isFile() && /\.(zip|jar)$/i.test(real)) {
    return { data: await readFile(real), extension: path.extname(real).toLowerCase() };
  }
  const entries = info.isFile()
    ? [
        {
          name: path.basename(real),
          data: await readFile(real),
          executable: (info.mode & 0o111) !== 0,
        },
      ]
    : await zipEntries(context, relative, '', new Set(), where);
  if (entries.length === 0) throw new ConfigurationError(`'${relative}' holds no files`, where);
  const unzipped = entries.reduce((total, entry) => total + entry.data.length, 0);
  if (rule.reference === 'code' || rule.reference === 's3-uri') {
    if (unzipped > LAMBDA_UNZIPPED_BYTES) {
      throw new ConfigurationError(
        `'${relative}' is ${unzipped.toLocaleString('en-US')} bytes unzipped; Lambda takes at most ${LAMBDA_UNZIPPED_BYTES.toLocaleString('en-US')}`,
        where,
      );
    }
  }
  return { data: reproducibleZip(entries, where), extension: '.zip' };
}

function referenceTo(rule: Packageable, store: ArtifactStore, key: string): unknown {
  switch (rule.reference) {
    case 'code':
      return { S3Bucket: store.bucket, S3Key: key };
    case 'bucket-key':
      return { Bucket: store.bucket, Key: key };
    case 's3-uri':
      return `s3://${store.bucket}/${key}`;
    case 'https-url':
      return templateUrl(store.bucket, store.region, key);
  }
}

/** The template with each reference's value replaced, keeping a YAML template's comments and tags. */
function rewrite(body: string, replacements: Array<{ at: string[]; value: unknown }>): string {
  if (body.trimStart().startsWith('{')) {
    const document = JSON.parse(body) as Record<string, unknown>;
    for (const { at, value } of replacements) {
      let node: Record<string, unknown> = document;
      for (const key of at.slice(0, -1)) node = node[key] as Record<string, unknown>;
      node[defined(at.at(-1), 'the property a local part is named at')] = value;
    }
    return `${JSON.stringify(document, null, 2)}\n`;
  }
  // Parsed without the intrinsic tags on purpose: an unknown tag is kept as written.
  const document = parseDocument(body);
  for (const { at, value } of replacements) document.setIn(at, document.createNode(value));
  return document.toString({ lineWidth: 0 });
}

async function packTemplate(
  context: Context,
  relative: string,
  body: string,
): Promise<PackedTemplate> {
  const display = relative;
  const references = localReferences(parseTemplateDocument(body, display));
  const artifacts: PackedArtifact[] = [];
  const replacements: Array<{ at: string[]; value: unknown }> = [];
  for (const reference of references) {
    const where = `${display}: Resources.${reference.resource}.Properties.${reference.rule.property}`;
    const target = path.posix.normalize(
      path.posix.join(path.posix.dirname(relative), reference.source.replace(/\\/g, '/')),
    );
    let data: Buffer;
    let extension: string;
    if (reference.rule.packing === 'template') {
      const real = await realPathInside(context.root, target, where);
      if (real === undefined || !(await stat(real)).isFile()) {
        throw new ConfigurationError(
          `'${reference.source}' is not a template file (local paths are relative to the template's folder)`,
          where,
        );
      }
      if (context.ancestors.includes(real)) {
        throw new ConfigurationError(
          `'${reference.source}' nests a template that nests this one: a loop no stack can be made of`,
          where,
        );
      }
      const childBody = await readFile(real, 'utf8');
      parseTemplate(childBody, target);
      const child = await packTemplate(
        { ...context, ancestors: [...context.ancestors, real] },
        target,
        childBody,
      );
      // What CloudFormation reads from S3 is held to that quota too.
      parseTemplate(child.body, `${target} (packaged)`);
      artifacts.push(...child.artifacts);
      data = Buffer.from(child.body, 'utf8');
      extension = '.template';
    } else {
      ({ data, extension } = await artifactData(context, target, reference.rule, where));
    }
    const digest = sha256(data);
    const key = `artifacts/${context.store.component}/${digest}${extension}`;
    artifacts.push({
      template: relative,
      resource: reference.resource,
      property: reference.rule.property,
      source: reference.source,
      file: `${ARTIFACTS_FOLDER}/${digest}${extension}`,
      bucket: context.store.bucket,
      key,
      region: context.store.region,
      sha256: digest,
      bytes: data.length,
      data,
    });
    replacements.push({
      at: ['Resources', reference.resource, 'Properties', reference.rule.property],
      value: referenceTo(reference.rule, context.store, key),
    });
  }
  return { body: replacements.length ? rewrite(body, replacements) : body, artifacts };
}

/**
 * Like `aws cloudformation package`: every local path the template (and, recursively, each
 * template it nests) names where CloudFormation needs S3 is zipped reproducibly or taken as it
 * is, named by its SHA-256, and replaced in the template by where it will be uploaded. Nothing
 * is uploaded here; every path must stay inside the environment's folder.
 */
export async function packLocalParts(
  root: string,
  templateRelative: string,
  body: string,
  store: ArtifactStore,
): Promise<PackedTemplate> {
  const real = await realPathInside(root, templateRelative, 'template');
  return packTemplate({ root, store, ancestors: real ? [real] : [] }, templateRelative, body);
}
