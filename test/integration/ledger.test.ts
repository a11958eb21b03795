// The promotion ledger against moto's S3: one object per record, the newest decides, and a
// record that does not say what its name says is refused rather than trusted.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MotoServer } from '../../harness/moto.js';
import { startMotoWithBucket } from '../support/moto-bucket.js';
import { RefusalError } from '../../src/core/errors.js';
import {
  latestRecord,
  ledgerPrefix,
  newRecord,
  recordPromotion,
  requirePromotion,
} from '../../src/promotion/ledger.js';
import { RecordingLogger } from '../support/recording-logger.js';

let moto: MotoServer;
let s3: S3Client;
const BUCKET = 'ledger';
const RUN = {
  commit: 'abc',
  runUrl: 'https://github.com/acme/app/actions/runs/1',
  repository: 'acme/app',
};
const subject = {
  component: 'web',
  version: '1.2.0',
  environment: 'staging',
  gate: 'smoke' as const,
};

beforeAll(async () => {
  ({ moto, s3 } = await startMotoWithBucket(BUCKET));
});

afterAll(async () => {
  await moto?.stop();
});

async function refusal(promise: Promise<unknown>): Promise<RefusalError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RefusalError);
    return error as RefusalError;
  }
  throw new Error('expected a refusal');
}

describe('promotion ledger', () => {
  test('records are separate objects and the newest one decides', async () => {
    const logger = new RecordingLogger();
    const requirement = {
      component: 'web',
      version: '1.2.0',
      environments: ['staging'],
      gates: ['smoke' as const],
    };
    expect((await refusal(requirePromotion(s3, BUCKET, requirement, logger))).message).toContain(
      'web 1.2.0 has not been promoted: no smoke record in staging',
    );

    const passed = await recordPromotion(
      s3,
      BUCKET,
      newRecord(subject, true, RUN, new Date('2026-11-20T10:00:00Z')),
      logger,
    );
    expect(passed).toMatch(
      /^s3:\/\/ledger\/promotions\/web\/1\.2\.0\/staging\/smoke\/20261120T100000000Z-passed-[0-9a-f]{8}\.json$/,
    );
    expect(
      (await requirePromotion(s3, BUCKET, requirement, logger)).map((record) => record.passed),
    ).toEqual([true]);

    await recordPromotion(
      s3,
      BUCKET,
      newRecord(subject, false, RUN, new Date('2026-11-21T10:00:00Z')),
      logger,
    );
    expect((await refusal(requirePromotion(s3, BUCKET, requirement, logger))).message).toContain(
      'its latest smoke in staging failed (2026-11-21T10:00:00.000Z, https://github.com/acme/app/actions/runs/1)',
    );

    await recordPromotion(
      s3,
      BUCKET,
      newRecord(subject, true, RUN, new Date('2026-11-22T10:00:00Z')),
      logger,
    );
    const latest = await latestRecord(s3, BUCKET, subject);
    expect(latest?.record).toMatchObject({
      passed: true,
      time: '2026-11-22T10:00:00.000Z',
      commit: 'abc',
    });
  });

  test('a record edited by hand is refused, not trusted', async () => {
    const other = { ...subject, version: '9.9.9' };
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${ledgerPrefix(other)}20991231T000000000Z-passed-deadbeef.json`,
        Body: JSON.stringify({ ...newRecord(other, true, RUN, new Date()), version: '1.0.0' }),
      }),
    );
    const error = await refusal(latestRecord(s3, BUCKET, other));
    expect(error.message).toContain('does not say what its name says');
  });

  test('a missing bucket says which and what to check', async () => {
    const error = await refusal(latestRecord(s3, 'no-such-ledger', subject));
    expect(error.message).toContain("The artifact bucket 'no-such-ledger' does not exist");
  });
});
