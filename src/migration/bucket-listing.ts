import {
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { answered } from '../aws/errors.js';
import { KEY_ENCODING, listedKeys } from '../aws/s3-keys.js';

/** What the copier and the verifier need to know about one object. */
export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  /** A particular version to copy, rather than the current one. */
  versionId?: string;
}

/** ListObjectsV2's page limit; the listing never holds more than two pages at once. */
const PAGE_SIZE = 1000;
/** Ten billion objects: far beyond any bucket, but a bound on a listing that never ends. */
const MAX_PAGES = 10_000_000;

function toListed(
  object: { Key?: string; Size?: number; ETag?: string },
  decode: (key: string) => string,
): ListedObject {
  // An entry without a key would be skipped on both sides and the copy would look whole.
  const key = decode(answered(object.Key, 'Key of a listed object (S3 ListObjectsV2)'));
  return { key, size: object.Size ?? 0, etag: object.ETag ?? '' };
}

/**
 * Every object in a bucket, in S3's listing order, one page at a time. The next page is
 * requested while the current one is consumed, so a consumer that works as fast as S3 lists
 * never waits; memory holds at most two pages, however big the bucket.
 */
export async function* listObjects(
  s3: S3Client,
  bucket: string,
  pageSize = PAGE_SIZE,
): AsyncGenerator<ListedObject> {
  const fetchPage = (token: string | undefined): Promise<ListObjectsV2CommandOutput> =>
    s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        ContinuationToken: token,
        MaxKeys: pageSize,
        EncodingType: KEY_ENCODING,
      }),
    );
  let pending: Promise<ListObjectsV2CommandOutput> | undefined = fetchPage(undefined);
  for (let page = 0; pending && page < MAX_PAGES; page++) {
    const response: ListObjectsV2CommandOutput = await pending;
    const token: string | undefined = response.IsTruncated
      ? response.NextContinuationToken
      : undefined;
    pending = token ? fetchPage(token) : undefined;
    // A prefetched page must not reject unobserved if the consumer stops early.
    pending?.catch(() => undefined);
    const contents = response.Contents ?? [];
    const decode = listedKeys(response, contents.length, `S3 ListObjectsV2 of ${bucket}`);
    for (const object of contents) {
      yield toListed(object, decode);
    }
  }
}

/**
 * S3 lists keys in ascending order of their UTF-8 bytes. JavaScript compares strings by
 * UTF-16 code units, which disagrees for characters beyond U+FFFF against U+E000..U+FFFF;
 * a merge of two listings must use S3's order or it reports objects missing that are not.
 */
export function compareKeys(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
}

/** `"…-N"`: an object uploaded in N parts, whose ETag depends on how it was uploaded. */
export function isMultipartEtag(etag: string): boolean {
  return /-\d+"?$/.test(etag);
}
