import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startMoto, type MotoServer } from '../../harness/moto.js';

/** moto with one bucket and an S3 client for it: what the S3-only suites start with. */
export async function startMotoWithBucket(
  bucket: string,
): Promise<{ moto: MotoServer; s3: S3Client }> {
  const moto = await startMoto();
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return { moto, s3 };
}
