import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { located, parseLocatedYaml } from '../core/yaml.js';
import { ConfigurationError } from '../core/errors.js';
import { checkPlaceholders, placeholdersIn } from '../core/placeholders.js';
import { parseJsonPath, type JsonPath } from './json-path.js';
import { describeValue, isRecord } from '../core/values.js';

export interface HeaderSpec {
  name: string;
  /** May hold placeholders. */
  value: string;
  /** Masked in the log before the first request. */
  secret: boolean;
}

export type JsonAssertion =
  | { path: JsonPath; kind: 'equals'; expected: unknown }
  | { path: JsonPath; kind: 'exists'; expected: boolean }
  | { path: JsonPath; kind: 'matches'; pattern: RegExp };

/** What both kinds of check send and expect of every response. */
export interface RequestSpec {
  name: string;
  /** `file: smoke.checks[2]` or `input 'url'`: where the check was written, for errors. */
  source: string;
  url: string;
  method: string;
  headers: HeaderSpec[];
  body: string | undefined;
  proxy: string | undefined;
  expectStatus: number[];
  bodyMatches: RegExp | undefined;
  json: JsonAssertion[];
  /** A `/health` or `/test` payload reporting maintenance mode passes only with this set. */
  allowMaintenance: boolean;
  requestTimeoutSeconds: number;
}

/** One request, retried every `intervalSeconds` until it passes or `timeoutSeconds` runs out. */
export interface HttpCheck extends RequestSpec {
  kind: 'http';
  timeoutSeconds: number;
  intervalSeconds: number;
}

/** `concurrency` callers hitting one endpoint for `durationSeconds`; one bad answer fails it. */
export interface BurstCheck extends RequestSpec {
  kind: 'burst';
  concurrency: number;
  durationSeconds: number;
}

export type SmokeCheck = HttpCheck | BurstCheck;

/** Timing defaults: a check's own value wins, then the smoke section's `defaults`, then these. */
export interface CheckDefaults {
  timeoutSeconds: number;
  intervalSeconds: number;
  requestTimeoutSeconds: number;
}

export const BUILT_IN_DEFAULTS: CheckDefaults = {
  timeoutSeconds: 300,
  intervalSeconds: 10,
  requestTimeoutSeconds: 10,
};

/** The seed's burst: 10 concurrent callers for 15 seconds. */
const DEFAULT_CONCURRENCY = 10;
const DEFAULT_DURATION_SECONDS = 15;
const MAX_CONCURRENCY = 1000;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const CHECK_KEYS = [
  'name',
  'type',
  'url',
  'method',
  'headers',
  'body',
  'proxy',
  'expect-status',
  'body-matches',
  'json',
  'allow-maintenance',
  'timeout-seconds',
  'interval-seconds',
  'request-timeout-seconds',
  'concurrency',
  'duration-seconds',
];
const DEFAULT_KEYS = ['timeout-seconds', 'interval-seconds', 'request-timeout-seconds', 'headers'];

type Raw = Record<string, unknown>;

/** Reads checks written by a person; every complaint names where and what would be valid. */
class CheckReader {
  constructor(private readonly where: string) {}

  fail(key: string, message: string): never {
    throw new ConfigurationError(message, `${this.where}${key}`);
  }

  string(raw: Raw, key: string, prefix: string): string | undefined {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(`${prefix}${key}`, `expected a non-empty string, got ${describeValue(value)}`);
    }
    return value;
  }

  seconds(raw: Raw, key: string, prefix: string, min: number, max: number): number | undefined {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.fail(
        `${prefix}${key}`,
        `expected a number of seconds from ${min} to ${max}, got ${describeValue(value)}`,
      );
    }
    return value;
  }

  integer(raw: Raw, key: string, prefix: string, min: number, max: number): number | undefined {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(
        `${prefix}${key}`,
        `expected a whole number from ${min} to ${max}, got ${describeValue(value)}`,
      );
    }
    return value;
  }

  regex(value: unknown, key: string): RegExp {
    if (typeof value !== 'string' || value === '') {
      this.fail(key, `expected a regular expression, got ${describeValue(value)}`);
    }
    try {
      return new RegExp(value as string);
    } catch (error) {
      return this.fail(
        key,
        `'${String(value)}' is not a valid regular expression: ${(error as Error).message}`,
      );
    }
  }

  headers(value: unknown, key: string): HeaderSpec[] {
    if (value === undefined || value === null) return [];
    if (!isRecord(value)) {
      this.fail(
        key,
        `expected a mapping of header name to value (or to {value, secret}), got ${describeValue(value)}`,
      );
    }
    const headers: HeaderSpec[] = [];
    for (const [name, item] of Object.entries(value)) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
        this.fail(`${key}.${name}`, `'${name}' is not a valid HTTP header name`);
      }
      if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
        headers.push({ name, value: String(item), secret: false });
      } else if (isRecord(item)) {
        for (const entry of Object.keys(item)) {
          if (entry !== 'value' && entry !== 'secret') {
            this.fail(`${key}.${name}.${entry}`, 'unknown key; valid keys here: value, secret');
          }
        }
        if (typeof item.value !== 'string') {
          this.fail(`${key}.${name}.value`, `expected a string, got ${describeValue(item.value)}`);
        }
        if (item.secret !== undefined && typeof item.secret !== 'boolean') {
          this.fail(
            `${key}.${name}.secret`,
            `expected true or false, got ${describeValue(item.secret)}`,
          );
        }
        headers.push({ name, value: item.value as string, secret: item.secret === true });
      } else {
        this.fail(
          `${key}.${name}`,
          `expected a string or {value, secret}, got ${describeValue(item)}`,
        );
      }
    }
    return headers;
  }

  statuses(value: unknown, key: string): number[] {
    if (value === undefined || value === null) return [200];
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0) this.fail(key, 'expected at least one status');
    for (const status of list) {
      if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
        this.fail(
          key,
          `expected an HTTP status (100-599) or a list of them, got ${describeValue(status)}`,
        );
      }
    }
    return list as number[];
  }

  jsonAssertions(value: unknown, key: string): JsonAssertion[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail(
        key,
        `expected a list of {path, equals | exists | matches}, got ${describeValue(value)}`,
      );
    }
    return (value as unknown[]).map((item, index) => {
      const itemKey = `${key}[${index}]`;
      if (!isRecord(item))
        this.fail(
          itemKey,
          `expected {path, equals | exists | matches}, got ${describeValue(item)}`,
        );
      const raw = item as Raw;
      for (const entry of Object.keys(raw)) {
        if (!['path', 'equals', 'exists', 'matches'].includes(entry)) {
          this.fail(
            `${itemKey}.${entry}`,
            'unknown key; valid keys here: path, equals, exists, matches',
          );
        }
      }
      if (typeof raw.path !== 'string') {
        this.fail(
          `${itemKey}.path`,
          `expected a JSON path like Health.MaintenanceMode, got ${describeValue(raw.path)}`,
        );
      }
      const jsonPath = parseJsonPath(raw.path as string, `${this.where}${itemKey}.path`);
      const operators = ['equals', 'exists', 'matches'].filter((name) => name in raw);
      if (operators.length !== 1) {
        this.fail(
          itemKey,
          `expected exactly one of equals, exists, matches; got ${operators.length ? operators.join(', ') : 'none'}`,
        );
      }
      if ('equals' in raw) return { path: jsonPath, kind: 'equals' as const, expected: raw.equals };
      if ('exists' in raw) {
        if (typeof raw.exists !== 'boolean') {
          this.fail(
            `${itemKey}.exists`,
            `expected true or false, got ${describeValue(raw.exists)}`,
          );
        }
        return { path: jsonPath, kind: 'exists' as const, expected: raw.exists as boolean };
      }
      return {
        path: jsonPath,
        kind: 'matches' as const,
        pattern: this.regex(raw.matches, `${itemKey}.matches`),
      };
    });
  }

  defaults(
    value: unknown,
    inherited: CheckDefaults,
  ): { timing: CheckDefaults; headers: HeaderSpec[] } {
    if (value === undefined || value === null) return { timing: inherited, headers: [] };
    if (!isRecord(value))
      this.fail(
        'defaults',
        `expected a mapping with ${DEFAULT_KEYS.join(', ')}, got ${describeValue(value)}`,
      );
    const raw = value as Raw;
    for (const key of Object.keys(raw)) {
      if (!DEFAULT_KEYS.includes(key))
        this.fail(`defaults.${key}`, `unknown key; valid keys here: ${DEFAULT_KEYS.join(', ')}`);
    }
    return {
      timing: {
        timeoutSeconds:
          this.seconds(raw, 'timeout-seconds', 'defaults.', 0, 3600) ?? inherited.timeoutSeconds,
        intervalSeconds:
          this.seconds(raw, 'interval-seconds', 'defaults.', 0.1, 600) ?? inherited.intervalSeconds,
        requestTimeoutSeconds:
          this.seconds(raw, 'request-timeout-seconds', 'defaults.', 0.1, 300) ??
          inherited.requestTimeoutSeconds,
      },
      headers: this.headers(raw.headers, 'defaults.headers'),
    };
  }

  check(
    value: unknown,
    key: string,
    defaults: CheckDefaults,
    sharedHeaders: HeaderSpec[],
    taken: Set<string>,
  ): SmokeCheck {
    if (!isRecord(value))
      this.fail(key, `expected a check (a mapping with at least url), got ${describeValue(value)}`);
    const raw = value as Raw;
    const prefix = `${key}.`;
    for (const entry of Object.keys(raw)) {
      if (!CHECK_KEYS.includes(entry))
        this.fail(`${prefix}${entry}`, `unknown key; valid keys here: ${CHECK_KEYS.join(', ')}`);
    }
    const url = this.string(raw, 'url', prefix);
    if (url === undefined)
      this.fail(
        `${prefix}url`,
        'is required: the URL to check, for example {{ ServiceUrl }}/health',
      );
    validateUrlForm(url!, 'url', `${this.where}${prefix}url`);
    const type = raw.type ?? 'http';
    if (type !== 'http' && type !== 'burst')
      this.fail(`${prefix}type`, `'${String(type)}' is not valid; valid values: http, burst`);
    const method = (this.string(raw, 'method', prefix) ?? 'GET').toUpperCase();
    if (!METHODS.includes(method))
      this.fail(`${prefix}method`, `'${method}' is not valid; valid values: ${METHODS.join(', ')}`);
    const name = this.string(raw, 'name', prefix) ?? `${method} ${url}`;
    if (taken.has(name))
      this.fail(`${prefix}name`, `'${name}' names another check too; names must be unique`);
    taken.add(name);
    const proxy = this.string(raw, 'proxy', prefix);
    if (proxy !== undefined) validateUrlForm(proxy, 'proxy', `${this.where}${prefix}proxy`);
    const body =
      raw.body === undefined || raw.body === null
        ? undefined
        : typeof raw.body === 'string'
          ? raw.body
          : JSON.stringify(raw.body);
    const own = this.headers(raw.headers, `${prefix}headers`);
    const headers = [
      ...sharedHeaders.filter(
        (shared) => !own.some((header) => header.name.toLowerCase() === shared.name.toLowerCase()),
      ),
      ...own,
    ];
    const allowMaintenance = raw['allow-maintenance'] ?? false;
    if (typeof allowMaintenance !== 'boolean')
      this.fail(
        `${prefix}allow-maintenance`,
        `expected true or false, got ${describeValue(allowMaintenance)}`,
      );
    const request: RequestSpec = {
      name,
      source: `${this.where}${key}`,
      url: url!,
      method,
      headers,
      body,
      proxy,
      expectStatus: this.statuses(raw['expect-status'], `${prefix}expect-status`),
      bodyMatches:
        raw['body-matches'] === undefined
          ? undefined
          : this.regex(raw['body-matches'], `${prefix}body-matches`),
      json: this.jsonAssertions(raw.json, `${prefix}json`),
      allowMaintenance: allowMaintenance as boolean,
      requestTimeoutSeconds:
        this.seconds(raw, 'request-timeout-seconds', prefix, 0.1, 300) ??
        defaults.requestTimeoutSeconds,
    };
    if (type === 'burst') {
      for (const entry of ['timeout-seconds', 'interval-seconds']) {
        if (entry in raw)
          this.fail(
            `${prefix}${entry}`,
            'a burst check does not retry; put a plain check before it to wait until the service is up',
          );
      }
      return {
        ...request,
        kind: 'burst',
        concurrency:
          this.integer(raw, 'concurrency', prefix, 1, MAX_CONCURRENCY) ?? DEFAULT_CONCURRENCY,
        durationSeconds:
          this.seconds(raw, 'duration-seconds', prefix, 0.1, 600) ?? DEFAULT_DURATION_SECONDS,
      };
    }
    for (const entry of ['concurrency', 'duration-seconds']) {
      if (entry in raw)
        this.fail(`${prefix}${entry}`, "only a burst check takes this; add 'type: burst'");
    }
    return {
      ...request,
      kind: 'http',
      timeoutSeconds:
        this.seconds(raw, 'timeout-seconds', prefix, 0, 3600) ?? defaults.timeoutSeconds,
      intervalSeconds:
        this.seconds(raw, 'interval-seconds', prefix, 0.1, 600) ?? defaults.intervalSeconds,
    };
  }
}

/**
 * A URL may be a placeholder that only a stack can fill; without one it must already be an
 * absolute http(s) URL, so `proxy: squid:3128` fails when the checks are read.
 */
export function validateUrlForm(value: string, what: 'url' | 'proxy', source: string): void {
  const literal = placeholdersIn(value, source).length === 0;
  if (!literal) return;
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || !parsed.hostname) {
    throw new ConfigurationError(
      what === 'proxy'
        ? `'${value}' is not a proxy URL; write http://HOST:PORT (an HTTP forward proxy; https targets go through CONNECT)`
        : `'${value}' is not an absolute http(s) URL (for example https://example.com/health or {{ ServiceUrl }}/health)`,
      source,
    );
  }
  if (what === 'proxy' && parsed.protocol !== 'http:') {
    throw new ConfigurationError(
      `'${value}' is not supported; the proxy itself is spoken to over http://`,
      source,
    );
  }
}

/**
 * Parses a smoke section: either a list of checks, or `{defaults, checks}`. Used for the
 * definition's `smoke` key and for a `checks` file alike, so both read the same. `where`
 * prefixes every error's key: `environment.yml: smoke.` or `checks.yml: `.
 */
export function parseChecks(
  value: unknown,
  where: string,
  inherited: CheckDefaults = BUILT_IN_DEFAULTS,
): SmokeCheck[] {
  const reader = new CheckReader(where);
  let list: unknown = value;
  let defaults = inherited;
  let shared: HeaderSpec[] = [];
  if (isRecord(value)) {
    for (const key of Object.keys(value)) {
      if (key !== 'defaults' && key !== 'checks')
        reader.fail(key, 'unknown key; valid keys here: defaults, checks');
    }
    const parsed = reader.defaults(value.defaults, inherited);
    defaults = parsed.timing;
    shared = parsed.headers;
    list = value.checks;
  }
  if (!Array.isArray(list) || list.length === 0) {
    reader.fail('checks', `expected a non-empty list of checks, got ${describeValue(list)}`);
  }
  const taken = new Set<string>();
  // Either form, an entry is named checks[N]: the same words in every error.
  return (list as unknown[]).map((item, index) =>
    reader.check(item, `checks[${index}]`, defaults, shared, taken),
  );
}

/** Reads a YAML or JSON checks file. */
export async function loadChecksFile(
  file: string,
  inherited?: CheckDefaults,
  source = "input 'checks'",
): Promise<SmokeCheck[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError(
      code === 'ENOENT'
        ? `checks file '${file}' does not exist`
        : `cannot read checks file '${file}': ${code}`,
      source,
    );
  }
  const display = path.relative(process.cwd(), file) || file;
  const { value, locate } = parseLocatedYaml(text, { file: display, kind: 'valid YAML or JSON' });
  try {
    return parseChecks(value, `${display}: `, inherited);
  } catch (error) {
    throw located(error, display, locate);
  }
}

/** Where a field of a check was written; a check built from action inputs is just the input. */
export function fieldSource(spec: RequestSpec, field: string): string {
  return spec.source.startsWith('input ') ? spec.source : `${spec.source}.${field}`;
}

/** Every template string of a check, with where it was written. */
export function checkTemplates(check: SmokeCheck): Array<{ text: string; source: string }> {
  return [
    { text: check.url, source: fieldSource(check, 'url') },
    ...(check.proxy ? [{ text: check.proxy, source: fieldSource(check, 'proxy') }] : []),
    ...(check.body ? [{ text: check.body, source: fieldSource(check, 'body') }] : []),
    ...check.headers.map((header) => ({
      text: header.value,
      source: fieldSource(check, `headers.${header.name}`),
    })),
  ];
}

/**
 * Every placeholder of every check names an output that will exist. Run against a template's
 * declared outputs before deploying, and against a stack's outputs before the first request.
 */
export function checkAllPlaceholders(
  checks: SmokeCheck[],
  outputNames: readonly string[] | undefined,
): void {
  for (const check of checks) {
    for (const template of checkTemplates(check))
      checkPlaceholders(template.text, outputNames, template.source);
  }
}
