import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { newestKey, refuseMissingArtifactBucket } from '../aws/s3-buckets.js';
import { RefusalError } from '../core/errors.js';
import type { RunContext } from '../core/github-context.js';
import type { Logger } from '../core/logger.js';
import { s3Url } from '../packaging/package-reference.js';
import { verdictLine, type SmokeReport } from '../smoke/results.js';

/** The gates a version passes on its way to production; migration adds `statistics`. */
export const GATES = ['smoke', 'statistics'] as const;
export type Gate = (typeof GATES)[number];

/**
 * One verdict on one version in one environment. Written once and never overwritten, so the
 * ledger is a history: who passed what, when, from which run.
 */
export interface PromotionRecord {
  schema: 1;
  component: string;
  version: string;
  environment: string;
  gate: Gate;
  passed: boolean;
  time: string;
  runUrl: string | null;
  commit: string | null;
  repository: string | null;
  stackName?: string;
  /** One line on what was checked, e.g. "4 checks passed". */
  detail?: string;
}

export interface RecordSubject {
  component: string;
  version: string;
  environment: string;
  gate: Gate;
}

const ROOT = 'promotions';
/** Bounds the listing of one subject's history; far beyond any real number of runs. */
const MAX_PAGES = 100;

export function ledgerPrefix(subject: RecordSubject): string {
  return `${ROOT}/${subject.component}/${subject.version}/${subject.environment}/${subject.gate}/`;
}

/** Sortable by time, so the newest record is the greatest key; the suffix keeps keys unique. */
function recordKey(record: PromotionRecord): string {
  const stamp = record.time.replace(/[-:]/g, '').replace('.', '');
  const suffix = randomBytes(4).toString('hex');
  return `${ledgerPrefix(record)}${stamp}-${record.passed ? 'passed' : 'failed'}-${suffix}.json`;
}

export function newRecord(
  subject: RecordSubject,
  passed: boolean,
  run: RunContext,
  now: Date,
  extra: { stackName?: string; detail?: string } = {},
): PromotionRecord {
  return {
    schema: 1,
    ...subject,
    passed,
    time: now.toISOString(),
    runUrl: run.runUrl,
    commit: run.commit,
    repository: run.repository,
    ...extra,
  };
}

function missingBucket(error: unknown, bucket: string): never {
  refuseMissingArtifactBucket(
    error,
    bucket,
    'so the promotion ledger cannot be read or written',
    'Check artifact-bucket (it is the bucket packages are published to).',
  );
}

/** Writes one record; `If-None-Match` makes "never overwritten" a property of the write itself. */
export async function recordPromotion(
  s3: S3Client,
  bucket: string,
  record: PromotionRecord,
  logger: Logger,
): Promise<string> {
  const key = recordKey(record);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(record, null, 2),
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
  } catch (error) {
    missingBucket(error, bucket);
  }
  const url = s3Url(bucket, key);
  logger.info(
    `Recorded in the promotion ledger: ${record.component} ${record.version} ${record.passed ? 'passed' : 'failed'} ${record.gate} in ${record.environment} (${url})`,
  );
  return url;
}

/** Records a smoke test's verdict, passed or failed: the gate a later deploy can require. */
export function recordSmokeResult(
  s3: S3Client,
  bucket: string,
  subject: Omit<RecordSubject, 'gate'>,
  report: SmokeReport,
  run: RunContext,
  logger: Logger,
  stackName?: string,
): Promise<string> {
  const record = newRecord({ ...subject, gate: 'smoke' }, report.passed, run, new Date(), {
    ...(stackName ? { stackName } : {}),
    detail: verdictLine(report),
  });
  return recordPromotion(s3, bucket, record, logger);
}

/** The newest record for a subject, or undefined when it has none. */
export async function latestRecord(
  s3: S3Client,
  bucket: string,
  subject: RecordSubject,
): Promise<{ key: string; record: PromotionRecord } | undefined> {
  let newest: string | undefined;
  try {
    newest = await newestKey(s3, bucket, ledgerPrefix(subject), '.json', MAX_PAGES);
  } catch (error) {
    missingBucket(error, bucket);
  }
  if (!newest) return undefined;
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: newest }));
  const text = (await object.Body?.transformToString('utf8')) ?? '';
  let record: PromotionRecord;
  try {
    record = JSON.parse(text) as PromotionRecord;
  } catch {
    throw new RefusalError(
      `Promotion record ${s3Url(bucket, newest)} is not valid JSON; it was not written by this suite.`,
      'Remove it or write a new record by running the gate again.',
    );
  }
  const keyPassed = newest.includes('-passed-');
  if (
    record.component !== subject.component ||
    record.version !== subject.version ||
    record.environment !== subject.environment ||
    record.gate !== subject.gate ||
    record.passed !== keyPassed
  ) {
    throw new RefusalError(
      `Promotion record ${s3Url(bucket, newest)} does not say what its name says (it records ${record.component} ${record.version} ${record.gate} in ${record.environment}, passed=${record.passed}); the ledger has been edited by hand.`,
      'Remove it or run the gate again.',
    );
  }
  return { key: newest, record };
}

export interface PromotionRequirement {
  component: string;
  version: string;
  environments: string[];
  gates: Gate[];
}

/**
 * Refuses unless, for every environment and gate, the newest record says passed. The newest
 * decides: a version that passed staging on Monday and failed on Tuesday has not passed.
 */
export async function requirePromotion(
  s3: S3Client,
  bucket: string,
  requirement: PromotionRequirement,
  logger: Logger,
): Promise<PromotionRecord[]> {
  const passed: PromotionRecord[] = [];
  const missing: string[] = [];
  for (const environment of requirement.environments) {
    for (const gate of requirement.gates) {
      const subject = {
        component: requirement.component,
        version: requirement.version,
        environment,
        gate,
      };
      const latest = await latestRecord(s3, bucket, subject);
      if (!latest) {
        missing.push(`no ${gate} record in ${environment}`);
      } else if (!latest.record.passed) {
        missing.push(
          `its latest ${gate} in ${environment} failed (${latest.record.time}${latest.record.runUrl ? `, ${latest.record.runUrl}` : ''})`,
        );
      } else {
        logger.info(
          `✔ ${requirement.component} ${requirement.version} passed ${gate} in ${environment} at ${latest.record.time}${latest.record.runUrl ? ` (${latest.record.runUrl})` : ''}`,
        );
        passed.push(latest.record);
      }
    }
  }
  if (missing.length > 0) {
    throw new RefusalError(
      `${requirement.component} ${requirement.version} has not been promoted: ${missing.join('; ')} (ledger: ${s3Url(bucket, `${ROOT}/${requirement.component}/${requirement.version}/`)}).`,
      `Deploy and smoke test this version in ${requirement.environments.join(', ')} first; only a passed smoke test with artifact-bucket set records it.`,
      'Stopped by the promotion gate',
    );
  }
  return passed;
}
