import { afterAll, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  CreateJobCommand,
  DescribeJobCommand,
  S3ControlClient,
  type CreateJobCommandInput,
  type JobDescriptor,
  type JobStatus,
} from '@aws-sdk/client-s3-control';
import { mockClient } from 'aws-sdk-client-mock';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import { OperationError, StepTimeoutError, TimeoutError } from '../../src/core/errors.js';
import { compareBuckets } from '../../src/migration/bucket-compare.js';
import {
  copyBucketWithBatchOperations,
  csvFields,
  type BatchCopyOptions,
} from '../../src/migration/batch-copy.js';
import { copyStackBuckets, stackBuckets } from '../../src/migration/data-copy.js';
import type { MigrationContext, MigrationRequest } from '../../src/migration/migration-context.js';
import { FakeClock } from '../support/fake-clock.js';
import { RecordingLogger } from '../support/recording-logger.js';

// S3 Batch Operations on moto's S3. moto has no S3 Control jobs, so CreateJob and DescribeJob
// are answered by aws-sdk-client-mock with the API reference's shapes (CreateJobResult.JobId;
// DescribeJobResult.Job: Status, ProgressSummary, FailureReasons, CreationTime), by a fake
// that does what the service documents: it reads the CSV manifest at the ETag it was given,
// copies each listed object with CopyObject (metadata and tags copied), and writes a
// completion report (manifest.json naming the failed tasks' CSV, in Report_CSV_20180820's
// columns) under {prefix}/job-{id}/. Everything else (the listing, the manifest, the copies,
// the report, the verification) is real S3 on moto.
jest.setTimeout(120_000);

const ROLE = 'arn:aws:iam::123456789012:role/pipeline-batch-copy';
const ARTIFACTS = 'batch-artifacts';

interface FakeJob {
  descriptor: JobDescriptor;
  input: CreateJobCommandInput;
  /** Statuses still to go through, one per DescribeJob. */
  script: JobStatus[];
}

class FakeBatchOperations {
  readonly jobs = new Map<string, FakeJob>();
  private readonly byToken = new Map<string, string>();
  /** Keys whose copy fails, as a role without s3:PutObject on them would. */
  readonly failing = new Set<string>();
  /** How the next job goes, from its creation to its end. */
  script: JobStatus[] = ['Preparing', 'Active', 'Complete'];
  created = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly clock: FakeClock,
  ) {}

  install(control: ReturnType<typeof mockClient>): void {
    control.on(CreateJobCommand).callsFake((input: CreateJobCommandInput) => this.create(input));
    control
      .on(DescribeJobCommand)
      .callsFake((input: { JobId: string }) => this.describe(input.JobId));
  }

  private async create(input: CreateJobCommandInput) {
    expect(input.AccountId).toBe('123456789012');
    expect(input.RoleArn).toBe(ROLE);
    expect(input.ConfirmationRequired).toBe(false);
    expect(input.Manifest?.Spec).toEqual({
      Format: 'S3BatchOperations_CSV_20180820',
      Fields: ['Bucket', 'Key'],
    });
    expect(input.Report).toMatchObject({
      Enabled: true,
      Format: 'Report_CSV_20180820',
      ReportScope: 'FailedTasksOnly',
    });
    const known = input.ClientRequestToken && this.byToken.get(input.ClientRequestToken);
    if (known) return { JobId: known };
    // S3 refuses a job whose manifest is not at the ETag given.
    const { bucket, key } = this.manifestLocation(input);
    const head = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ETag?.replace(/"/g, '')).toBe(input.Manifest?.Location?.ETag);
    const JobId = randomUUID();
    this.created += 1;
    this.byToken.set(input.ClientRequestToken!, JobId);
    this.jobs.set(JobId, {
      input,
      script: [...this.script],
      descriptor: {
        JobId,
        Status: 'New',
        CreationTime: new Date(this.clock.now()),
        ProgressSummary: { TotalNumberOfTasks: 0, NumberOfTasksSucceeded: 0 },
      },
    });
    return { JobId };
  }

  private manifestLocation(input: CreateJobCommandInput) {
    const arn = input.Manifest!.Location!.ObjectArn!.replace('arn:aws:s3:::', '');
    const slash = arn.indexOf('/');
    return { bucket: arn.slice(0, slash), key: arn.slice(slash + 1) };
  }

  private async describe(jobId: string) {
    const job = this.jobs.get(jobId)!;
    const next = job.script.shift();
    if (next === 'Complete' || next === 'Failed') await this.run(jobId, job, next);
    else if (next) job.descriptor.Status = next;
    return { Job: { ...job.descriptor } };
  }

  /** Does the job's work: each manifest line copied, the failures reported. */
  private async run(jobId: string, job: FakeJob, end: 'Complete' | 'Failed'): Promise<void> {
    const { bucket, key } = this.manifestLocation(job.input);
    const manifest = await (
      await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    ).Body!.transformToString();
    const target = job.input.Operation!.S3PutObjectCopy!.TargetResource!.replace(
      'arn:aws:s3:::',
      '',
    );
    const failed: string[] = [];
    let succeeded = 0;
    const lines = end === 'Failed' ? [] : manifest.split('\n').filter(Boolean);
    for (const line of lines) {
      const [source, encoded] = line.split(',') as [string, string];
      const objectKey = decodeURIComponent(encoded);
      if (this.failing.has(objectKey)) {
        failed.push(
          `${source},${encoded},,failed,AccessDenied,403,"Access Denied, no s3:PutObject"`,
        );
        continue;
      }
      await this.s3.send(
        new CopyObjectCommand({
          Bucket: target,
          Key: objectKey,
          CopySource: `${source}/${encoded}`,
          MetadataDirective: 'COPY',
          TaggingDirective: 'COPY',
        }),
      );
      succeeded += 1;
    }
    const reportBucket = job.input.Report!.Bucket!.replace('arn:aws:s3:::', '');
    const folder = `${job.input.Report!.Prefix}/job-${jobId}`;
    const results = [];
    if (failed.length > 0) {
      const resultKey = `${folder}/results/failed.csv`;
      await this.s3.send(
        new PutObjectCommand({ Bucket: reportBucket, Key: resultKey, Body: failed.join('\n') }),
      );
      results.push({ TaskExecutionStatus: 'failed', Bucket: reportBucket, Key: resultKey });
    }
    if (lines.length > 0) {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: reportBucket,
          Key: `${folder}/manifest.json`,
          Body: JSON.stringify({
            Format: 'Report_CSV_20180820',
            Results: results,
            ReportSchema:
              'Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage',
          }),
        }),
      );
    }
    job.descriptor = {
      ...job.descriptor,
      Status: end,
      ProgressSummary: {
        TotalNumberOfTasks: lines.length,
        NumberOfTasksSucceeded: succeeded,
        NumberOfTasksFailed: failed.length,
      },
      ...(end === 'Failed'
        ? {
            FailureReasons: [
              {
                FailureCode: 'AccessDenied',
                FailureReason: 'Reading the manifest is not allowed.',
              },
            ],
          }
        : {}),
    };
  }
}

let moto: MotoServer;
let s3: S3Client;
let cloudFormation: CloudFormationClient;
const control = mockClient(S3ControlClient);
let clock: FakeClock;
let fake: FakeBatchOperations;
let logger: RecordingLogger;

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials,
  });
  cloudFormation = new CloudFormationClient({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials,
  });
});

afterAll(async () => {
  control.restore();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  control.reset();
  clock = new FakeClock();
  fake = new FakeBatchOperations(s3, clock);
  fake.install(control);
  logger = new RecordingLogger();
  await s3.send(new CreateBucketCommand({ Bucket: ARTIFACTS }));
});

const BUCKET_TEMPLATE = JSON.stringify({ Resources: { Data: { Type: 'AWS::S3::Bucket' } } });

async function stack(name: string): Promise<string> {
  await cloudFormation.send(
    new CreateStackCommand({ StackName: name, TemplateBody: BUCKET_TEMPLATE }),
  );
  return (await stackBuckets(context(), name))[0]!.physicalId;
}

function context(): MigrationContext {
  // Only what a bucket copy uses; the rest of a migration's context is never reached here.
  return {
    cloudFormation,
    s3: () => s3,
    s3Control: () => new S3ControlClient({ region: 'us-east-1', credentials }),
    logger,
    clock,
    polling: { initialDelayMs: 2_000, maxDelayMs: 20_000, factor: 1.5, timeoutMs: 600_000 },
  } as unknown as MigrationContext;
}

/** A copy job's options as data-copy.ts gives them, with this test's clock and logger. */
function jobOptions(prefix: string, scope: string, polling = context().polling): BatchCopyOptions {
  return {
    control: new S3ControlClient({ region: 'us-east-1', credentials }),
    s3,
    roleArn: ROLE,
    bucket: ARTIFACTS,
    prefix,
    scope,
    polling,
    clock,
    logger,
  };
}

function request(engine: MigrationRequest['copyEngine']): MigrationRequest {
  return {
    component: 'shop',
    environment: 'staging',
    copyConcurrency: 8,
    copyVersions: 'current',
    copyEngine: engine,
    journalBucket: ARTIFACTS,
  } as unknown as MigrationRequest;
}

const KEYS: Record<string, string> = {
  'plain.json': '{"a":1}',
  'with space/and+plus,comma.json': '{"b":2}',
  'unicode/ü-é-ß.json': '{"c":3}',
  'mixed/\u{1F600}.json': '{"e":5}',
  '100%/percent?.json': '{"f":6}',
};

async function fill(bucket: string, count = 40): Promise<void> {
  const entries = [
    ...Object.entries(KEYS),
    ...Array.from({ length: count }, (_, index) => [`records/${index}.json`, `{"n":${index}}`]),
  ];
  for (const [Key, Body] of entries) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key,
        Body,
        ContentType: 'application/json',
        Metadata: { origin: 'test' },
        Tagging: 'kind=record',
      }),
    );
  }
}

/** An object uploaded in two parts: its ETag ends in -2, which a CopyObject would not keep. */
async function putMultipart(bucket: string, key: string): Promise<string> {
  const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts = [];
  for (const [index, size] of [5 * 1024 ** 2, 1024].entries()) {
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: upload.UploadId,
        PartNumber: index + 1,
        Body: Buffer.alloc(size, index + 1),
      }),
    );
    parts.push({ ETag: part.ETag!, PartNumber: index + 1 });
  }
  const done = await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: upload.UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
  return done.ETag!;
}

describe('s3-copy-engine batch-operations', () => {
  test('a job copies every object the manifest lists, the runner copies the multipart one, and the copies verify equal', async () => {
    const source = await stack('shop-staging-blue');
    const target = await stack('shop-staging-green');
    await fill(source);
    const etag = await putMultipart(source, 'large/export.bin');

    const results = await copyStackBuckets(
      context(),
      request({ engine: 'batch-operations', roleArn: ROLE, threshold: 0 }),
      'shop-staging-blue',
      'shop-staging-green',
      'clone',
      'shop/staging/20261202T150000Z/source-to-target',
    );

    expect(fake.created).toBe(1);
    const [job] = [...fake.jobs.values()];
    expect(job!.input.Operation?.S3PutObjectCopy).toEqual({
      TargetResource: `arn:aws:s3:::${target}`,
      MetadataDirective: 'COPY',
    });
    expect(job!.input.Manifest?.Location?.ObjectArn).toBe(
      `arn:aws:s3:::${ARTIFACTS}/batch-operations/shop/staging/20261202T150000Z/source-to-target/Data/manifest.csv`,
    );
    // Keys URL-encoded, one object per line, the multipart object left out.
    const manifest = await (
      await s3.send(
        new GetObjectCommand({
          Bucket: ARTIFACTS,
          Key: 'batch-operations/shop/staging/20261202T150000Z/source-to-target/Data/manifest.csv',
        }),
      )
    ).Body!.transformToString();
    const lines = manifest.trim().split('\n');
    expect(lines).toHaveLength(45);
    expect(lines).toContain(`${source},with%20space/and%2Bplus%2Ccomma.json`);
    expect(lines).toContain(`${source},100%25/percent%3F.json`);
    expect(manifest).not.toContain('large/export.bin');

    expect(results[0]).toMatchObject({ objects: 46, multipart: 1 });
    expect(logger.messages('info').join('\n')).toMatch(
      /copied 45 object\(s\) by S3 Batch Operations job [0-9a-f-]{36}, 1 multipart or over 5 GiB on the runner/,
    );
    // The job copied metadata and tags; the runner kept the part layout, so the ETag.
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: target, Key: 'plain.json' }));
    expect(tags.TagSet).toEqual([{ Key: 'kind', Value: 'record' }]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: target, Key: 'large/export.bin' }));
    expect(head.ETag).toBe(etag);
    const comparison = await compareBuckets(s3, source, target);
    expect(comparison).toMatchObject({ equal: true, differenceCount: 0 });
    expect(comparison.source.objects).toBe(46);
  });

  test('failed tasks fail the copy with their keys and the report; a re-run gets a new job, not the failed one again', async () => {
    const source = await stack('shop-staging-blue');
    const target = await stack('shop-staging-green');
    await fill(source, 10);
    fake.failing.add('plain.json');
    fake.failing.add('unicode/ü-é-ß.json');
    const options = jobOptions('batch-operations/run', 'shop/staging/m1/source-to-target');
    const failure = await copyBucketWithBatchOperations(source, target, options).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(OperationError);
    const message = (failure as Error).message;
    expect(message).toMatch(/ended Complete having copied 13 of 15 object\(s\)/);
    expect(message).toContain(
      '2 failed, for example "plain.json" (AccessDenied: Access Denied, no s3:PutObject)',
    );
    expect(message).toContain('"unicode/ü-é-ß.json" (AccessDenied');
    expect(message).toContain(`s3://${ARTIFACTS}/batch-operations/run/report/job-`);
    expect(message).toContain(ROLE);
    // Polled with backoff from 5 s (with jitter: never below half of it).
    expect(clock.sleeps.length).toBeGreaterThanOrEqual(1);
    expect(Math.min(...clock.sleeps)).toBeGreaterThanOrEqual(2_500);

    // The role is fixed; the re-run's manifest is the same listing, so the same token: the
    // failed job it gives back is replaced by a new one, which copies everything.
    fake.failing.clear();
    clock.sleeps.length = 0;
    await clock.sleep(60_000);
    const result = await copyBucketWithBatchOperations(source, target, options);
    expect(fake.created).toBe(2);
    expect(result).toMatchObject({ objects: 15, left: 0 });
    expect(logger.messages('info').join('\n')).toMatch(
      /of an earlier run ended Complete: 13 of 15 task\(s\) succeeded, 2 failed; a new job copies again/,
    );
    expect((await compareBuckets(s3, source, target)).equal).toBe(true);

    // A third run finds the job that copied everything and waits for nothing more.
    await clock.sleep(60_000);
    const again = await copyBucketWithBatchOperations(source, target, options);
    expect(fake.created).toBe(2);
    expect(again.jobId).toBe(result.jobId);
  });

  test('a job that fails as a whole names its failure reasons', async () => {
    const source = await stack('shop-staging-blue');
    const target = await stack('shop-staging-green');
    await fill(source, 3);
    fake.script = ['Preparing', 'Failed'];
    await expect(
      copyBucketWithBatchOperations(source, target, jobOptions('batch-operations/failed', 'm2')),
    ).rejects.toThrow(
      /ended Failed having copied 0 of 8 object\(s\).*AccessDenied: Reading the manifest is not allowed\./,
    );
  });

  test('waiting is bounded: a job that never ends times out naming it, and a suspended job is not waited for', async () => {
    const source = await stack('shop-staging-blue');
    const target = await stack('shop-staging-green');
    await fill(source, 2);
    const options = jobOptions('batch-operations/slow', 'm3', {
      initialDelayMs: 2_000,
      maxDelayMs: 20_000,
      factor: 1.5,
      timeoutMs: 300_000,
    });
    fake.script = Array.from({ length: 1_000 }, () => 'Active');
    const timeout = await copyBucketWithBatchOperations(source, target, options).catch(
      (error: unknown) => error,
    );
    expect(timeout).toBeInstanceOf(TimeoutError);
    expect((timeout as Error).message).toMatch(/waiting for S3 Batch Operations job [0-9a-f-]{36}/);
    expect(clock.sleeps.length).toBeLessThan(40);
    expect(timeout).not.toBeInstanceOf(StepTimeoutError);

    fake.script = ['Preparing', 'Suspended'];
    await expect(
      copyBucketWithBatchOperations(source, target, { ...options, scope: 'm4' }),
    ).rejects.toThrow(/is Suspended: it does not go on by itself\. Resume or cancel it/);
  });
});

describe('s3-copy-engine auto and what stays on the runner', () => {
  test('auto copies below the threshold on the runner and at it with a job', async () => {
    const source = await stack('shop-staging-blue');
    await stack('shop-staging-green');
    await fill(source, 5);
    await copyStackBuckets(
      context(),
      request({ engine: 'auto', roleArn: ROLE, threshold: 11 }),
      'shop-staging-blue',
      'shop-staging-green',
    );
    expect(fake.created).toBe(0);
    expect(logger.messages('info').join('\n')).toContain(
      'Data: s3-copy-engine auto: 10 object(s) in',
    );
    expect(logger.messages('info').join('\n')).toContain(
      'below s3-batch-threshold 11: copied on the runner',
    );

    await copyStackBuckets(
      context(),
      request({ engine: 'auto', roleArn: ROLE, threshold: 10 }),
      'shop-staging-blue',
      'shop-staging-green',
    );
    expect(fake.created).toBe(1);
    expect(logger.messages('info').join('\n')).toContain('at least 10 object(s)');
  });

  test("a versioned bucket's history is copied on the runner, with a warning, even when a job was asked for", async () => {
    const source = await stack('shop-staging-blue');
    const target = await stack('shop-staging-green');
    for (const bucket of [source, target]) {
      await s3.send(
        new PutBucketVersioningCommand({
          Bucket: bucket,
          VersioningConfiguration: { Status: 'Enabled' },
        }),
      );
    }
    await s3.send(new PutObjectCommand({ Bucket: source, Key: 'a.json', Body: '1' }));
    await s3.send(new PutObjectCommand({ Bucket: source, Key: 'a.json', Body: '2' }));
    const results = await copyStackBuckets(
      context(),
      {
        ...request({ engine: 'batch-operations', roleArn: ROLE, threshold: 0 }),
        copyVersions: 'all',
      },
      'shop-staging-blue',
      'shop-staging-green',
    );
    expect(fake.created).toBe(0);
    expect(results[0]).toMatchObject({ objects: 2 });
    expect(logger.messages('warning').join('\n')).toContain(
      "Data: copied on the runner, not by S3 Batch Operations: a job copies objects in no particular order, and each key's versions must be copied oldest first",
    );
  });
});

test('csvFields reads the quoting S3 writes in completion reports', () => {
  expect(csvFields('b,k%2Cx,,failed,AccessDenied,403,"Access Denied, ""quoted"""')).toEqual([
    'b',
    'k%2Cx',
    '',
    'failed',
    'AccessDenied',
    '403',
    'Access Denied, "quoted"',
  ]);
});
