import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';

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
