// AMI retention against moto's EC2 and Auto Scaling: old unused AMIs go; an AMI an instance, a
// launch template version or a launch configuration uses stays, as does a shared one; a failed
// look-up retires nothing at all.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { AutoScalingClient, CreateLaunchConfigurationCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeSnapshotsCommand,
  ModifyImageAttributeCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import {
  applyRetention,
  planRetention,
  RetentionLookupError,
  type RetentionDecision,
  type RetentionPolicy,
} from '../../src/ami/retention.js';
import {
  autoScalingClient,
  createImage,
  ec2Client,
  imageExists,
  launch,
  nextSecond,
  terminate,
} from '../support/ami-fixtures.js';
import { RecordingLogger } from '../support/recording-logger.js';

let moto: MotoServer;
let ec2: EC2Client;
let autoScaling: AutoScalingClient;
const ids: Record<string, string> = {};
const snapshots: Record<string, string[]> = {};
let runningInstance: string;

const ORDER = [
  'used-by-instance',
  'used-by-template',
  'used-by-configuration',
  'unused',
  'shared',
  'newest-but-one',
  'newest',
] as const;

beforeAll(async () => {
  moto = await startMoto();
  ec2 = ec2Client(moto);
  autoScaling = autoScalingClient(moto);
  // Oldest first, a second apart, so "the newest N" is unambiguous.
  for (const name of ORDER) {
    const image = await createImage(ec2, `web-${name}`);
    ids[name] = image.imageId;
    snapshots[name] = image.snapshots;
    await nextSecond();
  }
  ids['hand-made'] = (await createImage(ec2, 'web-hand-made', { managed: false })).imageId;
  ids['other-component'] = (await createImage(ec2, 'api-old', { component: 'api' })).imageId;

  runningInstance = await launch(ec2, ids['used-by-instance']!);
  // A terminated instance no longer needs its AMI.
  await terminate(ec2, await launch(ec2, ids.unused!));
  // The default version uses the newest AMI; version 2, not the default, uses another one.
  const template = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'web-template',
      LaunchTemplateData: { ImageId: ids.newest, InstanceType: 't3.micro' },
    }),
  );
  await ec2.send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateId: template.LaunchTemplate!.LaunchTemplateId,
      LaunchTemplateData: { ImageId: ids['used-by-template'], InstanceType: 't3.micro' },
    }),
  );
  await autoScaling.send(
    new CreateLaunchConfigurationCommand({
      LaunchConfigurationName: 'web-configuration',
      ImageId: ids['used-by-configuration'],
      InstanceType: 't3.micro',
    }),
  );
  await ec2.send(
    new ModifyImageAttributeCommand({
      ImageId: ids.shared,
      LaunchPermission: { Add: [{ UserId: '111122223333' }] },
    }),
  );
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

const policy = (overrides: Partial<RetentionPolicy> = {}): RetentionPolicy => ({
  keep: 2,
  minAgeDays: 0,
  dryRun: false,
  retireShared: false,
  ...overrides,
});

function byName(plan: RetentionDecision[]): Record<string, RetentionDecision> {
  return Object.fromEntries(plan.map((decision) => [decision.name.replace(/^web-/, ''), decision]));
}

const regionClients = () => [{ region: 'us-east-1', ec2, autoScaling }];

async function allStillThere(): Promise<void> {
  for (const imageId of Object.values(ids)) expect(await imageExists(ec2, imageId)).toBe(true);
}

describe('AMI retention on moto', () => {
  test('keeps the newest, the young and everything in use; plans to retire only the old unused AMI', async () => {
    const plan = byName(
      await planRetention(regionClients(), 'web', new Set(), policy(), new Date()),
    );
    // Only this component's managed AMIs are considered: not hand-made ones, not api's.
    expect(Object.keys(plan).sort()).toEqual([...ORDER].sort());
    expect(plan.newest).toMatchObject({ retire: false, reason: 'among the newest 2' });
    expect(plan['newest-but-one']).toMatchObject({ retire: false, reason: 'among the newest 2' });
    expect(plan['used-by-instance']!.retire).toBe(false);
    expect(plan['used-by-instance']!.reason).toBe(
      `in use by instance ${runningInstance} (running)`,
    );
    expect(plan['used-by-template']!.retire).toBe(false);
    expect(plan['used-by-template']!.reason).toMatch(
      /^in use by launch template web-template \(lt-[0-9a-f]+\) version 2$/,
    );
    expect(plan['used-by-configuration']).toMatchObject({
      retire: false,
      reason: 'in use by launch configuration web-configuration',
    });
    expect(plan.shared).toMatchObject({
      retire: false,
      reason: 'shared with 111122223333 (set retire-shared to retire it anyway)',
    });
    expect(plan.unused).toMatchObject({ retire: true, snapshots: snapshots.unused });
    // Planning changes nothing: a dry run is a plan that is printed and not applied.
    await allStillThere();
  });

  test('min-age-days keeps every AMI younger than that, however many there are', async () => {
    const plan = await planRetention(
      regionClients(),
      'web',
      new Set(),
      policy({ keep: 0, minAgeDays: 7 }),
      new Date(),
    );
    expect(plan.filter((decision) => decision.retire)).toEqual([]);
    expect(plan.every((decision) => decision.reason === 'younger than 7 days')).toBe(true);
    // Ten days on, the same AMIs are old enough.
    const later = new Date(Date.now() + 10 * 86_400_000);
    const aged = byName(
      await planRetention(
        regionClients(),
        'web',
        new Set(),
        policy({ keep: 0, minAgeDays: 7 }),
        later,
      ),
    );
    expect(aged.unused!.retire).toBe(true);
    expect(aged.unused!.ageDays).toBeGreaterThan(9.9);
  });

  test('the AMIs just built are never retired, even with keep 0', async () => {
    const plan = byName(
      await planRetention(
        regionClients(),
        'web',
        new Set([ids['newest-but-one']!]),
        policy({ keep: 0 }),
        new Date(),
      ),
    );
    expect(plan['newest-but-one']).toMatchObject({ retire: false, reason: 'just built' });
    // The newest is kept by the launch template's default version.
    expect(plan.newest!.reason).toMatch(/^in use by launch template web-template .* version 1$/);
  });

  test('a look-up that fails retires nothing', async () => {
    // Auto Scaling unreachable (nothing listens on port 1): launch configurations cannot be read.
    const unreachable = new AutoScalingClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:1',
      maxAttempts: 1,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const attempt = planRetention(
      [{ region: 'us-east-1', ec2, autoScaling: unreachable }],
      'web',
      new Set(),
      policy(),
      new Date(),
    );
    await expect(attempt).rejects.toBeInstanceOf(RetentionLookupError);
    await expect(attempt).rejects.toThrow(
      /Could not read launch configurations in us-east-1 .*retiring nothing/,
    );
    await allStillThere();
  });

  test('applying the plan deregisters the unused and shared AMIs and deletes their snapshots, and nothing else', async () => {
    const plan = await planRetention(
      regionClients(),
      'web',
      new Set(),
      policy({ retireShared: true }),
      new Date(),
    );
    const retiring = plan.filter((decision) => decision.retire).map((decision) => decision.name);
    expect(retiring.sort()).toEqual(['web-shared', 'web-unused']);

    const logger = new RecordingLogger();
    const results = await applyRetention(plan, () => ec2, logger);
    expect(
      results.map((result) => [result.decision.name, result.deregistered, result.error]),
    ).toEqual([
      // Newest first, as planned.
      ['web-shared', true, undefined],
      ['web-unused', true, undefined],
    ]);
    expect(results[1]!.deletedSnapshots).toEqual(snapshots.unused);
    expect(await imageExists(ec2, ids.unused!)).toBe(false);
    expect(await imageExists(ec2, ids.shared!)).toBe(false);
    const left = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    const leftIds = new Set((left.Snapshots ?? []).map((snapshot) => snapshot.SnapshotId));
    for (const id of [...snapshots.unused!, ...snapshots.shared!])
      expect(leftIds.has(id)).toBe(false);
    for (const id of snapshots.newest!) expect(leftIds.has(id)).toBe(true);
    for (const name of [
      'used-by-instance',
      'used-by-template',
      'used-by-configuration',
      'newest-but-one',
      'newest',
      'hand-made',
      'other-component',
    ]) {
      expect(await imageExists(ec2, ids[name]!)).toBe(true);
    }
  });
});
