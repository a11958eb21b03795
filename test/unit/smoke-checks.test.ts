import { describe, expect, test } from '@jest/globals';
import { ConfigurationError } from '../../src/core/errors.js';
import { checkPlaceholders, renderPlaceholders } from '../../src/core/placeholders.js';
import { parseDefinition } from '../../src/definition/definition.js';
import { checkAllPlaceholders, parseChecks, type HttpCheck } from '../../src/smoke/checks.js';
import { jsonEqual, lookup, parseJsonPath } from '../../src/smoke/json-path.js';
import { resolveRequest } from '../../src/smoke/resolve-request.js';
import { RecordingLogger } from '../support/recording-logger.js';

function configurationError(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError, nothing was thrown');
}

describe('checks', () => {
  test('a full section reads with defaults, shared headers and every assertion kind', () => {
    const checks = parseChecks(
      {
        defaults: {
          'timeout-seconds': 60,
          'interval-seconds': 5,
          headers: { 'X-Team': 'platform' },
        },
        checks: [
          {
            name: 'test endpoint',
            url: '{{ ServiceUrl }}/test',
            method: 'post',
            headers: { Authorization: { value: 'Bearer {{ env.TOKEN }}', secret: true } },
            body: { probe: true },
            'expect-status': [200, 204],
            'body-matches': 'Tests',
            json: [
              { path: 'Health.MaintenanceMode', equals: false },
              { path: '$.Tests[0].Name', exists: true },
              { path: 'Health.BuildVersion', matches: '^1\\.' },
            ],
            proxy: 'http://127.0.0.1:3128',
            'allow-maintenance': true,
          },
          { url: 'https://example.com/', type: 'burst', concurrency: 5, 'duration-seconds': 2 },
        ],
      },
      'environment.yml: smoke.',
    );
    const [http, burst] = checks;
    expect(http).toMatchObject({
      kind: 'http',
      name: 'test endpoint',
      method: 'POST',
      body: '{"probe":true}',
      expectStatus: [200, 204],
      timeoutSeconds: 60,
      intervalSeconds: 5,
      requestTimeoutSeconds: 10,
      allowMaintenance: true,
      source: 'environment.yml: smoke.checks[0]',
    });
    expect(http!.headers).toEqual([
      { name: 'X-Team', value: 'platform', secret: false },
      { name: 'Authorization', value: 'Bearer {{ env.TOKEN }}', secret: true },
    ]);
    expect(http!.json.map((assertion) => assertion.kind)).toEqual(['equals', 'exists', 'matches']);
    expect(burst).toMatchObject({
      kind: 'burst',
      concurrency: 5,
      durationSeconds: 2,
      name: 'GET https://example.com/',
    });
  });

  test.each([
    [
      { checks: [{ url: 'http://x.test/', colour: 'red' }] },
      'smoke.checks[0].colour',
      'unknown key',
    ],
    [
      [{ url: 'http://x.test/', 'body-matches': '([a-z' }],
      'smoke.checks[0].body-matches',
      'not a valid regular expression',
    ],
    [
      [{ url: 'http://x.test/', json: [{ path: 'a', matches: '*' }] }],
      'smoke.checks[0].json[0].matches',
      'not a valid regular expression',
    ],
    [
      [{ url: 'http://x.test/', 'timeout-seconds': -5 }],
      'smoke.checks[0].timeout-seconds',
      'from 0 to 3600',
    ],
    [
      [{ url: 'http://x.test/', 'interval-seconds': 0 }],
      'smoke.checks[0].interval-seconds',
      'from 0.1 to 600',
    ],
    [
      [{ url: 'http://x.test/', type: 'burst', concurrency: 0 }],
      'smoke.checks[0].concurrency',
      'from 1 to 1000',
    ],
    [
      [{ url: 'http://x.test/', type: 'burst', 'timeout-seconds': 5 }],
      'smoke.checks[0].timeout-seconds',
      'does not retry',
    ],
    [
      [{ url: 'http://x.test/', concurrency: 5 }],
      'smoke.checks[0].concurrency',
      "add 'type: burst'",
    ],
    [[{ url: 'http://x.test/', proxy: 'squid:3128' }], 'smoke.checks[0].proxy', 'not a proxy URL'],
    [
      [{ url: 'http://x.test/', proxy: 'socks5://127.0.0.1:1080' }],
      'smoke.checks[0].proxy',
      'not a proxy URL',
    ],
    [[{ url: 'ftp://x.test/' }], 'smoke.checks[0].url', 'not an absolute http(s) URL'],
    [[{ name: 'a' }], 'smoke.checks[0].url', 'is required'],
    [[{ url: 'http://x.test/', 'expect-status': 700 }], 'smoke.checks[0].expect-status', '100-599'],
    [
      [{ url: 'http://x.test/', json: [{ path: 'a..b', exists: true }] }],
      'smoke.checks[0].json[0].path',
      'not a JSON path',
    ],
    [
      [{ url: 'http://x.test/', json: [{ path: 'a', exists: true, equals: 1 }] }],
      'smoke.checks[0].json[0]',
      'exactly one of',
    ],
    [[{ url: 'http://x.test/', method: 'FETCH' }], 'smoke.checks[0].method', 'valid values: GET'],
    [
      [
        { url: 'http://x.test/', name: 'a' },
        { url: 'http://y.test/', name: 'a' },
      ],
      'smoke.checks[1].name',
      'unique',
    ],
    [
      [{ url: 'http://x.test/', headers: { 'Bad Header': 'x' } }],
      'smoke.checks[0].headers.Bad Header',
      'not a valid HTTP header name',
    ],
    [[], 'smoke.checks', 'non-empty list'],
    [[{ url: '{{ Url }/health' }], 'smoke.checks[0].url', 'not an absolute'],
  ])('%j is refused at %s', (section, key, message) => {
    const error = configurationError(() => parseChecks(section, 'environment.yml: smoke.'));
    expect(error.source).toBe(`environment.yml: ${key}`);
    expect(error.message).toContain(message);
  });

  test('a definition validates its smoke section when it is read, naming the file and key', () => {
    const text = [
      'component: web',
      'template: t.yml',
      'smoke:',
      '  - url: "{{ ServiceUrl }}/health"',
      '    request-timeout-seconds: -1',
    ].join('\n');
    const error = configurationError(() => parseDefinition(text, 'environment.yml'));
    expect(error.source).toBe('environment.yml: smoke.checks[0].request-timeout-seconds');
  });

  test('placeholders must name declared outputs; the error lists the ones that exist', () => {
    const checks = parseChecks(
      [{ name: 'h', url: '{{ ServiceUrl }}/health', headers: { X: '{{ Tokn }}' } }],
      'e.yml: smoke.',
    );
    const error = configurationError(() => checkAllPlaceholders(checks, ['ServiceUrl', 'Token']));
    expect(error.message).toBe(
      'e.yml: smoke.checks[0].headers.X: unknown placeholder {{ Tokn }}; outputs that exist: ServiceUrl, Token',
    );
    expect(() => checkAllPlaceholders(checks, ['ServiceUrl', 'Tokn'])).not.toThrow();
  });
});

describe('placeholders', () => {
  const noMask = () => undefined;
  test('fill from outputs and the environment, masking what the environment gave', () => {
    const masked: string[] = [];
    expect(
      renderPlaceholders(
        '{{ServiceUrl}}/x?t={{ env.T }}',
        { outputs: { ServiceUrl: 'http://a' }, env: { T: 'token-1' } },
        's',
        (secret) => masked.push(secret),
      ),
    ).toBe('http://a/x?t=token-1');
    expect(masked).toEqual(['token-1']);
  });

  test('say what is missing and why', () => {
    expect(
      configurationError(() =>
        renderPlaceholders('{{ A }}', { outputs: undefined, env: {} }, "input 'url'", noMask),
      ).message,
    ).toContain('no stack outputs were given');
    expect(
      configurationError(() => renderPlaceholders('{{ A }}', { outputs: {}, env: {} }, 's', noMask))
        .message,
    ).toContain('the stack has no outputs');
    expect(
      configurationError(() =>
        renderPlaceholders('{{ env.NOPE }}', { outputs: {}, env: {} }, 's', noMask),
      ).message,
    ).toContain('environment variable NOPE, which is not set');
    expect(configurationError(() => checkPlaceholders('{{ a b }}', [], 's')).message).toContain(
      'is not a placeholder',
    );
  });
});

describe('JSON paths', () => {
  const document = {
    Health: { MaintenanceMode: false },
    Tests: [{ Name: 'A' }],
    'odd key': { x: null },
  };

  test('look up keys, indexes and quoted keys', () => {
    expect(lookup(document, parseJsonPath('Health.MaintenanceMode', 's'))).toEqual({
      found: true,
      value: false,
    });
    expect(lookup(document, parseJsonPath('$.Tests[0].Name', 's'))).toEqual({
      found: true,
      value: 'A',
    });
    expect(lookup(document, parseJsonPath('["odd key"].x', 's'))).toEqual({
      found: true,
      value: null,
    });
    expect(lookup(document, parseJsonPath('Tests[3].Name', 's'))).toEqual({ found: false });
    expect(lookup(document, parseJsonPath('Health.MaintenanceMode.deeper', 's'))).toEqual({
      found: false,
    });
  });

  test('deep equality ignores key order and nothing else', () => {
    expect(jsonEqual({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEqual(1, '1')).toBe(false);
  });
});

describe('resolving a request', () => {
  test('masks secret header values before anything else, and fills every placeholder', () => {
    const [check] = parseChecks(
      [
        {
          url: '{{ ServiceUrl }}/echo',
          headers: {
            Authorization: { value: 'Bearer {{ env.TOKEN }}', secret: true },
            'X-Plain': 'p',
          },
          proxy: '{{ ProxyUrl }}',
        },
      ],
      'c.yml: ',
    );
    const logger = new RecordingLogger();
    const request = resolveRequest(
      check!,
      {
        outputs: { ServiceUrl: 'http://127.0.0.1:9', ProxyUrl: 'http://127.0.0.1:3128' },
        env: { TOKEN: 's3cr3t' },
      },
      logger,
    );
    // The environment's value alone (a service may echo it bare) and the whole header value.
    expect([...new Set(logger.masked)]).toEqual(['s3cr3t', 'Bearer s3cr3t']);
    expect(request.headers.authorization).toBe('Bearer s3cr3t');
    expect(request.url.href).toBe('http://127.0.0.1:9/echo');
    expect(request.proxy?.href).toBe('http://127.0.0.1:3128/');
  });

  test('a filled-in proxy that is not a URL is a configuration error naming the check', () => {
    const [check] = parseChecks(
      [{ url: 'http://127.0.0.1:1/', proxy: '{{ ProxyUrl }}' }],
      'c.yml: ',
    );
    const error = configurationError(() =>
      resolveRequest(
        check as HttpCheck,
        { outputs: { ProxyUrl: 'squid.internal:3128' }, env: {} },
        new RecordingLogger(),
      ),
    );
    expect(error.source).toBe("c.yml: checks[0].proxy (filled in as 'squid.internal:3128')");
  });
});
