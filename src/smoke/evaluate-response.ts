import type { RequestSpec } from './checks.js';
import type { HttpResponse } from './http-client.js';
import { jsonEqual, lookup } from './json-path.js';
import { isRecord } from '../core/values.js';

/** One entry of a `/test` report: a smoke test the service ran against itself. */
export interface ReportEntry {
  name: string;
  description: string;
  endpoint: string;
  success: boolean;
  error: string | null;
}

export interface Verdict {
  passed: boolean;
  /** Why it did not pass, one line each. */
  failures: string[];
  /** The `/test` report's entries, when the body was one. */
  entries: ReportEntry[];
  /** `true` when a `/health` (or `/test` Health) payload says the service is in maintenance. */
  maintenance: boolean;
}

const SNIPPET = 160;

/** Removes masked values; applied before anything is cut short, so no prefix of a secret leaks. */
export type Redact = (text: string) => string;

const keep: Redact = (text) => text;

export function snippet(text: string, redact: Redact = keep): string {
  text = redact(text);
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET ? `${flat.slice(0, SNIPPET)}…` : flat;
}

function show(value: unknown, redact: Redact): string {
  return value === undefined ? 'missing' : snippet(JSON.stringify(value), redact);
}

/** The `/test` shape of seed 001: `{"Health": {...}, "Tests": [{Name, Success, Error, ...}]}`. */
function reportEntries(document: unknown): ReportEntry[] | undefined {
  if (!isRecord(document) || !Array.isArray(document.Tests)) return undefined;
  const tests = document.Tests as unknown[];
  if (
    !tests.every(
      (test) =>
        isRecord(test) && typeof test.Name === 'string' && typeof test.Success === 'boolean',
    )
  ) {
    return undefined;
  }
  return (tests as Array<Record<string, unknown>>).map((test) => ({
    name: test.Name as string,
    description: typeof test.Description === 'string' ? test.Description : '',
    endpoint: typeof test.Endpoint === 'string' ? test.Endpoint : '',
    success: test.Success as boolean,
    error:
      test.Error === undefined || test.Error === null
        ? null
        : typeof test.Error === 'string'
          ? test.Error
          : JSON.stringify(test.Error),
  }));
}

function inMaintenance(document: unknown): boolean {
  if (!isRecord(document)) return false;
  if (document.MaintenanceMode === true) return true;
  return isRecord(document.Health) && document.Health.MaintenanceMode === true;
}

function parseJson(response: HttpResponse): { ok: true; value: unknown } | { ok: false } {
  const type = response.headers['content-type'] ?? '';
  const text = response.body.trim();
  if (!type.includes('json') && !text.startsWith('{') && !text.startsWith('['))
    return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Judges one response against a check: status, body pattern, JSON assertions, report payloads. */
export function evaluateResponse(
  spec: RequestSpec,
  response: HttpResponse,
  redact: Redact = keep,
): Verdict {
  const failures: string[] = [];
  if (!spec.expectStatus.includes(response.status)) {
    failures.push(`status ${response.status}, expected ${spec.expectStatus.join(' or ')}`);
  }
  if (spec.bodyMatches && !spec.bodyMatches.test(response.body)) {
    failures.push(`body does not match /${spec.bodyMatches.source}/`);
  }
  const json = parseJson(response);
  if (spec.json.length > 0 && !json.ok) {
    failures.push(
      `body is not JSON${response.truncated ? ' (or was cut at 1 MiB)' : ''}: ${snippet(response.body, redact) || 'empty'}`,
    );
  }
  let entries: ReportEntry[] = [];
  let maintenance = false;
  if (json.ok) {
    for (const assertion of spec.json) {
      const found = lookup(json.value, assertion.path);
      const actual = found.found ? found.value : undefined;
      if (assertion.kind === 'exists') {
        if (found.found !== assertion.expected) {
          failures.push(
            `${assertion.path.text} ${assertion.expected ? 'is missing' : `exists (${show(actual, redact)})`}`,
          );
        }
      } else if (assertion.kind === 'equals') {
        if (!found.found || !jsonEqual(actual, assertion.expected)) {
          failures.push(
            `${assertion.path.text} is ${show(actual, redact)}, expected ${show(assertion.expected, redact)}`,
          );
        }
      } else {
        const text = typeof actual === 'string' ? actual : JSON.stringify(actual);
        if (!found.found || !assertion.pattern.test(text)) {
          failures.push(
            `${assertion.path.text} is ${show(actual, redact)}, expected to match /${assertion.pattern.source}/`,
          );
        }
      }
    }
    entries = reportEntries(json.value) ?? [];
    for (const entry of entries.filter((test) => !test.success)) {
      failures.push(`test ${entry.name} failed: ${entry.error ?? 'no error given'}`);
    }
    maintenance = inMaintenance(json.value);
    if (maintenance && !spec.allowMaintenance) {
      failures.push(
        'the service reports MaintenanceMode: true (set allow-maintenance: true where that is expected)',
      );
    }
  }
  return { passed: failures.length === 0, failures, entries, maintenance };
}

/** The "last actual value" of the seed's Wait: what came back, in one line. */
export function describeResponse(response: HttpResponse, redact: Redact = keep): string {
  const body = snippet(response.body, redact);
  return `${response.status}${body ? ` ${body}` : ''}`;
}
