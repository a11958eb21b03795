/**
 * Addresses in the AWS Management Console of what a summary names (a stack, a change set, a
 * bucket or object, an image), in the region it lives in: a reader goes from the summary to the
 * thing itself in one click, in the right partition.
 */

/** The console's host for a region, or undefined where no public console serves it. */
function consoleHost(region: string): string | undefined {
  if (region.startsWith('cn-')) return 'console.amazonaws.cn';
  if (region.startsWith('us-gov-')) return 'console.amazonaws-us-gov.com';
  // The ISO partitions (us-iso-*, us-isob-*, eu-isoe-*) have consoles only inside them.
  if (/^[a-z]{2}-iso[a-z]?-/.test(region)) return undefined;
  return `${region}.console.aws.amazon.com`;
}

function query(parameters: Record<string, string | undefined>): string {
  return Object.entries(parameters)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');
}

/** A bucket and key read from `s3://bucket/key`; undefined for anything else. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) return undefined;
  const [, bucket = '', key = ''] = match;
  return { bucket, key };
}

export class AwsConsole {
  /** `region`: the step's region; undefined until it is known, when no address is made. */
  constructor(readonly region: string | undefined) {}

  private base(service: string, region: string | undefined): string | undefined {
    const where = region ?? this.region;
    if (!where) return undefined;
    const host = consoleHost(where);
    return host && `https://${host}/${service}/home?${query({ region: where })}`;
  }

  /** A stack by its ARN (best: unique even after a stack of that name is deleted) or name. */
  stack(stack: string, region?: string): string | undefined {
    const base = this.base('cloudformation', region);
    return base && `${base}#/stacks/stackinfo?${query({ stackId: stack })}`;
  }

  /** A change set's changes, by the ARNs CloudFormation returned for it and its stack. */
  changeSet(stack: string, changeSetId: string, region?: string): string | undefined {
    const base = this.base('cloudformation', region);
    return base && `${base}#/stacks/changesets/changes?${query({ stackId: stack, changeSetId })}`;
  }

  /** An AMI's details, in the region it was registered in. */
  image(imageId: string, region?: string): string | undefined {
    const base = this.base('ec2', region);
    return base && `${base}#ImageDetails:${query({ imageId })}`;
  }

  /** A bucket, or a folder of it when `prefix` ends in `/`, or one object. */
  s3(bucket: string, key = '', region?: string): string | undefined {
    const where = region ?? this.region;
    const host = where ? consoleHost(where) : 's3.console.aws.amazon.com';
    if (!host) return undefined;
    const kind = key === '' || key.endsWith('/') ? 'buckets' : 'object';
    return `https://${host}/s3/${kind}/${encodeURIComponent(bucket)}?${query({
      region: where,
      prefix: key === '' ? undefined : key,
    })}`;
  }

  /** An `s3://bucket/key` URI's object or folder; undefined for any other text. */
  s3Uri(uri: string, region?: string): string | undefined {
    const parsed = parseS3Uri(uri);
    return parsed && this.s3(parsed.bucket, parsed.key, region);
  }
}
