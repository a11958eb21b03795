import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { summariseBucket } from './bucket-summary.js';

/**
 * One loopback service standing in for every stack's instances: `/stacks/{stack}/...` is the
 * service of that stack (its ServiceUrl output points here). It serves seed 002's statistics
 * endpoint over the stack's real bucket in the emulator, so a copy that lost objects shows up
 * as different statistics, and seed 001's maintenance mode, which admins' statistics calls
 * pass through while users get 503.
 */
export interface StatisticsService {
  endpoint: string;
  /** Every maintenance switch received, in order: `{stack} on|off`. */
  maintenanceCalls: string[];
  inMaintenance(stack: string): boolean;
  /** Statistics requests received, per stack. */
  statisticsRequests: Map<string, number>;
  close(): Promise<void>;
}

export async function startStatisticsService(
  aws: { endpoint: string; region: string },
  token: string,
): Promise<StatisticsService> {
  const config = {
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const cloudFormation = new CloudFormationClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const maintenance = new Set<string>();
  const maintenanceCalls: string[] = [];
  const statisticsRequests = new Map<string, number>();

  async function bucketOf(stack: string): Promise<string | undefined> {
    try {
      const found = (await cloudFormation.send(new DescribeStacksCommand({ StackName: stack })))
        .Stacks?.[0];
      return found?.Outputs?.find((output) => output.OutputKey === 'DataBucketName')?.OutputValue;
    } catch {
      return undefined;
    }
  }

  async function statistics(bucket: string) {
    const summary = await summariseBucket(s3, bucket);
    return {
      objects: {
        total: summary.total,
        bytes: summary.bytes,
        prefixes: Object.keys(summary.byPrefix).length,
      },
      generatedAt: new Date().toISOString(),
    };
  }

  const server = http.createServer((request, response) => {
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const match = /^\/stacks\/([^/]+)(\/.*)$/.exec(
      new URL(request.url ?? '/', 'http://x').pathname,
    );
    if (!match) return reply(404, { error: 'no such route' });
    const [, stack, route] = match as unknown as [string, string, string];
    const answer = async (): Promise<void> => {
      if (route === '/admin/statistics') {
        if (request.headers.authorization !== `Bearer ${token}`) {
          reply(401, { error: 'admins only' });
          return;
        }
        statisticsRequests.set(stack, (statisticsRequests.get(stack) ?? 0) + 1);
        const bucket = await bucketOf(stack);
        if (!bucket) {
          reply(503, { error: `stack ${stack} has no bucket` });
          return;
        }
        reply(200, { data: await statistics(bucket) });
        return;
      }
      if (route === '/maintenance/on' || route === '/maintenance/off') {
        const on = route.endsWith('/on');
        if (on) maintenance.add(stack);
        else maintenance.delete(stack);
        maintenanceCalls.push(`${stack} ${on ? 'on' : 'off'}`);
        reply(200, { maintenance: on });
        return;
      }
      if (route === '/health') {
        if (maintenance.has(stack)) reply(503, { MaintenanceMode: true });
        else reply(200, { MaintenanceMode: false });
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
    maintenanceCalls,
    inMaintenance: (stack) => maintenance.has(stack),
    statisticsRequests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
