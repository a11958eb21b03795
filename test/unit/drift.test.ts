// Drift over aws-sdk-client-mock: moto answers DetectStackDrift with an HTTP 500 (not
// implemented), so drift detection is tested against the CloudFormation API reference's shapes:
// DetectStackDrift → StackDriftDetectionId; DescribeStackDriftDetectionStatus → DetectionStatus,
// StackDriftStatus; DescribeStackResourceDrifts → StackResourceDrifts[].PropertyDifferences.
import { beforeEach, describe, expect, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
} from '@aws-sdk/client-cloudformation';
import { SummaryBuilder } from '../../src/core/summary.js';
import { deployStack, type DeployRequest } from '../../src/provisioning/deploy-stack.js';
import { checkDrift, DriftError } from '../../src/provisioning/drift.js';
import { mockedContext } from '../support/provision-context.js';
import { readSummary } from '../../harness/summary-html.js';

const cfn = mockClient(CloudFormationClient);
const STACK = 'production-web';
const STACK_ID = `arn:aws:cloudformation:us-east-1:123456789012:stack/${STACK}/1111`;

const ALARM_DRIFT = {
  StackId: STACK_ID,
  LogicalResourceId: 'HighLatency',
  PhysicalResourceId: 'production-web-high-latency',
  ResourceType: 'AWS::CloudWatch::Alarm',
  StackResourceDriftStatus: 'MODIFIED' as const,
  Timestamp: new Date('2026-12-01T00:00:00Z'),
  PropertyDifferences: [
    {
      PropertyPath: '/Threshold',
      ExpectedValue: '500',
      ActualValue: '2000',
      DifferenceType: 'NOT_EQUAL' as const,
    },
  ],
};

function detection(...statuses: Array<Record<string, unknown>>): void {
  cfn.on(DetectStackDriftCommand).resolves({ StackDriftDetectionId: 'detection-1' });
  const mock = cfn.on(DescribeStackDriftDetectionStatusCommand);
  for (const status of statuses.slice(0, -1)) {
    mock.resolvesOnce({ StackId: STACK_ID, StackDriftDetectionId: 'detection-1', ...status });
  }
  mock.resolves({ StackId: STACK_ID, StackDriftDetectionId: 'detection-1', ...statuses.at(-1) });
}

beforeEach(() => {
  cfn.reset();
});

describe('the live stack drifted', () => {
  test('fail refuses, naming each resource and property with both values', async () => {
    detection(
      { DetectionStatus: 'DETECTION_IN_PROGRESS' },
      { DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'DRIFTED' },
    );
    cfn
      .on(DescribeStackResourceDriftsCommand)
      .resolvesOnce({ StackResourceDrifts: [ALARM_DRIFT], NextToken: 'page-2' })
      .resolves({
        StackResourceDrifts: [
          {
            ...ALARM_DRIFT,
            LogicalResourceId: 'Queue',
            ResourceType: 'AWS::SQS::Queue',
            StackResourceDriftStatus: 'DELETED',
            PropertyDifferences: [],
          },
        ],
      });
    const { context, clock } = mockedContext();
    const error = await checkDrift(context, STACK, 'fail').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DriftError);
    expect((error as DriftError).message).toContain(
      'HighLatency (AWS::CloudWatch::Alarm) modified; Queue (AWS::SQS::Queue) deleted',
    );
    expect((error as DriftError).headline).toBe('The live stack has drifted');
    const summary = new SummaryBuilder();
    (error as DriftError).details(summary);
    expect(readSummary(summary.toHtml())).toContain(
      '| HighLatency | AWS::CloudWatch::Alarm | MODIFIED | /Threshold | 500 | 2000 |',
    );
    // Every page was read, and the detection was waited for.
    expect(cfn.commandCalls(DescribeStackResourceDriftsCommand)).toHaveLength(2);
    expect(clock.sleeps.length).toBeGreaterThan(0);
  });

  test('warn goes on, with one annotation per drifted resource', async () => {
    detection({ DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'DRIFTED' });
    cfn.on(DescribeStackResourceDriftsCommand).resolves({ StackResourceDrifts: [ALARM_DRIFT] });
    const { context, logger } = mockedContext();
    const report = await checkDrift(context, STACK, 'warn');
    expect(report?.kind).toBe('drifted');
    expect(logger.messages('warning').join('\n')).toContain(
      'HighLatency (AWS::CloudWatch::Alarm) modified: /Threshold is 2000, the template says 500; this deploy undoes it',
    );
  });

  test("a migration's source says its new stack would lack the hand-made change (seed 004's alarm)", async () => {
    detection({ DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'DRIFTED' });
    cfn.on(DescribeStackResourceDriftsCommand).resolves({ StackResourceDrifts: [ALARM_DRIFT] });
    const consequence = {
      refusal: 'The new stack is built from the template, so it would not have those changes',
      warning: `${STACK}'s replacement is built from the template, without it`,
    };
    const { context, logger } = mockedContext();
    await checkDrift(context, STACK, 'warn', consequence);
    expect(logger.messages('warning').join('\n')).toContain(
      `/Threshold is 2000, the template says 500; ${STACK}'s replacement is built from the template, without it.`,
    );
    const error = await checkDrift(context, STACK, 'fail', consequence).catch((e: unknown) => e);
    expect((error as DriftError).message).toContain(
      'HighLatency (AWS::CloudWatch::Alarm) modified. The new stack is built from the template, so it would not have those changes; nothing was changed.',
    );
  });

  test('in sync is said, and ignore asks nothing', async () => {
    detection({ DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'IN_SYNC' });
    const { context } = mockedContext();
    expect((await checkDrift(context, STACK, 'fail'))?.kind).toBe('in-sync');
    cfn.reset();
    expect(await checkDrift(context, STACK, 'ignore')).toBeUndefined();
    expect(cfn.calls()).toHaveLength(0);
  });
});

describe('a drift that cannot be known', () => {
  test.each([
    [
      'detection fails',
      () =>
        detection({
          DetectionStatus: 'DETECTION_FAILED',
          DetectionStatusReason: 'Failed to detect drift on resource [Web]',
        }),
      /detection DETECTION_FAILED: Failed to detect drift on resource \[Web\]/,
    ],
    [
      'the API is not there (moto answers 500)',
      () =>
        cfn
          .on(DetectStackDriftCommand)
          .rejects(Object.assign(new Error('Internal Server Error'), { name: 'InternalFailure' })),
      /Internal Server Error/,
    ],
  ])('%s: fail refuses, warn goes on saying so', async (_name, arrange, reason) => {
    arrange();
    const { context, logger } = mockedContext();
    const error = await checkDrift(context, STACK, 'fail').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DriftError);
    expect((error as DriftError).headline).toBe('The drift of the stack is unknown');
    expect((error as Error).message).toMatch(reason);
    expect((await checkDrift(context, STACK, 'warn'))?.kind).toBe('unknown');
    expect(logger.messages('warning').join('\n')).toMatch(/could not be detected/);
  });
});

describe('a deploy and drift', () => {
  const request: DeployRequest = {
    stackName: STACK,
    version: '2.0.0',
    templateBody: 'Resources: {}',
    parameters: {},
    tags: {},
    capabilities: [],
    stateful: { logicalIds: [], resourceTypes: [] },
    allowReplacement: [],
    keepFailed: false,
    protect: false,
  };

  beforeEach(() => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: STACK,
          StackId: STACK_ID,
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
        },
      ],
    });
    detection({ DetectionStatus: 'DETECTION_COMPLETE', StackDriftStatus: 'DRIFTED' });
    cfn.on(DescribeStackResourceDriftsCommand).resolves({ StackResourceDrifts: [ALARM_DRIFT] });
    cfn.on(CreateChangeSetCommand).resolves({ Id: 'change-set-1', StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand).resolves({
      ChangeSetId: 'change-set-1',
      StackId: STACK_ID,
      Status: 'FAILED',
      StatusReason: "The submitted information didn't contain changes.",
    });
    cfn.on(DeleteChangeSetCommand).resolves({});
  });

  test('fail stops before any change set is made', async () => {
    const { context } = mockedContext();
    await expect(deployStack(context, { ...request, drift: 'fail' })).rejects.toThrow(DriftError);
    expect(cfn.commandCalls(CreateChangeSetCommand)).toHaveLength(0);
  });

  test('revert makes a drift-aware change set that brings the stack back', async () => {
    const { context } = mockedContext();
    const result = await deployStack(context, { ...request, drift: 'revert' });
    expect(cfn.commandCalls(CreateChangeSetCommand)[0]!.args[0].input.DeploymentMode).toBe(
      'REVERT_DRIFT',
    );
    expect(result.drift?.kind).toBe('drifted');
  });
});
