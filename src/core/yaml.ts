import path from 'node:path';
import YAML, { isMap, isScalar, isSeq, LineCounter, type Node, type Tags } from 'yaml';
import { ConfigurationError, type SourceLocation } from './errors.js';
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

/** Where a key of the file is (`environments.production.protected`, `checks[0].url`). */
export type YamlLocator = (key: string) => SourceLocation | undefined;

/**
 * An annotation is placed on a file of the repository (named relative to the workspace); a file
 * elsewhere (an extracted package) is named in the message only.
 */
function isAnnotatable(file: string): boolean {
  return !path.isAbsolute(file) && !file.startsWith('..');
}

/** `a.b[0].c` as segments; a key holding a dot is matched whole where the file has it. */
function segmentsOf(key: string): Array<string | number> {
  const segments: Array<string | number> = [];
  for (const part of key.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      segments.push(part);
      continue;
    }
    if (match[1]) segments.push(match[1]);
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

/**
 * Finds a key's line in the document: the deepest part of the key the file has, so a mistake
 * in a value missing from the file still points at the mapping it belongs in.
 */
function offsetFinder(doc: YAML.Document): (key: string) => number | undefined {
  return (key) => {
    const segments = segmentsOf(key);
    let node: unknown = doc.contents;
    let offset: number | undefined = doc.contents?.range?.[0];
    let index = 0;
    while (index < segments.length) {
      const segment = segments[index];
      if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        index += 1;
      } else if (isSeq(node) && segment === 'checks') {
        // A smoke section may be the list itself: its entries are still named checks[N].
        index += 1;
        continue;
      } else if (isMap(node)) {
        const map = node;
        let found = false;
        // The longest run of segments that is one key: tag keys can hold dots.
        for (let end = segments.length; end > index && !found; end -= 1) {
          const name = segments.slice(index, end).join('.');
          const pair = map.items.find(
            (item) => isScalar(item.key) && String(item.key.value) === name,
          );
          if (pair && isScalar(pair.key)) {
            offset = pair.key.range?.[0] ?? offset;
            node = pair.value;
            index = end;
            found = true;
          }
        }
        if (!found) break;
        continue;
      } else break;
      const range = (node as Node | undefined)?.range;
      if (!range) break;
      offset = range[0];
    }
    return offset;
  };
}

function locator(
  offsetOf: (key: string) => number | undefined,
  lines: LineCounter,
  file: string,
): YamlLocator {
  const annotatable = isAnnotatable(file);
  return (key) => {
    const offset = offsetOf(key);
    if (offset === undefined || !annotatable) return undefined;
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
}

/**
 * A mistake a reader found in the file, placed on its line: the reader names the key, and the
 * parsed document knows where the key is.
 */
export function located(error: unknown, file: string, locate: YamlLocator): unknown {
  if (!(error instanceof ConfigurationError) || error.at || !error.source) return error;
  const prefix = `${file}: `;
  if (!error.source.startsWith(prefix)) return error;
  const at = locate(error.source.slice(prefix.length));
  return at ? error.locatedAt(at) : error;
}

/**
 * Reads a file a user wrote as one YAML document, refusing what a YAML library would accept
 * but this suite must not: a second document (silently dropped by a one-document parse), an
 * alias expansion bomb, and keys that reach a prototype. Every problem names the file and,
 * where the parser knows it, the line and column; no value is ever echoed whole.
 */
export function parseUserYaml(text: string, options: YamlOptions): unknown {
  return parseLocatedYaml(text, options).value;
}

/** As parseUserYaml, with the locator of the document's keys for the reader's messages. */
export interface LocatedYaml {
  value: unknown;
  locate: YamlLocator;
  /** Where a key starts in the text, to tell mistakes in the order the file has them. */
  offsetOf: (key: string) => number | undefined;
}

export function parseLocatedYaml(text: string, options: YamlOptions): LocatedYaml {
  const { file, kind } = options;
  const lines = new LineCounter();
  const documents = YAML.parseAllDocuments(text, {
    uniqueKeys: true,
    logLevel: 'silent',
    lineCounter: lines,
    ...(options.customTags ? { customTags: options.customTags } : {}),
  });
  const list = [...documents];
  if (list.length === 0) {
    // An empty stream (only comments, or nothing) carries the text's errors itself.
    const problem = (documents as { errors?: YAML.YAMLError[] }).errors?.[0];
    if (problem) {
      throw new ConfigurationError(`not ${kind}${where(problem)}: ${firstLine(problem)}`, file);
    }
    return { value: null, locate: () => undefined, offsetOf: () => undefined };
  }
  if (list.length > 1) {
    throw new ConfigurationError(
      `holds ${list.length} YAML documents (separated by ---); it must be one`,
      file,
    );
  }
  const doc = list[0];
  if (!doc) return { value: null, locate: () => undefined, offsetOf: () => undefined };
  const offsetOf = offsetFinder(doc);
  const locate = locator(offsetOf, lines, file);
  const problem =
    doc.errors[0] ?? doc.warnings.find((warning) => options.failOnWarnings?.includes(warning.code));
  if (problem) {
    const position = problem.linePos?.[0];
    // Placed on its line when the file is annotatable, else the line is said in the message.
    if (position && isAnnotatable(file)) {
      throw new ConfigurationError(`not ${kind}: ${firstLine(problem)}`, file, {
        file,
        line: position.line,
        column: position.col,
      });
    }
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
  try {
    checkKeys(value, file, '', 0);
  } catch (error) {
    throw located(error, file, locate);
  }
  return { value, locate, offsetOf };
}

function firstLine(problem: YAML.YAMLError): string {
  // The parser ends its message with the position, which the message already gives.
  const line = (problem.message.split('\n')[0] ?? problem.message).replace(
    / at line \d+, column \d+:?$/,
    '',
  );
  return line.slice(0, 300);
}
