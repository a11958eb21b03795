import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { awsErrorName, httpStatus, answered } from '../aws/errors.js';
import { shownKey } from '../aws/s3-keys.js';
import type { Clock } from '../core/waiter.js';
import { compareKeys, isMultipartEtag, listObjects, type ListedObject } from './bucket-listing.js';
import {
  commonStart,
  listHistories,
  pairHistories,
  type KeyHistory,
  type PairedHistory,
} from './bucket-versions.js';
import { OperationError } from '../core/errors.js';
import type { Deadline } from '../core/deadline.js';
import { CopyObjectSender } from './copy-object-sender.js';

/** CopyObject's limit: anything larger must be copied in parts. */
export const SINGLE_COPY_LIMIT = 5 * 1024 ** 3;
const DEFAULT_PART_SIZE = 512 * 1024 ** 2;
const MAX_PARTS = 10_000;

export interface CopyOptions {
  /** Copies in flight at once. */
  concurrency: number;
  /** Objects above this are copied in parts (tests lower it; S3's limit is 5 GiB). */
  multipartThreshold?: number;
  partSize?: number;
  /** Called at most every `progressEveryMs` with the running totals. */
  onProgress?: (progress: CopyProgress) => void;
  progressEveryMs?: number;
  /** Called after each object with the count so far; the crash tests kill the process here. */
  afterObject?: (copied: number) => void;
  clock: Clock;
  /** Bounds the copies sent without the SDK (copy-object-sender.ts) as the SDK's are bounded. */
  deadline?: Deadline;
  /**
   * copyBucketHistory: what to do with a target key whose history is not a start of the
   * source's. A copy the migration made is removed and copied again (`rewrite`, the default);
   * a bucket that held data before (a rollback's previous colour) is never pruned: `refuse`.
   */
  diverged?: 'rewrite' | 'refuse';
  /** copyBucket: only the objects this accepts (what a Batch Operations job left out). */
  only?: (object: ListedObject) => boolean;
}

export interface CopyProgress {
  objects: number;
  bytes: number;
  /** Requests that were throttled or failed transiently and went through on a later attempt. */
  retries: number;
  multipart: number;
}

export interface CopyResult extends CopyProgress {
  source: string;
  target: string;
  durationMs: number;
}

/** Errors S3 asks callers to slow down or come back for; the SDK retries them first. */
const TRANSIENT = [
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'Throttling',
];
/** After the SDK's own attempts, this many more rounds with a growing pause. */
const EXTRA_ROUNDS = 4;

function isTransient(error: unknown): boolean {
  const name = awsErrorName(error) ?? '';
  const status = httpStatus(error) ?? 0;
  return TRANSIENT.includes(name) || status === 503 || status === 500;
}

function attempts(response: { $metadata?: { attempts?: number } }): number {
  return Math.max(0, (response.$metadata?.attempts ?? 1) - 1);
}

/** The source as CopySource wants it: each key segment URL-encoded, slashes kept. */
export function copySource(bucket: string, key: string, versionId?: string): string {
  const path = `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return versionId ? `${path}?versionId=${encodeURIComponent(versionId)}` : path;
}

class Copier {
  readonly progress: CopyProgress = { objects: 0, bytes: 0, retries: 0, multipart: 0 };
  private readonly sender: CopyObjectSender;

  constructor(
    private readonly s3: S3Client,
    private readonly source: string,
    private readonly target: string,
    private readonly options: CopyOptions,
  ) {
    this.sender = new CopyObjectSender(s3, {
      clock: options.clock,
      ...(options.deadline ? { deadline: options.deadline } : {}),
    });
  }

  /** Runs `send`, counting the SDK's retries and adding a few slower rounds for throttling. */
  private async withRetry<T extends { $metadata?: { attempts?: number } }>(
    send: () => Promise<T>,
  ): Promise<T> {
    for (let round = 0; ; round++) {
      try {
        const response = await send();
        this.progress.retries += attempts(response);
        return response;
      } catch (error) {
        if (!isTransient(error) || round >= EXTRA_ROUNDS) throw error;
        this.progress.retries += 1;
        await this.options.clock.sleep(500 * 2 ** round * (0.5 + Math.random() / 2));
      }
    }
  }

  /**
   * The part size a multipart object was uploaded with, read from its first part. Copying in
   * the same parts gives the copy the same ETag, so verification can compare ETags exactly.
   */
  private async partSizeOf(object: ListedObject): Promise<number | undefined> {
    const first = await this.withRetry(() =>
      this.s3.send(
        new HeadObjectCommand({
          Bucket: this.source,
          Key: object.key,
          VersionId: object.versionId,
          PartNumber: 1,
        }),
      ),
    );
    const size = first.ContentLength ?? 0;
    const parts = first.PartsCount ?? 0;
    // Equal parts (all but the last) are what the layout can be rebuilt from; others are not.
    if (parts < 2 || size < 5 * 1024 ** 2 || Math.ceil(object.size / size) !== parts) {
      return undefined;
    }
    return size;
  }

  async copy(object: ListedObject): Promise<void> {
    const threshold = this.options.multipartThreshold ?? SINGLE_COPY_LIMIT;
    const partSize = isMultipartEtag(object.etag) ? await this.partSizeOf(object) : undefined;
    if (object.size > threshold || partSize !== undefined) {
      await this.copyInParts(object, partSize);
      this.progress.multipart += 1;
    } else {
      await this.withRetry(async () => ({
        $metadata: {
          attempts: await this.sender.copy({
            bucket: this.target,
            key: object.key,
            copySource: copySource(this.source, object.key, object.versionId),
            // The copy must be the object that was listed, not one written since.
            ...(object.etag ? { ifMatch: object.etag } : {}),
          }),
        },
      }));
    }
    this.progress.objects += 1;
    this.progress.bytes += object.size;
  }

  /** In a versioned target, a delete without a version ID adds a delete marker, as in the source. */
  async addDeleteMarker(key: string): Promise<void> {
    await this.withRetry(() =>
      this.s3.send(new DeleteObjectCommand({ Bucket: this.target, Key: key })),
    );
  }

  /** Removes one version from the target for good: only for a copy this migration made. */
  async deleteTargetVersion(key: string, versionId: string): Promise<void> {
    await this.withRetry(() =>
      this.s3.send(
        new DeleteObjectCommand({ Bucket: this.target, Key: key, VersionId: versionId }),
      ),
    );
  }

  private async copyInParts(object: ListedObject, sourcePartSize?: number): Promise<void> {
    const head = await this.withRetry(() =>
      this.s3.send(
        new HeadObjectCommand({
          Bucket: this.source,
          Key: object.key,
          VersionId: object.versionId,
        }),
      ),
    );
    // CopyObject copies tags itself (TaggingDirective COPY); a multipart upload does not.
    const tagging = await this.withRetry(() =>
      this.s3.send(
        new GetObjectTaggingCommand({
          Bucket: this.source,
          Key: object.key,
          VersionId: object.versionId,
        }),
      ),
    );
    const tags = new URLSearchParams(
      (tagging.TagSet ?? []).map((tag): [string, string] => [tag.Key ?? '', tag.Value ?? '']),
    ).toString();
    const partSize =
      sourcePartSize ??
      Math.max(this.options.partSize ?? DEFAULT_PART_SIZE, Math.ceil(object.size / MAX_PARTS));
    const upload = await this.withRetry(() =>
      this.s3.send(
        new CreateMultipartUploadCommand({
          Bucket: this.target,
          Key: object.key,
          ContentType: head.ContentType,
          ContentEncoding: head.ContentEncoding,
          ContentDisposition: head.ContentDisposition,
          CacheControl: head.CacheControl,
          ContentLanguage: head.ContentLanguage,
          Metadata: head.Metadata,
          StorageClass: head.StorageClass,
          ...(tags ? { Tagging: tags } : {}),
        }),
      ),
    );
    const uploadId = answered(upload.UploadId, 'UploadId (S3 CreateMultipartUpload)');
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, number = 1; start < object.size; start += partSize, number++) {
        const end = Math.min(start + partSize, object.size) - 1;
        const part = await this.withRetry(() =>
          this.s3.send(
            new UploadPartCopyCommand({
              Bucket: this.target,
              Key: object.key,
              UploadId: uploadId,
              PartNumber: number,
              CopySource: copySource(this.source, object.key, object.versionId),
              CopySourceIfMatch: object.etag || undefined,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          ),
        );
        parts.push({
          ETag: answered(part.CopyPartResult?.ETag, 'ETag of a part (S3 UploadPartCopy)'),
          PartNumber: number,
        });
      }
      await this.withRetry(() =>
        this.s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.target,
            Key: object.key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
    } catch (error) {
      // An abandoned upload's parts are billed until aborted.
      await this.s3
        .send(
          new AbortMultipartUploadCommand({
            Bucket: this.target,
            Key: object.key,
            UploadId: uploadId,
          }),
        )
        .catch(() => undefined);
      throw error;
    }
  }
}

/**
 * Runs `handle` over a shared listing, `concurrency` at a time (async generators queue
 * concurrent next() calls, so workers can share one). The first failure stops every worker
 * after its item in flight, closes the listing and is thrown, described by `failed`.
 */
async function drainConcurrently<T>(
  items: AsyncGenerator<T>,
  concurrency: number,
  handle: (item: T) => Promise<void>,
  failed: (item: T | undefined, error: Error) => Error,
): Promise<void> {
  let failure: Error | undefined;
  const worker = async (): Promise<void> => {
    let current: T | undefined;
    try {
      while (failure === undefined) {
        current = undefined;
        const next = await items.next();
        if (next.done) return;
        current = next.value;
        await handle(current);
      }
    } catch (error) {
      failure ??= failed(current, error as Error);
    }
  };
  // Every worker finishes its item in flight before this returns: nothing runs on afterwards.
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure !== undefined) {
    await items.return(undefined).catch(() => undefined);
    throw failure;
  }
}

/** Progress at most every `progressEveryMs`, and the per-item hook the crash tests use. */
function progressReporter(options: CopyOptions, progress: () => CopyProgress) {
  let lastReport = options.clock.now();
  const every = options.progressEveryMs ?? 10_000;
  return (done: number): void => {
    options.afterObject?.(done);
    if (options.onProgress && options.clock.now() - lastReport >= every) {
      lastReport = options.clock.now();
      options.onProgress({ ...progress() });
    }
  };
}

/**
 * Copies every current object of `source` into `target` with server-side copies (the bytes
 * never pass through the runner), `concurrency` at a time, while the listing streams: memory
 * holds two listing pages and the copies in flight, whatever the bucket's size. The first
 * failure stops the copy; the caller verifies the result object by object either way.
 */
export async function copyBucket(
  s3: S3Client,
  source: string,
  target: string,
  options: CopyOptions,
): Promise<CopyResult> {
  const started = options.clock.now();
  const copier = new Copier(s3, source, target, options);
  const report = progressReporter(options, () => copier.progress);
  await drainConcurrently(
    listObjects(s3, source),
    options.concurrency,
    async (object) => {
      if (options.only && !options.only(object)) return;
      await copier.copy(object);
      report(copier.progress.objects);
    },
    (object, error) =>
      new OperationError(
        object
          ? `Copying ${shownKey(object.key)} from s3://${source} to s3://${target} failed: ${error.message}`
          : `Listing s3://${source} failed: ${error.message}`,
        'The copy failed',
        { cause: error },
      ),
  );
  return { source, target, ...copier.progress, durationMs: options.clock.now() - started };
}

export interface HistoryCopyResult extends CopyResult {
  /** Versions copied (also counted in `objects`) and delete markers replayed. */
  versions: number;
  deleteMarkers: number;
  /** Keys whose partial copy in the target (from a run that died) did not match and was redone. */
  rewritten: number;
}

/**
 * Copies a versioned bucket's whole history: for each key, every version and delete marker,
 * oldest first, so the target's history of each key is the source's (with new version IDs).
 * Keys are copied `concurrency` at a time, each key's entries in order. A key the target has
 * part of (a run that died mid-copy) is continued where its history stops matching; a target
 * history that is not a start of the source's is removed and copied again. The target must
 * be a versioned bucket this migration created.
 */
export async function copyBucketHistory(
  s3: S3Client,
  source: string,
  target: string,
  options: CopyOptions,
): Promise<HistoryCopyResult> {
  const started = options.clock.now();
  const copier = new Copier(s3, source, target, options);
  let versions = 0;
  let deleteMarkers = 0;
  let rewritten = 0;
  let keys = 0;

  const replay = async (history: KeyHistory, pair: PairedHistory): Promise<void> => {
    if (history.ambiguous) {
      throw new OperationError(
        `the history of ${shownKey(history.key)} cannot be copied in order: ${history.ambiguous}. Use copy-versions: current to copy only current objects.`,
      );
    }
    const existing = pair.target?.versions ?? [];
    let from = commonStart(history.versions, existing);
    if (from < existing.length && options.diverged === 'refuse') {
      throw new OperationError(
        `the history of ${shownKey(history.key)} in s3://${target} (${existing.length} entries) is not a start of its history in s3://${source}: copying it would remove ${existing.length - from} version(s) or delete marker(s) only s3://${target} still has (removed from s3://${source} since, by hand or by a lifecycle rule)`,
      );
    }
    if (from < existing.length) {
      for (const stale of existing) await copier.deleteTargetVersion(history.key, stale.versionId);
      rewritten += 1;
      from = 0;
    }
    for (const version of history.versions.slice(from)) {
      if (version.deleteMarker) {
        await copier.addDeleteMarker(history.key);
        deleteMarkers += 1;
      } else {
        await copier.copy({
          key: history.key,
          size: version.size,
          etag: version.etag,
          versionId: version.versionId,
        });
        versions += 1;
      }
    }
  };

  const report = progressReporter(options, () => copier.progress);
  await drainConcurrently(
    pairHistories(listHistories(s3, source), listHistories(s3, target)),
    options.concurrency,
    async (pair) => {
      if (!pair.source) return; // only in the target: the verification reports it
      await replay(pair.source, pair);
      keys += 1;
      report(keys);
    },
    (pair, error) =>
      new OperationError(
        pair
          ? `Copying the history of ${shownKey(pair.key)} from s3://${source} to s3://${target} failed: ${error.message}`
          : `Listing the versions of s3://${source} or s3://${target} failed: ${error.message}`,
        'The copy failed',
        { cause: error },
      ),
  );
  return {
    source,
    target,
    ...copier.progress,
    durationMs: options.clock.now() - started,
    versions,
    deleteMarkers,
    rewritten,
  };
}

export interface MirrorResult extends CopyResult {
  /** Objects of the target that the source no longer has, deleted (a delete marker when versioned). */
  deleted: number;
  /** Objects already the same in both (key, size and ETag): left alone. */
  unchanged: number;
}

type MirrorAction = { copy: ListedObject } | { delete: string } | { same: string };

/** One pass over both listings, in S3's key order: two pages of each in memory. */
async function* mirrorActions(
  source: AsyncGenerator<ListedObject>,
  target: AsyncGenerator<ListedObject>,
): AsyncGenerator<MirrorAction> {
  let a = await source.next();
  let b = await target.next();
  try {
    while (!a.done || !b.done) {
      const order = a.done ? 1 : b.done ? -1 : compareKeys(a.value.key, b.value.key);
      if (order < 0 && !a.done) {
        yield { copy: a.value };
        a = await source.next();
      } else if (order > 0 && !b.done) {
        yield { delete: b.value.key };
        b = await target.next();
      } else if (!a.done && !b.done) {
        const same = a.value.size === b.value.size && a.value.etag === b.value.etag;
        yield same ? { same: a.value.key } : { copy: a.value };
        a = await source.next();
        b = await target.next();
      }
    }
  } finally {
    await Promise.all([source.return(undefined), target.return(undefined)]).catch(() => undefined);
  }
}

/**
 * Makes `target`'s current objects those of `source`, like `aws s3 sync --delete`: an object
 * missing or different in the target is copied server-side, one the source no longer has is
 * deleted, one already the same is left alone. A rollback uses it to bring the previous colour
 * up to the newer one's data, copying only what changed since the switch. Both listings stream
 * in key order, so memory is bounded whatever the buckets' size.
 */
export async function mirrorBucket(
  s3: S3Client,
  source: string,
  target: string,
  options: CopyOptions,
): Promise<MirrorResult> {
  const started = options.clock.now();
  const copier = new Copier(s3, source, target, options);
  let deleted = 0;
  let unchanged = 0;
  let done = 0;
  const report = progressReporter(options, () => copier.progress);
  await drainConcurrently(
    mirrorActions(listObjects(s3, source), listObjects(s3, target)),
    options.concurrency,
    async (action) => {
      if ('copy' in action) {
        await copier.copy(action.copy);
      } else if ('delete' in action) {
        await copier.addDeleteMarker(action.delete);
        deleted += 1;
      } else {
        unchanged += 1;
      }
      done += 1;
      report(done);
    },
    (action, error) =>
      new OperationError(
        action
          ? `Mirroring ${shownKey('copy' in action ? action.copy.key : 'delete' in action ? action.delete : action.same)} from s3://${source} to s3://${target} failed: ${error.message}`
          : `Listing s3://${source} or s3://${target} failed: ${error.message}`,
        'The copy failed',
        { cause: error },
      ),
  );
  return {
    source,
    target,
    ...copier.progress,
    durationMs: options.clock.now() - started,
    deleted,
    unchanged,
  };
}
