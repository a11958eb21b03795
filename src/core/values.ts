/** Helpers for reading parsed YAML and JSON, whose shape is only known at run time. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How a value reads in an error message: "a list", "a mapping", "number '3'". */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'a mapping';
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint'
        ? value.toString()
        : typeof value;
  return `${typeof value} '${excerpt(text)}'`;
}

/** A value as a message may quote it: whole when short, its start and its length when long. */
export function excerpt(text: string, max = 80): string {
  return text.length <= max
    ? text
    : `${text.slice(0, max)}… (${text.length.toLocaleString('en-US')} characters)`;
}

/**
 * A value the code has established is there (a regular expression's group after its match, an
 * element within the bounds a loop checked), read so that if that reasoning is ever wrong the
 * step stops at once and names it, rather than going on with `undefined`.
 */
export function defined<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`${what} is missing`);
  return value;
}

/** `read`, run once at the first call; every later call shares that promise. */
export function once<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => (pending ??= read());
}
