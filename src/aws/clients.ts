import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { ConfigurationError } from '../core/errors.js';
import { proxyConfigured } from '../core/proxy-environment.js';
import type { ProxyAwareRequestHandler } from './proxy-request-handler.js';
import { boundCalls, ThrottleLog, type CallBounds } from './bounded-calls.js';

export const USER_AGENT = 'environment-pipeline-actions';

export interface AwsSettings {
  region: string;
  /** Endpoint override, for a local emulator; `undefined` means the real AWS endpoints. */
  endpoint?: string;
  /** Names the action in the user agent, so CloudTrail shows which action made a call. */
  caller: string;
  maxAttempts: number;
  /** Every client's calls are bounded by the step's deadline, when set, and their throttling noted. */
  bounds: CallBounds;
}

export interface AwsClients {
  readonly settings: AwsSettings;
  readonly cloudFormation: CloudFormationClient;
  readonly s3: S3Client;
}

export function validateRegionName(region: string, source: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new ConfigurationError(
      `'${region}' is not an AWS region name (for example eu-west-1)`,
      source,
    );
  }
  return region;
}

/**
 * Region and endpoint from the action input or the environment. Credentials are left to the
 * SDK's default chain (environment variables from `aws-actions/configure-aws-credentials`,
 * web identity, profiles), never taken as inputs.
 */
export function resolveAwsSettings(
  caller: string,
  regionInput: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): AwsSettings {
  const region = regionInput ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigurationError(
      'no AWS region: set the input, or AWS_REGION (aws-actions/configure-aws-credentials does)',
      "input 'aws-region'",
    );
  }
  validateRegionName(region, "input 'aws-region'");
  const endpoint = env.AWS_ENDPOINT_URL?.trim() || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint)) {
    throw new ConfigurationError(`'${endpoint}' is not an http(s) URL`, 'AWS_ENDPOINT_URL');
  }
  return { region, endpoint, caller, maxAttempts: 8, bounds: { throttles: new ThrottleLog() } };
}

/**
 * The proxy-aware handler (proxy-request-handler.ts), loaded on the first request so that an
 * action run without a proxy never loads it.
 */
function proxyAwareHandler() {
  let handler: Promise<ProxyAwareRequestHandler> | undefined;
  const load = () =>
    (handler ??= import('./proxy-request-handler.js').then(
      (module) => new module.ProxyAwareRequestHandler(),
    ));
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    handle: async (...args: Parameters<ProxyAwareRequestHandler['handle']>) =>
      (await load()).handle(...args),
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => void handler?.then((loaded) => loaded.destroy()),
  };
}

/**
 * What every client shares: region, endpoint override, retry policy and user agent. Used by
 * each client factory (this file and ec2-clients.ts), so clients differ only in their service.
 */
export function clientConfig(settings: AwsSettings, region = settings.region) {
  return {
    region,
    // "adaptive" is "standard" (exponential backoff with full jitter, throttling errors
    // retried) plus a client-side rate limiter that slows down once throttling starts.
    retryMode: 'adaptive',
    maxAttempts: settings.maxAttempts,
    customUserAgent: [[USER_AGENT], [settings.caller]] as [string, string?][],
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    // Behind a corporate proxy: the SDK's own handler ignores HTTPS_PROXY and NO_PROXY.
    ...(proxyConfigured() ? { requestHandler: proxyAwareHandler() } : {}),
  };
}

/**
 * The CloudFormation and S3 clients. Each is created on first use so an operation that never
 * touches a service never pays for its client. EC2 and Auto Scaling live in ec2-clients.ts, so
 * the actions that never touch them do not load (and bundle) those SDK packages.
 */
export function createAwsClients(settings: AwsSettings): AwsClients {
  const common = clientConfig(settings);
  let cloudFormation: CloudFormationClient | undefined;
  let s3: S3Client | undefined;
  return {
    settings,
    get cloudFormation() {
      return (cloudFormation ??= boundCalls(new CloudFormationClient(common), settings.bounds));
    },
    get s3() {
      // Emulators serve buckets under the path, not as virtual hosts.
      return (s3 ??= boundCalls(
        new S3Client({ ...common, forcePathStyle: settings.endpoint !== undefined }),
        settings.bounds,
      ));
    },
  };
}
