// The smoke-test library against real loopback HTTP servers (harness/smoke-service.ts and a
// real forward proxy). Waits run on a fake clock, so "retry for 30 s" takes milliseconds, but
// every request is a real HTTP exchange.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startForwardProxy, type ForwardProxy } from '../../harness/forward-proxy.js';
import { startSmokeService, type SmokeService } from '../../harness/smoke-service.js';
import { parseChecks, type SmokeCheck } from '../../src/smoke/checks.js';
import { runSmokeChecks } from '../../src/smoke/run-checks.js';
import { FakeClock } from '../support/fake-clock.js';
import { RecordingLogger } from '../support/recording-logger.js';

let service: SmokeService;
let proxy: ForwardProxy;

beforeAll(async () => {
  service = await startSmokeService();
  proxy = await startForwardProxy();
});

afterAll(async () => {
  await service.close();
  await proxy.close();
});

function checks(list: unknown[]): SmokeCheck[] {
  return parseChecks(
    { defaults: { 'timeout-seconds': 30, 'interval-seconds': 10 }, checks: list },
    'checks.yml: ',
  );
}

async function run(list: unknown[], clock = new FakeClock()) {
  const logger = new RecordingLogger();
  const report = await runSmokeChecks(
    checks(list),
    { outputs: { ServiceUrl: service.endpoint, ProxyUrl: proxy.url }, env: { TOKEN: 's3cr3t' } },
    logger,
    { clock },
  );
  return { report, logger, clock, result: report.checks[0]! };
}

describe('waiting like the seed', () => {
  test('a healthy service passes on the first attempt', async () => {
    const { report, result, clock } = await run([
      { name: 'health', url: '{{ ServiceUrl }}/health' },
    ]);
    expect(report.passed).toBe(true);
    expect(result).toMatchObject({ attempts: 1, passed: true, url: `${service.endpoint}/health` });
    expect(clock.sleeps).toEqual([]);
  });

  test('a service that fails and then recovers passes once it recovers', async () => {
    const { result, clock, logger } = await run([
      { name: 'warm-up', url: '{{ ServiceUrl }}/recovers-after/3' },
    ]);
    expect(result.passed).toBe(true);
    expect(result.attempts).toBe(4);
    expect(clock.sleeps).toEqual([10_000, 10_000, 10_000]);
    expect(logger.messages('info').filter((line) => line.includes('warming up'))).toHaveLength(3);
    expect(logger.messages('error')).toEqual([]);
  });

  test('a service that never recovers fails with its last actual value and the time waited', async () => {
    const { report, result, logger } = await run([
      { name: 'never', url: '{{ ServiceUrl }}/never', 'timeout-seconds': 25 },
    ]);
    expect(report.passed).toBe(false);
    // Attempts at 0, 10, 20 and, landing on the deadline, 25 seconds.
    expect(result.attempts).toBe(4);
    expect(result.durationMs).toBe(25_000);
    expect(result.detail).toContain('status 503, expected 200');
    expect(result.detail).toContain('last actual value: 503 {"error":"database unreachable"}');
    expect(result.detail).toContain('waited 25.0 s over 4 attempts');
    expect(logger.entries.filter((entry) => entry.level === 'error')).toEqual([
      expect.objectContaining({ location: { title: 'Smoke check failed: never' } }),
    ]);
  });

  test('a refused connection is an attempt that failed, not a crash', async () => {
    const { result } = await run([
      { name: 'closed', url: 'http://127.0.0.1:1/health', 'timeout-seconds': 10 },
    ]);
    expect(result.passed).toBe(false);
    expect(result.attempts).toBe(2);
    expect(result.detail).toMatch(/ECONNREFUSED/);
  });
});

describe('judging responses', () => {
  test('a /test report becomes one row per entry, and a failing entry fails with its Error', async () => {
    const { result } = await run([
      { name: 'self-test', url: '{{ ServiceUrl }}/test/failing', 'timeout-seconds': 0 },
    ]);
    expect(result.passed).toBe(false);
    expect(result.entries.map((entry) => [entry.name, entry.success])).toEqual([
      ['QueryApiStatistics', true],
      ['GenerateClientToken', false],
    ]);
    expect(result.failures).toEqual([
      'test GenerateClientToken failed: Token generation failed: the user store did not answer',
    ]);
  });

  test('a passing /test report passes with its entries', async () => {
    const { result } = await run([{ name: 'self-test', url: '{{ ServiceUrl }}/test' }]);
    expect(result.passed).toBe(true);
    expect(result.entries).toHaveLength(2);
    expect(result.detail).toContain('2 report tests passed');
  });

  test('maintenance mode fails a check unless the check allows it', async () => {
    const failed = await run([{ url: '{{ ServiceUrl }}/maintenance', 'timeout-seconds': 0 }]);
    expect(failed.result.failures[0]).toContain('MaintenanceMode: true');
    const allowed = await run([{ url: '{{ ServiceUrl }}/maintenance', 'allow-maintenance': true }]);
    expect(allowed.result.passed).toBe(true);
  });

  test('a slow endpoint fails on its request deadline and passes with a longer one', async () => {
    const slow = await run([
      {
        url: '{{ ServiceUrl }}/slow/600',
        'request-timeout-seconds': 0.2,
        'timeout-seconds': 0,
      },
    ]);
    expect(slow.result.detail).toContain('no response within 0.2 s');
    const patient = await run([{ url: '{{ ServiceUrl }}/slow/300', 'request-timeout-seconds': 2 }]);
    expect(patient.result.passed).toBe(true);
  });

  test('method, headers, body, status list, body pattern and JSON assertions', async () => {
    const { result } = await run([
      {
        name: 'echo',
        url: '{{ ServiceUrl }}/echo',
        method: 'POST',
        headers: { Authorization: { value: 'Bearer {{ env.TOKEN }}', secret: true } },
        body: { customer: 7 },
        'expect-status': [200, 201],
        'body-matches': '"method":"POST"',
        json: [
          { path: 'headers.authorization', equals: 'Bearer s3cr3t' },
          { path: 'body', matches: '"customer":7' },
          { path: 'headers.cookie', exists: false },
        ],
      },
    ]);
    expect(result.passed).toBe(true);
    expect(service.lastEcho?.['content-length']).toBe('14');
  });

  test('every failed JSON assertion is reported with the actual value', async () => {
    const { result } = await run([
      {
        url: '{{ ServiceUrl }}/health',
        'timeout-seconds': 0,
        json: [
          { path: 'BuildVersion', equals: '2.0' },
          { path: 'Missing.Key', exists: true },
          { path: 'BuildTimestamp', matches: '^2020' },
        ],
      },
    ]);
    expect(result.failures).toEqual([
      'BuildVersion is "1.0.16209.8792", expected "2.0"',
      'Missing.Key is missing',
      'BuildTimestamp is "2016-07-27T04:53:04+00:00", expected to match /^2020/',
    ]);
  });

  test('a plain-text body is judged by pattern, and JSON assertions on it say it is not JSON', async () => {
    const text = await run([{ url: '{{ ServiceUrl }}/text', 'body-matches': 'ready$' }]);
    expect(text.result.passed).toBe(true);
    const json = await run([
      { url: '{{ ServiceUrl }}/text', 'timeout-seconds': 0, json: [{ path: 'a', exists: true }] },
    ]);
    expect(json.result.failures[0]).toBe('body is not JSON: pong: service ready');
  });

  test('the proxy check goes through the proxy, as the seed tested Squid', async () => {
    const before = proxy.requests.length;
    const { result } = await run([{ url: '{{ ServiceUrl }}/health', proxy: '{{ ProxyUrl }}' }]);
    expect(result.passed).toBe(true);
    expect(proxy.requests.slice(before)).toEqual([
      { method: 'GET', target: `${service.endpoint}/health` },
    ]);
  });
});

describe('burst', () => {
  test('the concurrency bug: a single caller passes, ten concurrent callers catch it', async () => {
    const { report } = await run([
      { name: 'single', url: '{{ ServiceUrl }}/racy' },
      {
        name: 'burst',
        type: 'burst',
        url: '{{ ServiceUrl }}/racy',
        concurrency: 10,
        'duration-seconds': 1,
      },
    ]);
    const [single, burst] = report.checks;
    expect(single!.passed).toBe(true);
    expect(burst!.passed).toBe(false);
    expect(burst!.burst!.errors).toBeGreaterThan(0);
    expect(burst!.burst!.errorKinds[0]!.reason).toBe('status 500, expected 200');
    expect(burst!.detail).toMatch(/^\d+ of \d+ requests failed/);
  });

  test('a healthy endpoint sustains the burst with zero errors and ordered percentiles', async () => {
    const { result } = await run([
      { type: 'burst', url: '{{ ServiceUrl }}/health', concurrency: 8, 'duration-seconds': 1 },
    ]);
    const stats = result.burst!;
    expect(result.passed).toBe(true);
    expect(stats.errors).toBe(0);
    expect(stats.requests).toBeGreaterThan(50);
    expect(stats.p50Ms).toBeLessThanOrEqual(stats.p95Ms);
    expect(stats.p95Ms).toBeLessThanOrEqual(stats.p99Ms);
    expect(stats.p99Ms).toBeLessThanOrEqual(stats.maxMs);
    expect(stats.requestsPerSecond).toBeCloseTo(stats.requests / (stats.durationMs / 1000), 5);
  });

  test('a burst against a dead endpoint fails and says why', async () => {
    const { result } = await run([
      { type: 'burst', url: 'http://127.0.0.1:1/', concurrency: 2, 'duration-seconds': 0.3 },
    ]);
    expect(result.passed).toBe(false);
    expect(result.burst!.errorKinds[0]!.reason).toMatch(/ECONNREFUSED/);
  });
});
