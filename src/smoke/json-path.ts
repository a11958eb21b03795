import { ConfigurationError } from '../core/errors.js';

/** One step into a JSON value: an object key or an array index. */
export type PathSegment = string | number;

export interface JsonPath {
  text: string;
  segments: PathSegment[];
}

/**
 * Parses `Health.MaintenanceMode`, `Tests[0].Name`, `$.data["odd key"]`: the small subset of
 * JSONPath a smoke assertion needs, so a typo is caught when the checks are read, not as a
 * puzzling "missing" at run time.
 */
export function parseJsonPath(text: string, source: string): JsonPath {
  const fail = (why: string): never => {
    throw new ConfigurationError(
      `'${text}' is not a JSON path (${why}); write keys with dots and indexes in brackets, for example Tests[0].Name`,
      source,
    );
  };
  let rest = text.trim();
  if (rest === '' || rest === '$') fail('empty');
  if (rest.startsWith('$')) rest = rest.slice(1);
  const segments: PathSegment[] = [];
  let first = true;
  while (rest.length > 0) {
    if (rest.startsWith('[')) {
      const index = /^\[(\d+)\]/.exec(rest);
      const quoted = /^\[(["'])((?:(?!\1).)*)\1\]/.exec(rest);
      if (index) {
        segments.push(Number(index[1]));
        rest = rest.slice(index[0].length);
      } else if (quoted) {
        segments.push(quoted[2] ?? '');
        rest = rest.slice(quoted[0].length);
      } else {
        fail(`bad bracket at '${rest}'`);
      }
    } else {
      if (rest.startsWith('.')) rest = rest.slice(1);
      else if (!first) fail(`expected '.' or '[' at '${rest}'`);
      const key = /^[^.[\]]+/.exec(rest)?.[0] ?? fail(`expected a key at '${rest || 'the end'}'`);
      segments.push(key);
      rest = rest.slice(key.length);
    }
    first = false;
  }
  return { text: text.trim(), segments };
}

export type Lookup = { found: true; value: unknown } | { found: false };

export function lookup(document: unknown, path: JsonPath): Lookup {
  let current: unknown = document;
  for (const segment of path.segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return { found: false };
      current = current[segment];
    } else {
      if (
        typeof current !== 'object' ||
        current === null ||
        Array.isArray(current) ||
        !Object.prototype.hasOwnProperty.call(current, segment)
      ) {
        return { found: false };
      }
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}

/** Deep equality of JSON values; object key order does not matter. */
export function jsonEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (typeof left !== typeof right || left === null || right === null) return false;
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) {
      return false;
    }
    return left.every((item, index) => jsonEqual(item, right[index]));
  }
  if (typeof left === 'object') {
    const a = left as Record<string, unknown>;
    const b = right as Record<string, unknown>;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every(
      (key) => Object.prototype.hasOwnProperty.call(b, key) && jsonEqual(a[key], b[key]),
    );
  }
  return false;
}
