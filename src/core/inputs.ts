import * as z from 'zod/mini';
import { ConfigurationError } from './errors.js';
import { hint, mistake, readWith } from './schema.js';

/**
 * Reads one raw action input. In the action it is `core.getInput`; tests pass a plain map,
 * so input parsing is tested without touching `process.env`.
 */
export type InputSource = (name: string) => string;

export function inputsFromRecord(values: Record<string, string | undefined>): InputSource {
  return (name) => (values[name] ?? '').trim();
}

/**
 * The schema of one input: the runner hands every input over as a string, '' when the workflow
 * gives none, and each builder below reads that string into what the action uses.
 */
export type InputSchema<T> = z.ZodMiniType<T, string>;

/** An action's inputs: one schema per input name of its action.yml. */
export type InputsShape = Record<string, InputSchema<unknown>>;

/**
 * An input read by `parse`, or `undefined` when it is empty. `parse` is one of the suite's
 * validators: the ConfigurationError it throws becomes the schema's message for this input.
 */
export function parsedInput<T>(parse: (value: string) => T): InputSchema<T | undefined> {
  return z.pipe(
    z.string(),
    z.transform((value: string, payload): T | undefined => {
      const text = value.trim();
      if (text === '') return undefined;
      try {
        return parse(text);
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        mistake(payload.issues, value, [], error.detail);
        return z.NEVER;
      }
    }),
  );
}

/** A validator for `parsedInput`: the value as it is, when `test` accepts it. */
export function matching(
  test: (value: string) => boolean,
  why: (value: string) => string,
): (value: string) => string {
  return (value) => {
    if (!test(value)) throw new ConfigurationError(why(value));
    return value;
  };
}

function problem(message: string): never {
  throw new ConfigurationError(message);
}

/** A validator of one of a few words, naming them all when the value is none of them. */
function wordOf<const T extends string>(values: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(values as readonly string[]).includes(value)) {
      problem(`'${value}' is not valid; valid values: ${values.join(', ')}`);
    }
    return value as T;
  };
}

/** An input that reads as `fallback` when empty; action.yml must give the same default. */
export function withDefault<T>(
  schema: InputSchema<T | undefined>,
  fallback: T,
  shown = String(fallback),
): InputSchema<T> {
  return hint(
    z.pipe(
      schema,
      z.transform((value: T | undefined): T => value ?? fallback),
    ),
    { default: shown },
  );
}

export function text(): InputSchema<string | undefined> {
  return parsedInput((value) => value);
}

/** An input the action cannot run without; `what` says what to give. */
export function required(what: string): InputSchema<string>;
export function required<T>(what: string, parse: (value: string) => T): InputSchema<T>;
export function required<T>(
  what: string,
  parse: (value: string) => T = (value) => value as T,
): InputSchema<T> {
  return z.pipe(
    parsedInput(parse),
    z.transform((value: T | undefined, payload): T => {
      if (value !== undefined) return value;
      mistake(payload.issues, value, [], `is required: ${what}`);
      return z.NEVER;
    }),
  );
}

/** One of a few words; without a fallback the input is required. */
export function choice<const T extends string>(values: readonly T[], fallback?: T): InputSchema<T> {
  const read = parsedInput(wordOf(values));
  if (fallback !== undefined) return withDefault(read, fallback);
  return z.pipe(
    read,
    z.transform((value: T | undefined, payload): T => {
      if (value !== undefined) return value;
      mistake(payload.issues, value, [], `is required; valid values: ${values.join(', ')}`);
      return z.NEVER;
    }),
  );
}

/** One of a few words, or `undefined` when not given (the action decides the default). */
export function optionalChoice<const T extends string>(
  values: readonly T[],
): InputSchema<T | undefined> {
  return parsedInput(wordOf(values));
}

const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

/** true or false, as YAML 1.2's core schema writes them; `undefined` when not given. */
export function flag(): InputSchema<boolean | undefined>;
export function flag(fallback: boolean): InputSchema<boolean>;
export function flag(fallback?: boolean): InputSchema<boolean | undefined> {
  const read = parsedInput((value) => {
    if (TRUE.includes(value)) return true;
    if (FALSE.includes(value)) return false;
    return problem(`'${value}' is not valid; valid values: true, false`);
  });
  return fallback === undefined ? read : withDefault(read, fallback);
}

interface Range {
  min: number;
  max: number;
}

function numberInput(range: Range, whole: boolean): InputSchema<number | undefined> {
  const form = whole ? /^\d+$/ : /^\d+(\.\d+)?$/;
  return parsedInput((value) => {
    if (!form.test(value) || Number(value) < range.min || Number(value) > range.max) {
      problem(
        `'${value}' is not valid; expected a ${whole ? 'whole number' : 'number'} from ${range.min} to ${range.max}`,
      );
    }
    return Number(value);
  });
}

export function wholeNumber(range: Range): InputSchema<number | undefined>;
export function wholeNumber(range: Range, fallback: number): InputSchema<number>;
export function wholeNumber(range: Range, fallback?: number): InputSchema<number | undefined> {
  const read = numberInput(range, true);
  return fallback === undefined ? read : withDefault(read, fallback);
}

/** A number that may have decimals (`0.5` minutes), within `range`. */
export function decimal(range: Range, fallback: number): InputSchema<number> {
  return withDefault(numberInput(range, false), fallback);
}

/** Splits a list given one per line or comma-separated; blanks and `#` comments are dropped. */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((entry) => entry.replace(/#.*$/, '').trim())
    .filter((entry) => entry !== '');
}

/**
 * A list; each entry read by `each` (a validator that throws ConfigurationError). A list with
 * no entries reads as `fallback`.
 */
export function list<T = string>(
  each?: (entry: string) => T,
  fallback: T[] = [],
): InputSchema<T[]> {
  return withDefault(
    parsedInput((value) => {
      const entries = splitList(value).map((entry) => (each ? each(entry) : (entry as T)));
      return entries.length > 0 ? entries : undefined;
    }),
    fallback,
    fallback.join(','),
  );
}

/** A list whose entries are a few words. */
export function listOf<const T extends string>(
  values: readonly T[],
  fallback: T[] = [],
): InputSchema<T[]> {
  return list(wordOf(values), fallback);
}

/**
 * Multiline `KEY=VALUE` pairs. Values may contain `=`; a repeated key is a mistake, not
 * "last one wins", because a silently shadowed production override is exactly the kind of
 * hand-typed error the seeds warn about.
 */
export function parseKeyValues(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    if (equals <= 0) problem(`line ${index + 1} ('${line}') is not KEY=VALUE`);
    const key = line.slice(0, equals).trim();
    if (!/^[A-Za-z0-9_.:-]+$/.test(key)) {
      problem(`line ${index + 1}: '${key}' is not a valid key (letters, digits, _ . : -)`);
    }
    if (key in result) problem(`line ${index + 1}: '${key}' is given twice`);
    result[key] = line.slice(equals + 1).trim();
  });
  return result;
}

export function keyValues(): InputSchema<Record<string, string>> {
  return withDefault(parsedInput(parseKeyValues), {}, '');
}

/** The inputs as read: each input's value, typed by its schema. */
export type InputValues<S extends InputsShape> = { [K in keyof S]: z.output<S[K]> };

/** A rule between inputs: returns the input it blames and why, or nothing when it holds. */
export type InputRule<V> = (values: V) => readonly [input: string, message: string] | undefined;

/**
 * Reads every input the shape names from `source`, then checks the rules between them in
 * order; the first broken rule is the mistake. Every message names the input it is about.
 */
export function readInputs<S extends InputsShape>(
  shape: S,
  source: InputSource,
  rules: Array<InputRule<InputValues<S>>> = [],
): InputValues<S> {
  const raw = Object.fromEntries(Object.keys(shape).map((name) => [name, source(name)]));
  const schema = z.object(shape).check((payload) => {
    for (const rule of rules) {
      const broken = rule(payload.value as InputValues<S>);
      if (broken) {
        mistake(payload.issues, payload.value, [broken[0]], broken[1]);
        return;
      }
    }
  });
  return readWith(schema, raw, (key) => `input '${key}'`) as InputValues<S>;
}
