import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../core/errors.js';

export type PackageReference =
  { kind: 's3'; bucket: string; key: string; url: string } | { kind: 'file'; path: string };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function validateBucketName(bucket: string, source: string): string {
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new ConfigurationError(
      `'${bucket}' is not a valid S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)`,
      source,
    );
  }
  return bucket;
}

export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** `s3://bucket/key` or a local `.tgz` path; checked without touching AWS. */
export function parsePackageReference(value: string, source = "input 'package'"): PackageReference {
  if (value.startsWith('s3://')) {
    const rest = value.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1);
    validateBucketName(bucket, source);
    if (key === '') {
      throw new ConfigurationError(
        `'${value}' names a bucket but no object; expected s3://BUCKET/COMPONENT/VERSION.tgz`,
        source,
      );
    }
    return { kind: 's3', bucket, key, url: value };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new ConfigurationError(
      `'${value}' is not supported; give an s3:// URL or a local path to a .tgz`,
      source,
    );
  }
  const absolute = path.resolve(value);
  if (!existsSync(absolute)) {
    throw new ConfigurationError(`'${value}' does not exist`, source);
  }
  return { kind: 'file', path: absolute };
}

export function packageKey(component: string, version: string): string {
  return `${component}/${version}.tgz`;
}
