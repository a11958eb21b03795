import {
  DescribeAlarmsCommand,
  type CloudWatchClient,
  type CompositeAlarm,
  type Dimension,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import { RefusalError } from '../core/errors.js';
import type { StackResource } from '../provisioning/stack-resources.js';

// A listing that never ends is refused rather than read for ever; 100 alarms a page.
const MAX_PAGES = 500;
// Composite alarms can name composite alarms; deeper than this is not followed.
const MAX_COMPOSITE_DEPTH = 10;

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

/** Every alarm of the account and region, whatever created it: by hand included. */
export interface AccountAlarms {
  metric: MetricAlarm[];
  composite: CompositeAlarm[];
}

export async function listAlarms(cloudWatch: CloudWatchClient): Promise<AccountAlarms> {
  const alarms: AccountAlarms = { metric: [], composite: [] };
  let token: string | undefined;
  for (let page = 0; ; page++) {
    if (page >= MAX_PAGES) {
      throw new RefusalError(
        `CloudWatch lists more than ${MAX_PAGES} pages of alarms; they were not read to the end, so no comparison of alarms can be trusted.`,
      );
    }
    const response = await cloudWatch.send(
      new DescribeAlarmsCommand({
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        NextToken: token,
        MaxRecords: 100,
      }),
    );
    alarms.metric.push(...(response.MetricAlarms ?? []));
    alarms.composite.push(...(response.CompositeAlarms ?? []));
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

const ALARM_TYPES = new Set(['AWS::CloudWatch::Alarm', 'AWS::CloudWatch::CompositeAlarm']);

function watched(
  dimensions: readonly Dimension[] | undefined,
  resources: readonly StackResource[],
): StackResource | undefined {
  for (const dimension of dimensions ?? []) {
    const resource = resources.find(
      (candidate) => !ALARM_TYPES.has(candidate.type) && names(candidate, dimension.Value ?? ''),
    );
    if (resource) return resource;
  }
  return undefined;
}

const COMPARISONS: Readonly<Record<string, string>> = {
  GreaterThanOrEqualToThreshold: '≥',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '≤',
};

function thresholdOf(alarm: MetricAlarm): string {
  const operator = alarm.ComparisonOperator ?? '?';
  const period =
    alarm.Period ?? alarm.Metrics?.find((query) => query.MetricStat)?.MetricStat?.Period ?? '?';
  return `${COMPARISONS[operator] ?? operator} ${alarm.Threshold ?? '?'} over ${alarm.EvaluationPeriods ?? '?'} × ${period} s`;
}

/** The metrics an alarm reads that name a resource: its own metric, or its math's metrics. */
function watchedMetrics(
  alarm: MetricAlarm,
  resources: readonly StackResource[],
): Array<{ described: string; resource: StackResource }> {
  const found: Array<{ described: string; resource: StackResource }> = [];
  if (alarm.MetricName !== undefined) {
    const resource = watched(alarm.Dimensions, resources);
    const statistic = alarm.Statistic ?? alarm.ExtendedStatistic ?? '';
    if (resource) {
      found.push({
        described: `${alarm.Namespace ?? '?'} ${alarm.MetricName} ${statistic} on ${resource.path}`,
        resource,
      });
    }
  }
  for (const query of alarm.Metrics ?? []) {
    const metric = query.MetricStat?.Metric;
    const resource = watched(metric?.Dimensions, resources);
    if (!metric || !resource) continue;
    found.push({
      described: `${metric.Namespace ?? '?'} ${metric.MetricName ?? '?'} ${query.MetricStat?.Stat ?? ''} on ${resource.path}`,
      resource,
    });
  }
  return found;
}

/** A metric alarm that watches the environment, by its own metric or by any metric of its math. */
function metricAlarmWatching(
  alarm: MetricAlarm,
  resources: readonly StackResource[],
  managed: ReadonlySet<string>,
): WatchingAlarm | undefined {
  const metrics = watchedMetrics(alarm, resources);
  const [first] = metrics;
  if (!first) return undefined;
  const math = alarm.Metrics?.find((query) => query.ReturnData !== false && query.Expression);
  const key =
    alarm.MetricName !== undefined
      ? first.described
      : `${math?.Expression ?? 'metric math'} of ${metrics.map((metric) => metric.described).join(', ')}`;
  return {
    name: alarm.AlarmName ?? '?',
    key,
    resource: first.resource.path,
    threshold: thresholdOf(alarm),
    managed: managed.has(alarm.AlarmName ?? '') || managed.has(alarm.AlarmArn ?? ''),
  };
}

// ALARM("name"), OK(name), INSUFFICIENT_DATA(arn:…) in a composite alarm's rule.
const RULE_REFERENCE = /\b(ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:"([^"]*)"|([^\s)]+))\s*\)/g;

/**
 * A composite alarm whose rule names an alarm that watches the environment watches it too; its
 * key is its rule with each such alarm named by its key, so its twin is found by what it means.
 */
function compositeWatching(
  alarm: CompositeAlarm,
  known: ReadonlyMap<string, WatchingAlarm>,
  managed: ReadonlySet<string>,
): WatchingAlarm | undefined {
  const rule = alarm.AlarmRule ?? '';
  let first: WatchingAlarm | undefined;
  const keyed = rule.replace(
    RULE_REFERENCE,
    (whole, state: string, quoted: string | undefined, bare: string | undefined) => {
      const referenced = known.get(quoted ?? bare ?? '');
      if (!referenced) return whole;
      first ??= referenced;
      return `${state}(${referenced.key})`;
    },
  );
  if (!first) return undefined;
  return {
    name: alarm.AlarmName ?? '?',
    key: `composite ${keyed}`,
    resource: first.resource,
    threshold: 'its rule',
    managed: managed.has(alarm.AlarmName ?? '') || managed.has(alarm.AlarmArn ?? ''),
  };
}

/**
 * The alarms that watch an environment's resources, matched by their dimensions' values
 * against the stack's physical resource IDs (a metric math alarm by each of its metrics, a
 * composite alarm by the alarms its rule names): so an alarm made by hand, which no template
 * mentions, is found as surely as one the stack declares.
 */
export function alarmsWatching(
  alarms: AccountAlarms,
  resources: readonly StackResource[],
): WatchingAlarm[] {
  const managed = new Set(
    resources.filter((resource) => ALARM_TYPES.has(resource.type)).map((r) => r.physicalId),
  );
  const watching: WatchingAlarm[] = [];
  const known = new Map<string, WatchingAlarm>();
  for (const alarm of alarms.metric) {
    const found = metricAlarmWatching(alarm, resources, managed);
    if (!found) continue;
    watching.push(found);
    known.set(alarm.AlarmName ?? '', found);
    if (alarm.AlarmArn) known.set(alarm.AlarmArn, found);
  }
  const pending = new Set(alarms.composite);
  for (let depth = 0; depth < MAX_COMPOSITE_DEPTH && pending.size > 0; depth++) {
    let added = 0;
    for (const alarm of pending) {
      const found = compositeWatching(alarm, known, managed);
      if (!found) continue;
      pending.delete(alarm);
      watching.push(found);
      known.set(alarm.AlarmName ?? '', found);
      if (alarm.AlarmArn) known.set(alarm.AlarmArn, found);
      added += 1;
    }
    if (added === 0) break;
  }
  return watching.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
