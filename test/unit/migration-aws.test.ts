import { beforeEach, describe, expect, test } from '@jest/globals';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  EnterStandbyCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  CreateDBSnapshotCommand,
  DBSnapshotAlreadyExistsFault,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { makeUnavailable, type AvailabilityContext } from '../../src/migration/availability.js';
import { snapshotDatabase } from '../../src/migration/database-snapshots.js';
import { FakeClock } from '../support/fake-clock.js';
import { RecordingLogger } from '../support/recording-logger.js';

// moto completes snapshots and standby at once and never fails them; these paths are tested
// against mocked clients with response shapes from the RDS and Auto Scaling API references.
const config = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
const rds = mockClient(RDSClient);
const autoScaling = mockClient(AutoScalingClient);
const polling = { initialDelayMs: 1000, maxDelayMs: 5000, factor: 2, timeoutMs: 60_000 };
const instance = { logicalId: 'Database', identifier: 'prod-db-1', parameter: 'DatabaseSnapshot' };

beforeEach(() => {
  rds.reset();
  autoScaling.reset();
});

describe('database snapshots', () => {
  test('waits through creating until available, and reports engine and storage', async () => {
    rds.on(CreateDBSnapshotCommand).resolves({});
    rds
      .on(DescribeDBSnapshotsCommand)
      .resolvesOnce({ DBSnapshots: [{ Status: 'creating', PercentProgress: 10 }] })
      .resolvesOnce({ DBSnapshots: [{ Status: 'creating', PercentProgress: 70 }] })
      .resolves({
        DBSnapshots: [
          {
            Status: 'available',
            DBInstanceIdentifier: 'prod-db-1',
            Engine: 'postgres',
            AllocatedStorage: 100,
          },
        ],
      });
    const clock = new FakeClock();
    const snapshot = await snapshotDatabase(
      new RDSClient(config),
      instance,
      'migration-1-prod-db',
      new RecordingLogger(),
      polling,
      clock,
    );
    expect(snapshot).toMatchObject({ engine: 'postgres', allocatedStorage: 100 });
    expect(clock.sleeps.length).toBe(2);
  });

  test('a failed snapshot fails the step', async () => {
    rds.on(CreateDBSnapshotCommand).resolves({});
    rds.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: [{ Status: 'failed' }] });
    await expect(
      snapshotDatabase(
        new RDSClient(config),
        instance,
        'migration-1-prod-db',
        new RecordingLogger(),
        polling,
        new FakeClock(),
      ),
    ).rejects.toThrow('Snapshot migration-1-prod-db of prod-db-1 is failed.');
  });

  test('an existing snapshot of another instance is never used', async () => {
    rds
      .on(CreateDBSnapshotCommand)
      .rejects(new DBSnapshotAlreadyExistsFault({ message: 'exists', $metadata: {} }));
    rds.on(DescribeDBSnapshotsCommand).resolves({
      DBSnapshots: [{ Status: 'available', DBInstanceIdentifier: 'someone-elses-db' }],
    });
    await expect(
      snapshotDatabase(
        new RDSClient(config),
        instance,
        'migration-1-prod-db',
        new RecordingLogger(),
        polling,
        new FakeClock(),
      ),
    ).rejects.toThrow('is of someone-elses-db, not prod-db-1');
  });
});

describe('asg-standby', () => {
  function context(clock: FakeClock): AvailabilityContext {
    return {
      cloudFormation: new CloudFormationClient(config),
      autoScaling: () => new AutoScalingClient(config),
      logger: new RecordingLogger(),
      clock,
      polling,
      mode: 'asg-standby',
      hook: undefined,
    };
  }

  test('enters standby in batches of 20 and waits until every instance is in Standby', async () => {
    const ids = Array.from({ length: 25 }, (_, index) => `i-${index}`);
    const group = (state: string) => ({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'web',
          MinSize: 0,
          MaxSize: 30,
          DesiredCapacity: 25,
          DefaultCooldown: 300,
          AvailabilityZones: ['us-east-1a'],
          HealthCheckType: 'EC2',
          CreatedTime: new Date(),
          Instances: ids.map((InstanceId) => ({
            InstanceId,
            LifecycleState: state as 'Standby',
            AvailabilityZone: 'us-east-1a',
            HealthStatus: 'Healthy',
            ProtectedFromScaleIn: false,
          })),
        },
      ],
    });
    autoScaling.on(EnterStandbyCommand).resolves({ Activities: [] });
    autoScaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce(group('EnteringStandby'))
      .resolves(group('Standby'));
    const clock = new FakeClock();
    await makeUnavailable(
      context(clock),
      { stackName: 'prod-web', mode: 'asg-standby', standby: [{ group: 'web', instances: ids }] },
      {},
    );
    const calls = autoScaling.commandCalls(EnterStandbyCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.InstanceIds!.length)).toEqual([20, 5]);
    expect(calls.every((input) => input.ShouldDecrementDesiredCapacity === true)).toBe(true);
    expect(clock.sleeps.length).toBe(1);
  });

  test('instances stuck entering standby time out, naming them', async () => {
    autoScaling.on(EnterStandbyCommand).resolves({ Activities: [] });
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'web',
          MinSize: 0,
          MaxSize: 2,
          DesiredCapacity: 1,
          DefaultCooldown: 300,
          AvailabilityZones: ['us-east-1a'],
          HealthCheckType: 'EC2',
          CreatedTime: new Date(),
          Instances: [
            {
              InstanceId: 'i-stuck',
              LifecycleState: 'EnteringStandby',
              AvailabilityZone: 'us-east-1a',
              HealthStatus: 'Healthy',
              ProtectedFromScaleIn: false,
            },
          ],
        },
      ],
    });
    await expect(
      makeUnavailable(
        context(new FakeClock()),
        {
          stackName: 'prod-web',
          mode: 'asg-standby',
          standby: [{ group: 'web', instances: ['i-stuck'] }],
        },
        {},
      ),
    ).rejects.toThrow(
      /waiting for prod-web's instances to be Standby; still pending: i-stuck EnteringStandby/,
    );
  });
});
