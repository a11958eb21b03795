import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Deadline } from '../core/deadline.js';
import type { Logger } from '../core/logger.js';
import type { BackoffOptions, Clock } from '../core/waiter.js';

/** What every provisioning operation needs, built once by the action and passed in. */
export interface ProvisionContext {
  cloudFormation: CloudFormationClient;
  s3: () => S3Client;
  logger: Logger;
  clock: Clock;
  /** Polling for stack operations; `timeoutMs` is the user's `timeout-minutes`. */
  polling: BackoffOptions;
  /**
   * The step's time budget, when the action bounds its step. The clock is bounded by it; what
   * must happen after a failure (restoring a stack policy) runs in its reserve.
   */
  deadline?: Deadline;
}

export function defaultPolling(timeoutMinutes: number): BackoffOptions {
  return {
    initialDelayMs: 2_000,
    maxDelayMs: 20_000,
    factor: 1.5,
    timeoutMs: timeoutMinutes * 60_000,
  };
}

/** Change sets settle in seconds; poll them faster than stacks. */
export function changeSetPolling(polling: BackoffOptions): BackoffOptions {
  return {
    ...polling,
    initialDelayMs: Math.min(polling.initialDelayMs, 1_000),
    maxDelayMs: 10_000,
  };
}
