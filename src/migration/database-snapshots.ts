import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { awsErrorName } from '../aws/errors.js';
import type { Logger } from '../core/logger.js';
import { waitUntil, type BackoffOptions, type Clock } from '../core/waiter.js';
import { OperationError } from '../core/errors.js';
import { MANAGED_BY, SNAPSHOT_TAG } from '../aws/suite-tags.js';

/** The suite's statistics of a database copy: what a snapshot and its restore must agree on. */
export interface DatabaseStatistics {
  logicalId: string;
  identifier: string;
  engine: string;
  allocatedStorage: number;
}

export interface DatabaseSnapshot extends DatabaseStatistics {
  snapshotId: string;
  /** The template parameter the new stack receives the snapshot identifier in. */
  parameter: string;
}

/** Snapshot identifiers: a letter first, letters, digits and single hyphens, at most 255. */
export function snapshotIdentifier(migrationId: string, stackName: string, logicalId: string) {
  return `migration-${migrationId}-${stackName}-${logicalId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 255)
    .replace(/-$/, '');
}

/**
 * Snapshots a DB instance (or finds the snapshot a crashed run already started: identifiers are
 * derived from the migration, so a re-run never takes a second one) and waits until it is
 * available.
 */
export async function snapshotDatabase(
  rds: RDSClient,
  instance: { logicalId: string; identifier: string; parameter: string },
  snapshotId: string,
  logger: Logger,
  polling: BackoffOptions,
  clock: Clock,
): Promise<DatabaseSnapshot> {
  try {
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: instance.identifier,
        DBSnapshotIdentifier: snapshotId,
        Tags: [{ Key: SNAPSHOT_TAG.managedBy, Value: MANAGED_BY }],
      }),
    );
    logger.info(
      `Snapshot ${snapshotId} of ${instance.identifier} (${instance.logicalId}) started.`,
    );
  } catch (error) {
    if (awsErrorName(error) !== 'DBSnapshotAlreadyExistsFault') throw error;
    logger.info(`Snapshot ${snapshotId} already exists (an earlier attempt took it).`);
  }
  const snapshot = await waitUntil(
    `snapshot ${snapshotId} to be available`,
    async () => {
      const response = await rds.send(
        new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }),
      );
      const found = response.DBSnapshots?.[0];
      if (found?.Status === 'available') return { done: true, value: found };
      if (found?.Status === 'failed' || found?.Status === 'deleted') {
        throw new OperationError(
          `Snapshot ${snapshotId} of ${instance.identifier} is ${found.Status}.`,
          'A database snapshot failed',
        );
      }
      return {
        done: false,
        pending: `${found?.Status ?? 'not listed yet'}${found?.PercentProgress ? ` (${found.PercentProgress}%)` : ''}`,
      };
    },
    polling,
    clock,
  );
  if (snapshot.DBInstanceIdentifier && snapshot.DBInstanceIdentifier !== instance.identifier) {
    // A name clash with a stranger's snapshot must not smuggle other data into the new stack.
    throw new OperationError(
      `Snapshot ${snapshotId} exists but is of ${snapshot.DBInstanceIdentifier}, not ${instance.identifier}.`,
    );
  }
  return {
    ...instance,
    snapshotId,
    engine: snapshot.Engine ?? '?',
    allocatedStorage: snapshot.AllocatedStorage ?? 0,
  };
}

export async function databaseStatistics(
  rds: RDSClient,
  logicalId: string,
  identifier: string,
): Promise<DatabaseStatistics> {
  const response = await rds.send(
    new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }),
  );
  const instance = response.DBInstances?.[0];
  return {
    logicalId,
    identifier,
    engine: instance?.Engine ?? '?',
    allocatedStorage: instance?.AllocatedStorage ?? 0,
  };
}
