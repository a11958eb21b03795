import { afterEach, describe, expect, test } from '@jest/globals';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { createAwsClients, resolveAwsSettings } from '../../src/aws/clients.js';
import { ConfigurationError } from '../../src/core/errors.js';
import { startCountingServer, type CountingServer } from '../../harness/counting-server.js';

// CloudFormation speaks the AWS Query protocol: XML bodies, errors as <ErrorResponse>.
const THROTTLED = `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`;
const STACKS = `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>ci-sample-service</StackName><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/ci-sample-service/1</StackId><StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2026-11-22T12:00:00Z</CreationTime></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></DescribeStacksResponse>`;

let server: CountingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const credentials = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' };

describe('the AWS client factory', () => {
  test('retries throttling with backoff, then succeeds', async () => {
    server = await startCountingServer((_request, index) =>
      index < 2 ? { status: 400, body: THROTTLED } : { status: 200, body: STACKS },
    );
    Object.assign(process.env, credentials);
    const clients = createAwsClients(
      resolveAwsSettings('test', 'us-east-1', { AWS_ENDPOINT_URL: server.endpoint }),
    );

    const response = await clients.cloudFormation.send(
      new DescribeStacksCommand({ StackName: 'ci-sample-service' }),
    );

    expect(response.Stacks?.[0]?.StackStatus).toBe('UPDATE_COMPLETE');
    expect(server.requests).toHaveLength(3);
    // the retries were spaced out, not fired back to back
    expect(server.requests[2]!.at - server.requests[0]!.at).toBeGreaterThan(100);
  });

  test('gives up after maxAttempts and surfaces the throttling error', async () => {
    server = await startCountingServer(() => ({ status: 400, body: THROTTLED }));
    Object.assign(process.env, credentials);
    const settings = {
      ...resolveAwsSettings('test', 'us-east-1', { AWS_ENDPOINT_URL: server.endpoint }),
      maxAttempts: 2,
    };
    const clients = createAwsClients(settings);
    await expect(clients.cloudFormation.send(new DescribeStacksCommand({}))).rejects.toMatchObject({
      name: 'Throttling',
    });
    expect(server.requests).toHaveLength(2);
  });

  test('names the suite and the action in the user agent', async () => {
    server = await startCountingServer(() => ({ status: 200, body: STACKS }));
    Object.assign(process.env, credentials);
    const clients = createAwsClients(
      resolveAwsSettings('action-provision', 'us-east-1', { AWS_ENDPOINT_URL: server.endpoint }),
    );
    const seen: string[] = [];
    clients.cloudFormation.middlewareStack.add(
      (next) => async (args) => {
        const headers = (args.request as { headers: Record<string, string> }).headers;
        seen.push(`${headers['user-agent'] ?? ''} ${headers['x-amz-user-agent'] ?? ''}`);
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await clients.cloudFormation.send(new DescribeStacksCommand({}));
    expect(seen[0]).toMatch(/environment-pipeline-actions.*action-provision/);
  });

  test('region comes from the input, then AWS_REGION, then AWS_DEFAULT_REGION; none is a configuration error', () => {
    expect(resolveAwsSettings('t', 'eu-west-1', {}).region).toBe('eu-west-1');
    expect(
      resolveAwsSettings('t', undefined, { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'x' })
        .region,
    ).toBe('us-west-2');
    expect(
      resolveAwsSettings('t', undefined, { AWS_DEFAULT_REGION: 'ap-southeast-2' }).region,
    ).toBe('ap-southeast-2');
    expect(() => resolveAwsSettings('t', undefined, {})).toThrow(ConfigurationError);
    expect(() =>
      resolveAwsSettings('t', 'us-east-1', { AWS_ENDPOINT_URL: 'localhost:4566' }),
    ).toThrow(/AWS_ENDPOINT_URL: 'localhost:4566' is not an http\(s\) URL/);
  });

  test('path-style S3 addressing only with an endpoint override', async () => {
    const local = createAwsClients(
      resolveAwsSettings('t', 'us-east-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }),
    );
    const real = createAwsClients(resolveAwsSettings('t', 'us-east-1', {}));
    expect(local.s3.config.forcePathStyle).toBe(true);
    expect(real.s3.config.forcePathStyle).toBe(false);
  });
});
