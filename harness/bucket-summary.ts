import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** What the local services' statistics endpoints report about a bucket: counts per prefix. */
export interface BucketSummary {
  /** Objects per first path segment (`(root)` for keys without a slash). */
  byPrefix: Record<string, number>;
  total: number;
  bytes: number;
}

export async function summariseBucket(s3: S3Client, bucket: string): Promise<BucketSummary> {
  const byPrefix: Record<string, number> = {};
  let total = 0;
  let bytes = 0;
  let token: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const response = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    for (const object of response.Contents ?? []) {
      const key = object.Key ?? '';
      const prefix = key.includes('/') ? (key.split('/')[0] ?? '') : '(root)';
      byPrefix[prefix] = (byPrefix[prefix] ?? 0) + 1;
      total += 1;
      bytes += object.Size ?? 0;
    }
    token = response.IsTruncated ? response.NextContinuationToken : undefined;
    if (!token) break;
  }
  return { byPrefix, total, bytes };
}
