import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { copySource } from '../../src/migration/bucket-copy.js';
import { CopyObjectSender, encodeKey } from '../../src/migration/copy-object-sender.js';
import { FakeClock } from '../support/fake-clock.js';

// The copies sent without the SDK's per-call machinery, against a local HTTP server that plays
// S3's CopyObject: it checks every request's SigV4 signature with a verifier written here from
// the specification (not the SDK's signer), records the requests so the SDK's first one and
// the ones sent after it can be compared, and answers what it is told to: a copy, S3's "200
// with an error in the body", throttling, a failed precondition, or a proxy's HTML page.
const SECRET = 'test-secret-key';
const ACCESS_KEY = 'AKIDTEST';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  signatureValid: boolean;
}

let server: http.Server;
let endpoint: string;
const received: Received[] = [];
/** Answers still to give, in order; a copy result once they run out. */
let answers: Array<{ status: number; body: string; type?: string }> = [];

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** SigV4 as the specification defines it for S3 (the path signed as sent, not re-encoded). */
function verifySignature(method: string, url: string, headers: http.IncomingHttpHeaders): boolean {
  const authorization = headers['authorization'] ?? '';
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match || match[1] !== ACCESS_KEY) return false;
  const [, , date, region, signedHeaders, signature] = match as unknown as string[];
  const [path, rawQuery = ''] = url.split('?') as [string, string?];
  const query = rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => pair.split('=').map((part) => decodeURIComponent(part)) as [string, string?])
    .map(([name, value = '']) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .sort()
    .join('&');
  const canonicalHeaders = signedHeaders!
    .split(';')
    .map((name) => `${name}:${String(headers[name] ?? '').trim()}\n`)
    .join('');
  const canonical = [
    method,
    path,
    query,
    canonicalHeaders,
    signedHeaders,
    String(headers['x-amz-content-sha256']),
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    String(headers['x-amz-date']),
    `${date}/${region}/s3/aws4_request`,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  let key = hmac(`AWS4${SECRET}`, date!);
  for (const part of [region!, 's3', 'aws4_request']) key = hmac(key, part);
  return hmac(key, stringToSign).toString('hex') === signature;
}

beforeAll(async () => {
  server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received.push({
        method: request.method!,
        url: request.url!,
        headers: request.headers,
        signatureValid: verifySignature(request.method!, request.url!, request.headers),
      });
      const answer = answers.shift() ?? {
        status: 200,
        body: '<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><ETag>"e"</ETag><LastModified>2026-12-02T12:00:00.000Z</LastModified></CopyObjectResult>',
      };
      response.writeHead(answer.status, { 'content-type': answer.type ?? 'application/xml' });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
  answers = [];
});

function sender(clock = new FakeClock()): CopyObjectSender {
  const s3 = new S3Client({
    region: 'eu-west-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    maxAttempts: 1,
  });
  return new CopyObjectSender(s3, { clock });
}

const KEYS = [
  'plain.json',
  'with space/and+plus.json',
  "brackets (1)/it's*here!.json",
  'unicode/ü-é-ß/\u{1F600}.json',
  'percent%20/already?encoded=&x.json',
];

const input = (key: string) => ({
  bucket: 'target',
  key,
  copySource: copySource('source', key, key === 'plain.json' ? 'v1' : undefined),
  ifMatch: '"abc"',
});

describe('CopyObject without the SDK', () => {
  test('after the SDK first copy, each request is the one the SDK would send, validly signed', async () => {
    const copier = sender();
    for (const key of KEYS) expect(await copier.copy(input(key))).toBe(1);
    expect(received).toHaveLength(KEYS.length);
    expect(received.every((request) => request.signatureValid)).toBe(true);
    const [sdk, ...lean] = received;
    // The first went through the SDK (its invocation headers); the others did not.
    expect(sdk!.headers['amz-sdk-invocation-id']).toBeDefined();
    for (const [index, request] of lean.entries()) {
      const key = KEYS[index + 1]!;
      expect(request.headers['amz-sdk-invocation-id']).toBeUndefined();
      expect(request.method).toBe('PUT');
      expect(request.url).toBe(`/target/${encodeKey(key)}?x-id=CopyObject`);
      expect(request.headers['x-amz-copy-source']).toBe(copySource('source', key));
      const shared = (headers: http.IncomingHttpHeaders) =>
        Object.fromEntries(
          Object.entries(headers).filter(
            ([name]) =>
              !/^(authorization|x-amz-date|amz-sdk-.*|x-amz-copy-source|connection)$/.test(name),
          ),
        );
      expect(shared(request.headers)).toEqual(shared(sdk!.headers));
      const signed = (headers: http.IncomingHttpHeaders) =>
        /SignedHeaders=([^,]+)/
          .exec(String(headers['authorization']))![1]!
          .split(';')
          .filter((name) => !name.startsWith('amz-sdk-'));
      expect(signed(request.headers)).toEqual(signed(sdk!.headers));
      expect(String(request.headers['authorization'])).toContain('/eu-west-1/s3/aws4_request');
    }
  });

  test("S3's 200 with an error in the body and throttling are retried; a failed precondition is not", async () => {
    const clock = new FakeClock();
    const copier = sender(clock);
    await copier.copy(input('plain.json'));
    answers = [
      {
        status: 200,
        body: '<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>',
      },
      {
        status: 503,
        body: '<Error><Code>SlowDown</Code><Message>Reduce your rate.</Message></Error>',
      },
    ];
    expect(await copier.copy(input('records/1.json'))).toBe(3);
    expect(clock.sleeps).toHaveLength(2);
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(400);

    answers = [
      {
        status: 412,
        body: '<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
      },
    ];
    const failure = await copier.copy(input('records/2.json')).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
      message:
        'S3 CopyObject → PreconditionFailed: At least one of the pre-conditions you specified did not hold',
    });
    expect(clock.sleeps).toHaveLength(2);
  });

  test("an answer that is not S3's is named as such, and retried only as a server error", async () => {
    const clock = new FakeClock();
    const copier = sender(clock);
    await copier.copy(input('plain.json'));
    answers = Array.from({ length: 8 }, () => ({
      status: 502,
      body: '<html><body>Bad Gateway</body></html>',
      type: 'text/html',
    }));
    await expect(copier.copy(input('records/3.json'))).rejects.toThrow(
      'S3 CopyObject → HTTP 502, and the answer is not an S3 response (text/html): something between the runner and S3 answered instead',
    );
    // Eight attempts, as the SDK's own retries would make, seven pauses between them.
    expect(clock.sleeps).toHaveLength(7);
    expect(received).toHaveLength(9);
  });
});
