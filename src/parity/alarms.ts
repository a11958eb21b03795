import {
  DescribeAlarmsCommand,
  type CloudWatchClient,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { RefusalError } from '../core/errors.js';
import type { StackResource } from '../provisioning/stack-resources.js';

// A listing that never ends is refused rather than read for ever; 100 alarms a page.
const MAX_PAGES = 500;

/** An alarm watching one of an environment's resources, keyed so its twin elsewhere is found. */
export interface WatchingAlarm {
  name: string;
  /** `AWS/S3 NumberOfObjects Average on DataBucket`: the same in every environment. */
  key: string;
  /** The watched resource's logical path in the stack. */
  resource: string;
  threshold: string;
  /** Whether the stack that owns the resource declares the alarm too. */
  managed: boolean;
}

/** Every metric alarm of the account and region, whatever created it: by hand included. */
export async function listMetricAlarms(cloudWatch: CloudWatchClient): Promise<MetricAlarm[]> {
  const alarms: MetricAlarm[] = [];
  let token: string | undefined;
  for (let page = 0; ; page++) {
    if (page >= MAX_PAGES) {
      throw new RefusalError(
        `CloudWatch lists more than ${MAX_PAGES} pages of alarms; they were not read to the end, so no comparison of alarms can be trusted.`,
      );
    }
    const response = await cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm'], NextToken: token, MaxRecords: 100 }),
    );
    alarms.push(...(response.MetricAlarms ?? []));
    token = response.NextToken;
    if (!token) return alarms;
  }
}

/**
 * Whether a dimension names the resource: by its physical ID, or by the name at the end of an
 * ARN or a URL (an SQS queue's physical ID is its URL; its dimension is the queue's name).
 */
function names(resource: StackResource, value: string): boolean {
  const id = resource.physicalId;
  return id === value || id.endsWith(`/${value}`) || id.endsWith(`:${value}`);
}

const COMPARISONS: Readonly<Record<string, string>> = {
  GreaterThanOrEqualToThreshold: '≥',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
};

function thresholdOf(alarm: MetricAlarm): string {
  const operator = alarm.ComparisonOperator ?? '?';
  return `${COMPARISONS[operator] ?? operator} ${alarm.Threshold ?? '?'} over ${alarm.EvaluationPeriods ?? '?'} × ${alarm.Period ?? '?'} s`;
}

/**
 * The alarms that watch an environment's resources, matched by their dimensions' values
 * against the stack's physical resource IDs: so an alarm made by hand, which no template
 * mentions, is found as surely as one the stack declares.
 */
export function alarmsWatching(
  alarms: readonly MetricAlarm[],
  resources: readonly StackResource[],
): WatchingAlarm[] {
  const managed = new Set(
    resources.filter((r) => r.type === 'AWS::CloudWatch::Alarm').map((r) => r.physicalId),
  );
  const watching: WatchingAlarm[] = [];
  for (const alarm of alarms) {
    for (const dimension of alarm.Dimensions ?? []) {
      const resource = resources.find(
        (candidate) =>
          candidate.type !== 'AWS::CloudWatch::Alarm' && names(candidate, dimension.Value ?? ''),
      );
      if (!resource) continue;
      const statistic = alarm.Statistic ?? alarm.ExtendedStatistic ?? '';
      watching.push({
        name: alarm.AlarmName ?? '?',
        key: `${alarm.Namespace ?? '?'} ${alarm.MetricName ?? '?'} ${statistic} on ${resource.path}`,
        resource: resource.path,
        threshold: thresholdOf(alarm),
        managed: managed.has(alarm.AlarmName ?? '') || managed.has(alarm.AlarmArn ?? ''),
      });
      break;
    }
  }
  return watching.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
