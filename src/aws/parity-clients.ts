import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { boundCalls } from './bounded-calls.js';
import { clientConfig, type AwsSettings } from './clients.js';

/** CloudWatch, which only a comparison of environments reads: loaded when one runs. */
export function createCloudWatchClient(settings: AwsSettings): CloudWatchClient {
  return boundCalls(new CloudWatchClient(clientConfig(settings)), settings.bounds);
}
