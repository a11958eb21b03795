import {
  paginateDescribeLaunchConfigurations,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  paginateDescribeImages,
  paginateDescribeInstances,
  paginateDescribeLaunchTemplateVersions,
  paginateDescribeLaunchTemplates,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import { OperationError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { AMI_TAG, MANAGED_BY } from '../aws/suite-tags.js';
import { snapshotIds } from './distribute.js';
import { answered } from '../aws/errors.js';
import { defined } from '../core/values.js';

export interface RetentionPolicy {
  /** The newest this many AMIs stay, whatever their age. */
  keep: number;
  /** AMIs younger than this stay, however many there are. */
  minAgeDays: number;
  dryRun: boolean;
  /** Also retire AMIs shared with other accounts (who may be launching them). */
  retireShared: boolean;
}

export interface RetentionDecision {
  region: string;
  imageId: string;
  name: string;
  created: string;
  ageDays: number;
  retire: boolean;
  reason: string;
  snapshots: string[];
}

/** Where in-use look-ups are made: the clients of one region. */
export interface RegionClients {
  region: string;
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
}

/**
 * A look-up that says whether an AMI is in use failed. Retention then retires nothing at all:
 * not knowing whether an AMI is used is the same as knowing it is (seed 000: an Auto Scaling
 * group that could no longer replace instances because its AMI was gone).
 */
export class RetentionLookupError extends OperationError {
  override readonly name = 'RetentionLookupError';

  constructor(message: string) {
    super(message, 'AMI retention could not prove which images are unused');
  }
}

const DAY_MS = 86_400_000;
const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

async function managedImages(ec2: EC2Client, component: string): Promise<Image[]> {
  const images: Image[] = [];
  for await (const page of paginateDescribeImages(
    { client: ec2 },
    {
      Owners: ['self'],
      Filters: [
        { Name: `tag:${AMI_TAG.managedBy}`, Values: [MANAGED_BY] },
        { Name: `tag:${AMI_TAG.component}`, Values: [component] },
      ],
    },
  )) {
    images.push(...(page.Images ?? []));
  }
  return images.sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''));
}

async function lookup<T>(what: string, region: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new RetentionLookupError(
      `Could not ${what} in ${region} (${errorMessage(error)}); retiring nothing, since an AMI in use must never be deregistered.`,
    );
  }
}

/** Every use of the candidate AMIs in one region, as "instance i-1" style descriptions. */
async function usesOf(
  clients: RegionClients,
  candidates: Set<string>,
): Promise<Map<string, string[]>> {
  const uses = new Map<string, string[]>();
  const add = (imageId: string | undefined, use: string) => {
    if (imageId === undefined || !candidates.has(imageId)) return;
    uses.set(imageId, [...(uses.get(imageId) ?? []), use]);
  };
  const { region, ec2, autoScaling } = clients;

  await lookup('list instances', region, async () => {
    for await (const page of paginateDescribeInstances(
      { client: ec2 },
      {
        Filters: [
          { Name: 'image-id', Values: [...candidates] },
          { Name: 'instance-state-name', Values: LIVE_STATES },
        ],
      },
    )) {
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          add(instance.ImageId, `instance ${instance.InstanceId} (${instance.State?.Name})`);
        }
      }
    }
  });

  await lookup('read launch templates', region, async () => {
    for await (const page of paginateDescribeLaunchTemplates({ client: ec2 }, {})) {
      for (const template of page.LaunchTemplates ?? []) {
        // Every version, not only the default: an Auto Scaling group may pin any of them.
        for await (const versions of paginateDescribeLaunchTemplateVersions(
          { client: ec2 },
          { LaunchTemplateId: template.LaunchTemplateId },
        )) {
          for (const version of versions.LaunchTemplateVersions ?? []) {
            const imageId = version.LaunchTemplateData?.ImageId;
            if (imageId?.startsWith('resolve:ssm:')) {
              throw new OperationError(
                `launch template ${template.LaunchTemplateName} version ${version.VersionNumber} takes its AMI from ${imageId}, so which AMI it uses cannot be told`,
              );
            }
            add(
              imageId,
              `launch template ${template.LaunchTemplateName} (${template.LaunchTemplateId}) version ${version.VersionNumber}`,
            );
          }
        }
      }
    }
  });

  await lookup('read launch configurations', region, async () => {
    for await (const page of paginateDescribeLaunchConfigurations({ client: autoScaling }, {})) {
      for (const configuration of page.LaunchConfigurations ?? []) {
        add(configuration.ImageId, `launch configuration ${configuration.LaunchConfigurationName}`);
      }
    }
  });
  return uses;
}

async function sharedWith(ec2: EC2Client, region: string, image: Image): Promise<string[]> {
  if (image.Public) return ['everyone (public)'];
  const result = await lookup(`read the launch permissions of ${image.ImageId}`, region, () =>
    ec2.send(
      new DescribeImageAttributeCommand({
        ImageId: answered(image.ImageId, 'ImageId (EC2 DescribeImages)'),
        Attribute: 'launchPermission',
      }),
    ),
  );
  return (result.LaunchPermissions ?? []).map(
    (permission) =>
      permission.UserId ??
      permission.Group ??
      permission.OrganizationArn ??
      permission.OrganizationalUnitArn ??
      'someone',
  );
}

/**
 * Decides, for every managed AMI of the component in one region, whether it stays and why.
 * Throws a RetentionLookupError when any in-use look-up fails.
 */
export async function planRegion(
  clients: RegionClients,
  component: string,
  justBuilt: ReadonlySet<string>,
  policy: RetentionPolicy,
  now: Date,
): Promise<RetentionDecision[]> {
  const images = await lookup(`list the AMIs of ${component}`, clients.region, () =>
    managedImages(clients.ec2, component),
  );
  const decisions = images.map((image, index): RetentionDecision => {
    const created = image.CreationDate ?? '';
    const ageDays = created ? Math.max(0, (now.getTime() - Date.parse(created)) / DAY_MS) : 0;
    const imageId = answered(image.ImageId, 'ImageId (EC2 DescribeImages)');
    const decision = {
      region: clients.region,
      imageId,
      name: image.Name ?? '',
      created,
      ageDays,
      snapshots: snapshotIds(image),
    };
    if (justBuilt.has(imageId)) return { ...decision, retire: false, reason: 'just built' };
    if (index < policy.keep) {
      return { ...decision, retire: false, reason: `among the newest ${policy.keep}` };
    }
    if (!created || ageDays < policy.minAgeDays) {
      return { ...decision, retire: false, reason: `younger than ${policy.minAgeDays} days` };
    }
    return {
      ...decision,
      retire: true,
      reason: `older than ${policy.minAgeDays} days and not among the newest ${policy.keep}`,
    };
  });
  const candidates = new Set(decisions.filter((d) => d.retire).map((d) => d.imageId));
  if (candidates.size === 0) return decisions;

  const uses = await usesOf(clients, candidates);
  for (const decision of decisions) {
    if (!decision.retire) continue;
    const used = uses.get(decision.imageId);
    if (used) {
      Object.assign(decision, { retire: false, reason: `in use by ${used.join(', ')}` });
      continue;
    }
    const image = defined(
      images.find((item) => item.ImageId === decision.imageId),
      `the image ${decision.imageId} the retention plan was made from`,
    );
    const shared = await sharedWith(clients.ec2, clients.region, image);
    if (shared.length > 0 && !policy.retireShared) {
      Object.assign(decision, {
        retire: false,
        reason: `shared with ${shared.join(', ')} (set retire-shared to retire it anyway)`,
      });
    }
  }
  return decisions;
}

/** Plans every region before anything is retired: one failed look-up anywhere retires nothing. */
export async function planRetention(
  regions: RegionClients[],
  component: string,
  justBuilt: ReadonlySet<string>,
  policy: RetentionPolicy,
  now: Date,
): Promise<RetentionDecision[]> {
  const plans: RetentionDecision[] = [];
  for (const clients of regions) {
    plans.push(...(await planRegion(clients, component, justBuilt, policy, now)));
  }
  return plans;
}

export interface RetirementResult {
  decision: RetentionDecision;
  deregistered: boolean;
  deletedSnapshots: string[];
  keptSnapshots: string[];
  error: string | undefined;
}

/** Every snapshot an image of this account still registers from (one may share another's). */
async function snapshotsInUse(ec2: EC2Client): Promise<Set<string>> {
  const used = new Set<string>();
  for await (const page of paginateDescribeImages({ client: ec2 }, { Owners: ['self'] })) {
    for (const image of page.Images ?? []) snapshotIds(image).forEach((id) => used.add(id));
  }
  return used;
}

/**
 * Deregisters the AMIs the plan retires, then deletes their snapshots, except a snapshot another
 * AMI still registers from.
 */
export async function applyRetention(
  plan: RetentionDecision[],
  ec2For: (region: string) => EC2Client,
  logger: Logger,
): Promise<RetirementResult[]> {
  const results: RetirementResult[] = [];
  const regions = [...new Set(plan.filter((d) => d.retire).map((d) => d.region))];
  for (const region of regions) {
    const ec2 = ec2For(region);
    const deregistered: RetirementResult[] = [];
    for (const decision of plan.filter((d) => d.retire && d.region === region)) {
      const result: RetirementResult = {
        decision,
        deregistered: false,
        deletedSnapshots: [],
        keptSnapshots: [],
        error: undefined,
      };
      results.push(result);
      try {
        await ec2.send(new DeregisterImageCommand({ ImageId: decision.imageId }));
        result.deregistered = true;
        deregistered.push(result);
        logger.info(`Deregistered ${decision.imageId} (${decision.name}) in ${region}`);
      } catch (error) {
        result.error = errorMessage(error);
        logger.error(`Deregistering ${decision.imageId} in ${region} failed: ${result.error}`);
      }
    }
    if (deregistered.length === 0) continue;
    let inUse: Set<string>;
    try {
      inUse = await snapshotsInUse(ec2);
    } catch (error) {
      const message = `snapshots kept: could not list the AMIs that might still use them (${errorMessage(error)})`;
      for (const result of deregistered) {
        result.keptSnapshots.push(...result.decision.snapshots);
        result.error = message;
      }
      logger.warning(`${region}: ${message}`);
      continue;
    }
    for (const result of deregistered) {
      for (const snapshotId of result.decision.snapshots) {
        if (inUse.has(snapshotId)) {
          result.keptSnapshots.push(snapshotId);
          logger.info(`Kept ${snapshotId}: another AMI still uses it`);
          continue;
        }
        try {
          await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
          result.deletedSnapshots.push(snapshotId);
          logger.info(`Deleted ${snapshotId} of ${result.decision.imageId}`);
        } catch (error) {
          result.keptSnapshots.push(snapshotId);
          result.error = `deleting ${snapshotId} failed: ${errorMessage(error)}`;
          logger.error(`${region}: ${result.error}`);
        }
      }
    }
  }
  return results;
}
