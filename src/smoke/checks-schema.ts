import * as z from 'zod/mini';
import { ConfigurationError } from '../core/errors.js';
import {
  absent,
  describe,
  expected,
  mapping,
  mistake,
  nonEmptyString,
  oneOf,
  optional,
  seconds,
  trueOrFalse,
  wholeNumber,
} from '../core/schema.js';
import { describeValue } from '../core/values.js';
import { parseJsonPath } from './json-path.js';
import { urlFormProblem } from './url-form.js';

/**
 * The smoke section as a person writes it, in the definition's `smoke` key or a checks file:
 * a list of checks, or `{defaults, checks}`. The reader in `checks.ts` turns what this accepts
 * into the checks that run.
 */

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export const MAX_CONCURRENCY = 1000;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

const regularExpression = () =>
  z.string(expected('a regular expression')).check(
    z.refine((value) => value !== '', expected('a regular expression')),
    (payload) => {
      try {
        new RegExp(payload.value);
      } catch (error) {
        mistake(
          payload.issues,
          payload.value,
          [],
          `'${payload.value}' is not a valid regular expression: ${(error as Error).message}`,
        );
      }
    },
  );

const urlForm = (what: 'url' | 'proxy') => (payload: z.core.ParsePayload<string>) => {
  const problem = urlFormProblem(payload.value, what);
  if (problem) mistake(payload.issues, payload.value, [], problem);
};

const headerValue = z.union(
  [
    z.string(),
    z.number(),
    z.boolean(),
    mapping({
      value: z.string(expected('a string')),
      secret: z.optional(trueOrFalse()),
    }),
  ],
  expected('a string or {value, secret}'),
);

export const headersSchema = describe(
  z
    .record(
      z.string(),
      headerValue,
      expected('a mapping of header name to value (or to {value, secret})'),
    )
    .check((payload) => {
      for (const name of Object.keys(payload.value)) {
        if (!HEADER_NAME.test(name)) {
          mistake(payload.issues, name, [name], `'${name}' is not a valid HTTP header name`);
        }
      }
    }),
  'Request headers: NAME: value, or NAME: {value, secret: true} to mask the value in the log. Values may hold {{ Output }} and {{ env.NAME }} placeholders.',
  { propertyNames: { pattern: HEADER_NAME.source } },
);

const statusMessage = expected('an HTTP status (100-599) or a list of them');
const httpStatus = z.int(statusMessage).check(z.gte(100, statusMessage), z.lte(599, statusMessage));

const jsonAssertion = mapping(
  {
    path: z.string(expected('a JSON path like Health.MaintenanceMode')).check((payload) => {
      try {
        parseJsonPath(payload.value, 'path');
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        mistake(payload.issues, payload.value, [], error.detail);
      }
    }),
    equals: z.optional(z.unknown()),
    exists: z.optional(trueOrFalse()),
    matches: z.optional(regularExpression()),
  },
  '{path, equals | exists | matches}',
).check((payload) => {
  const operators = ['equals', 'exists', 'matches'].filter((name) => name in payload.value);
  if (operators.length !== 1) {
    mistake(
      payload.issues,
      payload.value,
      [],
      `expected exactly one of equals, exists, matches; got ${operators.length ? operators.join(', ') : 'none'}`,
    );
  }
});

const ONLY_HTTP = ['timeout-seconds', 'interval-seconds'] as const;
const ONLY_BURST = ['concurrency', 'duration-seconds'] as const;

export const checkSchema = mapping(
  {
    name: describe(
      optional(nonEmptyString()),
      'Shown in the log and the summary; unique. Default: METHOD URL.',
    ),
    type: describe(
      absent(oneOf(['http', 'burst']), 'http'),
      'http: one request, retried until it passes. burst: concurrent callers for a while; one bad answer fails it.',
    ),
    url: describe(
      z
        .string({
          error: (issue) =>
            issue.input === undefined
              ? 'is required: the URL to check, for example {{ ServiceUrl }}/health'
              : `expected a non-empty string, got ${describeValue(issue.input)}`,
        })
        .check(
          z.refine((value) => value.trim() !== '', expected('a non-empty string')),
          urlForm('url'),
        ),
      'The URL to check, for example {{ ServiceUrl }}/health.',
    ),
    method: describe(
      absent(
        z.pipe(
          nonEmptyString(),
          z.pipe(
            z.transform((value: string) => value.toUpperCase()),
            oneOf(METHODS),
          ),
        ),
        'GET',
      ),
      `The HTTP method: ${METHODS.join(', ')}. Default: GET.`,
    ),
    headers: absent(headersSchema, {}),
    body: describe(
      z.optional(z.unknown()),
      'The request body: a string, or any YAML value sent as JSON.',
    ),
    proxy: describe(
      optional(nonEmptyString().check(urlForm('proxy'))),
      'An HTTP forward proxy for this check: http://HOST:PORT.',
    ),
    'expect-status': describe(
      absent(
        z.union(
          [
            httpStatus,
            z
              .array(httpStatus, expected('an HTTP status (100-599) or a list of them'))
              .check(z.minLength(1, 'expected at least one status')),
          ],
          expected('an HTTP status (100-599) or a list of them'),
        ),
        200,
      ),
      'The status (or list of statuses) that passes. Default: 200.',
    ),
    'body-matches': describe(
      optional(regularExpression()),
      'A regular expression the body must match.',
    ),
    json: describe(
      absent(z.array(jsonAssertion, expected('a list of {path, equals | exists | matches}')), []),
      'Assertions on the JSON body: each {path, and one of equals, exists or matches}.',
    ),
    'allow-maintenance': describe(
      absent(trueOrFalse(), false),
      'Pass even when a /health or /test payload reports maintenance mode.',
    ),
    'timeout-seconds': describe(
      optional(seconds(0, 3600)),
      'How long an http check retries before it fails. Default: the defaults, then 300.',
    ),
    'interval-seconds': describe(
      optional(seconds(0.1, 600)),
      'Seconds between the retries of an http check. Default: the defaults, then 10.',
    ),
    'request-timeout-seconds': describe(
      optional(seconds(0.1, 300)),
      'How long one request may take. Default: the defaults, then 10.',
    ),
    concurrency: describe(
      optional(wholeNumber(1, MAX_CONCURRENCY)),
      'Concurrent callers of a burst check. Default: 10.',
    ),
    'duration-seconds': describe(
      optional(seconds(0.1, 600)),
      'How long a burst check lasts. Default: 15.',
    ),
  },
  'a check (a mapping with at least url)',
).check((payload) => {
  const given = (key: string) => payload.value[key as keyof typeof payload.value] !== undefined;
  const [misplaced, message] =
    payload.value.type === 'burst'
      ? [
          ONLY_HTTP,
          'a burst check does not retry; put a plain check before it to wait until the service is up',
        ]
      : [ONLY_BURST, "only a burst check takes this; add 'type: burst'"];
  for (const key of misplaced) {
    if (given(key)) mistake(payload.issues, payload.value, [key], message);
  }
});

export type CheckEntry = z.output<typeof checkSchema>;

/** The name a check is known by when it has none of its own. */
export function checkName(entry: Pick<CheckEntry, 'name' | 'method' | 'url'>): string {
  return entry.name ?? `${entry.method} ${entry.url}`;
}

const checkList = z.array(checkSchema, expected('a non-empty list of checks')).check(
  z.refine((list) => list.length > 0, expected('a non-empty list of checks')),
  (payload) => {
    const taken = new Set<string>();
    payload.value.forEach((entry, index) => {
      const name = checkName(entry);
      if (taken.has(name)) {
        mistake(
          payload.issues,
          name,
          [index, 'name'],
          `'${name}' names another check too; names must be unique`,
        );
      }
      taken.add(name);
    });
  },
);

export const checkDefaultsSchema = describe(
  mapping({
    'timeout-seconds': optional(seconds(0, 3600)),
    'interval-seconds': optional(seconds(0.1, 600)),
    'request-timeout-seconds': optional(seconds(0.1, 300)),
    headers: absent(headersSchema, {}),
  }),
  'What every check of the section takes unless it says otherwise.',
);

/** The section in its full form; a bare list of checks is read as its `checks`. */
export const smokeSectionSchema = mapping(
  {
    defaults: optional(checkDefaultsSchema),
    checks: describe(checkList, 'The checks, run in order.'),
  },
  'a mapping with defaults, checks',
);

export type SmokeSection = z.output<typeof smokeSectionSchema>;

/** Either form a person may write: a list of checks, or `{defaults, checks}`. */
export const smokeSchema = describe(
  z.union([checkList, smokeSectionSchema], expected('a list of checks or {defaults, checks}')),
  'Smoke checks: a list of checks, or {defaults, checks}. Each check is an http check (retried until it passes) or a burst (concurrent callers for a while).',
);

/**
 * A bare list is the section's `checks`: read that way before the schema, so an entry is named
 * `checks[N]` in either form and a message reads the same whichever form was written.
 */
export function asSection(value: unknown): unknown {
  return Array.isArray(value) ? { checks: value } : value;
}
