import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { TEMPLATE_QUOTAS } from '../definition/template.js';

/** Over CloudFormation's limit for a template in the request, it must come from S3. */
export function needsUpload(body: string): boolean {
  return Buffer.byteLength(body, 'utf8') > TEMPLATE_QUOTAS.bodyBytes;
}

/** Said before anything is deployed or packaged: where a large template has to go. */
export function noBucketForLargeTemplate(body: string, input: string): ConfigurationError {
  return new ConfigurationError(
    `is needed: the template is ${Buffer.byteLength(body, 'utf8').toLocaleString('en-US')} bytes, over the ${TEMPLATE_QUOTAS.bodyBytes.toLocaleString('en-US')} bytes CloudFormation takes in a request, so it is uploaded to the artifact bucket and deployed from there (TemplateURL); set ${input}`,
    `input '${input}'`,
  );
}

/** The HTTPS URL CloudFormation reads a template from: virtual-hosted unless the name has dots. */
export function templateUrl(bucket: string, region: string, key: string): string {
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  // A dotted bucket name breaks the virtual host's TLS certificate: path-style then.
  return bucket.includes('.')
    ? `https://s3.${region}.${domain}/${bucket}/${key}`
    : `https://${bucket}.s3.${region}.${domain}/${key}`;
}

/**
 * Uploads a template under a key named by its content, so the same template is one object
 * however often it is deployed, and an object is never rewritten with other content.
 */
export async function stageTemplate(
  s3: S3Client,
  location: { bucket: string; region: string; component: string },
  body: string,
  logger: Logger,
): Promise<string> {
  const digest = createHash('sha256').update(body, 'utf8').digest('hex');
  const key = `templates/${location.component}/${digest}.template`;
  await s3.send(
    new PutObjectCommand({
      Bucket: location.bucket,
      Key: key,
      Body: body,
      ContentType: 'text/plain; charset=utf-8',
      ChecksumAlgorithm: 'SHA256',
    }),
  );
  const url = templateUrl(location.bucket, location.region, key);
  logger.info(
    `The template is ${Buffer.byteLength(body, 'utf8').toLocaleString('en-US')} bytes: uploaded to s3://${location.bucket}/${key} and deployed from ${url}.`,
  );
  return url;
}
