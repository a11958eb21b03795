import { ConfigurationError } from '../core/errors.js';
import { isRecord } from '../core/values.js';

/** One place two JSON documents disagree; `undefined` means the path is absent on that side. */
export interface JsonDifference {
  path: string;
  source: unknown;
  target: unknown;
}

/**
 * A path to leave out of a comparison: keys separated by dots, `[n]` for an index, `*` for
 * any one key or index (`buckets.*.lastModified`).
 */
export type IgnorePattern = string[];

const SEGMENT = /^(?:[^.[\]*]+|\*)$/;

export function parseIgnorePattern(text: string, source: string): IgnorePattern {
  const segments = text
    .trim()
    .replace(/\[(\d+|\*)\]/g, '.$1')
    .split('.')
    .filter((segment, index) => !(index === 0 && segment === ''));
  if (segments.length === 0 || !segments.every((segment) => SEGMENT.test(segment))) {
    throw new ConfigurationError(
      `'${text}' is not a path inside the statistics' data section; write keys with dots, [n] for an index and * for any key, for example customers.lastUpdated or buckets.*.modified`,
      source,
    );
  }
  return segments;
}

function matches(pattern: IgnorePattern, path: string[]): boolean {
  return (
    pattern.length === path.length &&
    pattern.every((segment, index) => segment === '*' || segment === path[index])
  );
}

function render(path: string[]): string {
  return path
    .map((segment, index) =>
      /^\d+$/.test(segment) ? `[${segment}]` : index === 0 ? segment : `.${segment}`,
    )
    .join('');
}

/**
 * Every path at which `source` and `target` differ, deepest first found, skipping ignored
 * paths (and everything under them). Object key order does not matter; array order does.
 */
export function diffJson(
  source: unknown,
  target: unknown,
  ignore: IgnorePattern[] = [],
  limit = 100,
): JsonDifference[] {
  const differences: JsonDifference[] = [];
  const walk = (left: unknown, right: unknown, path: string[]): void => {
    if (differences.length >= limit) return;
    if (ignore.some((pattern) => matches(pattern, path))) return;
    if (isRecord(left) && isRecord(right)) {
      const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
      for (const key of keys) walk(left[key], right[key], [...path, key]);
      return;
    }
    if (Array.isArray(left) && Array.isArray(right)) {
      for (let index = 0; index < Math.max(left.length, right.length); index++) {
        walk(left[index], right[index], [...path, String(index)]);
      }
      return;
    }
    if (left === right) return;
    differences.push({ path: render(path) || '(data)', source: left, target: right });
  };
  walk(source, target, []);
  return differences;
}
