import { createHash, type Hash } from 'node:crypto';
import {
  GetBucketVersioningCommand,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandInput,
  type ListObjectVersionsCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { compareKeys, isMultipartEtag } from './bucket-listing.js';
import { OperationError } from '../core/errors.js';
import { answered } from '../aws/errors.js';
import { KEY_ENCODING, listedKeys } from '../aws/s3-keys.js';

/** One entry of a key's history: a version, or a delete marker. */
export interface ObjectVersion {
  versionId: string;
  deleteMarker: boolean;
  size: number;
  etag: string;
}

/** Every version and delete marker of one key, oldest first. */
export interface KeyHistory {
  key: string;
  versions: ObjectVersion[];
  /**
   * Set when the listing cannot tell the order of two entries: the SDK returns versions and
   * delete markers in separate lists, and a delete marker and a version written in the same
   * second (S3 lists times to the second) cannot then be placed.
   */
  ambiguous?: string;
}

export type Versioning = 'Enabled' | 'Suspended' | 'Off';

/** A bucket that has ever been versioned keeps every version, even with versioning Suspended. */
export async function versioningOf(s3: S3Client, bucket: string): Promise<Versioning> {
  const response = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  return response.Status === 'Enabled' || response.Status === 'Suspended' ? response.Status : 'Off';
}

interface Entry extends ObjectVersion {
  key: string;
  /** The key as the listing wrote it (URL-encoded), as the XML order knows it. */
  listed: string;
  time: number;
  isLatest: boolean;
}

const PAGE_SIZE = 1000;

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, entity: string) =>
    entity.startsWith('#x') || entity.startsWith('#X')
      ? String.fromCodePoint(parseInt(entity.slice(2), 16))
      : entity.startsWith('#')
        ? String.fromCodePoint(parseInt(entity.slice(1), 10))
        : (XML_ENTITIES[entity.toLowerCase()] ?? `&${entity};`),
  );
}

/**
 * Position of each entry (key, version ID) in the XML, where S3 lists them in true order. Keys
 * are as the XML has them: URL-encoded, as the listing asks.
 */
export function entryOrder(xml: string): Map<string, number> {
  const order = new Map<string, number>();
  const element = /<(Version|DeleteMarker)>([\s\S]*?)<\/\1>/g;
  for (let match = element.exec(xml), index = 0; match; match = element.exec(xml), index++) {
    const body = match[2] ?? '';
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(body)?.[1];
    const versionId = /<VersionId>([\s\S]*?)<\/VersionId>/.exec(body)?.[1];
    if (key !== undefined) order.set(`${unescapeXml(key)}\u0000${versionId ?? 'null'}`, index);
  }
  return order;
}

interface VersionsPage {
  page: ListObjectVersionsCommandOutput;
  /** Undefined if the raw answer could not be read: ties are then resolved by time, or reported. */
  order: Map<string, number> | undefined;
}

/**
 * One ListObjectVersions page, with the order S3 listed its entries in. S3 lists a key's
 * versions and delete markers interleaved, newest first, but the SDK parses them into two
 * separate lists, and their times (to the second) cannot order a version and a delete marker
 * written in the same second. The raw XML keeps that order, so it is read on the way through.
 */
async function listVersionsPage(
  s3: S3Client,
  input: ListObjectVersionsCommandInput,
): Promise<VersionsPage> {
  const command = new ListObjectVersionsCommand(input);
  let order: Map<string, number> | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { body?: unknown };
      const body = response.body as AsyncIterable<Uint8Array> | undefined;
      if (body && typeof body[Symbol.asyncIterator] === 'function') {
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(Buffer.from(chunk));
        const bytes = Buffer.concat(chunks);
        // The SDK's deserializer reads a byte array as readily as a stream.
        response.body = new Uint8Array(bytes);
        order = entryOrder(bytes.toString('utf8'));
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'keepVersionOrder' },
  );
  const page = await s3.send(command);
  return { page, order };
}
const MAX_PAGES = 10_000_000;

/**
 * Puts one page's versions and delete markers back into S3's order: by key, then newest
 * first. Both lists are in that order already; only entries of one key need interleaving,
 * by time, and a tie is resolved by IsLatest or reported.
 */
function interleave(
  page: ListObjectVersionsCommandOutput,
  order: Map<string, number> | undefined,
  decode: (key: string) => string,
): { entries: Entry[]; ties: Set<string> } {
  const toEntry = (
    item: { Key?: string; VersionId?: string; LastModified?: Date; IsLatest?: boolean },
    deleteMarker: boolean,
    size = 0,
    etag = '',
  ): Entry => ({
    // An entry without a key would drop out of both histories and the copy would look whole.
    listed: answered(item.Key, 'Key of an object version (S3 ListObjectVersions)'),
    key: decode(answered(item.Key, 'Key of an object version (S3 ListObjectVersions)')),
    versionId: item.VersionId ?? 'null',
    deleteMarker,
    size,
    etag,
    time: item.LastModified?.getTime() ?? 0,
    isLatest: item.IsLatest ?? false,
  });
  const versions = (page.Versions ?? []).map((item) =>
    toEntry(item, false, item.Size ?? 0, item.ETag ?? ''),
  );
  const markers = (page.DeleteMarkers ?? []).map((item) => toEntry(item, true));
  const entries: Entry[] = [];
  const ties = new Set<string>();
  let v = 0;
  let m = 0;
  while (v < versions.length || m < markers.length) {
    const version = versions[v];
    const marker = markers[m];
    if (!version || !marker) {
      // One list is done: the rest of the other follows in its own order.
      if (version) {
        entries.push(version);
        v++;
      } else if (marker) {
        entries.push(marker);
        m++;
      } else break;
      continue;
    }
    const byKey = compareKeys(version.key, marker.key);
    const versionAt = order?.get(`${version.listed}\u0000${version.versionId}`);
    const markerAt = order?.get(`${marker.listed}\u0000${marker.versionId}`);
    let takeVersion: boolean;
    if (byKey !== 0) takeVersion = byKey < 0;
    else if (versionAt !== undefined && markerAt !== undefined) takeVersion = versionAt < markerAt;
    else if (version.time !== marker.time) takeVersion = version.time > marker.time;
    else if (version.isLatest || marker.isLatest) takeVersion = version.isLatest;
    else {
      ties.add(version.key);
      takeVersion = true;
    }
    if (takeVersion) {
      entries.push(version);
      v++;
    } else {
      entries.push(marker);
      m++;
    }
  }
  return { entries, ties };
}

/**
 * Every key's full history, in S3's key order, one listing page at a time (the next is
 * fetched while this one is consumed). Memory holds two pages and one key's history.
 */
export async function* listHistories(
  s3: S3Client,
  bucket: string,
  pageSize = PAGE_SIZE,
): AsyncGenerator<KeyHistory> {
  const fetchPage = (keyMarker?: string, versionIdMarker?: string) =>
    listVersionsPage(s3, {
      Bucket: bucket,
      MaxKeys: pageSize,
      KeyMarker: keyMarker,
      VersionIdMarker: versionIdMarker,
      EncodingType: KEY_ENCODING,
    });
  let pending: Promise<VersionsPage> | undefined = fetchPage();
  let current: { key: string; newestFirst: ObjectVersion[]; ambiguous?: string } | undefined;
  const finish = (history: NonNullable<typeof current>): KeyHistory => ({
    key: history.key,
    versions: history.newestFirst.reverse(),
    ...(history.ambiguous ? { ambiguous: history.ambiguous } : {}),
  });
  for (let page = 0; pending && page < MAX_PAGES; page++) {
    const fetched: VersionsPage = await pending;
    const response = fetched.page;
    const decode = listedKeys(
      response,
      (response.Versions?.length ?? 0) + (response.DeleteMarkers?.length ?? 0),
      `S3 ListObjectVersions of ${bucket}`,
    );
    // The marker comes back encoded like the keys; the next request names the key itself.
    pending = response.IsTruncated
      ? fetchPage(
          response.NextKeyMarker === undefined ? undefined : decode(response.NextKeyMarker),
          response.NextVersionIdMarker,
        )
      : undefined;
    pending?.catch(() => undefined);
    const { entries, ties } = interleave(response, fetched.order, decode);
    for (const entry of entries) {
      if (current && current.key !== entry.key) {
        yield finish(current);
        current = undefined;
      }
      current ??= { key: entry.key, newestFirst: [] };
      if (ties.has(entry.key)) {
        current.ambiguous = `a delete marker and a version of it have the same time (${new Date(entry.time).toISOString()}), and the listing does not say which came first`;
      }
      const { versionId, deleteMarker, size, etag } = entry;
      current.newestFirst.push({ versionId, deleteMarker, size, etag });
    }
  }
  if (pending) {
    throw new OperationError(
      `Listing the versions of s3://${bucket} did not end.`,
      'A listing failed',
    );
  }
  if (current) yield finish(current);
}

/** Two histories' entries are the same data: version IDs always differ between buckets. */
export function sameEntry(left: ObjectVersion, right: ObjectVersion): boolean {
  if (left.deleteMarker || right.deleteMarker) return left.deleteMarker === right.deleteMarker;
  if (left.size !== right.size) return false;
  // A multipart ETag depends on how the object was uploaded, not on its content.
  return left.etag === right.etag || isMultipartEtag(left.etag) || isMultipartEtag(right.etag);
}

/** How many entries of `target` repeat the start of `source` (all of target, for a prefix). */
export function commonStart(source: ObjectVersion[], target: ObjectVersion[]): number {
  let index = 0;
  for (;;) {
    const left = source[index];
    const right = target[index];
    if (!left || !right || !sameEntry(left, right)) return index;
    index++;
  }
}

export function describeHistory(versions: ObjectVersion[]): string {
  const markers = versions.filter((version) => version.deleteMarker).length;
  const objects = versions.length - markers;
  const newest = versions[versions.length - 1];
  return `${objects} version(s), ${markers} delete marker(s)${newest ? `; newest: ${newest.deleteMarker ? 'delete marker' : `${newest.size} bytes`}` : ''}`;
}

export interface PairedHistory {
  key: string;
  source?: KeyHistory;
  target?: KeyHistory;
}

/** Walks two buckets' histories side by side, key by key, in S3's order. */
export async function* pairHistories(
  source: AsyncGenerator<KeyHistory>,
  target: AsyncGenerator<KeyHistory>,
): AsyncGenerator<PairedHistory> {
  const next = async (histories: AsyncGenerator<KeyHistory>) => {
    const result = await histories.next();
    return result.done ? undefined : result.value;
  };
  let a = await next(source);
  let b = await next(target);
  for (let step = 0; step < Number.MAX_SAFE_INTEGER && (a || b); step++) {
    if (a && b && compareKeys(a.key, b.key) === 0) {
      yield { key: a.key, source: a, target: b };
      a = await next(source);
      b = await next(target);
    } else if (a && (!b || compareKeys(a.key, b.key) < 0)) {
      yield { key: a.key, source: a };
      a = await next(source);
    } else if (b) {
      yield { key: b.key, target: b };
      b = await next(target);
    }
  }
}

/** Counts and a digest over every entry of every key, in order: equal digests, equal histories. */
export class HistoryTally {
  /** Keys whose newest entry is a version: what a plain listing shows. */
  objects = 0;
  versions = 0;
  deleteMarkers = 0;
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');

  add(history: KeyHistory): void {
    const newest = history.versions[history.versions.length - 1];
    if (newest && !newest.deleteMarker) this.objects += 1;
    history.versions.forEach((version, index) => {
      if (version.deleteMarker) this.deleteMarkers += 1;
      else this.versions += 1;
      this.bytes += version.size;
      const etag = isMultipartEtag(version.etag) ? 'multipart' : version.etag;
      this.hash.update(
        `${history.key}\u0000${index}\u0000${version.deleteMarker ? 'D' : `${version.size}\u0000${etag}`}\n`,
      );
    });
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
