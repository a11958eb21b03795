import {
  CopyImageCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import type { RunContext } from '../core/github-context.js';
import type { Logger } from '../core/logger.js';
import { waitUntil, type Clock, systemClock } from '../core/waiter.js';
import { OperationError } from '../core/errors.js';
import { AMI_TAG, MANAGED_BY } from '../aws/suite-tags.js';
import { answered } from '../aws/errors.js';

export interface AmiIdentity {
  component: string;
  version: string;
  amiName: string;
  sourceAmi: string | undefined;
}

/** Traceability tags, like the stack's: which component and version, built by which run from which base. */
export function amiTags(
  identity: AmiIdentity,
  run: RunContext,
  extra: Record<string, string>,
): Record<string, string> {
  const tags: Record<string, string> = {
    Name: identity.amiName,
    ...extra,
    [AMI_TAG.component]: identity.component,
    [AMI_TAG.version]: identity.version,
    // Retention looks for it: only AMIs carrying it are ever considered for deregistration.
    [AMI_TAG.managedBy]: MANAGED_BY,
  };
  if (identity.sourceAmi) tags[AMI_TAG.sourceAmi] = identity.sourceAmi;
  if (run.commit) tags[AMI_TAG.commit] = run.commit;
  if (run.runUrl) tags[AMI_TAG.runUrl] = run.runUrl;
  return tags;
}

export async function describeImage(ec2: EC2Client, imageId: string): Promise<Image | undefined> {
  const result = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
  return result.Images?.[0];
}

export function snapshotIds(image: Image): string[] {
  return (image.BlockDeviceMappings ?? [])
    .map((mapping) => mapping.Ebs?.SnapshotId)
    .filter((id): id is string => id !== undefined && id !== '');
}

/** Tags the image and every snapshot behind it, so a snapshot found alone still says what it is. */
export async function tagImage(
  ec2: EC2Client,
  image: Image,
  tags: Record<string, string>,
): Promise<void> {
  await ec2.send(
    new CreateTagsCommand({
      Resources: [answered(image.ImageId, 'ImageId (EC2 DescribeImages)'), ...snapshotIds(image)],
      Tags: Object.entries(tags)
        .filter(([, value]) => value !== '')
        .map(([Key, Value]) => ({ Key, Value })),
    }),
  );
}

/**
 * Lets other accounts launch the image and create volumes from its snapshots; without the
 * snapshot permission, launching works but copying the image in the other account fails.
 */
export async function shareImage(ec2: EC2Client, image: Image, accounts: string[]): Promise<void> {
  if (accounts.length === 0) return;
  await ec2.send(
    new ModifyImageAttributeCommand({
      ImageId: answered(image.ImageId, 'ImageId (EC2 DescribeImages)'),
      LaunchPermission: { Add: accounts.map((UserId) => ({ UserId })) },
    }),
  );
  for (const snapshotId of snapshotIds(image)) {
    await ec2.send(
      new ModifySnapshotAttributeCommand({
        SnapshotId: snapshotId,
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        UserIds: accounts,
      }),
    );
  }
}

export async function waitForImage(
  ec2: EC2Client,
  imageId: string,
  region: string,
  timeoutMs: number,
  clock: Clock = systemClock,
): Promise<Image> {
  return waitUntil(
    `${imageId} in ${region} to become available`,
    async () => {
      const image = await describeImage(ec2, imageId);
      if (image?.State === 'available') return { done: true, value: image };
      if (image?.State === 'failed' || image?.State === 'error' || image?.State === 'invalid') {
        throw new OperationError(
          `${imageId} in ${region} is ${image.State}: ${image.StateReason?.Message ?? 'no reason given'}`,
          'An AMI copy failed',
        );
      }
      return { done: false, pending: `${imageId} is ${image?.State ?? 'not visible yet'}` };
    },
    { initialDelayMs: 2000, maxDelayMs: 30_000, factor: 1.5, timeoutMs },
    clock,
  );
}

/** Copies an AMI into another region and waits until the copy can be launched. */
export async function copyImage(
  target: EC2Client,
  source: { region: string; image: Image },
  targetRegion: string,
  timeoutMs: number,
  logger: Logger,
): Promise<Image> {
  const result = await target.send(
    new CopyImageCommand({
      SourceRegion: source.region,
      SourceImageId: answered(source.image.ImageId, 'ImageId (EC2 DescribeImages)'),
      Name: source.image.Name,
      Description: source.image.Description,
      // Copied images are encrypted only if asked; keep whatever the source is.
      Encrypted: source.image.BlockDeviceMappings?.some((mapping) => mapping.Ebs?.Encrypted),
    }),
  );
  const imageId = answered(result.ImageId, 'ImageId of the copy (EC2 CopyImage)');
  logger.info(`Copying ${source.image.ImageId} to ${targetRegion} as ${imageId}`);
  return waitForImage(target, imageId, targetRegion, timeoutMs);
}
