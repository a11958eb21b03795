import { timeoutWithin } from '../core/deadline.js';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { Logger } from '../core/logger.js';
import { findStack, stackOutputs } from '../aws/stack-lookup.js';
import {
  renderMaskedHeaders,
  renderPlaceholders,
  type PlaceholderValues,
} from '../core/placeholders.js';
import { waitUntil, type BackoffOptions, type Clock } from '../core/waiter.js';
import { isRecord } from '../core/values.js';
import { HttpRequestError, sendRequest } from '../smoke/http-client.js';
import { diffJson, type IgnorePattern, type JsonDifference } from './json-diff.js';

/** The service's statistics endpoint (seed 002): `{"data": {...}}`, compared deeply. */
export interface StatisticsEndpoint {
  /** A template filled from the stack's outputs, e.g. `{{ ServiceUrl }}/admin/statistics`. */
  url: string;
  /** Header templates; every filled-in value is masked, as these carry admin credentials. */
  headers: Record<string, string>;
  ignore: IgnorePattern[];
  /** How long a stack's endpoint may take to answer (a new stack's instances boot first). */
  timeoutMs: number;
}

export interface FetchedStatistics {
  stackName: string;
  url: string;
  data: unknown;
}

const REQUEST_TIMEOUT_MS = 30_000;

export async function fetchStatistics(
  endpoint: StatisticsEndpoint,
  stackName: string,
  values: PlaceholderValues,
  logger: Logger,
  clock: Clock,
): Promise<FetchedStatistics> {
  const url = renderPlaceholders(endpoint.url, values, "input 'statistics-url'", (secret) =>
    logger.mask(secret),
  );
  const headers: Record<string, string> = {
    accept: 'application/json',
    'user-agent': 'environment-pipeline-actions migrate',
    ...renderMaskedHeaders(endpoint.headers, values, 'statistics-headers', (secret) =>
      logger.mask(secret),
    ),
  };
  const backoff: BackoffOptions = {
    initialDelayMs: 1_000,
    maxDelayMs: 10_000,
    factor: 2,
    timeoutMs: endpoint.timeoutMs,
  };
  const data = await waitUntil(
    `the statistics of ${stackName} at ${url}`,
    async () => {
      try {
        const response = await sendRequest({
          method: 'GET',
          url: new URL(url),
          headers,
          timeoutMs: timeoutWithin(REQUEST_TIMEOUT_MS, clock),
        });
        if (response.status !== 200) {
          return { done: false, pending: `HTTP ${response.status}` };
        }
        let document: unknown;
        try {
          document = JSON.parse(response.body);
        } catch {
          return { done: false, pending: 'the answer is not JSON' };
        }
        if (!isRecord(document) || !('data' in document)) {
          return { done: false, pending: "the answer has no 'data' section" };
        }
        return { done: true, value: document.data };
      } catch (error) {
        if (error instanceof HttpRequestError) return { done: false, pending: error.message };
        throw error;
      }
    },
    backoff,
    clock,
  );
  logger.info(`Statistics of ${stackName} (${url}): ${logger.redact(JSON.stringify(data))}`);
  // The URL is kept for the summary and the journal: without the secrets it may carry.
  return { stackName, url: logger.redact(url), data };
}

export interface StatisticsComparison {
  source: FetchedStatistics;
  target: FetchedStatistics;
  equal: boolean;
  differences: JsonDifference[];
}

export function compareStatistics(
  source: FetchedStatistics,
  target: FetchedStatistics,
  ignore: IgnorePattern[],
): StatisticsComparison {
  const differences = diffJson(source.data, target.data, ignore);
  return { source, target, equal: differences.length === 0, differences };
}

/** The statistics of a stack as it is now: its outputs fill the URL's placeholders. */
export async function fetchStackStatistics(
  endpoint: StatisticsEndpoint,
  cloudFormation: CloudFormationClient,
  stackName: string,
  logger: Logger,
  clock: Clock,
): Promise<FetchedStatistics> {
  const outputs = stackOutputs(await findStack(cloudFormation, stackName));
  return fetchStatistics(endpoint, stackName, { outputs, env: process.env }, logger, clock);
}
