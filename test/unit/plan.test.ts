// Plans over aws-sdk-client-mock: moto gives change sets no property values (IncludePropertyValues),
// no Replacement and no execution status other than AVAILABLE. Response shapes follow the
// CloudFormation API reference: DescribeChangeSet's ResourceChange.Details[].Target with
// Path, BeforeValue, AfterValue and AttributeChangeType, and ExecutionStatus OBSOLETE.
import { beforeEach, describe, expect, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetStackPolicyCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import type { DeployRequest } from '../../src/provisioning/deploy-stack.js';
import {
  deployPlan,
  reviewedPlanCandidates,
  planStack,
  releaseDigest,
  StalePlanError,
} from '../../src/provisioning/plan.js';
import { planSummary } from '../../src/provisioning/summaries.js';
import { SummaryBuilder } from '../../src/core/summary.js';
import { AwsConsole } from '../../src/aws/console-links.js';
import { checkSummary, readSummary } from '../../harness/summary-html.js';
import { mockedContext } from '../support/provision-context.js';

const cfn = mockClient(CloudFormationClient);
const STACK = 'production-web';
const STACK_ID = `arn:aws:cloudformation:us-east-1:123456789012:stack/${STACK}/1111`;
const CHANGE_SET_ID = 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/plan-web/2222';

function request(overrides: Partial<DeployRequest> = {}): DeployRequest {
  return {
    stackName: STACK,
    version: '2.0.0',
    templateBody: 'Resources: {}',
    parameters: { InstanceType: 't3.small', DbPassword: 'hunter2' },
    tags: { environment: 'production' },
    capabilities: ['CAPABILITY_IAM'],
    stateful: { logicalIds: [], resourceTypes: [] },
    allowReplacement: [],
    keepFailed: false,
    protect: true,
    noEcho: ['DbPassword'],
    ...overrides,
  };
}

const LIVE: Stack = {
  StackName: STACK,
  StackId: STACK_ID,
  StackStatus: 'UPDATE_COMPLETE',
  CreationTime: new Date('2026-11-01T00:00:00Z'),
  EnableTerminationProtection: true,
  Parameters: [
    { ParameterKey: 'InstanceType', ParameterValue: 't3.micro' },
    { ParameterKey: 'DbPassword', ParameterValue: '****' },
  ],
  Tags: [{ Key: 'environment', Value: 'production' }],
};

const CHANGES = [
  {
    Type: 'Resource' as const,
    ResourceChange: {
      Action: 'Modify' as const,
      LogicalResourceId: 'Web',
      PhysicalResourceId: 'i-0abc',
      ResourceType: 'AWS::EC2::Instance',
      Replacement: 'False' as const,
      Details: [
        {
          Target: {
            Attribute: 'Properties' as const,
            Name: 'InstanceType',
            Path: '/Properties/InstanceType',
            RequiresRecreation: 'Never' as const,
            BeforeValue: 't3.micro',
            AfterValue: 't3.small',
            AttributeChangeType: 'Modify' as const,
          },
          Evaluation: 'Static' as const,
          ChangeSource: 'DirectModification' as const,
        },
      ],
    },
  },
  {
    Type: 'Resource' as const,
    ResourceChange: {
      Action: 'Modify' as const,
      LogicalResourceId: 'Data',
      PhysicalResourceId: 'web-data-1',
      ResourceType: 'AWS::S3::Bucket',
      Replacement: 'True' as const,
      Details: [
        {
          Target: {
            Attribute: 'Properties' as const,
            Name: 'BucketName',
            Path: '/Properties/BucketName',
            RequiresRecreation: 'Always' as const,
            BeforeValue: 'web-data-1',
            AfterValue: 'web-data-2',
            AttributeChangeType: 'Modify' as const,
          },
          Evaluation: 'Static' as const,
          ChangeSource: 'DirectModification' as const,
        },
      ],
    },
  },
];

function described(description: string, overrides: Record<string, unknown> = {}) {
  return {
    ChangeSetId: CHANGE_SET_ID,
    ChangeSetName: 'plan-web-2-0-0-abc',
    StackId: STACK_ID,
    StackName: STACK,
    Status: 'CREATE_COMPLETE' as const,
    ExecutionStatus: 'AVAILABLE' as const,
    Description: description,
    CreationTime: new Date('2026-12-01T00:00:00Z'),
    Changes: CHANGES,
    // What the plan was made with, as DescribeChangeSet answers it: NoEcho values as ****.
    Parameters: [
      { ParameterKey: 'InstanceType', ParameterValue: 't3.small' },
      { ParameterKey: 'DbPassword', ParameterValue: '****' },
    ],
    Capabilities: ['CAPABILITY_IAM' as const],
    Tags: [{ Key: 'environment', Value: 'production' }],
    NotificationARNs: [],
    ...overrides,
  };
}

beforeEach(() => {
  cfn.reset();
  cfn.on(DescribeStacksCommand).resolves({ Stacks: [LIVE] });
  cfn.on(GetTemplateCommand).resolves({ TemplateBody: 'Resources: {old: true}' });
  // The change set's own template: what request() deploys.
  cfn
    .on(GetTemplateCommand, { ChangeSetName: CHANGE_SET_ID })
    .resolves({ TemplateBody: 'Resources: {}', StagesAvailable: ['Original', 'Processed'] });
  cfn.on(GetStackPolicyCommand).resolves({});
  cfn.on(DeleteChangeSetCommand).resolves({});
});

describe('a plan a reviewer reads', () => {
  test('every property change with its values; the guard refuses the bucket; NoEcho stays hidden', async () => {
    const { context } = mockedContext();
    let description = '';
    cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'plan-web-2-0-0-abc123456789' }).rejects(
      Object.assign(new Error('ChangeSet [plan-web] does not exist'), {
        name: 'ChangeSetNotFoundException',
      }),
    );
    cfn
      .on(CreateChangeSetCommand)
      .callsFake((input: { Description: string; IncludePropertyValues?: boolean }) => {
        description = input.Description;
        expect(input.IncludePropertyValues).toBe(true);
        return { Id: CHANGE_SET_ID, StackId: STACK_ID };
      });
    cfn
      .on(DescribeChangeSetCommand, { ChangeSetName: CHANGE_SET_ID })
      .callsFake(() => described(description));

    const plan = await planStack(context, {
      ...request(),
      component: 'web',
      commit: 'abc1234567890def',
    });
    expect(plan.changeSet).toEqual({
      id: CHANGE_SET_ID,
      name: 'plan-web-2-0-0-abc123456789',
      type: 'UPDATE',
    });
    expect(plan.guard.blocked.map((entry) => entry.path)).toEqual(['Data']);
    expect(plan.parameters).toEqual([
      { name: 'InstanceType', before: 't3.micro', after: 't3.small' },
      { name: 'DbPassword', before: '****', after: '****' },
    ]);
    expect(description).toMatch(
      /^environment-pipeline plan: version=2\.0\.0 release=sha256:[0-9a-f]{64} stack=sha256:[0-9a-f]{64} commit=abc1234567890def$/,
    );
    expect(description).not.toContain('hunter2');
    // The change set is kept for review: nothing deleted, nothing executed.
    expect(cfn.commandCalls(DeleteChangeSetCommand)).toHaveLength(0);
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);

    const summary = new SummaryBuilder();
    summary.console = new AwsConsole('eu-west-1');
    planSummary(summary, 'production', plan, 's3://artifacts/web/2.0.0.tgz', 1_200);
    const html = summary.toHtml();
    expect(checkSummary(html)).toEqual([]);
    const text = readSummary(html);
    expect(text.split('\n')[0]).toBe(
      '## ⛔ Plan for production-web (production) at 2.0.0: the guard would stop it',
    );
    expect(text).toContain('| /Properties/InstanceType | Modify | t3.micro | t3.small | Never |');
    expect(text).toContain(
      '| /Properties/BucketName | Modify | web-data-1 | web-data-2 | Always |',
    );
    expect(text).toContain('| Termination protection | on |');
    expect(html).not.toContain('hunter2');
    // The stack, its change set and the package link to the console in the stack's region.
    expect(html).toContain(
      `<a href="https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#/stacks/stackinfo?stackId=${encodeURIComponent(plan.stackId)}">production-web</a>`,
    );
    expect(html).toContain(
      `#/stacks/changesets/changes?stackId=${encodeURIComponent(plan.stackId)}&amp;changeSetId=${encodeURIComponent(plan.changeSet!.id)}`,
    );
    expect(html).toContain(
      '<a href="https://eu-west-1.console.aws.amazon.com/s3/object/artifacts?region=eu-west-1&amp;prefix=web%2F2.0.0.tgz">s3://artifacts/web/2.0.0.tgz</a>',
    );
  });

  test('a NoEcho parameter is **** in both columns, whatever DescribeStacks answers', async () => {
    // An emulator (moto 5.2.1 before the harness's correction) or a proxy may show the value.
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          ...LIVE,
          Parameters: [
            { ParameterKey: 'InstanceType', ParameterValue: 't3.small' },
            { ParameterKey: 'DbPassword', ParameterValue: 'old-secret-in-clear' },
          ],
        },
      ],
    });
    cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'plan-web-2-0-0-abc' }).rejects(
      Object.assign(new Error('ChangeSet [plan-web] does not exist'), {
        name: 'ChangeSetNotFoundException',
      }),
    );
    cfn.on(CreateChangeSetCommand).resolves({ Id: CHANGE_SET_ID, StackId: STACK_ID });
    cfn.on(DescribeChangeSetCommand, { ChangeSetName: CHANGE_SET_ID }).resolves(described('x'));
    const { context } = mockedContext();
    const plan = await planStack(context, { ...request(), component: 'web', commit: 'abc' });
    expect(plan.parameters).toEqual([{ name: 'DbPassword', before: '****', after: '****' }]);
    expect(JSON.stringify(plan)).not.toContain('old-secret-in-clear');
  });

  test('the release digest ignores NoEcho values and nothing else', () => {
    const base = releaseDigest(request());
    expect(
      releaseDigest(request({ parameters: { InstanceType: 't3.small', DbPassword: 'other' } })),
    ).toBe(base);
    expect(
      releaseDigest(request({ parameters: { InstanceType: 't3.large', DbPassword: 'hunter2' } })),
    ).not.toBe(base);
    expect(releaseDigest(request({ templateBody: 'Resources: {x: 1}' }))).not.toBe(base);
  });
});

describe('a deploy of a planned change set', () => {
  async function plannedDescription(): Promise<string> {
    const { context } = mockedContext();
    let description = '';
    cfn.on(DescribeChangeSetCommand, { ChangeSetName: 'plan-web-2-0-0-abc' }).rejects(
      Object.assign(new Error('ChangeSet [plan-web] does not exist'), {
        name: 'ChangeSetNotFoundException',
      }),
    );
    cfn.on(CreateChangeSetCommand).callsFake((input: { Description: string }) => {
      description = input.Description;
      return { Id: CHANGE_SET_ID, StackId: STACK_ID };
    });
    cfn
      .on(DescribeChangeSetCommand, { ChangeSetName: CHANGE_SET_ID })
      .callsFake(() => described(description));
    await planStack(context, { ...request(), component: 'web', commit: 'abc' });
    return description;
  }

  test('OBSOLETE (CloudFormation saw the stack change) is refused before anything runs', async () => {
    const description = await plannedDescription();
    cfn
      .on(DescribeChangeSetCommand, { ChangeSetName: 'plan-web-2-0-0-abc', StackName: STACK })
      .resolves(described(description, { ExecutionStatus: 'OBSOLETE' }));
    const { context } = mockedContext();
    await expect(
      deployPlan(context, request({ allowReplacement: ['Data'] }), 'plan-web-2-0-0-abc', 'web'),
    ).rejects.toThrow(
      /is CREATE_COMPLETE and OBSOLETE; only a CREATE_COMPLETE, AVAILABLE change set can be executed/,
    );
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });

  test('the guard is asked again: a planned replacement of a bucket is refused and the change set kept', async () => {
    const description = await plannedDescription();
    cfn
      .on(DescribeChangeSetCommand, { ChangeSetName: 'plan-web-2-0-0-abc', StackName: STACK })
      .resolves(described(description));
    const { context } = mockedContext();
    const refused = deployPlan(context, request(), 'plan-web-2-0-0-abc', 'web');
    await expect(refused).rejects.toThrow(
      /Data \(AWS::S3::Bucket\).*The change set was not executed/,
    );
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
    expect(cfn.commandCalls(DeleteChangeSetCommand)).toHaveLength(0);
  });

  test('a change set not made by plan cannot prove what it was made from', async () => {
    cfn
      .on(DescribeChangeSetCommand, { ChangeSetName: 'by-hand', StackName: STACK })
      .resolves(described('made by hand'));
    const { context } = mockedContext();
    const error = await deployPlan(context, request(), 'by-hand', 'web').catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StalePlanError);
    expect((error as Error).message).toContain('it was not made by operation: plan');
    expect(cfn.commandCalls(ExecuteChangeSetCommand)).toHaveLength(0);
  });
});

describe('the plan as a pull-request comment', () => {
  test('the verdict stays in sight, the tables fold, and a huge plan is cut between sections with a link', async () => {
    const { planCommentBody } = await import('../../src/github/plan-comment.js');
    const summary = new SummaryBuilder().verdict(
      'refused',
      'Plan for staging-web (staging) at 2.0.0: the guard would stop it',
      'The guard refuses DataBucket.',
    );
    for (let table = 0; table < 40; table++) {
      summary.table(
        ['Row', 'Value'],
        Array.from({ length: 200 }, (_, row) => [`row ${table}.${row}`, 'value']),
        { title: `Table ${table}` },
      );
    }
    const body = planCommentBody({
      repository: 'acme/web',
      pullRequest: 3,
      component: 'web',
      environment: 'staging',
      verdict: summary.verdictHtml(),
      sections: summary.sectionsHtml(),
      runUrl: 'https://github.com/acme/web/actions/runs/1',
    });
    expect(body.split('\n')[0]).toBe('<!-- environment-pipeline plan: web/staging -->');
    expect(readSummary(body).split('\n').slice(0, 3)).toEqual([
      '## ⛔ Plan for staging-web (staging) at 2.0.0: the guard would stop it',
      'The guard refuses DataBucket.',
      '▸ The plan: changes, the guard, parameters, drift',
    ]);
    expect(body.length).toBeLessThan(65_536);
    expect(body).toMatch(/<p>… \d+ more section\(s\) of the plan do not fit in a comment/);
    expect(body).toContain(
      '<a href="https://github.com/acme/web/actions/runs/1">the run&#39;s summary</a>',
    );
    // Cut between whole sections: every element that was opened is closed.
    expect(checkSummary(body)).toEqual([]);
  });
});

// ListChangeSets as the API reference shapes it: Summaries[] with ChangeSetName, Status,
// ExecutionStatus and CreationTime, paged by NextToken.
describe('change-set: reviewed', () => {
  const summary = (name: string, minutes: number, extra: Record<string, unknown> = {}) => ({
    StackId: STACK_ID,
    StackName: STACK,
    ChangeSetId: `arn:aws:cloudformation:us-east-1:123456789012:changeSet/${name}/1`,
    ChangeSetName: name,
    Status: 'CREATE_COMPLETE' as const,
    ExecutionStatus: 'AVAILABLE' as const,
    CreationTime: new Date(Date.UTC(2026, 11, 2, 8, minutes)),
    ...extra,
  });

  test('lists the executable plans named for exactly this version, newest first, across pages', async () => {
    cfn
      .on(ListChangeSetsCommand)
      .resolvesOnce({
        Summaries: [
          summary('plan-web-1-0-aaaaaaaaaaaa', 1),
          // 1.0.1's plans share 1.0's prefix; their commit part tells them apart.
          summary('plan-web-1-0-1-bbbbbbbbbbbb', 30),
          summary('deploy-1-0-20261202', 40),
        ],
        NextToken: 'page-2',
      })
      .resolves({
        Summaries: [
          summary('plan-web-1-0-cccccccccccc', 20),
          summary('plan-web-1-0-dddddddddddd', 50, { ExecutionStatus: 'OBSOLETE' }),
          summary('plan-web-1-0-eeeeeeeeeeee', 55, {
            Status: 'FAILED',
            ExecutionStatus: 'UNAVAILABLE',
          }),
        ],
      });
    const { context, logger } = mockedContext();
    expect(await reviewedPlanCandidates(context, STACK, 'web', '1.0')).toEqual([
      'plan-web-1-0-cccccccccccc',
      'plan-web-1-0-aaaaaaaaaaaa',
    ]);
    expect(cfn.commandCalls(ListChangeSetsCommand)[1]!.args[0].input.NextToken).toBe('page-2');
    expect(logger.messages('error')).toEqual([]);
  });

  test('none is a refusal that says to plan first, never a deploy without review', async () => {
    cfn
      .on(ListChangeSetsCommand)
      .resolves({ Summaries: [summary('plan-web-2-0-aaaaaaaaaaaa', 1)] });
    const { context } = mockedContext();
    await expect(reviewedPlanCandidates(context, STACK, 'web', '1.0')).rejects.toThrow(
      /No reviewed plan of version 1\.0 waits on stack production-web .*Plan this version first/,
    );
  });

  test('a stack that does not exist has no reviewed plan', async () => {
    cfn
      .on(ListChangeSetsCommand)
      .rejects(
        Object.assign(new Error(`Stack [${STACK}] does not exist`), { name: 'ValidationError' }),
      );
    const { context } = mockedContext();
    await expect(reviewedPlanCandidates(context, STACK, 'web', '1.0')).rejects.toThrow(
      /No reviewed plan/,
    );
  });

  test('an endless listing is cut off and refused, not searched forever', async () => {
    cfn.on(ListChangeSetsCommand).resolves({ Summaries: [], NextToken: 'again' });
    const { context } = mockedContext();
    await expect(reviewedPlanCandidates(context, STACK, 'web', '1.0')).rejects.toThrow(
      /more than 50 pages of change sets/,
    );
    expect(cfn.commandCalls(ListChangeSetsCommand)).toHaveLength(50);
  });
});
