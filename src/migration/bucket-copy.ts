import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { awsErrorName, httpStatus } from '../aws/errors.js';
import type { Clock } from '../core/waiter.js';
import { isMultipartEtag, listObjects, type ListedObject } from './bucket-listing.js';

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
  clock: Clock;
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
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

class Copier {
  readonly progress: CopyProgress = { objects: 0, bytes: 0, retries: 0, multipart: 0 };

  constructor(
    private readonly s3: S3Client,
    private readonly source: string,
    private readonly target: string,
    private readonly options: CopyOptions,
  ) {}

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
      this.s3.send(new HeadObjectCommand({ Bucket: this.source, Key: object.key, PartNumber: 1 })),
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
      await this.withRetry(() =>
        this.s3.send(
          new CopyObjectCommand({
            Bucket: this.target,
            Key: object.key,
            CopySource: copySource(this.source, object.key),
            // The copy must be the object that was listed, not one written since.
            CopySourceIfMatch: object.etag || undefined,
            MetadataDirective: 'COPY',
            TaggingDirective: 'COPY',
          }),
        ),
      );
    }
    this.progress.objects += 1;
    this.progress.bytes += object.size;
  }

  private async copyInParts(object: ListedObject, sourcePartSize?: number): Promise<void> {
    const head = await this.withRetry(() =>
      this.s3.send(new HeadObjectCommand({ Bucket: this.source, Key: object.key })),
    );
    // CopyObject copies tags itself (TaggingDirective COPY); a multipart upload does not.
    const tagging = await this.withRetry(() =>
      this.s3.send(new GetObjectTaggingCommand({ Bucket: this.source, Key: object.key })),
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
    const uploadId = upload.UploadId!;
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
              CopySource: copySource(this.source, object.key),
              CopySourceIfMatch: object.etag || undefined,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          ),
        );
        parts.push({ ETag: part.CopyPartResult!.ETag!, PartNumber: number });
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
  const listing = listObjects(s3, source);
  let failure: unknown;
  let lastReport = started;
  const every = options.progressEveryMs ?? 10_000;
  // Async generators queue concurrent next() calls, so workers can share one listing.
  const worker = async (): Promise<void> => {
    let current: ListedObject | undefined;
    try {
      while (failure === undefined) {
        current = undefined;
        const next = await listing.next();
        if (next.done) return;
        current = next.value;
        await copier.copy(current);
        if (options.onProgress && options.clock.now() - lastReport >= every) {
          lastReport = options.clock.now();
          options.onProgress({ ...copier.progress });
        }
      }
    } catch (error) {
      failure ??= new Error(
        current
          ? `Copying s3://${source}/${current.key} to s3://${target} failed: ${(error as Error).message}`
          : `Listing s3://${source} failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
  };
  // Every worker finishes its copy in flight before this returns: nothing runs on afterwards.
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  if (failure !== undefined) {
    await listing.return(undefined).catch(() => undefined);
    throw failure;
  }
  return { source, target, ...copier.progress, durationMs: options.clock.now() - started };
}
