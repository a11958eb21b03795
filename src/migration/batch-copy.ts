import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateJobCommand,
  DescribeJobCommand,
  type JobDescriptor,
  type S3ControlClient,
} from '@aws-sdk/client-s3-control';
import { awsErrorName, answered, IncompleteAnswerError } from '../aws/errors.js';
import { shownKey } from '../aws/s3-keys.js';
import { ConfigurationError, OperationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { waitUntil, type BackoffOptions, type Clock } from '../core/waiter.js';
import { isMultipartEtag, listObjects, type ListedObject } from './bucket-listing.js';
import { SINGLE_COPY_LIMIT } from './bucket-copy.js';
import { defined } from '../core/values.js';

export const COPY_ENGINES = ['runner', 'batch-operations', 'auto'] as const;
export type CopyEngine = (typeof COPY_ENGINES)[number];

/** How buckets are copied: on the runner, or as an S3 Batch Operations job past a size. */
export interface CopyEngineSettings {
  engine: CopyEngine;
  /** The role S3 Batch Operations assumes to read the sources and write the targets. */
  roleArn: string | undefined;
  /** auto: a bucket with at least this many objects is copied by a Batch Operations job. */
  threshold: number;
}

export const RUNNER_ONLY: CopyEngineSettings = {
  engine: 'runner',
  roleArn: undefined,
  threshold: 0,
};

const ROLE_ARN = /^arn:aws(?:-cn|-us-gov|-iso[a-z-]*)?:iam::(\d{12}):role\/[\w+=,.@\-/]{1,512}$/;

/** The role's account is the one the job runs in: S3 Control names the account on every call. */
export function parseBatchRoleArn(value: string, source: string): string {
  if (!ROLE_ARN.test(value)) {
    throw new ConfigurationError(
      `'${value}' is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)`,
      source,
    );
  }
  return value;
}

export function accountOf(roleArn: string): string {
  return defined(ROLE_ARN.exec(roleArn)?.[1], `the account of role ${roleArn}`);
}

/**
 * A copy job copies with CopyObject, which gives a multipart object a new, single-part ETag and
 * cannot copy beyond 5 GiB; those objects are copied on the runner in their own part layout, so
 * the gate can still compare ETags exactly.
 */
export function needsRunner(object: ListedObject): boolean {
  return isMultipartEtag(object.etag) || object.size > SINGLE_COPY_LIMIT;
}

/**
 * auto's decision: counts the source's objects, stopping at the threshold, so a small bucket
 * costs one listing page and a large one no more than threshold / 1000 pages.
 */
export async function reachesThreshold(
  s3: S3Client,
  bucket: string,
  threshold: number,
): Promise<{ reached: boolean; counted: number }> {
  let counted = 0;
  // Leaving the loop early closes the listing: no page is fetched past the threshold.
  for await (const _object of listObjects(s3, bucket)) {
    counted += 1;
    if (counted >= threshold) return { reached: true, counted };
  }
  return { reached: false, counted };
}

/** A key as a Batch Operations CSV manifest wants it: URL-encoded, slashes kept. */
export function manifestKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** S3's smallest part but the last; the manifest is uploaded in parts of this size. */
const PART_BYTES = 8 * 1024 ** 2;

interface WrittenManifest {
  etag: string;
  objects: number;
  bytes: number;
  /** Objects left out of the manifest, to be copied on the runner. */
  left: number;
}

/**
 * Streams the source's listing into a CSV manifest in `bucket`: memory holds one part
 * (8 MiB, about 80,000 keys), whatever the bucket's size.
 */
export async function writeManifest(
  s3: S3Client,
  source: string,
  bucket: string,
  key: string,
): Promise<WrittenManifest> {
  let objects = 0;
  let bytes = 0;
  let left = 0;
  let chunks: Buffer[] = [];
  let buffered = 0;
  let uploadId: string | undefined;
  const parts: { ETag: string; PartNumber: number }[] = [];
  const flush = async (): Promise<void> => {
    uploadId ??= (
      await s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'text/csv' }),
      )
    ).UploadId;
    if (uploadId === undefined)
      throw new IncompleteAnswerError('UploadId (S3 CreateMultipartUpload)');
    const PartNumber = parts.length + 1;
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber,
        Body: Buffer.concat(chunks),
      }),
    );
    parts.push({ ETag: answered(part.ETag, 'ETag of a part (S3 UploadPart)'), PartNumber });
    chunks = [];
    buffered = 0;
  };
  try {
    for await (const object of listObjects(s3, source)) {
      if (needsRunner(object)) {
        left += 1;
        continue;
      }
      const line = Buffer.from(`${source},${manifestKey(object.key)}\n`, 'utf8');
      chunks.push(line);
      buffered += line.length;
      objects += 1;
      bytes += object.size;
      if (buffered >= PART_BYTES) await flush();
    }
    if (uploadId === undefined) {
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: Buffer.concat(chunks),
          ContentType: 'text/csv',
        }),
      );
      return { etag: answered(put.ETag, 'ETag (S3 PutObject)'), objects, bytes, left };
    }
    if (buffered > 0) await flush();
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    return {
      etag: answered(done.ETag, 'ETag (S3 CompleteMultipartUpload)'),
      objects,
      bytes,
      left,
    };
  } catch (error) {
    if (uploadId !== undefined) {
      await s3
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined);
    }
    throw error;
  }
}

export interface BatchCopyOptions {
  control: S3ControlClient;
  s3: S3Client;
  roleArn: string;
  /** Where the manifest and the completion report are written (the artifact bucket). */
  bucket: string;
  /** Key prefix of this copy's manifest and report. */
  prefix: string;
  /**
   * What makes this copy one job: a re-run of the same migration step with the same listing
   * gets the job it created before (CreateJob's idempotency token) rather than a second one.
   */
  scope: string;
  polling: BackoffOptions;
  clock: Clock;
  logger: Logger;
}

export interface BatchCopyResult {
  jobId: string | undefined;
  objects: number;
  bytes: number;
  /** Objects the job left to the runner (multipart or over 5 GiB). */
  left: number;
  durationMs: number;
}

const FINISHED = ['Complete', 'Failed', 'Cancelled'];
/** States the job only leaves when someone acts on it; waiting would end at the timeout. */
const NEEDS_SOMEONE = ['Suspended', 'Paused'];

function progressOf(job: JobDescriptor): string {
  const summary = job.ProgressSummary;
  return `${job.Status}: ${summary?.NumberOfTasksSucceeded ?? 0} of ${summary?.TotalNumberOfTasks ?? '?'} task(s) succeeded, ${summary?.NumberOfTasksFailed ?? 0} failed`;
}

/** Splits one line of a completion report (RFC 4180 quoting, as S3 writes it). */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const char = line.charAt(index);
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

export interface FailedTask {
  key: string;
  code: string;
  status: string;
  message: string;
}

/** How many failed tasks a failure names; the report in the bucket has them all. */
const FAILURES_SHOWN = 5;

/**
 * The completion report: its manifest.json names the result files; the failed ones are read
 * for the first few failures (Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode,
 * ResultMessage). Absent when no task ran.
 */
async function readFailures(
  s3: S3Client,
  bucket: string,
  reportPrefix: string,
  jobId: string,
): Promise<{ found: boolean; failed: FailedTask[] }> {
  let manifest: { Results?: { TaskExecutionStatus?: string; Bucket?: string; Key?: string }[] };
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: `${reportPrefix}/job-${jobId}/manifest.json` }),
    );
    manifest = JSON.parse(
      await answered(response.Body, 'Body (S3 GetObject)').transformToString(),
    ) as typeof manifest;
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchKey') return { found: false, failed: [] };
    throw error;
  }
  const failed: FailedTask[] = [];
  for (const result of manifest.Results ?? []) {
    if (result.TaskExecutionStatus !== 'failed' || !result.Key) continue;
    const response = await s3.send(
      new GetObjectCommand({ Bucket: result.Bucket ?? bucket, Key: result.Key }),
    );
    const report = await answered(response.Body, 'Body (S3 GetObject)').transformToString();
    for (const line of report.split('\n')) {
      if (failed.length >= FAILURES_SHOWN) break;
      if (!line.trim()) continue;
      const [, key = '', , , code = '', status = '', message = ''] = csvFields(line);
      failed.push({ key: decodeURIComponent(key), code, status, message });
    }
    if (failed.length >= FAILURES_SHOWN) break;
  }
  return { found: true, failed };
}

/** A re-run gets at most this many jobs for one copy before it gives up. */
const MAX_JOBS = 5;

/** A job that copied exactly the manifest: complete, every task succeeded, none missing. */
function succeeded(job: JobDescriptor, manifest: { objects: number }): boolean {
  const summary = job.ProgressSummary;
  return (
    job.Status === 'Complete' &&
    (summary?.NumberOfTasksFailed ?? 0) === 0 &&
    summary?.TotalNumberOfTasks === manifest.objects &&
    summary.NumberOfTasksSucceeded === manifest.objects
  );
}

async function createJob(
  options: BatchCopyOptions,
  accountId: string,
  token: string,
  source: string,
  target: string,
  manifestObject: string,
  { etag, reportPrefix }: { etag: string; reportPrefix: string },
): Promise<string> {
  const created = await options.control.send(
    new CreateJobCommand({
      AccountId: accountId,
      ClientRequestToken: token,
      ConfirmationRequired: false,
      Priority: 10,
      RoleArn: options.roleArn,
      Description: `Copy s3://${source} to s3://${target} (${options.scope})`.slice(0, 256),
      Operation: {
        S3PutObjectCopy: { TargetResource: `arn:aws:s3:::${target}`, MetadataDirective: 'COPY' },
      },
      Manifest: {
        Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] },
        Location: {
          ObjectArn: `arn:aws:s3:::${options.bucket}/${manifestObject}`,
          ETag: etag.replace(/"/g, ''),
        },
      },
      Report: {
        Enabled: true,
        Bucket: `arn:aws:s3:::${options.bucket}`,
        Prefix: reportPrefix,
        Format: 'Report_CSV_20180820',
        ReportScope: 'FailedTasksOnly',
      },
    }),
  );
  if (!created.JobId) {
    throw new OperationError(`CreateJob answered without a job ID for s3://${source}.`);
  }
  return created.JobId;
}

/**
 * Copies every object of `source` that CopyObject can copy alike into `target` as one S3
 * Batch Operations job: the listing streamed into a manifest, CreateJob with the caller's
 * role, a wait with backoff bounded by the step's time, then the completion report. A job
 * that did not copy every object fails the copy, naming the first failures. What the job
 * left out (`left`) is the caller's to copy; the gate verifies everything afterwards.
 */
export async function copyBucketWithBatchOperations(
  source: string,
  target: string,
  options: BatchCopyOptions,
): Promise<BatchCopyResult> {
  const started = options.clock.now();
  const manifestObject = `${options.prefix}/manifest.csv`;
  const reportPrefix = `${options.prefix}/report`;
  const manifest = await writeManifest(options.s3, source, options.bucket, manifestObject);
  options.logger.info(
    `Manifest s3://${options.bucket}/${manifestObject}: ${manifest.objects} object(s) for the job${manifest.left ? `, ${manifest.left} multipart or over 5 GiB left to the runner` : ''}.`,
  );
  const result = { objects: manifest.objects, bytes: manifest.bytes, left: manifest.left };
  if (manifest.objects === 0) {
    return { jobId: undefined, ...result, durationMs: options.clock.now() - started };
  }
  const accountId = accountOf(options.roleArn);
  const describe = async (jobId: string): Promise<JobDescriptor | undefined> =>
    (await options.control.send(new DescribeJobCommand({ AccountId: accountId, JobId: jobId })))
      .Job;
  let token = createHash('sha256')
    .update(`${options.scope}\n${source}\n${target}\n${manifest.etag}`)
    .digest('hex');
  let jobId: string | undefined;
  for (let attempt = 1; ; attempt++) {
    jobId = await createJob(options, accountId, token, source, target, manifestObject, {
      etag: manifest.etag,
      reportPrefix,
    });
    const existing = await describe(jobId);
    const earlier =
      existing?.CreationTime !== undefined && existing.CreationTime.getTime() < started;
    // The token gave back a job an earlier run created. One still running, or one that copied
    // everything, is this copy's; one that failed is not run again by waiting for it.
    if (!earlier || !FINISHED.includes(existing.Status ?? '') || succeeded(existing, manifest)) {
      break;
    }
    if (attempt >= MAX_JOBS) {
      throw new OperationError(
        `${attempt} S3 Batch Operations jobs for s3://${source} to s3://${target} have ended without copying everything (the last: ${jobId}, ${progressOf(existing)}).`,
        'The copy job did not copy everything',
      );
    }
    options.logger.info(
      `Job ${jobId} of an earlier run ended ${progressOf(existing)}; a new job copies again.`,
    );
    token = createHash('sha256').update(`${token}\n${jobId}`).digest('hex');
  }
  options.logger.info(
    `S3 Batch Operations job ${jobId} copies s3://${source} to s3://${target}; a re-run of this step waits for the same job.`,
  );
  let last = '';
  const job = await waitUntil(
    `S3 Batch Operations job ${jobId} (s3://${source} to s3://${target})`,
    async () => {
      const described = await describe(jobId);
      if (!described?.Status) return { done: false, pending: 'no status yet' };
      const progress = progressOf(described);
      if (progress !== last) options.logger.info(`  job ${jobId}: ${progress}`);
      last = progress;
      if (FINISHED.includes(described.Status)) return { done: true, value: described };
      if (NEEDS_SOMEONE.includes(described.Status)) {
        throw new OperationError(
          `S3 Batch Operations job ${jobId} is ${described.Status}${described.StatusUpdateReason ? ` (${described.StatusUpdateReason})` : ''}: it does not go on by itself. Resume or cancel it in the S3 console (Batch Operations) or with aws s3control update-job-status --account-id ${accountId} --job-id ${jobId}; then run the migration again, which waits for it.`,
          'The copy job is waiting',
        );
      }
      return { done: false, pending: progress };
    },
    { ...options.polling, initialDelayMs: Math.max(options.polling.initialDelayMs, 5_000) },
    options.clock,
  );
  // The report is read whatever the job says: a failed task it lists fails the copy too.
  const report = await readFailures(options.s3, options.bucket, reportPrefix, jobId);
  if (succeeded(job, manifest) && report.failed.length === 0) {
    options.logger.info(
      `Job ${jobId} copied ${manifest.objects} object(s)${report.found ? '; its completion report lists no failed task' : ''}.`,
    );
    return { jobId, ...result, durationMs: options.clock.now() - started };
  }
  const summary = job.ProgressSummary;
  const copied = summary?.NumberOfTasksSucceeded ?? 0;
  const failedCount = Math.max(summary?.NumberOfTasksFailed ?? 0, report.failed.length);
  const total = summary?.TotalNumberOfTasks;
  const reasons = (job.FailureReasons ?? [])
    .map((reason) => `${reason.FailureCode ?? '?'}: ${reason.FailureReason ?? ''}`)
    .join('; ');
  const examples = report.failed
    .map(
      (task) =>
        `${shownKey(task.key)} (${task.code || task.status}${task.message ? `: ${task.message}` : ''})`,
    )
    .join(', ');
  throw new OperationError(
    `S3 Batch Operations job ${jobId} ended ${job.Status} having copied ${copied} of ${manifest.objects} object(s) of s3://${source}${failedCount ? `; ${failedCount} failed${examples ? `, for example ${examples}` : ''}` : ''}${total !== undefined && total !== manifest.objects ? `; it counted ${total} task(s) where the manifest has ${manifest.objects}` : ''}${reasons ? `; ${reasons}` : ''}. ${report.found ? `The completion report is under s3://${options.bucket}/${reportPrefix}/job-${jobId}/. ` : ''}Most failures are permissions of the job's role (${options.roleArn}): it must read the source and write the target (see action-migrate's README); run the migration again once fixed.`,
    'The copy job did not copy everything',
  );
}
