import { randomBytes } from 'node:crypto';
import { readFile, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError } from '../core/errors.js';
import { isRecord } from '../core/values.js';
import { asVariableValue, parseHcl, stringsIn } from './hcl.js';

/**
 * A Packer template as the action needs to know it before building: which variables it
 * declares and which of them are sensitive (so their values are masked before Packer prints
 * anything), and for JSON templates the parsed document, which the action adjusts in a copy.
 */
export type PackerTemplate =
  | {
      format: 'json';
      path: string;
      document: Record<string, unknown>;
      variables: Map<string, TemplateVariable>;
    }
  | { format: 'hcl2'; path: string; variables: Map<string, TemplateVariable> };

export interface TemplateVariable {
  sensitive: boolean;
  /** The default as Packer would pass it: a string as it is, a list or map as JSON. */
  default: string | undefined;
  /** For a list or map default: each string inside, masked apart as well. */
  strings?: string[];
}

/** Builders that register an AMI and take `ami_name`. */
const AMI_BUILDERS = new Set([
  'amazon-ebs',
  'amazon-ebssurrogate',
  'amazon-instance',
  'amazon-chroot',
]);

function isHcl(file: string): boolean {
  return file.endsWith('.pkr.hcl');
}

export async function loadTemplate(
  file: string,
  where = "input 'template'",
): Promise<PackerTemplate> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new ConfigurationError(`${file} does not exist`, where);
  }
  if (info.isDirectory()) {
    const files = (await readdir(file)).filter(isHcl).sort();
    if (files.length === 0) {
      throw new ConfigurationError(
        `${file} is a folder without .pkr.hcl files; give a .json template, a .pkr.hcl file, or a folder of them`,
        where,
      );
    }
    const texts = await Promise.all(
      files.map(async (name) => ({
        file: name,
        text: await readFile(path.join(file, name), 'utf8'),
      })),
    );
    return { format: 'hcl2', path: file, variables: await hclVariables(texts, where) };
  }
  const text = await readFile(file, 'utf8');
  if (isHcl(file)) {
    return {
      format: 'hcl2',
      path: file,
      variables: await hclVariables([{ file: path.basename(file), text }], where),
    };
  }
  if (!file.endsWith('.json')) {
    throw new ConfigurationError(
      `${file}: expected a Packer JSON template (.json) or an HCL2 template (.pkr.hcl)`,
      where,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${file} is not valid JSON: ${(error as Error).message}`, where);
  }
  if (!isRecord(document) || !Array.isArray(document.builders)) {
    throw new ConfigurationError(
      `${file} is not a Packer template: it has no "builders" list`,
      where,
    );
  }
  return { format: 'json', path: file, document, variables: jsonVariables(document) };
}

function jsonVariables(document: Record<string, unknown>): Map<string, TemplateVariable> {
  const variables = new Map<string, TemplateVariable>();
  const sensitive = new Set(
    Array.isArray(document['sensitive-variables'])
      ? document['sensitive-variables'].filter((name): name is string => typeof name === 'string')
      : [],
  );
  if (isRecord(document.variables)) {
    for (const [name, value] of Object.entries(document.variables)) {
      variables.set(name, {
        sensitive: sensitive.has(name),
        default: typeof value === 'string' ? value : undefined,
      });
    }
  }
  return variables;
}

/**
 * The `variable "name" { ... }` blocks of HCL2 files, read by the HCL parser: which are
 * sensitive, and each default (as Packer would pass it), so both are masked before Packer runs.
 */
export async function hclVariables(
  files: { file: string; text: string }[],
  source = "input 'template'",
): Promise<Map<string, TemplateVariable>> {
  const variables = new Map<string, TemplateVariable>();
  for (const { file, text } of files) {
    const document = await parseHcl(file, text, source);
    const blocks = isRecord(document.variable) ? document.variable : {};
    for (const [name, bodies] of Object.entries(blocks)) {
      const body = Array.isArray(bodies) && isRecord(bodies[0]) ? bodies[0] : {};
      variables.set(name, {
        sensitive: body.sensitive === true,
        default: body.default === undefined ? undefined : asVariableValue(body.default),
        ...(body.default !== undefined && typeof body.default !== 'string'
          ? { strings: stringsIn(body.default) }
          : {}),
      });
    }
  }
  return variables;
}

export interface BuildAdjustments {
  /** The AMI name every AMI builder gets (suffixed with the builder's name when there are several). */
  amiName: string;
  /** The region of builders that name none. */
  region: string;
  /** The EC2 endpoint of a local emulator, set on builders that do not set their own. */
  endpoint: string | undefined;
  /** Runs before the user's provisioners. */
  firstProvisioner: Record<string, unknown> | undefined;
}

export interface AdjustedTemplate {
  document: Record<string, unknown>;
  /** What was changed, for the log: the user must be able to see what the action added. */
  changes: string[];
  /** The AMI name per builder. */
  amiNames: Record<string, string>;
}

function builderName(builder: Record<string, unknown>, index: number): string {
  return typeof builder.name === 'string'
    ? builder.name
    : typeof builder.type === 'string'
      ? builder.type
      : `builders[${index}]`;
}

/**
 * A copy of a JSON template with the action's contract applied: the AMI name
 * `{name}-{version}-{timestamp}`, the region, the emulator endpoint, and the user-data wait
 * as the first provisioner. The document passed in is not modified.
 */
export function adjustJsonTemplate(
  original: Record<string, unknown>,
  adjustments: BuildAdjustments,
): AdjustedTemplate {
  const document = structuredClone(original);
  const changes: string[] = [];
  const amiNames: Record<string, string> = {};
  const builders = (document.builders as unknown[]).filter(isRecord);
  const amiBuilders = builders.filter((builder) => AMI_BUILDERS.has(String(builder.type)));
  builders.forEach((builder, index) => {
    const name = builderName(builder, index);
    const type = String(builder.type);
    if (!type.startsWith('amazon-')) return;
    if (builder.region === undefined && type !== 'amazon-chroot') {
      builder.region = adjustments.region;
      changes.push(`${name}: region ${adjustments.region}`);
    }
    if (adjustments.endpoint !== undefined && builder.custom_endpoint_ec2 === undefined) {
      builder.custom_endpoint_ec2 = adjustments.endpoint;
      // A local emulator has no region list and no instance metadata to ask.
      builder.skip_region_validation = true;
      builder.skip_metadata_api_check = true;
      changes.push(`${name}: custom_endpoint_ec2 ${adjustments.endpoint} (AWS_ENDPOINT_URL)`);
    }
    if (AMI_BUILDERS.has(type)) {
      const amiName =
        amiBuilders.length > 1 ? `${adjustments.amiName}-${name}` : adjustments.amiName;
      if (builder.ami_name !== amiName) {
        changes.push(
          `${name}: ami_name ${amiName}${builder.ami_name === undefined ? '' : ` (was ${typeof builder.ami_name === 'string' ? builder.ami_name : JSON.stringify(builder.ami_name)})`}`,
        );
      }
      builder.ami_name = amiName;
      amiNames[name] = amiName;
    }
  });
  if (adjustments.firstProvisioner !== undefined) {
    const provisioners: unknown[] = Array.isArray(document.provisioners)
      ? (document.provisioners as unknown[])
      : [];
    document.provisioners = [adjustments.firstProvisioner, ...provisioners];
    changes.push(
      `provisioner ${String(adjustments.firstProvisioner.type)} added before the others`,
    );
  }
  return { document, changes, amiNames };
}

/**
 * Writes the adjusted template beside the user's, so `{{template_dir}}` and relative paths
 * resolve as they would for the original, under a name that cannot collide; the user's file
 * is never touched. The caller removes it with the returned function.
 */
export async function writeBuildTemplate(
  originalPath: string,
  document: Record<string, unknown>,
): Promise<{ path: string; remove: () => Promise<void> }> {
  const directory = path.dirname(originalPath);
  const base = path.basename(originalPath, '.json');
  const file = path.join(directory, `.${base}.build-${randomBytes(4).toString('hex')}.json`);
  await writeFile(file, JSON.stringify(document, null, 2) + '\n', { flag: 'wx' });
  return {
    path: file,
    remove: () => unlink(file).catch(() => undefined),
  };
}
