import { ConfigurationError } from '../core/errors.js';

// Two to four numeric parts (1.2, 1.2.3, 1.2.3.4, as NuGet and .NET builds produce) with an
// optional semver pre-release and build suffix. Restricted to characters that are safe in an
// S3 key, a CloudFormation tag value and a file name.
const VERSION = /^(0|[1-9]\d{0,8})(\.\d{1,9}){1,3}(-[0-9A-Za-z.-]{1,64})?(\+[0-9A-Za-z.-]{1,64})?$/;

export function validateVersion(version: string, source = "input 'version'"): string {
  if (!VERSION.test(version)) {
    throw new ConfigurationError(
      `'${version}' is not a valid version: use 2 to 4 dot-separated numbers with an optional -prerelease or +build suffix (for example 1.4.0, 1.4.0-rc.1, 2.0.17.3)`,
      source,
    );
  }
  return version;
}

/**
 * The deliberately odd-looking version an unversioned package or deploy gets: 0.0.YYDDD.SSSSS
 * (UTC two-digit year and day of year, then seconds since midnight), so nobody mistakes it for
 * a release yet two builds on one day still sort in order.
 */
export function unversionedVersion(now: Date): string {
  const year = now.getUTCFullYear();
  const startOfYear = Date.UTC(year, 0, 1);
  const dayOfYear = Math.floor((now.getTime() - startOfYear) / 86_400_000) + 1;
  const secondsOfDay = now.getUTCHours() * 3600 + now.getUTCMinutes() * 60 + now.getUTCSeconds();
  const yy = String(year % 100).padStart(2, '0');
  return `0.0.${yy}${String(dayOfYear).padStart(3, '0')}.${String(secondsOfDay).padStart(5, '0')}`;
}

export function isUnversioned(version: string): boolean {
  return /^0\.0\.\d{5}\.\d{5}$/.test(version);
}

export const UNVERSIONED_WARNING =
  'No version given: using the unversioned marker {version}. Nobody can trace this environment back to a release; pass the `version` input (for example from your build number).';
