import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from '../core/errors.js';

export type PackageReference =
  { kind: 's3'; bucket: string; key: string; url: string } | { kind: 'file'; path: string };

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Prefixes and suffixes S3 reserves for its own kinds of bucket and access point. */
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** Why `bucket` breaks S3's naming rules for general purpose buckets, or undefined. */
function bucketNameProblem(bucket: string): string | undefined {
  if (!BUCKET.test(bucket)) {
    return '3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit';
  }
  if (bucket.includes('..')) return 'two dots in a row';
  if (bucket.includes('.-') || bucket.includes('-.')) return 'a dot next to a hyphen';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) return 'it is formatted as an IP address';
  const prefix = RESERVED_PREFIXES.find((reserved) => bucket.startsWith(reserved));
  if (prefix) return `the prefix ${prefix} is reserved by S3`;
  const suffix = RESERVED_SUFFIXES.find((reserved) => bucket.endsWith(reserved));
  if (suffix) return `the suffix ${suffix} is reserved by S3`;
  return undefined;
}

export function validateBucketName(bucket: string, source: string): string {
  const problem = bucketNameProblem(bucket);
  if (problem) {
    throw new ConfigurationError(
      `'${bucket.slice(0, 100)}' is not a valid S3 bucket name: ${problem}`,
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
  if (!statSync(absolute).isFile()) {
    throw new ConfigurationError(
      `'${value}' is a folder (or another kind of file), not a package; expected a .tgz file made by operation: package`,
      source,
    );
  }
  return { kind: 'file', path: absolute };
}

export function packageKey(component: string, version: string): string {
  return `${component}/${version}.tgz`;
}
