// A loopback S3 that answers at once from a synthetic key space, for `npm run bench:copy`: how
// fast the copier itself can go, and how much memory it holds, with S3's latency taken away.
// It answers only what the copier and `aws s3 sync` ask for: ListObjectsV2 and
// ListObjectVersions pages, HeadObject, GetBucketVersioning and CopyObject (which copies
// nothing and says it did). Buckets whose name starts with `source` hold the synthetic
// objects; every other bucket is empty. `GET /?stub-copies` says how many copies it answered.
// Run it as a process of its own (`tsx harness/s3-stub.ts OBJECTS`), so its work does not share
// the copier's CPU; it prints its endpoint on the first line.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const ETAG = '"d41d8cd98f00b204e9800998ecf8427e"';
const SIZE = 1024;

/** Key `index`: zero-padded under one of 100 prefixes, so S3's byte order is the index order. */
export function stubKey(index: number): string {
  return `prefix-${String(Math.floor(index / 10_000) % 100).padStart(2, '0')}/object-${String(index).padStart(8, '0')}.bin`;
}

function listPage(url: URL, bucket: string, objects: number, versions: boolean): string {
  const max = Math.min(1000, Number(url.searchParams.get('max-keys') ?? 1000));
  const token = url.searchParams.get(versions ? 'key-marker' : 'continuation-token');
  // The markers are the next index: the stub's keys are in index order.
  const from = token ? Number(token) : 0;
  const to = Math.min(objects, from + max);
  const entries: string[] = [];
  for (let index = from; index < to; index++) {
    const key = stubKey(index);
    entries.push(
      versions
        ? `<Version><Key>${key}</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>${ETAG}</ETag><Size>${SIZE}</Size><StorageClass>STANDARD</StorageClass></Version>`
        : `<Contents><Key>${key}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>${ETAG}</ETag><Size>${SIZE}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    );
  }
  const truncated = to < objects;
  if (versions) {
    return `<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult><Name>${bucket}</Name><IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextKeyMarker>${to}</NextKeyMarker><NextVersionIdMarker>v1</NextVersionIdMarker>` : ''}${entries.join('')}</ListVersionsResult>`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><KeyCount>${entries.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${to}</NextContinuationToken>` : ''}${entries.join('')}</ListBucketResult>`;
}

export interface S3Stub {
  endpoint: string;
  /** CopyObject requests answered so far. */
  copies(): number;
  close(): Promise<void>;
}

/** Every bucket holds the same `objects` synthetic objects; copies land nowhere. */
export async function startS3Stub(objects: number): Promise<S3Stub> {
  let copies = 0;
  const server = http.createServer((incoming, outgoing) => {
    incoming.resume();
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://stub');
      const [, bucket = '', ...rest] = url.pathname.split('/');
      const xml = (body: string) => {
        outgoing.writeHead(200, { 'content-type': 'application/xml' });
        outgoing.end(body);
      };
      if (incoming.method === 'PUT' && incoming.headers['x-amz-copy-source']) {
        copies += 1;
        xml(
          `<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><ETag>${ETAG}</ETag><LastModified>2026-01-01T00:00:00.000Z</LastModified></CopyObjectResult>`,
        );
      } else if (incoming.method === 'HEAD' && rest.length > 0) {
        outgoing.writeHead(200, { 'content-length': SIZE, etag: ETAG });
        outgoing.end();
      } else if (incoming.method === 'GET' && url.searchParams.has('stub-copies')) {
        outgoing.writeHead(200, { 'content-type': 'text/plain' });
        outgoing.end(String(copies));
      } else if (incoming.method === 'GET' && url.searchParams.has('versioning')) {
        xml('<?xml version="1.0" encoding="UTF-8"?><VersioningConfiguration/>');
      } else if (incoming.method === 'GET' && url.searchParams.has('versions')) {
        xml(listPage(url, bucket, bucket.startsWith('source') ? objects : 0, true));
      } else if (incoming.method === 'GET' && url.searchParams.get('list-type') === '2') {
        xml(listPage(url, bucket, bucket.startsWith('source') ? objects : 0, false));
      } else {
        outgoing.writeHead(501, { 'content-type': 'text/plain' });
        outgoing.end(`the S3 stub does not answer ${incoming.method} ${incoming.url}`);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    copies: () => copies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1]?.endsWith('s3-stub.ts')) {
  const stub = await startS3Stub(Number(process.argv[2] ?? 1_000_000));
  console.log(stub.endpoint);
  process.on('SIGTERM', () => void stub.close().then(() => process.exit(0)));
}
