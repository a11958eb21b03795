import { afterEach, describe, expect, test } from '@jest/globals';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { startCountingServer, type CountingServer } from '../../harness/counting-server.js';
import { createAwsClients, resolveAwsSettings } from '../../src/aws/clients.js';
import { ThrottleLog } from '../../src/aws/bounded-calls.js';
import { Deadline } from '../../src/core/deadline.js';
import { StepTimeoutError } from '../../src/core/errors.js';
import { waitUntil } from '../../src/core/waiter.js';
import { FakeClock } from '../support/fake-clock.js';

const deadlines: Deadline[] = [];
let server: CountingServer | undefined;
afterEach(async () => {
  for (const deadline of deadlines.splice(0)) deadline.dispose();
  await server?.close();
  server = undefined;
});

function deadline(budgetMs: number, reserveMs: number): Deadline {
  const made = new Deadline(budgetMs, reserveMs, 'timeout-minutes: test');
  deadlines.push(made);
  return made;
}

const never = () => new Promise<never>(() => undefined);

describe('a step deadline', () => {
  test('keeps a fifth of the budget for recovery: at least 30 s, at most 5 min, never over half', () => {
    const reserve = (minutes: number) => {
      const made = Deadline.forStep(minutes, new FakeClock());
      made.dispose();
      return made.reserveMs;
    };
    expect(reserve(1)).toBe(30_000);
    expect(reserve(2)).toBe(30_000);
    expect(reserve(10)).toBe(120_000);
    expect(reserve(120)).toBe(300_000);
  });

  test('ends a call in flight when the work share runs out, naming what it was doing', async () => {
    const step = deadline(1_000, 800);
    const started = Date.now();
    await expect(step.bound('S3 CopyObject', never())).rejects.toThrow(
      /The step ran out of time during S3 CopyObject: timeout-minutes: test allows 1.0 s, the last 800 ms of it kept to serve users again/,
    );
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(700);
    expect(step.expired).toBe(true);
    expect(() => step.check('S3 PutObject')).toThrow(StepTimeoutError);
  });

  test('recovery runs in the reserve, while work started before stays stopped', async () => {
    const step = deadline(900, 600);
    const work = step.bound('S3 CopyObject', never());
    const workFailed = expect(work).rejects.toThrow(StepTimeoutError);
    await workFailed;
    // The work's share is over, but recovery still has about 600 ms.
    const recovered = await step.recover(async () => {
      step.check('Auto Scaling ExitStandby');
      expect(step.remainingMs()).toBeGreaterThan(300);
      return step.bound('Auto Scaling ExitStandby', Promise.resolve('InService'));
    });
    expect(recovered).toBe('InService');
    // Recovery is bounded too: the whole budget is its end.
    await expect(step.recover(() => step.bound('S3 PutObject', never()))).rejects.toThrow(
      /timeout-minutes: test \(900 ms\) has passed, including the time kept to serve users again/,
    );
  });

  test('the runner stopping the step ends the work at once and leaves recovery the grace', async () => {
    const step = deadline(3_600_000, 300_000);
    const work = step.bound('S3 CopyObject', never());
    step.cancel({ signal: 'SIGINT', graceMs: 400 });
    await expect(work).rejects.toThrow(
      /The runner stopped the step \(SIGINT: its timeout-minutes ran out, or the run was cancelled\) during S3 CopyObject/,
    );
    const remaining = await step.recover(async () => step.remainingMs());
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(400);
  });

  test('a sleep never reaches past the deadline, and one after it throws', async () => {
    const step = deadline(300, 100);
    const started = Date.now();
    await expect(step.sleep(60_000)).rejects.toThrow(StepTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(step.sleep(1)).rejects.toThrow(/during a pause between attempts/);
  });

  test('a wait cut short by the deadline says what it was waiting for and what was pending', async () => {
    const step = deadline(400, 100);
    await expect(
      waitUntil(
        'stack ci-records to be UPDATE_COMPLETE',
        async () => ({ done: false, pending: 'UPDATE_IN_PROGRESS' }),
        { initialDelayMs: 50, maxDelayMs: 50, factor: 1, timeoutMs: 3_600_000 },
        step,
      ),
    ).rejects.toThrow(
      /ran out of time.*It was waiting .* for stack ci-records to be UPDATE_COMPLETE; still pending: UPDATE_IN_PROGRESS\./,
    );
  });
});

// S3 answers SlowDown in the REST-XML error shape; CloudFormation answers Throttling in the
// Query protocol's <ErrorResponse> (both from the AWS API reference).
const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
const THROTTLED = `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`;

describe('AWS calls under a deadline', () => {
  const credentials = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' };

  test('a call the SDK would retry for minutes ends at the deadline, with the throttling it met', async () => {
    server = await startCountingServer(() => ({ status: 503, body: SLOW_DOWN }));
    Object.assign(process.env, credentials);
    const settings = resolveAwsSettings('test', 'us-east-1', { AWS_ENDPOINT_URL: server.endpoint });
    settings.maxAttempts = 50;
    settings.bounds.deadline = deadline(5_000, 1_000);
    const clients = createAwsClients(settings);

    const started = Date.now();
    const failure = await clients.s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'k' })).then(
      () => new Error('no failure'),
      (error: unknown) => error as Error,
    );
    const took = Date.now() - started;

    expect(failure).toBeInstanceOf(StepTimeoutError);
    expect(failure.message).toMatch(
      /^The step ran out of time during S3 GetObject: .* S3 GetObject answered SlowDown for [\d.]+ (ms|s) \(\d+ times\)\.$/,
    );
    expect(took).toBeGreaterThan(3_800);
    expect(took).toBeLessThan(4_800);
    const attempts = server.requests.length;
    expect(attempts).toBeGreaterThan(1);
    expect(settings.bounds.throttles.list()).toEqual([
      expect.objectContaining({ operation: 'S3 GetObject', code: 'SlowDown', times: attempts }),
    ]);
    // Past the deadline no attempt reaches the service at all.
    await expect(
      clients.s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'k' })),
    ).rejects.toThrow(StepTimeoutError);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.requests).toHaveLength(attempts);
  });

  test('a throttling error that ends the retries says for how long the operation was throttled', async () => {
    server = await startCountingServer(() => ({ status: 400, body: THROTTLED }));
    Object.assign(process.env, credentials);
    const settings = resolveAwsSettings('test', 'us-east-1', { AWS_ENDPOINT_URL: server.endpoint });
    settings.maxAttempts = 3;
    const clients = createAwsClients(settings);
    const failure = await clients.cloudFormation.send(new DescribeStacksCommand({})).then(
      () => new Error('no failure'),
      (error: unknown) => error as Error,
    );
    // Still the SDK's error, so callers classify it as before; its message says more.
    expect(failure.name).toBe('Throttling');
    expect(failure.message).toMatch(
      /^CloudFormation DescribeStacks → Throttling: Rate exceeded \(CloudFormation DescribeStacks answered Throttling for .+ \(3 times\)\)$/,
    );
  });

  test('an answer that is not from AWS is named with its HTTP status, not as an XML parse error', async () => {
    server = await startCountingServer(() => ({
      status: 502,
      body: '<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>',
      headers: { 'content-type': 'text/html' },
    }));
    Object.assign(process.env, credentials);
    const settings = resolveAwsSettings('test', 'us-east-1', { AWS_ENDPOINT_URL: server.endpoint });
    settings.maxAttempts = 1;
    const failure = await createAwsClients(settings)
      .cloudFormation.send(new DescribeStacksCommand({}))
      .then(
        () => new Error('no failure'),
        (error: unknown) => error as Error,
      );
    expect(failure.message).toBe(
      'CloudFormation DescribeStacks → HTTP 502, and the answer is not an AWS API response (text/html): something between the runner and AWS (a proxy, a gateway, an emulator) answered instead. It said: <html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>',
    );
    expect(failure.message).not.toContain('XML parse error');
  });

  test("an answer that is not AWS's keeps its text, on one line and cut to 300 characters", async () => {
    // What an emulator answers in JSON where CloudFormation answers XML (issue 29's moto case).
    server = await startCountingServer(() => ({
      status: 400,
      body: JSON.stringify({
        message: 'Table already exists: WeatherData',
        padding: 'p'.repeat(400),
      }),
      headers: { 'content-type': 'application/json' },
    }));
    Object.assign(process.env, credentials);
    const settings = resolveAwsSettings('test', 'us-east-1', { AWS_ENDPOINT_URL: server.endpoint });
    settings.maxAttempts = 1;
    const failure = await createAwsClients(settings)
      .cloudFormation.send(new DescribeStacksCommand({}))
      .then(
        () => new Error('no failure'),
        (error: unknown) => error as Error,
      );
    expect(failure.message).toMatch(
      /^CloudFormation DescribeStacks → HTTP 400, and the answer is not an AWS API response \(application\/json\): .* It said: \{"message":"Table already exists: WeatherData","padding":"p+…$/,
    );
    expect(failure.message.length).toBeLessThan(600);
  });

  test('the throttle log orders operations by how long they were throttled', () => {
    const clock = new FakeClock();
    const log = new ThrottleLog(clock);
    log.note('S3 CopyObject', 'SlowDown');
    log.note('CloudFormation DescribeStacks', 'Throttling');
    void clock.sleep(120_000);
    log.note('S3 CopyObject', 'SlowDown');
    expect(log.describe()).toBe(
      'S3 CopyObject answered SlowDown for 2 min 0 s (2 times). CloudFormation DescribeStacks answered Throttling once.',
    );
    expect(log.describe('CloudFormation DescribeStacks')).toBe(
      'CloudFormation DescribeStacks answered Throttling once.',
    );
  });
});
