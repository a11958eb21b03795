import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { SSMClient } from '@aws-sdk/client-ssm';
import { boundCalls } from './bounded-calls.js';
import { clientConfig, type AwsSettings } from './clients.js';

/**
 * The services only a migration touches: Auto Scaling (standby), RDS (snapshots), DynamoDB (table
 * copies), S3 Control (Batch Operations copy jobs), SSM and Route 53 (the blue/green pointer and DNS record). Apart from clients.ts so the other actions never bundle them.
 */
export interface MigrationClients {
  readonly autoScaling: AutoScalingClient;
  readonly rds: RDSClient;
  readonly dynamodb: DynamoDBClient;
  readonly s3Control: S3ControlClient;
  readonly ssm: SSMClient;
  readonly route53: Route53Client;
}

export function createMigrationClients(settings: AwsSettings): MigrationClients {
  const common = clientConfig(settings);
  let autoScaling: AutoScalingClient | undefined;
  let rds: RDSClient | undefined;
  let dynamodb: DynamoDBClient | undefined;
  let s3Control: S3ControlClient | undefined;
  let ssm: SSMClient | undefined;
  let route53: Route53Client | undefined;
  return {
    get autoScaling() {
      return (autoScaling ??= boundCalls(new AutoScalingClient(common), settings.bounds));
    },
    get rds() {
      return (rds ??= boundCalls(new RDSClient(common), settings.bounds));
    },
    get dynamodb() {
      return (dynamodb ??= boundCalls(new DynamoDBClient(common), settings.bounds));
    },
    get s3Control() {
      return (s3Control ??= boundCalls(new S3ControlClient(common), settings.bounds));
    },
    get ssm() {
      return (ssm ??= boundCalls(new SSMClient(common), settings.bounds));
    },
    get route53() {
      return (route53 ??= boundCalls(new Route53Client(common), settings.bounds));
    },
  };
}
