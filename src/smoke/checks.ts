import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { located, parseLocatedYaml } from '../core/yaml.js';
import { ConfigurationError } from '../core/errors.js';
import { checkPlaceholders } from '../core/placeholders.js';
import { readWith } from '../core/schema.js';
import { parseJsonPath, type JsonPath } from './json-path.js';
import {
  asSection,
  checkName,
  smokeSectionSchema,
  type CheckEntry,
  type SmokeSection,
} from './checks-schema.js';

export { validateUrlForm } from './url-form.js';

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

function headerSpecs(headers: CheckEntry['headers']): HeaderSpec[] {
  return Object.entries(headers).map(([name, item]) =>
    typeof item === 'object'
      ? { name, value: item.value, secret: item.secret === true }
      : { name, value: String(item), secret: false },
  );
}

function jsonAssertion(assertion: CheckEntry['json'][number], source: string): JsonAssertion {
  const path = parseJsonPath(assertion.path, source);
  if ('equals' in assertion) return { path, kind: 'equals', expected: assertion.equals };
  if (assertion.exists !== undefined) return { path, kind: 'exists', expected: assertion.exists };
  return { path, kind: 'matches', pattern: new RegExp(assertion.matches ?? '') };
}

/** A check as it runs: the schema has vouched for every value, the defaults fill the rest. */
function toCheck(
  entry: CheckEntry,
  source: string,
  defaults: CheckDefaults,
  sharedHeaders: HeaderSpec[],
): SmokeCheck {
  const own = headerSpecs(entry.headers);
  const status = entry['expect-status'];
  const request: RequestSpec = {
    name: checkName(entry),
    source,
    url: entry.url,
    method: entry.method,
    // A check's own header replaces a shared one of the same name, whatever its case.
    headers: [
      ...sharedHeaders.filter(
        (shared) => !own.some((header) => header.name.toLowerCase() === shared.name.toLowerCase()),
      ),
      ...own,
    ],
    body:
      entry.body === undefined || entry.body === null
        ? undefined
        : typeof entry.body === 'string'
          ? entry.body
          : JSON.stringify(entry.body),
    proxy: entry.proxy,
    expectStatus: Array.isArray(status) ? status : [status],
    bodyMatches:
      entry['body-matches'] === undefined ? undefined : new RegExp(entry['body-matches']),
    json: entry.json.map((assertion, index) =>
      jsonAssertion(assertion, `${source}.json[${index}].path`),
    ),
    allowMaintenance: entry['allow-maintenance'],
    requestTimeoutSeconds: entry['request-timeout-seconds'] ?? defaults.requestTimeoutSeconds,
  };
  if (entry.type === 'burst') {
    return {
      ...request,
      kind: 'burst',
      concurrency: entry.concurrency ?? DEFAULT_CONCURRENCY,
      durationSeconds: entry['duration-seconds'] ?? DEFAULT_DURATION_SECONDS,
    };
  }
  return {
    ...request,
    kind: 'http',
    timeoutSeconds: entry['timeout-seconds'] ?? defaults.timeoutSeconds,
    intervalSeconds: entry['interval-seconds'] ?? defaults.intervalSeconds,
  };
}

/**
 * The checks of a section the schema has read. `where` prefixes each check's source:
 * `environment.yml: smoke.` or `checks.yml: `.
 */
export function checksOfSection(
  section: SmokeSection | SmokeSection['checks'],
  where: string,
  inherited: CheckDefaults = BUILT_IN_DEFAULTS,
): SmokeCheck[] {
  const { defaults, checks } = Array.isArray(section)
    ? { defaults: undefined, checks: section }
    : section;
  const timing: CheckDefaults = {
    timeoutSeconds: defaults?.['timeout-seconds'] ?? inherited.timeoutSeconds,
    intervalSeconds: defaults?.['interval-seconds'] ?? inherited.intervalSeconds,
    requestTimeoutSeconds: defaults?.['request-timeout-seconds'] ?? inherited.requestTimeoutSeconds,
  };
  const shared = headerSpecs(defaults?.headers ?? {});
  // Either form, an entry is named checks[N]: the same words in every error.
  return checks.map((entry, index) => toCheck(entry, `${where}checks[${index}]`, timing, shared));
}

/**
 * Parses a smoke section: either a list of checks, or `{defaults, checks}`. Used for a `checks`
 * file and in tests; the definition's `smoke` key is read by the definition's schema. `where`
 * prefixes every error's key: `environment.yml: smoke.` or `checks.yml: `.
 */
export function parseChecks(
  value: unknown,
  where: string,
  inherited: CheckDefaults = BUILT_IN_DEFAULTS,
): SmokeCheck[] {
  return checksOfSection(readWith(smokeSectionSchema, asSection(value), where), where, inherited);
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
  const { value, locate, offsetOf } = parseLocatedYaml(text, {
    file: display,
    kind: 'valid YAML or JSON',
  });
  try {
    const where = `${display}: `;
    const section = readWith(smokeSectionSchema, asSection(value), where, offsetOf);
    return checksOfSection(section, where, inherited);
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
