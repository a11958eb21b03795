import {
  paginateDescribeImages,
  type EC2Client,
  type Filter,
  type Image,
} from '@aws-sdk/client-ec2';
import { ConfigurationError, RefusalError } from '../core/errors.js';
import { answered } from '../aws/errors.js';
import { defined } from '../core/values.js';

/** `source-ami-filter`: who owns the base image and which DescribeImages filters pick it. */
export interface SourceAmiFilter {
  owners: string[];
  filters: Filter[];
}

export interface SourceAmi {
  imageId: string;
  name: string;
  ownerId: string;
  creationDate: string;
  description: string | undefined;
}

const OWNER = /^(\d{12}|self|amazon|aws-marketplace|aws-backup-vault)$/;

/**
 * Parses multiline `KEY=VALUE` pairs: `owners` (required), `name` (a DescribeImages name
 * pattern with `*`), and any other DescribeImages filter (`architecture=x86_64`,
 * `tag:Team=web`); commas separate alternatives. Owners are required because a name pattern
 * alone matches anyone's public images, and picking a stranger's AMI by name is a known attack.
 */
export function parseSourceAmiFilter(
  pairs: Record<string, string>,
  source = "input 'source-ami-filter'",
): SourceAmiFilter {
  const split = (value: string) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
  const owners = split(pairs.owners ?? '');
  if (owners.length === 0) {
    throw new ConfigurationError(
      "needs owners=... (account IDs, self, amazon or aws-marketplace): a name pattern alone would match anyone's public images",
      source,
    );
  }
  const badOwner = owners.find((owner) => !OWNER.test(owner));
  if (badOwner !== undefined) {
    throw new ConfigurationError(
      `owner '${badOwner}' is not valid; use a 12-digit account ID, self, amazon, aws-marketplace or aws-backup-vault`,
      source,
    );
  }
  const filters: Filter[] = [];
  for (const [key, value] of Object.entries(pairs)) {
    if (key === 'owners') continue;
    const values = split(value);
    if (values.length === 0) throw new ConfigurationError(`'${key}' has no value`, source);
    if (key === 'state') {
      throw new ConfigurationError(
        "'state' is always 'available': an image still pending or failed cannot be a base",
        source,
      );
    }
    filters.push({ Name: key, Values: values });
  }
  if (filters.length === 0) {
    throw new ConfigurationError(
      'needs at least one filter besides owners, for example name=ubuntu/images/*ubuntu-noble-24.04-amd64-server-*',
      source,
    );
  }
  filters.push({ Name: 'state', Values: ['available'] });
  return { owners, filters };
}

export function describeFilter(filter: SourceAmiFilter): string {
  return [
    `owners=${filter.owners.join(',')}`,
    ...filter.filters.map((item) => `${item.Name}=${(item.Values ?? []).join(',')}`),
  ].join(' ');
}

/** Newest first; equal dates fall back to the name, so the same images always give one answer. */
function newestFirst(a: Image, b: Image): number {
  const byDate = (b.CreationDate ?? '').localeCompare(a.CreationDate ?? '');
  return byDate !== 0 ? byDate : (b.Name ?? '').localeCompare(a.Name ?? '');
}

/** The newest available image the filter matches: the base Amazon released last. */
export async function resolveSourceAmi(
  ec2: EC2Client,
  filter: SourceAmiFilter,
): Promise<{ chosen: SourceAmi; candidates: number }> {
  const images: Image[] = [];
  for await (const page of paginateDescribeImages(
    { client: ec2 },
    { Owners: filter.owners, Filters: filter.filters },
  )) {
    images.push(...(page.Images ?? []));
  }
  if (images.length === 0) {
    throw new RefusalError(
      `No available image matches source-ami-filter ${describeFilter(filter)} in this region.`,
      'Check the owner and the name pattern (DescribeImages wildcards are * and ?), and that the region is right.',
    );
  }
  const image = defined(images.sort(newestFirst)[0], 'the newest matching image');
  return {
    chosen: {
      imageId: answered(image.ImageId, 'ImageId (EC2 DescribeImages)'),
      name: image.Name ?? '',
      ownerId: image.OwnerId ?? '',
      creationDate: image.CreationDate ?? '',
      description: image.Description,
    },
    candidates: images.length,
  };
}
