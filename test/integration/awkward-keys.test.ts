import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startFaultProxy, type FaultProxy } from '../../harness/fault-proxy.js';
import { expectSuccess, MigrationWorld } from '../support/migration-environment.js';

// Keys S3 takes and XML cannot carry whole: a CR (an XML parser turns it into a line feed) and a
// control character (XML 1.0 has no way to write it), beside a space, a plus, a percent sign and
// characters beyond the Basic Multilingual Plane. A blue/green migration of a bucket holding them,
// through the bundled action on moto. A copy that truly fails is made by a proxy in front of moto
// refusing that one key's copy, as S3 does for a key the role may not write.
let world: MigrationWorld;
let proxy: FaultProxy | undefined;
jest.setTimeout(300_000);

const AWKWARD = ['cr/a\rb.json', 'ctl/a\u0001b.json', 'sp/a b+c%41.json', 'uni/é😀.json'];

beforeAll(async () => {
  world = await MigrationWorld.start();
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

afterAll(async () => {
  await world?.stop();
});

/** Every key of the stack's bucket, listed as it really is (URL-encoded, then decoded). */
async function exactKeys(stackName: string): Promise<string[]> {
  const bucket = await world.bucketOf(stackName);
  const listed = await world.s3.send(
    new ListObjectsV2Command({ Bucket: bucket, EncodingType: 'url' }),
  );
  expect(listed.IsTruncated).toBe(false);
  return (listed.Contents ?? [])
    .map((object) => decodeURIComponent(object.Key!.replace(/\+/g, ' ')))
    .sort();
}

/** blue at 1.0.0 holding ordinary records and the awkward keys (one of them twice). */
async function blueWithAwkwardKeys(environment: string): Promise<string[]> {
  expectSuccess(await world.migrate({ strategy: 'blue-green', environment, version: '1.0.0' }));
  const blue = `${environment}-records-blue`;
  const bucket = await world.bucketOf(blue);
  await world.writeData(blue, 12, 3);
  for (const [index, key] of [...AWKWARD, AWKWARD[0]!].entries()) {
    await world.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: `{"version":${index}}` }),
    );
  }
  const keys = await exactKeys(blue);
  expect(keys).toEqual(expect.arrayContaining(AWKWARD));
  return keys;
}

function refusingCopyOf(key: string) {
  return {
    request: (method: string, path: string) =>
      method === 'PUT' && path.includes(encodeURIComponent(key.split('/')[1]!)),
    answer: { error: { status: 403, code: 'AccessDenied', message: 'Access Denied' } },
  };
}

describe('keys users can write', () => {
  test('a CR, a control character, a space, a plus and an emoji are copied and verified like any other', async () => {
    const keys = await blueWithAwkwardKeys('keys');
    const run = expectSuccess(
      await world.migrate({ strategy: 'blue-green', environment: 'keys', version: '1.1.0' }),
    );
    expect(run.outputs['stack-name']).toBe('keys-records-green');
    expect(await exactKeys('keys-records-green')).toEqual(keys);
    expect(await world.readObject('keys-records-green', 'cr/a\rb.json')).toBe('{"version":4}');
    expect(await world.readObject('keys-records-green', 'ctl/a\u0001b.json')).toBe('{"version":1}');
    expect(run.summaryText).toContain(
      '### ✅ Statistics gate: keys-records-blue → keys-records-green equal',
    );
    expect(run.summary.includes('\r')).toBe(false);
  });

  test('a key that truly cannot be copied fails the step by name, its error first; green is removed', async () => {
    await blueWithAwkwardKeys('stuck');
    proxy = await startFaultProxy(world.moto.endpoint, [refusingCopyOf('ctl/a\u0001b.json')]);
    const run = await world.migrate(
      { strategy: 'blue-green', environment: 'stuck', version: '1.1.0' },
      { AWS_ENDPOINT_URL: proxy.endpoint },
    );
    expect(run.exitCode).not.toBe(0);
    expect(proxy.calls.some((call) => call.faulted)).toBe(true);
    const failure = run.stdout.split('\n').find((line) => line.startsWith('::error::'))!;
    expect(failure).toMatch(
      /^::error::Migration \S+ of records in stuck was rolled back: Copying the history of "ctl\/a\\u0001b\.json" from s3:\/\/\S+ to s3:\/\/\S+ failed: .*AccessDenied/,
    );
    expect(run.summaryText).toMatch(/^## ❌ /);
    expect(await world.stack('stuck-records-green')).toBeUndefined();
    expect(await world.pointer('/environments/stuck/records/active-colour')).toBe('blue');
    expect((await world.latestJournal('stuck'))['status']).toBe('rolled-back');
  });

  test('when the clean-up fails too it is told second, and recover: rollback finishes it', async () => {
    await blueWithAwkwardKeys('jammed');
    proxy = await startFaultProxy(world.moto.endpoint, [
      refusingCopyOf('ctl/a\u0001b.json'),
      {
        action: 'DeleteStack',
        answer: { error: { status: 403, code: 'AccessDenied', message: 'not allowed to delete' } },
      },
    ]);
    const run = await world.migrate(
      { strategy: 'blue-green', environment: 'jammed', version: '1.1.0' },
      { AWS_ENDPOINT_URL: proxy.endpoint },
    );
    expect(run.exitCode).not.toBe(0);
    const failure = run.stdout.split('\n').find((line) => line.startsWith('::error::'))!;
    expect(failure).toMatch(
      /^::error::Migration \S+ of records in jammed stopped: Copying the history of "ctl\/a\\u0001b\.json" .*AccessDenied.*\. Then the clean-up failed too: Rolling back left work undone: deleting jammed-records-green failed: .*not allowed to delete/,
    );
    // Told as the failure it is (❌), not as a refusal of the clean-up (⛔).
    expect(run.summaryText).toMatch(/^## ❌ /);
    expect(run.summaryText).toContain('Run again with recover: rollback to finish the rollback.');
    expect(await world.stack('jammed-records-green')).toBeDefined();

    const finished = expectSuccess(
      await world.migrate({
        strategy: 'blue-green',
        environment: 'jammed',
        version: '1.1.0',
        recover: 'rollback',
      }),
    );
    expect(finished.outputs['status']).toBe('rolled-back');
    expect(await world.stack('jammed-records-green')).toBeUndefined();
    expect(await exactKeys('jammed-records-blue')).toEqual(expect.arrayContaining(AWKWARD));
  });
});
