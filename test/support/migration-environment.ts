import path from 'node:path';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Route53Client } from '@aws-sdk/client-route-53';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import {
  REPO_ROOT,
  runAction,
  type ActionRun,
  type SignalOption,
} from '../../harness/run-action.js';
import {
  startStatisticsService,
  type StatisticsService,
} from '../../harness/statistics-service.js';
import { CRASH_VARIABLE } from '../../src/migration/test-hooks.js';

export const DEFINITION = path.join(REPO_ROOT, 'test', 'fixtures', 'migration', 'environment.yml');
export const ARTIFACTS = 'migration-artifacts';
export const TOKEN = 'statistics-admin-token-1234';

/** The sample environment of the migration tests: moto, the statistics service, clients. */
export class MigrationWorld {
  readonly s3: S3Client;
  readonly cloudFormation: CloudFormationClient;
  readonly autoScaling: AutoScalingClient;
  readonly ssm: SSMClient;
  readonly route53: Route53Client;

  constructor(
    readonly moto: MotoServer,
    readonly service: StatisticsService,
  ) {
    const config = {
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    };
    this.s3 = new S3Client({ ...config, forcePathStyle: true });
    this.cloudFormation = new CloudFormationClient(config);
    this.autoScaling = new AutoScalingClient(config);
    this.ssm = new SSMClient(config);
    this.route53 = new Route53Client(config);
  }

  /** moto, the statistics service and the artifact bucket: what every migration suite starts with. */
  static async start(): Promise<MigrationWorld> {
    const moto = await startMoto();
    const service = await startStatisticsService(
      { endpoint: moto.endpoint, region: 'us-east-1' },
      TOKEN,
    ).catch(async (error: unknown) => {
      await moto.stop();
      throw error;
    });
    const world = new MigrationWorld(moto, service);
    await world.createArtifactBucket();
    return world;
  }

  async stop(): Promise<void> {
    await this.service.close();
    await this.moto.stop();
  }

  async createArtifactBucket(): Promise<void> {
    await this.s3.send(new CreateBucketCommand({ Bucket: ARTIFACTS }));
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...this.moto.env,
      STATISTICS_TOKEN: TOKEN,
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_REPOSITORY: 'acme/records',
      GITHUB_RUN_ID: '7',
      ...extra,
    };
  }

  provision(environment: string, version: string): Promise<ActionRun> {
    return runAction(
      'action-provision',
      {
        operation: 'deploy',
        definition: DEFINITION,
        environment,
        version,
        parameters: `ServiceEndpoint=${this.service.endpoint}`,
      },
      this.env(),
    );
  }

  migrate(
    inputs: Record<string, string>,
    env: Record<string, string> = {},
    signal?: SignalOption,
  ): Promise<ActionRun> {
    return runAction(
      'action-migrate',
      {
        definition: DEFINITION,
        'artifact-bucket': ARTIFACTS,
        parameters: `ServiceEndpoint=${this.service.endpoint}`,
        ...inputs,
      },
      // The crash hook is a test hook, never armed on a runner: a crash test runs outside one.
      this.env(CRASH_VARIABLE in env ? { GITHUB_ACTIONS: '', ...env } : env),
      { timeoutMs: 240_000, ...(signal ? { signal } : {}) },
    );
  }

  async stack(name: string) {
    try {
      return (await this.cloudFormation.send(new DescribeStacksCommand({ StackName: name })))
        .Stacks?.[0];
    } catch {
      return undefined;
    }
  }

  async bucketOf(stackName: string): Promise<string> {
    const stack = await this.stack(stackName);
    const bucket = stack?.Outputs?.find((output) => output.OutputKey === 'DataBucketName');
    if (!bucket?.OutputValue) throw new Error(`${stackName} has no DataBucketName output`);
    return bucket.OutputValue;
  }

  /** Writes `count` objects spread over `prefixes` prefixes, 32 at a time; returns their keys. */
  async writeData(stackName: string, count: number, prefixes: number): Promise<string[]> {
    const bucket = await this.bucketOf(stackName);
    const keys = Array.from(
      { length: count },
      (_, index) => `customer-${String(index % prefixes).padStart(3, '0')}/record-${index}.json`,
    );
    for (let start = 0; start < keys.length; start += 32) {
      await Promise.all(
        keys.slice(start, start + 32).map((key, offset) =>
          this.s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: key,
              Body: JSON.stringify({ id: start + offset, note: 'x'.repeat((start + offset) % 97) }),
              ContentType: 'application/json',
            }),
          ),
        ),
      );
    }
    return keys;
  }

  async keysOf(stackName: string): Promise<string[]> {
    const bucket = await this.bucketOf(stackName);
    const keys: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const response = await this.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
      );
      keys.push(...(response.Contents ?? []).map((object) => object.Key!));
      token = response.IsTruncated ? response.NextContinuationToken : undefined;
      if (!token) break;
    }
    return keys.sort();
  }

  async readObject(stackName: string, key: string): Promise<string> {
    const object = await this.s3.send(
      new GetObjectCommand({ Bucket: await this.bucketOf(stackName), Key: key }),
    );
    return object.Body!.transformToString('utf8');
  }

  /** Lifecycle states of the instances in the stack's Auto Scaling group. */
  async instanceStates(stackName: string): Promise<string[]> {
    const stack = await this.stack(stackName);
    if (!stack) return [];
    // Every page: with dozens of environments, the group is often past the first 50.
    const all = [];
    let token: string | undefined;
    for (let page = 0; page < 100; page++) {
      const response = await this.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({ NextToken: token }),
      );
      all.push(...(response.AutoScalingGroups ?? []));
      token = response.NextToken;
      if (!token) break;
    }
    const groups = { AutoScalingGroups: all };
    const group = groups.AutoScalingGroups?.find(
      (candidate) =>
        candidate.Tags?.some(
          (tag) => tag.Key === 'aws:cloudformation:stack-name' && tag.Value === stackName,
        ) || candidate.AutoScalingGroupName?.startsWith(`${stackName}-WebServers`),
    );
    return (group?.Instances ?? []).map((instance) => instance.LifecycleState!).sort();
  }

  async pointer(name: string): Promise<string | undefined> {
    try {
      return (await this.ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
    } catch {
      return undefined;
    }
  }

  /** The newest migration journal of an environment, as the suite reads it. */
  async latestJournal(environment: string): Promise<Record<string, unknown>> {
    const listed = await this.s3.send(
      new ListObjectsV2Command({ Bucket: ARTIFACTS, Prefix: `migrations/records/${environment}/` }),
    );
    const newest = (listed.Contents ?? [])
      .map((object) => object.Key!)
      .sort()
      .pop();
    if (!newest) throw new Error(`no journal for ${environment}`);
    return this.journal(`s3://${ARTIFACTS}/${newest}`);
  }

  async journal(url: string): Promise<Record<string, unknown>> {
    const key = url.replace(`s3://${ARTIFACTS}/`, '');
    const object = await this.s3.send(new GetObjectCommand({ Bucket: ARTIFACTS, Key: key }));
    return JSON.parse(await object.Body!.transformToString('utf8')) as Record<string, unknown>;
  }
}

export function expectSuccess(run: ActionRun): ActionRun {
  if (run.exitCode !== 0) {
    throw new Error(`action failed (${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
  }
  return run;
}

/** The log as the runner shows it: `::add-mask::` commands are consumed, never displayed. */
export function withoutMaskCommands(log: string): string {
  return log
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

/** The runner does not nest log groups: a group opened inside another breaks the log's folding. */
export function nestedGroups(log: string): string[] {
  const nested: string[] = [];
  let open: string | undefined;
  for (const line of log.split('\n')) {
    if (line.startsWith('::group::')) {
      if (open !== undefined) nested.push(`${line.slice(9)} inside ${open}`);
      open = line.slice(9);
    } else if (line.startsWith('::endgroup::')) {
      open = undefined;
    }
  }
  return nested;
}
