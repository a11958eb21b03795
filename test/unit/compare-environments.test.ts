import { describe, expect, test } from '@jest/globals';
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { alarmsWatching } from '../../src/parity/alarms.js';
import { compareEnvironments } from '../../src/parity/compare.js';
import type { EnvironmentState } from '../../src/parity/environment-state.js';
import type { StackResource } from '../../src/provisioning/stack-resources.js';

const resources = (environment: string): StackResource[] => [
  {
    path: 'Queue',
    logicalId: 'Queue',
    type: 'AWS::SQS::Queue',
    physicalId: `https://sqs.us-east-1.amazonaws.com/123456789012/${environment}-orders`,
  },
  {
    path: 'Api/Function',
    logicalId: 'Function',
    type: 'AWS::Lambda::Function',
    physicalId: `${environment}-handler`,
  },
  {
    path: 'Errors',
    logicalId: 'Errors',
    type: 'AWS::CloudWatch::Alarm',
    physicalId: `${environment}-errors`,
  },
];

const alarm = (name: string, dimension: [string, string], threshold = 5): MetricAlarm => ({
  AlarmName: name,
  Namespace: dimension[0] === 'QueueName' ? 'AWS/SQS' : 'AWS/Lambda',
  MetricName: dimension[0] === 'QueueName' ? 'ApproximateAgeOfOldestMessage' : 'Errors',
  Dimensions: [{ Name: dimension[0], Value: dimension[1] }],
  Statistic: 'Maximum',
  Threshold: threshold,
  ComparisonOperator: 'GreaterThanThreshold',
  EvaluationPeriods: 3,
  Period: 60,
});

const watchingOf = (metric: MetricAlarm[], watched: StackResource[]) =>
  alarmsWatching({ metric, composite: [] }, watched);

describe('alarmsWatching', () => {
  test('finds alarms by their dimensions, a queue by its name at the end of its URL, including nested stacks and ones made by hand', () => {
    const found = watchingOf(
      [
        alarm('staging-errors', ['FunctionName', 'staging-handler']),
        alarm('old-messages', ['QueueName', 'staging-orders'], 600),
        alarm('someone-elses', ['FunctionName', 'other-handler']),
      ],
      resources('staging'),
    );
    expect(found).toEqual([
      {
        name: 'staging-errors',
        key: 'AWS/Lambda Errors Maximum on Api/Function',
        resource: 'Api/Function',
        threshold: '> 5 over 3 × 60 s',
        managed: true,
      },
      {
        name: 'old-messages',
        key: 'AWS/SQS ApproximateAgeOfOldestMessage Maximum on Queue',
        resource: 'Queue',
        threshold: '> 600 over 3 × 60 s',
        managed: false,
      },
    ]);
  });
});

describe('alarms that watch through metric math or through other alarms', () => {
  // DescribeAlarms as the CloudWatch API reference shapes a metric math alarm (Metrics[] with
  // MetricStat and Expression, no top-level MetricName) and a composite alarm (AlarmRule).
  const math: MetricAlarm = {
    AlarmName: 'hand-made-growth',
    AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:hand-made-growth',
    Metrics: [
      {
        Id: 'age',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/SQS',
            MetricName: 'ApproximateAgeOfOldestMessage',
            Dimensions: [{ Name: 'QueueName', Value: 'production-orders' }],
          },
          Period: 300,
          Stat: 'Maximum',
        },
        ReturnData: false,
      },
      { Id: 'minutes', Expression: 'age / 60', ReturnData: true },
    ],
    Threshold: 30,
    ComparisonOperator: 'GreaterThanThreshold',
    EvaluationPeriods: 2,
  };

  test('a metric math alarm is found by the metric its math reads', () => {
    expect(watchingOf([math], resources('production'))).toEqual([
      {
        name: 'hand-made-growth',
        key: 'age / 60 of AWS/SQS ApproximateAgeOfOldestMessage Maximum on Queue',
        resource: 'Queue',
        threshold: '> 30 over 2 × 300 s',
        managed: false,
      },
    ]);
  });

  test('a composite alarm is found by the alarms its rule names, by name or ARN, nested too', () => {
    const found = alarmsWatching(
      {
        metric: [math, alarm('production-errors', ['FunctionName', 'production-handler'])],
        composite: [
          {
            AlarmName: 'page-someone',
            AlarmRule: 'ALARM(on-call) AND NOT OK("unrelated")',
          },
          {
            AlarmName: 'on-call',
            AlarmRule: `ALARM("production-errors") OR ALARM(${math.AlarmArn!})`,
          },
          { AlarmName: 'elsewhere', AlarmRule: 'ALARM("someone-elses")' },
        ],
      },
      resources('production'),
    );
    const composite = found.filter((entry) => entry.key.startsWith('composite'));
    expect(composite.map((entry) => [entry.name, entry.key])).toEqual([
      [
        'on-call',
        'composite ALARM(AWS/Lambda Errors Maximum on Api/Function) OR ALARM(age / 60 of AWS/SQS ApproximateAgeOfOldestMessage Maximum on Queue)',
      ],
      [
        'page-someone',
        'composite ALARM(composite ALARM(AWS/Lambda Errors Maximum on Api/Function) OR ALARM(age / 60 of AWS/SQS ApproximateAgeOfOldestMessage Maximum on Queue)) AND NOT OK("unrelated")',
      ],
    ]);
  });
});

function state(environment: string, overrides: Partial<EnvironmentState> = {}): EnvironmentState {
  return {
    environment,
    stackName: `${environment}-orders`,
    version: '1.2.0',
    templateDigest: 'a'.repeat(64),
    parameters: { Size: 'small', EnvironmentVersion: '1.2.0', Secret: environment },
    resources: resources(environment),
    alarms: watchingOf(
      [alarm(`${environment}-errors`, ['FunctionName', `${environment}-handler`])],
      resources(environment),
    ),
    drift: 'IN_SYNC',
    ...overrides,
  };
}

const EXPECT = {
  setPerEnvironment: new Set(['Size']),
  declared: new Set(['Size', 'Retention']),
  followVersion: new Set(['EnvironmentVersion']),
  hidden: new Set(['Secret']),
};

describe('compareEnvironments', () => {
  test('what the definition sets apart, the version and NoEcho values are no difference', () => {
    const comparison = compareEnvironments(
      state('staging', {
        version: '1.3.0',
        templateDigest: 'b'.repeat(64),
        parameters: { Size: 'small', EnvironmentVersion: '1.3.0', Secret: 'x' },
      }),
      state('production', {
        parameters: { Size: 'large', EnvironmentVersion: '1.2.0', Secret: 'y' },
      }),
      EXPECT,
    );
    expect(comparison.unexplained).toEqual([]);
    expect(comparison.parameters.map((row) => [row.item, row.verdict, row.why])).toEqual([
      ['EnvironmentVersion', 'explained', 'follows the version'],
      ['Size', 'explained', 'the definition sets it per environment'],
    ]);
    expect(comparison.stack[1]).toMatchObject({ verdict: 'explained', why: 'the versions differ' });
  });

  test('an alarm only one has, a threshold that differs, a parameter nothing sets apart, a resource from the same template: each unexplained', () => {
    const production = state('production', {
      parameters: { Size: 'small', EnvironmentVersion: '1.2.0', Secret: 'p', Retention: '30' },
      alarms: watchingOf(
        [
          alarm('production-errors', ['FunctionName', 'production-handler'], 1),
          alarm('old-messages', ['QueueName', 'production-orders'], 600),
        ],
        resources('production'),
      ),
      resources: [
        ...resources('production'),
        { path: 'Dlq', logicalId: 'Dlq', type: 'AWS::SQS::Queue', physicalId: 'production-dlq' },
      ],
    });
    const comparison = compareEnvironments(
      state('staging', {
        parameters: { Size: 'small', EnvironmentVersion: '1.2.0', Secret: 's', Retention: '7' },
      }),
      production,
      EXPECT,
    );
    expect(comparison.unexplained).toEqual([
      "parameter Retention is '7' in staging and '30' in production; the definition does not say it differs",
      'resource Dlq (AWS::SQS::Queue) exists only in production',
      'alarm AWS/Lambda Errors Maximum on Api/Function is > 5 over 3 × 60 s in staging and > 1 over 3 × 60 s in production',
      'production has alarm old-messages (AWS/SQS ApproximateAgeOfOldestMessage Maximum on Queue) that staging lacks',
    ]);
  });

  test('alarm differences the definition names are explained with its reason, for the environments it names only', () => {
    const production = state('production', {
      alarms: watchingOf(
        [
          alarm('production-errors', ['FunctionName', 'production-handler'], 1),
          alarm('old-messages', ['QueueName', 'production-orders'], 600),
        ],
        resources('production'),
      ),
    });
    const differences = [
      {
        alarm: 'AWS/Lambda Errors * on Api/Function',
        environments: ['production'],
        reason: 'production pages on the first error',
      },
      { alarm: 'old-*', environments: ['production'], reason: 'on-call watches the queue' },
    ];
    const comparison = compareEnvironments(state('staging'), production, {
      ...EXPECT,
      alarmDifferences: differences,
    });
    expect(comparison.unexplained).toEqual([]);
    expect(comparison.alarms.map((row) => [row.verdict, row.why])).toEqual([
      [
        'explained',
        'thresholds differ, as the definition says: production pages on the first error',
      ],
      [
        'explained',
        'production has it, staging lacks it, as the definition says: on-call watches the queue',
      ],
    ]);
    // The same entries say nothing about environments they do not name.
    const elsewhere = compareEnvironments(
      state('staging'),
      state('perf', {
        alarms: watchingOf(
          [
            alarm('perf-errors', ['FunctionName', 'perf-handler']),
            alarm('old-messages', ['QueueName', 'perf-orders'], 600),
          ],
          resources('perf'),
        ),
      }),
      { ...EXPECT, alarmDifferences: differences },
    );
    expect(elsewhere.unexplained).toEqual([
      'perf has alarm old-messages (AWS/SQS ApproximateAgeOfOldestMessage Maximum on Queue) that staging lacks',
    ]);
  });

  test('a parameter the definition never names is given by each deploy: said, not counted', () => {
    const comparison = compareEnvironments(
      state('staging', { parameters: { Size: 'small', Endpoint: 'http://staging' } }),
      state('production', { parameters: { Size: 'small', Endpoint: 'http://production' } }),
      EXPECT,
    );
    expect(comparison.unexplained).toEqual([]);
    expect(comparison.parameters).toEqual([
      {
        item: 'Endpoint',
        left: 'http://staging',
        right: 'http://production',
        verdict: 'note',
        why: 'given by each deploy, not by the definition',
      },
    ]);
  });

  test('the same version with another template is unexplained: one was deployed from something else', () => {
    const comparison = compareEnvironments(
      state('staging'),
      state('production', { templateDigest: 'c'.repeat(64) }),
      EXPECT,
    );
    expect(comparison.unexplained).toEqual([
      'staging and production are both at 1.2.0 but their templates differ: one was deployed from something else',
    ]);
  });
});
