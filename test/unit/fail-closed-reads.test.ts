// A value the code counts on and does not get stops the step, naming it, instead of going on
// with `undefined`. moto always answers with the fields the API reference promises, so the
// incomplete answers here are aws-sdk-client-mock responses with one field left out of the
// reference's shapes (ListObjectsV2 Contents[], ListObjectVersions Versions[]).
import { afterEach, describe, expect, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { ListObjectsV2Command, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { answered, IncompleteAnswerError } from '../../src/aws/errors.js';
import { ConfigurationError } from '../../src/core/errors.js';
import { asActionError } from '../../src/core/failure.js';
import { defined } from '../../src/core/values.js';
import { restoreAvailability } from '../../src/migration/availability.js';
import { listObjects } from '../../src/migration/bucket-listing.js';
import { listHistories } from '../../src/migration/bucket-versions.js';
import { FakeClock } from '../support/fake-clock.js';
import { RecordingLogger } from '../support/recording-logger.js';

const s3 = mockClient(S3Client);
afterEach(() => {
  s3.reset();
});

async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('reads that fail closed', () => {
  test('an AWS answer without a field it always carries stops the step, naming the field', () => {
    expect(answered('ami-1', 'ImageId (EC2 CopyImage)')).toBe('ami-1');
    let error: unknown;
    try {
      answered(undefined, 'ImageId (EC2 CopyImage)');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(IncompleteAnswerError);
    const failure = asActionError(error);
    expect(failure.kind).toBe('failure');
    expect(failure.headline).toBe('Incomplete AWS answer');
    expect(failure.message).toMatch(
      /^The AWS answer had no ImageId \(EC2 CopyImage\); the step stops/,
    );
  });

  test('what the code established is there is read with its name, and a lapse is told', () => {
    expect(defined(0, 'a count')).toBe(0);
    expect(defined('', 'a text')).toBe('');
    expect(() => defined(undefined, 'the tally of segment 3')).toThrow(
      'the tally of segment 3 is missing',
    );
  });

  test('a listed object without a key stops the copy instead of leaving both sides without it', async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'a.json', Size: 1, ETag: '"a"' },
        { Size: 2, ETag: '"b"' },
      ],
      IsTruncated: false,
      EncodingType: 'url',
    });
    await expect(drain(listObjects(s3 as unknown as S3Client, 'data'))).rejects.toThrow(
      'The AWS answer had no Key of a listed object (S3 ListObjectsV2)',
    );
  });

  test('an object version without a key stops a history copy the same way', async () => {
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [
        { Key: 'a.json', VersionId: '1', Size: 1, ETag: '"a"', IsLatest: true },
        { VersionId: '2', Size: 1, ETag: '"b"', IsLatest: true },
      ],
      IsTruncated: false,
      EncodingType: 'url',
    });
    await expect(drain(listHistories(s3 as unknown as S3Client, 'data'))).rejects.toThrow(
      IncompleteAnswerError,
    );
  });

  test('a migration that stopped traffic with the maintenance hook is not resumed without it', async () => {
    const logger = new RecordingLogger();
    const restoring = restoreAvailability(
      {
        cloudFormation: undefined as never,
        autoScaling: () => undefined as never,
        logger,
        clock: new FakeClock(),
        polling: { initialDelayMs: 1, maxDelayMs: 1, factor: 1, timeoutMs: 1 },
        mode: 'maintenance-hook',
        hook: undefined,
      },
      { mode: 'maintenance-hook', stackName: 'web-blue', standby: [] },
      {},
    );
    await expect(restoring).rejects.toThrow(ConfigurationError);
    await expect(restoring).rejects.toThrow(
      /this run has no hook to switch it: give maintenance-on-url and maintenance-off-url/,
    );
  });
});
