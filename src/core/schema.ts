import * as z from 'zod/mini';
import { ConfigurationError } from './errors.js';
import { describeValue } from './values.js';

/**
 * The building blocks of the schemas of the files and inputs a person writes. Each one carries
 * the suite's message for a wrong value ("expected true or false, got string 'sometimes'"), so
 * a schema alone produces every validation message, and the JSON Schemas under `schema/` are
 * generated from the same source.
 */

interface IssueInput {
  readonly input?: unknown;
}

/** JSON Schema keywords an editor can use that a refinement cannot show it (a pattern). */
export type JsonSchemaHints = Omit<z.core.JSONSchemaMeta, 'id'>;

/** Adds what the generated JSON Schema tells editors about a key, keeping what it had. */
export function hint<T extends z.core.$ZodType>(schema: T, hints: JsonSchemaHints): T {
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), ...hints });
  return schema;
}

/** What a key is for: shown by editors from the generated JSON Schema. */
export function describe<T extends z.core.$ZodType>(
  schema: T,
  description: string,
  hints: JsonSchemaHints = {},
): T {
  return hint(schema, { ...hints, description });
}

/** `expected WHAT, got string 'x'`: the message of a value of the wrong kind. */
export function expected(what: string): { error: (issue: IssueInput) => string } {
  return { error: (issue) => `expected ${what}, got ${describeValue(issue.input)}` };
}

/** A string with something in it besides blanks. */
export function nonEmptyString(what = 'a non-empty string') {
  return z.string(expected(what)).check(z.refine((value) => value.trim() !== '', expected(what)));
}

export function trueOrFalse() {
  return z.boolean(expected('true or false'));
}

/** A number of seconds in a range; fractions allowed. */
export function seconds(min: number, max: number) {
  const message = expected(`a number of seconds from ${min} to ${max}`);
  return z.number(message).check(z.gte(min, message), z.lte(max, message));
}

export function wholeNumber(min: number, max: number, what = 'a whole number') {
  const message = expected(`${what} from ${min} to ${max}`);
  return z.int(message).check(z.gte(min, message), z.lte(max, message));
}

/** One of a few words, named all in the message. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue: IssueInput) =>
      `'${String(issue.input)}' is not valid; valid values: ${values.join(', ')}`,
  });
}

/**
 * A mapping that names its keys: any other key is a mistake (a typo such as `paramters` would
 * otherwise be ignored silently), reported with the keys that are valid there.
 */
export function mapping<T extends z.core.$ZodLooseShape>(shape: T, what?: string) {
  const keys = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue: IssueInput & { code?: string }) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key; valid keys here: ${keys}`
        : `expected ${what ?? `a mapping with ${keys}`}, got ${describeValue(issue.input)}`,
  });
}

/**
 * A key that may be left out or left empty (`parameters:` with nothing under it reads as null
 * in YAML); either way it reads as `fallback`.
 */
export function absent<T extends z.core.SomeType, F extends z.core.output<T>>(
  schema: T,
  fallback: F,
) {
  const read = z.pipe(
    z.optional(z.nullable(schema)),
    z.transform((value): z.core.output<T> | F => value ?? fallback),
  );
  // A plain default is worth showing in an editor; an empty mapping or list is not.
  return typeof fallback === 'object' ? read : hint(read, { default: fallback });
}

/** As `absent`, for a key whose absence is itself meaningful. */
export function optional<T extends z.core.SomeType>(schema: T) {
  return z.pipe(
    z.optional(z.nullable(schema)),
    z.transform((value): z.core.output<T> | undefined => value ?? undefined),
  );
}

/** `environments.ci.parameters.A`, `checks[0].json[1].path`: a key as messages name it. */
export function keyPath(path: readonly PropertyKey[]): string {
  let key = '';
  for (const segment of path) {
    if (typeof segment === 'number') key += `[${segment}]`;
    else key += key ? `.${String(segment)}` : String(segment);
  }
  return key;
}

/** The key an issue is about: an unknown key is named itself, not the mapping holding it. */
function issueKey(issue: z.core.$ZodIssue): string {
  const path =
    issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined
      ? [...issue.path, issue.keys[0]]
      : issue.path;
  return keyPath(path);
}

/**
 * A value that matches no alternative of a union is told by the alternative it was meant as:
 * the one that failed below its own top (a list of checks with a bad entry), when the others
 * failed only because the value is of another kind. Otherwise the union's own message stands.
 */
function unwrapUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
    const meant = issue.errors.filter(
      (branch) =>
        !branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
    );
    const [only] = meant;
    if (meant.length !== 1 || !only) return [issue];
    return unwrapUnions(only.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })));
  });
}

/** How many further mistakes a message lists after the first one. */
const FURTHER_MISTAKES = 3;

/**
 * Reads `value` with `schema`; a mistake becomes a configuration error whose source is `where`
 * followed by the key (`environment.yml: environments.ci.protected`), so the file's locator
 * can place it on its line. The first mistake is the error; a few more are listed, so one run
 * shows what to fix.
 */
export function readWith<S extends z.core.$ZodType>(
  schema: S,
  value: unknown,
  /** `file: ` or `file: smoke.` put before the key, or how to name a key (`input 'x'`). */
  where: string | ((key: string) => string),
  /** Where a key is in the file: mistakes are then told in the file's order. */
  offsetOf?: (key: string) => number | undefined,
): z.core.output<S> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  const issues = unwrapUnions(result.error.issues);
  if (offsetOf) {
    const offset = (issue: z.core.$ZodIssue) => offsetOf(issueKey(issue)) ?? Infinity;
    issues.sort((left, right) => offset(left) - offset(right));
  }
  const whole = typeof where === 'string' ? where.replace(/: $/, '').replace(/\.$/, '') : '';
  const sourceOf = (key: string): string =>
    typeof where === 'function' ? where(key) : key ? `${where}${key}` : whole;
  // The other mistakes are named as the first is, without the file: `smoke.checks[1].url`.
  const nameOf = (key: string): string => {
    if (typeof where === 'function') return where(key);
    const keyPrefix = where.includes(': ') ? where.slice(where.indexOf(': ') + 2) : '';
    return `${keyPrefix}${key}`.replace(/\.$/, '') || 'the file';
  };
  const [first, ...rest] = issues;
  if (!first) throw new ConfigurationError('is not valid', sourceOf(''));
  const further = rest
    .slice(0, FURTHER_MISTAKES)
    .map((issue) => `${nameOf(issueKey(issue))}: ${issue.message}`);
  const more = rest.length > FURTHER_MISTAKES ? `; and ${rest.length - FURTHER_MISTAKES} more` : '';
  const message = further.length
    ? `${first.message} (also: ${further.join('; ')}${more})`
    : first.message;
  throw new ConfigurationError(message, sourceOf(issueKey(first)));
}

/** A check that needs the whole value: pushes a mistake at `path` below the value checked. */
export function mistake(
  issues: z.core.$ZodRawIssue[],
  input: unknown,
  path: PropertyKey[],
  message: string,
): void {
  issues.push({ code: 'custom', input, path, message });
}
