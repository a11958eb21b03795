import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';

/**
 * What a person at the console does during an incident (seed 004): an alarm on a bucket's
 * object count, put straight into CloudWatch, which no template knows about.
 */
export async function putHandMadeBucketAlarm(
  endpoint: string,
  alarm: { name: string; bucket: string; threshold: number },
): Promise<void> {
  const cloudWatch = new CloudWatchClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await cloudWatch.send(
    new PutMetricAlarmCommand({
      AlarmName: alarm.name,
      Namespace: 'AWS/S3',
      MetricName: 'NumberOfObjects',
      Dimensions: [
        { Name: 'BucketName', Value: alarm.bucket },
        { Name: 'StorageType', Value: 'AllStorageTypes' },
      ],
      Statistic: 'Average',
      Period: 86_400,
      EvaluationPeriods: 1,
      Threshold: alarm.threshold,
      ComparisonOperator: 'LessThanThreshold',
    }),
  );
}

function cloudWatchAt(endpoint: string): CloudWatchClient {
  return new CloudWatchClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

/**
 * The same watch written as metric math (the console's "add math" button): the bucket is named
 * only inside `Metrics`, never in a top-level dimension.
 */
export async function putHandMadeMathAlarm(
  endpoint: string,
  alarm: { name: string; bucket: string; threshold: number },
): Promise<void> {
  await cloudWatchAt(endpoint).send(
    new PutMetricAlarmCommand({
      AlarmName: alarm.name,
      Metrics: [
        {
          Id: 'objects',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/S3',
              MetricName: 'NumberOfObjects',
              Dimensions: [
                { Name: 'BucketName', Value: alarm.bucket },
                { Name: 'StorageType', Value: 'AllStorageTypes' },
              ],
            },
            Period: 86_400,
            Stat: 'Average',
          },
          ReturnData: false,
        },
        { Id: 'thousands', Expression: 'objects / 1000', ReturnData: true },
      ],
      EvaluationPeriods: 1,
      Threshold: alarm.threshold,
      ComparisonOperator: 'LessThanThreshold',
    }),
  );
}

/** A composite alarm over other alarms, as an on-call rota pages on. */
export async function putHandMadeCompositeAlarm(
  endpoint: string,
  alarm: { name: string; rule: string },
): Promise<void> {
  await cloudWatchAt(endpoint).send(
    new PutCompositeAlarmCommand({ AlarmName: alarm.name, AlarmRule: alarm.rule }),
  );
}

export async function deleteAlarms(endpoint: string, names: string[]): Promise<void> {
  await cloudWatchAt(endpoint).send(new DeleteAlarmsCommand({ AlarmNames: names }));
}
