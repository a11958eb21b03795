import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { Capability } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { S3ControlClient } from '@aws-sdk/client-s3-control';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Deadline } from '../core/deadline.js';
import type { RunContext } from '../core/github-context.js';
import type { StatefulResources } from '../definition/definition.js';
import type { ProvisionContext } from '../provisioning/context.js';
import type { DriftMode } from '../provisioning/drift.js';
import type { DeployRequest } from '../provisioning/deploy-stack.js';
import type { AvailabilityMode, MaintenanceHook } from './availability.js';
import type { CopyEngineSettings } from './batch-copy.js';
import type { Strategy } from './journal.js';
import type { StatisticsEndpoint } from './statistics-endpoint.js';

/** Everything a migration talks to, built once by the action and passed in. */
export interface MigrationContext extends ProvisionContext {
  autoScaling: () => AutoScalingClient;
  rds: () => RDSClient;
  dynamodb: () => DynamoDBClient;
  /** S3 Batch Operations jobs, for s3-copy-engine batch-operations and auto. */
  s3Control: () => S3ControlClient;
  ssm: () => SSMClient;
  route53: () => Route53Client;
  /**
   * Called after each step is journalled as done (`step`), after its work but before it is
   * journalled (`step:unjournalled`), and after each object a copy step copies
   * (`copy-object:N`). Tests kill the process at one of these points
   * (ENVIRONMENT_PIPELINE_CRASH_AFTER) to prove a re-run recovers.
   */
  afterStep?: (step: string) => void;
  /**
   * The step's time budget. The context's clock is bounded by it too; recovery (serving users
   * again, journalling the failure) runs in its reserve through `MigrationRun.recover`.
   */
  deadline?: Deadline;
  /**
   * Loads the clients only a migration's steps use (Auto Scaling, RDS, DynamoDB, SSM, Route 53), before
   * the first of them is asked for; absent when the context was built with them.
   */
  loadServices?: () => Promise<void>;
}

export const COPY_VERSIONS = ['all', 'current'] as const;
export type CopyVersions = (typeof COPY_VERSIONS)[number];

export const RECOVERY_MODES = ['resume', 'rollback'] as const;
export type RecoveryMode = (typeof RECOVERY_MODES)[number];

export interface DnsRecord {
  zoneId: string;
  name: string;
  /** The stack output holding the colour's endpoint (a host name, or a URL whose host is used). */
  output: string;
  ttl: number;
}

/** A migration as the action asks for it, every input already validated. */
export interface MigrationRequest {
  strategy: Strategy;
  environment: string;
  component: string;
  version: string;
  templateBody: string;
  /** A template too large for the request, uploaded to the artifact bucket first. */
  templateUrl?: string;
  /** The environment's resolved parameters, without the snapshot parameters. */
  parameters: Record<string, string>;
  tags: Record<string, string>;
  capabilities: Capability[];
  stateful: StatefulResources;
  allowReplacement: string[];
  protect: boolean;
  /** DB instance logical ID → template parameter that takes its snapshot identifier. */
  snapshotParameters: Record<string, string>;
  availability: AvailabilityMode;
  hook: MaintenanceHook | undefined;
  statistics: StatisticsEndpoint | undefined;
  copyConcurrency: number;
  /** all: a versioned bucket's every version and delete marker; current: current objects only. */
  copyVersions: CopyVersions;
  copyEngine: CopyEngineSettings;
  keepPreviousHours: number;
  pointerParameter: string;
  /** blue-green: a DNS record UPSERTed to the active colour's endpoint output. */
  dnsRecord: DnsRecord | undefined;
  recover: RecoveryMode;
  /** Asked of every update of a live stack (the update strategy's). */
  drift: DriftMode;
  journalBucket: string;
  run: RunContext;
}

/**
 * The deploy of `stackName` at the requested version, as every migration step that creates or
 * updates a stack asks for it; `overrides` holds what differs (snapshot parameters, protection,
 * allowed replacements).
 */
export function deployRequestFor(
  request: MigrationRequest,
  stackName: string,
  overrides: Pick<DeployRequest, 'protect' | 'allowReplacement'> & {
    extraParameters?: Record<string, string>;
    extraTags?: Record<string, string>;
  },
): DeployRequest {
  return {
    stackName,
    version: request.version,
    templateBody: request.templateBody,
    ...(request.templateUrl ? { templateUrl: request.templateUrl } : {}),
    parameters: { ...request.parameters, ...overrides.extraParameters },
    tags: { ...request.tags, ...overrides.extraTags },
    capabilities: request.capabilities,
    stateful: request.stateful,
    allowReplacement: overrides.allowReplacement,
    keepFailed: false,
    protect: overrides.protect,
    drift: request.drift,
  };
}
