import { ConfigurationError } from './errors.js';

/**
 * Reads one raw action input. In the action it is `core.getInput`; tests pass a plain map,
 * so input parsing is tested without touching `process.env`.
 */
export type InputSource = (name: string) => string;

export function inputsFromRecord(values: Record<string, string | undefined>): InputSource {
  return (name) => (values[name] ?? '').trim();
}

export function optionalString(source: InputSource, name: string): string | undefined {
  const value = source(name).trim();
  return value === '' ? undefined : value;
}

export function requiredString(source: InputSource, name: string, hint: string): string {
  const value = optionalString(source, name);
  if (value === undefined) throw new ConfigurationError(`is required: ${hint}`, `input '${name}'`);
  return value;
}

export function oneOf<T extends string>(
  source: InputSource,
  name: string,
  values: readonly T[],
  fallback?: T,
): T {
  const value = optionalString(source, name) ?? fallback;
  if (value === undefined) {
    throw new ConfigurationError(
      `is required; valid values: ${values.join(', ')}`,
      `input '${name}'`,
    );
  }
  if (!(values as readonly string[]).includes(value)) {
    throw new ConfigurationError(
      `'${value}' is not valid; valid values: ${values.join(', ')}`,
      `input '${name}'`,
    );
  }
  return value as T;
}

const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

export function boolean(source: InputSource, name: string, fallback: boolean): boolean {
  const value = optionalString(source, name);
  if (value === undefined) return fallback;
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new ConfigurationError(
    `'${value}' is not valid; valid values: true, false`,
    `input '${name}'`,
  );
}

function numberInput(
  source: InputSource,
  name: string,
  fallback: number,
  range: { min: number; max: number },
  whole: boolean,
): number {
  const value = optionalString(source, name);
  if (value === undefined) return fallback;
  const form = whole ? /^\d+$/ : /^\d+(\.\d+)?$/;
  if (!form.test(value) || Number(value) < range.min || Number(value) > range.max) {
    throw new ConfigurationError(
      `'${value}' is not valid; expected a ${whole ? 'whole number' : 'number'} from ${range.min} to ${range.max}`,
      `input '${name}'`,
    );
  }
  return Number(value);
}

export function integer(
  source: InputSource,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  return numberInput(source, name, fallback, range, true);
}

/** A number that may have decimals (`0.5` minutes), within `range`. */
export function decimal(
  source: InputSource,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  return numberInput(source, name, fallback, range, false);
}

/** A list given one per line or comma-separated; blank entries and `#` comments are dropped. */
export function list(source: InputSource, name: string): string[] {
  return source(name)
    .split(/[\n,]/)
    .map((entry) => entry.replace(/#.*$/, '').trim())
    .filter((entry) => entry !== '');
}

/**
 * Multiline `KEY=VALUE` pairs. Values may contain `=`; a repeated key is a mistake, not
 * "last one wins", because a silently shadowed production override is exactly the kind of
 * hand-typed error the seeds warn about.
 */
export function keyValues(source: InputSource, name: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = source(name).split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    if (equals <= 0) {
      throw new ConfigurationError(
        `line ${index + 1} ('${line}') is not KEY=VALUE`,
        `input '${name}'`,
      );
    }
    const key = line.slice(0, equals).trim();
    if (!/^[A-Za-z0-9_.:-]+$/.test(key)) {
      throw new ConfigurationError(
        `line ${index + 1}: '${key}' is not a valid key (letters, digits, _ . : -)`,
        `input '${name}'`,
      );
    }
    if (key in result) {
      throw new ConfigurationError(`line ${index + 1}: '${key}' is given twice`, `input '${name}'`);
    }
    result[key] = line.slice(equals + 1).trim();
  });
  return result;
}
