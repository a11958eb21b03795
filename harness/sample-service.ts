import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { summariseBucket } from './bucket-summary.js';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

/**
 * The demo's service for one environment: what would run on the Auto Scaling group's
 * instances, run on loopback instead (the emulator starts no instances). It serves seed 001's
 * `/health` and `/test` over the stack's real resources in the emulator, so a smoke test
 * fails when the stack is missing or its bucket or parameter is gone.
 */
export interface SampleService {
  endpoint: string;
  close(): Promise<void>;
}

interface Health {
  BuildVersion: string | null;
  DatabaseConnectivity: boolean;
  MaintenanceMode: boolean;
}

interface TestEntry {
  Name: string;
  Description: string;
  Endpoint: string;
  Success: boolean;
  Error: string | null;
}

const HEALTH_CACHE_MS = 1000;

export async function startSampleService(
  stackName: string,
  aws: { endpoint: string; region: string },
): Promise<SampleService> {
  const config = {
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const cloudFormation = new CloudFormationClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const ssm = new SSMClient(config);

  async function stack(): Promise<{
    version: string | null;
    outputs: Record<string, string>;
  } | null> {
    try {
      const found = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName })))
        .Stacks?.[0];
      if (!found) return null;
      const outputs: Record<string, string> = {};
      for (const output of found.Outputs ?? []) {
        if (output.OutputKey) outputs[output.OutputKey] = output.OutputValue ?? '';
      }
      const version = found.Tags?.find((tag) => tag.Key === 'environment:version')?.Value ?? null;
      return { version, outputs };
    } catch {
      return null;
    }
  }

  // Like an instance's health endpoint behind a load balancer: cheap, and cached for a second
  // so a burst of callers measures the service, not the emulator.
  let cached: { at: number; health: Health } | undefined;
  async function health(): Promise<Health> {
    if (cached && Date.now() - cached.at < HEALTH_CACHE_MS) return cached.health;
    const current = await stack();
    let reachable = false;
    if (current?.outputs.DataBucketName) {
      try {
        await s3.send(new HeadBucketCommand({ Bucket: current.outputs.DataBucketName }));
        reachable = true;
      } catch {
        reachable = false;
      }
    }
    const result = {
      BuildVersion: current?.version ?? null,
      DatabaseConnectivity: reachable,
      MaintenanceMode: false,
    };
    cached = { at: Date.now(), health: result };
    return result;
  }

  async function probe(
    name: string,
    description: string,
    endpoint: string,
    fn: () => Promise<void>,
  ): Promise<TestEntry> {
    try {
      await fn();
      return {
        Name: name,
        Description: description,
        Endpoint: endpoint,
        Success: true,
        Error: null,
      };
    } catch (error) {
      return {
        Name: name,
        Description: description,
        Endpoint: endpoint,
        Success: false,
        Error: (error as Error).message,
      };
    }
  }

  async function selfTest(): Promise<{ Health: Health; Tests: TestEntry[] }> {
    const current = await stack();
    const tests = [
      await probe(
        'ReadCustomerData',
        'Lists the customer records in the data bucket.',
        '/customers',
        async () => {
          if (!current?.outputs.DataBucketName)
            throw new Error(`stack ${stackName} has no DataBucketName output`);
          await s3.send(
            new ListObjectsV2Command({
              Bucket: current.outputs.DataBucketName,
              Prefix: 'customers/',
              MaxKeys: 10,
            }),
          );
        },
      ),
      await probe(
        'ReadSettings',
        'Reads the service settings parameter.',
        '/settings',
        async () => {
          if (!current?.outputs.SettingsParameter)
            throw new Error(`stack ${stackName} has no SettingsParameter output`);
          const parameter = await ssm.send(
            new GetParameterCommand({ Name: current.outputs.SettingsParameter }),
          );
          JSON.parse(parameter.Parameter?.Value ?? '');
        },
      ),
    ];
    return { Health: await health(), Tests: tests };
  }

  // Seed 002's statistics endpoint: a summary of the data, compared between environments.
  async function countObjects(bucket: string) {
    const summary = await summariseBucket(s3, bucket);
    return { records: summary.byPrefix, bytes: summary.bytes };
  }

  const server = http.createServer((request, response) => {
    const route = new URL(request.url ?? '/', 'http://localhost').pathname;
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const answer = async (): Promise<void> => {
      if (route === '/health') {
        const result = await health();
        reply(result.DatabaseConnectivity ? 200 : 503, result);
        return;
      }
      if (route === '/admin/statistics') {
        const current = await stack();
        const bucket = current?.outputs.DataBucketName;
        if (!bucket) {
          reply(503, { error: `stack ${stackName} has no bucket` });
          return;
        }
        reply(200, {
          data: { ...(await countObjects(bucket)), generatedAt: new Date().toISOString() },
        });
        return;
      }
      if (route === '/test') {
        const result = await selfTest();
        const ok = result.Health.DatabaseConnectivity && result.Tests.every((test) => test.Success);
        reply(ok ? 200 : 503, result);
        return;
      }
      reply(404, { error: `no route ${route}` });
    };
    answer().catch((error: unknown) =>
      reply(500, { error: error instanceof Error ? error.message : String(error) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
