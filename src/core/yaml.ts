import YAML, { type Tags } from 'yaml';
import { ConfigurationError } from './errors.js';
import { isRecord } from './values.js';

/** Keys that would reach an object's prototype when read into plain objects. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Aliases beyond this are a "billion laughs" expansion, not a configuration. */
const MAX_ALIASES = 100;

export interface YamlOptions {
  /** How the file is named in messages: `environment.yml`. */
  file: string;
  /** What the file should be, for the message `not …`: `valid YAML`, `a valid template`. */
  kind: string;
  customTags?: Tags;
  /** Warnings that are errors for this kind of file (unknown tags in a template). */
  failOnWarnings?: string[];
}

function where(problem: YAML.YAMLError): string {
  const line = problem.linePos?.[0];
  return line ? ` (line ${line.line}, column ${line.col})` : '';
}

function checkKeys(value: unknown, file: string, path: string, depth: number): void {
  if (depth > 200) throw new ConfigurationError(`nested deeper than 200 levels`, file);
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkKeys(item, file, `${path}[${index}]`, depth + 1));
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key)) {
        throw new ConfigurationError(
          `'${key}' is not allowed as a key: it names a JavaScript object's prototype`,
          `${file}: ${path ? `${path}.` : ''}${key}`,
        );
      }
      checkKeys(item, file, path ? `${path}.${key}` : key, depth + 1);
    }
  }
}

/**
 * Reads a file a user wrote as one YAML document, refusing what a YAML library would accept
 * but this suite must not: a second document (silently dropped by a one-document parse), an
 * alias expansion bomb, and keys that reach a prototype. Every problem names the file and,
 * where the parser knows it, the line and column; no value is ever echoed whole.
 */
export function parseUserYaml(text: string, options: YamlOptions): unknown {
  const { file, kind } = options;
  const documents = YAML.parseAllDocuments(text, {
    uniqueKeys: true,
    logLevel: 'silent',
    ...(options.customTags ? { customTags: options.customTags } : {}),
  });
  const list = [...documents];
  if (list.length === 0) {
    // An empty stream (only comments, or nothing) carries the text's errors itself.
    const problem = (documents as { errors?: YAML.YAMLError[] }).errors?.[0];
    if (problem) {
      throw new ConfigurationError(`not ${kind}${where(problem)}: ${firstLine(problem)}`, file);
    }
    return null;
  }
  if (list.length > 1) {
    throw new ConfigurationError(
      `holds ${list.length} YAML documents (separated by ---); it must be one`,
      file,
    );
  }
  const doc = list[0];
  if (!doc) return null;
  const problem =
    doc.errors[0] ?? doc.warnings.find((warning) => options.failOnWarnings?.includes(warning.code));
  if (problem) {
    throw new ConfigurationError(`not ${kind}${where(problem)}: ${firstLine(problem)}`, file);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    throw new ConfigurationError(
      `not ${kind}: ${(error as Error).message.slice(0, 200)} (at most ${MAX_ALIASES} alias expansions)`,
      file,
    );
  }
  checkKeys(value, file, '', 0);
  return value;
}

function firstLine(problem: YAML.YAMLError): string {
  return (problem.message.split('\n')[0] ?? problem.message).slice(0, 300);
}
