// A change set's content proven against a release. moto makes no nested change sets, processes
// no transforms and never imports resources, so these parts are tested over aws-sdk-client-mock
// with GetTemplate and DescribeChangeSet shaped as the CloudFormation API reference gives them:
// GetTemplate's TemplateBody and StagesAvailable for a ChangeSetName and a TemplateStage;
// DescribeChangeSet's Parameters (NoEcho answered ****), Capabilities, Tags, NotificationARNs,
// ImportExistingResources, and a nested stack's ResourceChange.ChangeSetId.
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import type { DescribedChangeSet, ResourceChangeRow } from '../../src/provisioning/change-set.js';
import {
  compareTemplates,
  proveChangeSet,
  type ReleaseContent,
} from '../../src/provisioning/change-set-proof.js';

const cfn = mockClient(CloudFormationClient);
const client = new CloudFormationClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
const ROOT_ID = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/plan-web/1';
const NESTED_ID = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/plan-web-Network/2';

const NESTED_BODY = 'Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n';
const NESTED_DIGEST = createHash('sha256').update(NESTED_BODY).digest('hex');
const TEMPLATE = [
  'Parameters:',
  '  Size:',
  '    Type: Number',
  '    Default: 3',
  '  Password:',
  '    Type: String',
  '    NoEcho: true',
  'Resources:',
  '  Network:',
  '    Type: AWS::CloudFormation::Stack',
  '    Properties:',
  `      TemplateURL: https://artifacts.s3.us-east-1.amazonaws.com/artifacts/web/${NESTED_DIGEST}.template`,
  '  Data:',
  '    Type: AWS::S3::Bucket',
  '',
].join('\n');

function release(overrides: Partial<ReleaseContent> = {}): ReleaseContent {
  return {
    templateBody: TEMPLATE,
    parameters: { Password: 'hunter2' },
    noEcho: ['Password'],
    defaults: { Size: '3' },
    capabilities: ['CAPABILITY_IAM'],
    tags: { environment: 'production' },
    type: 'UPDATE',
    onStackFailure: 'ROLLBACK',
    revertDrift: false,
    ...overrides,
  };
}

function row(path: string, nestedChangeSetId?: string): ResourceChangeRow {
  const logicalId = path.split('/').pop()!;
  return {
    action: 'Modify',
    logicalId,
    path,
    type: nestedChangeSetId ? 'AWS::CloudFormation::Stack' : 'AWS::EC2::VPC',
    physicalId: undefined,
    replacement: 'False',
    policyAction: undefined,
    details: [],
    isNestedStack: nestedChangeSetId !== undefined,
    nestedChangeSetId,
  };
}

function changeSet(overrides: Partial<DescribedChangeSet> = {}): DescribedChangeSet {
  return {
    id: ROOT_ID,
    name: 'plan-web-2-0-0-abc',
    stackId: 'stack-id',
    stackName: 'production-web',
    status: 'CREATE_COMPLETE',
    executionStatus: 'AVAILABLE',
    statusReason: undefined,
    description: 'environment-pipeline plan: …',
    creationTime: undefined,
    changes: [row('Network', NESTED_ID), row('Network/Vpc')],
    // CloudFormation lists a parameter left at its default, and never shows a NoEcho value.
    parameters: [
      { ParameterKey: 'Size', ParameterValue: '3' },
      { ParameterKey: 'Password', ParameterValue: '****' },
    ],
    capabilities: ['CAPABILITY_IAM'],
    tags: [{ Key: 'environment', Value: 'production' }],
    notificationArns: [],
    rollbackTriggers: [],
    rollbackMonitoringMinutes: undefined,
    onStackFailure: undefined,
    importExistingResources: false,
    deploymentMode: undefined,
    ...overrides,
  };
}

function templates(root: string, processed = root, nested = NESTED_BODY): void {
  cfn
    .on(GetTemplateCommand, { ChangeSetName: ROOT_ID, TemplateStage: 'Original' })
    .resolves({ TemplateBody: root, StagesAvailable: ['Original', 'Processed'] });
  cfn
    .on(GetTemplateCommand, { ChangeSetName: ROOT_ID, TemplateStage: 'Processed' })
    .resolves({ TemplateBody: processed, StagesAvailable: ['Original', 'Processed'] });
  cfn
    .on(GetTemplateCommand, { ChangeSetName: NESTED_ID, TemplateStage: 'Original' })
    .resolves({ TemplateBody: nested, StagesAvailable: ['Original', 'Processed'] });
}

beforeEach(() => {
  cfn.reset();
});

describe('a change set proven against the release', () => {
  test('the plan itself proves: template, nested template, parameters (NoEcho by name), tags', async () => {
    templates(TEMPLATE);
    const proof = await proveChangeSet(client, changeSet(), release(), undefined);
    expect(proof.differences).toEqual([]);
    expect(proof.notes).toEqual([
      'NoEcho parameter Password: CloudFormation never returns its value, so its name was compared, not its value.',
    ]);
    expect(cfn.commandCalls(GetTemplateCommand).map((call) => call.args[0].input)).toContainEqual({
      ChangeSetName: NESTED_ID,
      TemplateStage: 'Original',
    });
  });

  test('a template given back as JSON is the same template', () => {
    expect(
      compareTemplates('{"Resources": {"A": {"Type": "X"}}}', 'Resources:\n  A: {Type: X}\n'),
    ).toBe(undefined);
  });

  test('a nested change set whose template is not the packaged one is refused by its path', async () => {
    templates(
      TEMPLATE,
      TEMPLATE,
      `${NESTED_BODY}  Peering:\n    Type: AWS::EC2::VPCPeeringConnection\n`,
    );
    const proof = await proveChangeSet(client, changeSet(), release(), undefined);
    expect(proof.differences).toEqual([
      {
        part: 'nested change set',
        detail: expect.stringMatching(
          /^Network: its template \(sha256:[0-9a-f]{12}\) is not the packaged one its parent names \(sha256:[0-9a-f]{12}\)$/,
        ) as unknown as string,
      },
    ]);
  });

  test('a nested template named by an address the release did not package cannot be proven', async () => {
    const external = TEMPLATE.replace(
      /TemplateURL: .*/,
      'TemplateURL: https://example.com/network.yml',
    );
    templates(external);
    const proof = await proveChangeSet(
      client,
      changeSet(),
      release({ templateBody: external }),
      undefined,
    );
    expect(proof.differences.map((difference) => difference.detail)).toEqual([
      'Network: its TemplateURL is not a template packaged with the release (named by its SHA-256), so its template cannot be proven',
    ]);
  });

  test('a Processed stage that differs without a transform is refused; with one it is the transform output', async () => {
    templates(TEMPLATE, `${TEMPLATE}  Extra:\n    Type: AWS::SNS::Topic\n`);
    const refused = await proveChangeSet(client, changeSet(), release(), undefined);
    expect(refused.differences.map((difference) => difference.part)).toEqual([
      'processed template',
    ]);

    cfn.reset();
    const sam = `Transform: AWS::Serverless-2016-10-31\n${TEMPLATE}`;
    templates(sam, `${TEMPLATE}  FunctionRole:\n    Type: AWS::IAM::Role\n`);
    const proven = await proveChangeSet(
      client,
      changeSet(),
      release({ templateBody: sam }),
      undefined,
    );
    expect(proven.differences).toEqual([]);
    expect(proven.notes).toContain(
      'The Processed template is the output of AWS::Serverless-2016-10-31 run on the proven Original template.',
    );
  });

  test('a parameter the release leaves at its default, set to something else, is refused', async () => {
    templates(TEMPLATE);
    const proof = await proveChangeSet(
      client,
      changeSet({
        parameters: [
          { ParameterKey: 'Size', ParameterValue: '300' },
          { ParameterKey: 'Password', ParameterValue: 'shown' },
          { ParameterKey: 'Smuggled', ParameterValue: 'x' },
        ],
      }),
      release(),
      undefined,
    );
    expect(proof.differences.map((difference) => difference.detail)).toEqual([
      'Password is NoEcho in the release, and the change set shows its value',
      "Size is '300' in the change set; the release leaves it at its default '3'",
      'it sets Smuggled, which the release neither sets nor declares with a default',
    ]);
  });

  test('settings a deploy never asks for are refused: imports, topics, rollback triggers, drift reverted', async () => {
    templates(TEMPLATE);
    const proof = await proveChangeSet(
      client,
      changeSet({
        importExistingResources: true,
        changes: [{ ...row('Network/Vpc'), action: 'Import' }],
        notificationArns: ['arn:aws:sns:us-east-1:999999999999:mallory'],
        rollbackTriggers: ['AWS::CloudWatch::Alarm arn:aws:cloudwatch:us-east-1:1:alarm:x'],
        rollbackMonitoringMinutes: 5,
        deploymentMode: 'REVERT_DRIFT',
      }),
      release(),
      { StackName: 'production-web', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() },
    );
    expect(proof.differences.every((difference) => difference.part === 'settings')).toBe(true);
    expect(proof.differences.map((difference) => difference.detail)).toEqual([
      'it imports existing resources (ImportExistingResources), which a deploy never does',
      'it imports Network/Vpc',
      'it adds notification topics arn:aws:sns:us-east-1:999999999999:mallory the release does not (or the stack)',
      'it adds rollback triggers AWS::CloudWatch::Alarm arn:aws:cloudwatch:us-east-1:1:alarm:x the release does not (or the stack)',
      'it monitors rollback triggers for 5 minute(s); the stack does for 0',
      'it reverts drift (DeploymentMode REVERT_DRIFT), which this deploy does not ask for',
    ]);
  });

  test("the stack's own topics and rollback triggers carried into an update are not differences", async () => {
    templates(TEMPLATE);
    const proof = await proveChangeSet(
      client,
      changeSet({
        notificationArns: ['arn:aws:sns:us-east-1:1:ops'],
        rollbackTriggers: ['AWS::CloudWatch::Alarm arn:a'],
        rollbackMonitoringMinutes: 10,
      }),
      release(),
      {
        StackName: 'production-web',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        NotificationARNs: ['arn:aws:sns:us-east-1:1:ops'],
        RollbackConfiguration: {
          RollbackTriggers: [{ Arn: 'arn:a', Type: 'AWS::CloudWatch::Alarm' }],
          MonitoringTimeInMinutes: 10,
        },
      },
    );
    expect(proof.differences).toEqual([]);
  });

  test('a template CloudFormation answers without a body stops as an incomplete answer', async () => {
    cfn.on(GetTemplateCommand).resolves({});
    await expect(proveChangeSet(client, changeSet(), release(), undefined)).rejects.toThrow(
      /The AWS answer had no TemplateBody \(GetTemplate of change set, Original\)/,
    );
  });
});
