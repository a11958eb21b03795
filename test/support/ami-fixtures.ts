import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import {
  CreateImageCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { MotoServer } from '../../harness/moto.js';
import { AMI_TAG, MANAGED_BY } from '../../src/aws/suite-tags.js';

/** One of the images moto registers in every region at start-up: a base to launch from. */
export const MOTO_BASE_AMI = 'ami-03cf127a';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export function ec2Client(moto: MotoServer, region = 'us-east-1'): EC2Client {
  return new EC2Client({ region, endpoint: moto.endpoint, credentials });
}

export function autoScalingClient(moto: MotoServer, region = 'us-east-1'): AutoScalingClient {
  return new AutoScalingClient({ region, endpoint: moto.endpoint, credentials });
}

export async function launch(ec2: EC2Client, imageId: string): Promise<string> {
  const result = await ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      MinCount: 1,
      MaxCount: 1,
      InstanceType: 't3.micro',
    }),
  );
  return result.Instances![0]!.InstanceId!;
}

export async function terminate(ec2: EC2Client, instanceId: string): Promise<void> {
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
}

/**
 * An AMI with a snapshot, made the way Packer makes one (an instance, then CreateImage), tagged
 * as the action tags its AMIs unless `managed` is false.
 */
export async function createImage(
  ec2: EC2Client,
  name: string,
  options: { component?: string; managed?: boolean } = {},
): Promise<{ imageId: string; snapshots: string[] }> {
  const instanceId = await launch(ec2, MOTO_BASE_AMI);
  const { ImageId } = await ec2.send(
    new CreateImageCommand({ InstanceId: instanceId, Name: name }),
  );
  await terminate(ec2, instanceId);
  if (options.managed !== false) {
    await ec2.send(
      new CreateTagsCommand({
        Resources: [ImageId!],
        Tags: [
          { Key: AMI_TAG.managedBy, Value: MANAGED_BY },
          { Key: AMI_TAG.component, Value: options.component ?? 'web' },
        ],
      }),
    );
  }
  const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images![0]!;
  const snapshots = (image.BlockDeviceMappings ?? [])
    .map((mapping) => mapping.Ebs?.SnapshotId)
    .filter((id): id is string => !!id);
  return { imageId: ImageId!, snapshots };
}

export async function imageExists(ec2: EC2Client, imageId: string): Promise<boolean> {
  const result = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: [{ Name: 'image-id', Values: [imageId] }],
    }),
  );
  return (result.Images ?? []).length > 0;
}

/** moto stamps CreationDate to the second; a pause keeps "newest" unambiguous between images. */
export const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1100));
