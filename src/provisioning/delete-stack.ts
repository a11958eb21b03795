import { randomUUID } from 'node:crypto';
import { DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { RefusalError } from '../core/errors.js';
import { emptyBucket } from '../aws/s3-buckets.js';
import type { ProvisionContext } from './context.js';
import { findStackBuckets, type StackBucket } from './stack-buckets.js';
import { findStack } from '../aws/stack-lookup.js';
import { StackOperationError } from './stack-operation-error.js';
import {
  waitForIdleStack,
  waitForStackOperation,
  type StackOperationOutcome,
} from './stack-waiter.js';
import { answered } from '../aws/errors.js';

export interface BucketCleanup {
  logicalId: string;
  bucket: string;
  /** Object versions and delete markers removed; `null` when the bucket was left alone. */
  deleted: number | null;
  note: string;
}

export interface DeleteResult {
  stackName: string;
  stackId: string | undefined;
  /** False when there was no stack: "nothing to delete" is a success. */
  deleted: boolean;
  buckets: BucketCleanup[];
}

async function emptyBuckets(
  context: ProvisionContext,
  buckets: StackBucket[],
): Promise<BucketCleanup[]> {
  const results: BucketCleanup[] = [];
  for (const bucket of buckets) {
    if (bucket.deletionPolicy === 'retain') {
      context.logger.info(
        `Keeping bucket ${bucket.bucket} (${bucket.logicalId}): its DeletionPolicy retains it.`,
      );
      results.push({
        logicalId: bucket.logicalId,
        bucket: bucket.bucket,
        deleted: null,
        note: 'retained (DeletionPolicy)',
      });
      continue;
    }
    if (bucket.deletionPolicy === 'unknown') {
      context.logger.warning(
        `Not emptying bucket ${bucket.bucket} (${bucket.logicalId}): could not read its DeletionPolicy, and emptying a retained bucket would destroy data that was meant to be kept.`,
      );
      results.push({
        logicalId: bucket.logicalId,
        bucket: bucket.bucket,
        deleted: null,
        note: 'left alone (policy unknown)',
      });
      continue;
    }
    const emptied = await emptyBucket(context.s3(), bucket.bucket);
    context.logger.info(
      emptied.missing
        ? `Bucket ${bucket.bucket} (${bucket.logicalId}) no longer exists.`
        : `Emptied bucket ${bucket.bucket} (${bucket.logicalId}): ${emptied.deleted} object version(s) and delete marker(s) removed.`,
    );
    results.push({
      logicalId: bucket.logicalId,
      bucket: bucket.bucket,
      deleted: emptied.deleted,
      note: emptied.missing ? 'already gone' : 'emptied',
    });
  }
  return results;
}

async function deleteAndWait(
  context: ProvisionContext,
  stackId: string,
  stackName: string,
): Promise<StackOperationOutcome> {
  const token = `delete-${randomUUID()}`;
  const since = new Date(context.clock.now());
  await context.cloudFormation.send(
    new DeleteStackCommand({ StackName: stackId, ClientRequestToken: token }),
  );
  return waitForStackOperation(
    context,
    stackId,
    token,
    since,
    ['DELETE_COMPLETE'],
    `deletion of ${stackName}`,
  );
}

/**
 * Deletes a stack the way CloudFormation cannot on its own: every bucket it owns is emptied
 * first (all versions and delete markers) unless its DeletionPolicy keeps it. A stack that is
 * already gone is a success; a termination-protected one is refused.
 */
export async function deleteStack(
  context: ProvisionContext,
  stackName: string,
): Promise<DeleteResult> {
  const { logger } = context;
  const found = await findStack(context.cloudFormation, stackName);
  const stack = found ? await waitForIdleStack(context, found) : undefined;
  if (!stack) {
    logger.info(`Stack ${stackName} does not exist; nothing to delete.`);
    return { stackName, stackId: found?.StackId, deleted: false, buckets: [] };
  }
  if (stack.EnableTerminationProtection) {
    throw new RefusalError(
      `Stack ${stackName} has termination protection on, so it will not be deleted.`,
      `If you really mean to delete it, turn protection off deliberately first: aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name ${stackName}`,
    );
  }
  const stackId = answered(stack.StackId, 'StackId (CloudFormation DescribeStacks)');
  const buckets = await findStackBuckets(context.cloudFormation, stackId);
  const cleanup = await emptyBuckets(context, buckets);

  let outcome = await deleteAndWait(context, stackId, stackName);
  const bucketFailures = outcome.failures.filter((failure) => failure.type === 'AWS::S3::Bucket');
  if (!outcome.succeeded && outcome.status === 'DELETE_FAILED' && bucketFailures.length > 0) {
    // Something (ELB access logs, a straggling writer) put objects back after we emptied the
    // bucket. Empty again and retry once rather than leave a half-deleted stack.
    logger.warning(
      `Deletion failed on bucket(s) ${bucketFailures.map((failure) => failure.logicalId).join(', ')}; objects were written after emptying. Emptying again and retrying once.`,
    );
    const retry = buckets.filter((bucket) =>
      bucketFailures.some((failure) => failure.logicalId === bucket.logicalId),
    );
    await emptyBuckets(context, retry);
    outcome = await deleteAndWait(context, stackId, stackName);
  }
  if (!outcome.succeeded) {
    throw new StackOperationError(
      `Deleting stack ${stackName} failed (${outcome.status}).`,
      stackName,
      outcome.status,
      outcome.failures,
      `The stack is in ${outcome.status}; fix the reasons above and run delete again, or delete it with --retain-resources for what cannot be deleted.`,
    );
  }
  logger.info(`Stack ${stackName} deleted.`);
  return { stackName, stackId, deleted: true, buckets: cleanup };
}
