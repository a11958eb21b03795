import { appendFileSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  type CreateChangeSetCommandInput,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  GetStackPolicyCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ACTIONS_BOT, startGitHubApi } from '../../harness/github-api.js';
import { startMoto, type MotoServer } from '../../harness/moto.js';
import { REPO_ROOT, runAction, type ActionRun } from '../../harness/run-action.js';
import { checkSummary, readSummary } from '../../harness/summary-html.js';

// Plan → review → deploy exactly that, through the bundled action on moto. moto keeps change
// sets, their descriptions and their execution; it gives no property values nor Replacement,
// so those are tested in test/unit/plan.test.ts against the API reference's shapes.
let workDir: string;
let moto: MotoServer;
let cloudFormation: CloudFormationClient;
let s3: S3Client;
const BUCKET = 'artifacts';
const COMMIT = 'fedcba9876543210fedcba9876543210fedcba98';
const STACK = 'staging-sample-service';

function provision(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction(
    'action-provision',
    { definition: path.join(workDir, 'environment.yml'), environment: 'staging', ...inputs },
    { ...moto.env, GITHUB_SHA: COMMIT, GITHUB_REPOSITORY: 'acme/sample', GITHUB_RUN_ID: '7' },
    { cwd: workDir },
  );
}

function expectSuccess(run: ActionRun): void {
  if (run.exitCode !== 0) {
    throw new Error(`action failed (${run.exitCode}):\n${run.stdout}\n${run.stderr}`);
  }
}

async function stackStatus(): Promise<string | undefined> {
  const response = await cloudFormation.send(new DescribeStacksCommand({ StackName: STACK }));
  return response.Stacks?.[0]?.StackStatus;
}

async function parameter(name: string): Promise<string | undefined> {
  const response = await cloudFormation.send(new DescribeStacksCommand({ StackName: STACK }));
  return response.Stacks?.[0]?.Parameters?.find((entry) => entry.ParameterKey === name)
    ?.ParameterValue;
}

const packages: Record<string, string> = {};

beforeAll(async () => {
  moto = await startMoto();
  const config = {
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  cloudFormation = new CloudFormationClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  workDir = mkdtempSync(path.join(os.tmpdir(), 'plan-environment-'));
  cpSync(path.join(REPO_ROOT, 'demo', 'environment'), workDir, { recursive: true });
  for (const version of ['1.0.0', '1.1.0']) {
    const run = await provision({
      operation: 'package',
      environment: '',
      version,
      'artifact-bucket': BUCKET,
    });
    expectSuccess(run);
    packages[version] = run.outputs.package!;
  }
});

afterAll(async () => {
  await moto?.stop();
});

describe('action-provision plan, then deploy with change-set', () => {
  let firstPlan: string;

  test('a plan of a new environment keeps its change set and changes nothing else', async () => {
    const run = await provision({ operation: 'plan', package: packages['1.0.0']! });
    expectSuccess(run);
    firstPlan = run.outputs['change-set-name']!;
    expect(firstPlan).toBe('plan-sample-service-1-0-0-fedcba987654');
    expect(run.outputs['change-set-id']).toMatch(/^arn:aws:cloudformation:.*:changeSet\//);
    expect(run.outputs['has-changes']).toBe('true');
    expect(run.outputs.guard).toBe('pass');
    const plan = JSON.parse(run.outputs.plan!) as {
      changeSet: { type: string };
      changes: Array<{ action: string; logicalId: string }>;
      guard: { verdict: string };
    };
    expect(plan.changeSet.type).toBe('CREATE');
    expect(plan.changes).toContainEqual(
      expect.objectContaining({ action: 'Add', logicalId: 'DataBucket' }),
    );
    expect(readSummary(run.outputs['plan-markdown']!)).toContain(
      `## ✅ Plan for ${STACK} (staging) at 1.0.0`,
    );
    expect(run.summaryText).toContain('The stateful-resource guard passes');
    // CloudFormation holds a new stack's plan on an empty stack under review.
    expect(await stackStatus()).toBe('REVIEW_IN_PROGRESS');
  });

  test('deploy executes exactly the planned change set', async () => {
    const run = await provision({
      operation: 'deploy',
      package: packages['1.0.0']!,
      'change-set': firstPlan,
    });
    expectSuccess(run);
    expect(run.outputs.operation).toBe('create');
    expect(run.stdout).toContain(`Change set ${firstPlan} applies`);
    expect(await stackStatus()).toBe('CREATE_COMPLETE');
  });

  test('a change set already executed is refused, naming what to do', async () => {
    const run = await provision({
      operation: 'deploy',
      package: packages['1.0.0']!,
      'change-set': firstPlan,
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.summaryText).toContain('⛔ The reviewed plan no longer applies');
    expect(run.stdout).toMatch(/was not executed: it (does not exist|is .*EXECUTE)/);
  });

  test('a plan made stale by a later update is refused and nothing changes', async () => {
    const plan = await provision({
      operation: 'plan',
      package: packages['1.1.0']!,
      parameters: 'DesiredCapacity=2',
    });
    expectSuccess(plan);
    const planned = plan.outputs['change-set-name']!;
    expect(plan.outputs.plan).toContain('"type":"UPDATE"');
    // Someone deploys something else before the reviewed plan is applied.
    expectSuccess(
      await provision({
        operation: 'deploy',
        package: packages['1.1.0']!,
        parameters: 'DesiredCapacity=3',
      }),
    );
    const stale = await provision({
      operation: 'deploy',
      package: packages['1.1.0']!,
      parameters: 'DesiredCapacity=2',
      'change-set': planned,
    });
    expect(stale.exitCode).not.toBe(0);
    expect(stale.stdout).toContain(`was updated since the plan was made`);
    expect(stale.summaryText).toContain('Plan again (operation: plan)');
    expect(await parameter('DesiredCapacity')).toBe('3');
  });

  test('a plan is executed only by the release it was made from', async () => {
    const plan = await provision({
      operation: 'plan',
      package: packages['1.1.0']!,
      parameters: 'DesiredCapacity=2',
    });
    expectSuccess(plan);
    const planned = plan.outputs['change-set-name']!;
    const other = await provision({
      operation: 'deploy',
      package: packages['1.1.0']!,
      parameters: 'DesiredCapacity=5',
      'change-set': planned,
    });
    expect(other.exitCode).not.toBe(0);
    expect(other.stdout).toContain(
      "DesiredCapacity is '2' in the change set and '5' in the release",
    );
    expect(await parameter('DesiredCapacity')).toBe('3');

    const reviewed = await provision({
      operation: 'deploy',
      package: packages['1.1.0']!,
      parameters: 'DesiredCapacity=2',
      'change-set': planned,
    });
    expectSuccess(reviewed);
    expect(reviewed.outputs.operation).toBe('update');
    expect(await parameter('DesiredCapacity')).toBe('2');
  });

  test('change-set: reviewed executes the newest plan of the version, and refuses when there is none', async () => {
    const none = await provision({
      operation: 'deploy',
      package: packages['1.0.0']!,
      'change-set': 'reviewed',
    });
    expect(none.exitCode).not.toBe(0);
    expect(none.summaryText).toContain('No reviewed plan');
    expect(none.stdout).toContain(`No reviewed plan of version 1.0.0 waits on stack ${STACK}`);
    expect(await parameter('DesiredCapacity')).toBe('2');

    expectSuccess(
      await provision({
        operation: 'plan',
        package: packages['1.1.0']!,
        parameters: 'DesiredCapacity=4',
      }),
    );
    const run = await provision({
      operation: 'deploy',
      package: packages['1.1.0']!,
      parameters: 'DesiredCapacity=4',
      'change-set': 'reviewed',
    });
    expectSuccess(run);
    expect(run.stdout).toMatch(
      /The reviewed plan of 1\.1\.0 on staging-sample-service: change set plan-sample-service-1-1-0-fedcba987654/,
    );
    expect(await parameter('DesiredCapacity')).toBe('4');
  });

  test('change-set belongs to deploy: with plan it is a configuration error', async () => {
    const run = await provision({
      operation: 'plan',
      package: packages['1.1.0']!,
      'change-set': 'plan-x',
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toContain("input 'change-set': is executed by operation deploy");
  });
});

// Someone who may create change sets on the stack, but not execute them, forges a plan: the
// name and the description of a real one, and a template with one resource nobody reviewed.
describe('a forged change set', () => {
  const UNREVIEWED = 'Unreviewed';

  const addUnreviewed = (input: CreateChangeSetCommandInput): CreateChangeSetCommandInput => ({
    ...input,
    TemplateBody: input.TemplateBody!.replace(
      /^Resources:\n/m,
      `Resources:\n  ${UNREVIEWED}:\n    Type: AWS::SNS::Topic\n`,
    ),
  });

  /** A change set named `name` made from `copyOf`'s content and description, then `change`d. */
  async function forge(
    name: string,
    copyOf: string,
    change: (input: CreateChangeSetCommandInput) => CreateChangeSetCommandInput = addUnreviewed,
  ): Promise<void> {
    const genuine = await cloudFormation.send(
      new DescribeChangeSetCommand({ ChangeSetName: copyOf, StackName: STACK }),
    );
    const template = await cloudFormation.send(
      new GetTemplateCommand({ ChangeSetName: genuine.ChangeSetId, TemplateStage: 'Original' }),
    );
    if (name === copyOf) {
      await cloudFormation.send(new DeleteChangeSetCommand({ ChangeSetName: genuine.ChangeSetId }));
    }
    await cloudFormation.send(
      new CreateChangeSetCommand(
        change({
          StackName: STACK,
          ChangeSetName: name,
          ChangeSetType: 'UPDATE',
          TemplateBody: template.TemplateBody,
          Parameters: genuine.Parameters,
          Tags: genuine.Tags,
          Capabilities: genuine.Capabilities,
          Description: genuine.Description,
        }),
      ),
    );
  }

  async function resources(): Promise<string[]> {
    const listed = await cloudFormation.send(new ListStackResourcesCommand({ StackName: STACK }));
    return (listed.StackResourceSummaries ?? []).map((resource) => resource.LogicalResourceId!);
  }

  test("the plan's name and description copied onto another template is refused, naming what it adds", async () => {
    const plan = await provision({
      operation: 'plan',
      package: packages['1.1.0']!,
      parameters: 'DesiredCapacity=6',
    });
    expectSuccess(plan);
    const name = plan.outputs['change-set-name']!;
    await forge(name, name);
    const run = await provision({
      operation: 'deploy',
      package: packages['1.1.0']!,
      parameters: 'DesiredCapacity=6',
      'change-set': name,
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.summaryText).toContain('⛔ The change set is not the reviewed release');
    expect(run.stdout).toContain(`Change set ${name} was not executed`);
    expect(run.stdout).toMatch(
      /its template \(sha256:[0-9a-f]{12}\) is not the release's .*: it adds Unreviewed/,
    );
    expect(run.summaryText).toContain('| template |');
    expect(await resources()).not.toContain(UNREVIEWED);
    expect(await parameter('DesiredCapacity')).toBe('4');
  });

  test('each part is compared: a forged parameter, tag or capability is refused by name', async () => {
    const plan = await provision({
      operation: 'plan',
      package: packages['1.1.0']!,
      parameters: 'DesiredCapacity=6',
    });
    expectSuccess(plan);
    const name = plan.outputs['change-set-name']!;
    await forge(name, name, (input) => ({
      ...input,
      Parameters: input.Parameters!.map((entry) =>
        entry.ParameterKey === 'InstanceType'
          ? { ParameterKey: 'InstanceType', ParameterValue: 'm5.24xlarge' }
          : entry,
      ),
      Tags: [...input.Tags!, { Key: 'owner', Value: 'mallory' }],
      Capabilities: [...(input.Capabilities ?? []), 'CAPABILITY_AUTO_EXPAND'],
    }));
    const run = await provision({
      operation: 'deploy',
      package: packages['1.1.0']!,
      parameters: 'DesiredCapacity=6',
      'change-set': name,
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toContain('(parameters, capabilities, tags differ)');
    expect(run.stdout).toContain(
      "InstanceType is 'm5.24xlarge' in the change set and 't3.micro' in the release",
    );
    expect(run.stdout).toContain(
      'it adds the capability CAPABILITY_AUTO_EXPAND the release does not',
    );
    expect(run.stdout).toContain('it adds the tag owner the release does not');
    expect(await parameter('InstanceType')).toBe('t3.micro');
  });

  test('change-set: reviewed passes over a newer forged plan and executes the reviewed one', async () => {
    const plan = await provision({
      operation: 'plan',
      package: packages['1.1.0']!,
      parameters: 'DesiredCapacity=6',
    });
    expectSuccess(plan);
    const genuine = plan.outputs['change-set-name']!;
    const forged = genuine.replace(/[0-9a-f]{12}$/, 'ffffffffffff');
    await forge(forged, genuine);
    const run = await provision({
      operation: 'deploy',
      package: packages['1.1.0']!,
      parameters: 'DesiredCapacity=6',
      'change-set': 'reviewed',
    });
    expectSuccess(run);
    expect(run.stdout).toContain(
      `::warning title=Not the reviewed release::Change set ${forged} passed over`,
    );
    expect(run.stdout).toContain(`The reviewed plan of 1.1.0 on ${STACK}: change set ${genuine}.`);
    expect(await resources()).not.toContain(UNREVIEWED);
    expect(await parameter('DesiredCapacity')).toBe('6');
  });

  test('change-set: reviewed with only a forged plan is refused, listing it and why', async () => {
    const run = await provision({
      operation: 'deploy',
      package: packages['1.1.0']!,
      parameters: 'DesiredCapacity=7',
      'change-set': 'reviewed',
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.summaryText).toContain('⛔ No reviewed plan of this release');
    expect(run.summaryText).toContain('plan-sample-service-1-1-0-ffffffffffff');
    expect(run.stdout).toContain('it adds Unreviewed');
    expect(await resources()).not.toContain(UNREVIEWED);
    expect(await parameter('DesiredCapacity')).toBe('6');
  });
});

describe('the plan on its pull request', () => {
  test('one comment per environment: created by the first plan, updated by the next', async () => {
    const github = await startGitHubApi();
    try {
      const event = path.join(workDir, 'event.json');
      writeFileSync(event, JSON.stringify({ pull_request: { number: 12 } }));
      const planOnPullRequest = () =>
        runAction(
          'action-provision',
          {
            definition: path.join(workDir, 'environment.yml'),
            environment: 'staging',
            operation: 'plan',
            package: packages['1.1.0']!,
            'github-token': 'ghs_planToken123',
            // A masked value reaching the plan (here the token, as a parameter) leaves as ***.
            parameters: 'Greeting=hello ghs_planToken123',
          },
          {
            ...moto.env,
            GITHUB_SHA: COMMIT,
            GITHUB_REPOSITORY: 'acme/sample',
            GITHUB_RUN_ID: '9',
            GITHUB_EVENT_NAME: 'pull_request',
            GITHUB_EVENT_PATH: event,
            GITHUB_API_URL: github.endpoint,
          },
          { cwd: workDir },
        );
      const first = await planOnPullRequest();
      expectSuccess(first);
      expect(github.comments).toHaveLength(1);
      const [comment] = github.comments;
      expect(comment!.issue).toBe(12);
      expect(comment!.body).toMatch(
        /^<!-- environment-pipeline plan: sample-service\/staging -->\n<h2>(✅|⚠️) Plan for /,
      );
      expect(comment!.body).toContain('<details><summary>The plan');
      expect(comment!.body).toContain(
        '<a href="https://github.com/acme/sample/actions/runs/9">The run</a>',
      );
      expect(checkSummary(comment!.body)).toEqual([]);
      expect(first.outputs['comment-url']).toBe(`https://github.example/comment/${comment!.id}`);

      const second = await planOnPullRequest();
      expectSuccess(second);
      expect(github.comments).toHaveLength(1);
      expect(github.calls.filter((call) => call.method === 'PATCH')).toHaveLength(1);
      expect(second.stdout).toContain("Updated the plan's comment on pull request #12");
      // The token is masked before anything runs, and never echoed after.
      const said = `${first.stdout}${second.stdout}`
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'));
      expect(said.join('\n')).not.toContain('ghs_planToken123');
      expect(github.comments[0]!.body).toContain('hello ***');
      expect(github.comments[0]!.body).not.toContain('ghs_planToken123');
    } finally {
      await github.close();
    }
  });
});

describe('a plan comment among hostile ones', () => {
  const TOKEN = 'ghs_planToken123';

  function planOn(
    github: Awaited<ReturnType<typeof startGitHubApi>>,
    pullRequest: number,
    greeting: string,
  ): Promise<ActionRun> {
    const event = path.join(workDir, `event-${pullRequest}.json`);
    writeFileSync(event, JSON.stringify({ pull_request: { number: pullRequest } }));
    return runAction(
      'action-provision',
      {
        definition: path.join(workDir, 'environment.yml'),
        environment: 'staging',
        operation: 'plan',
        package: packages['1.1.0']!,
        'github-token': TOKEN,
        parameters: `Greeting=${greeting}`,
      },
      {
        ...moto.env,
        GITHUB_SHA: COMMIT,
        GITHUB_REPOSITORY: 'acme/sample',
        GITHUB_RUN_ID: '11',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: event,
        GITHUB_API_URL: github.endpoint,
      },
      { cwd: workDir },
    );
  }

  test("another user's comment that starts with the plan's marker is never taken for the plan", async () => {
    const github = await startGitHubApi();
    try {
      const tag = '<!-- environment-pipeline plan: sample-service/staging -->';
      github.comments.push({
        id: 1,
        issue: 21,
        body: `${tag}\nLooks fine, merge it.`,
        user: { login: 'mallory', id: 666 },
      });
      const first = await planOn(github, 21, 'hello');
      expectSuccess(first);
      expect(github.comments.find((comment) => comment.id === 1)!.body).toBe(
        `${tag}\nLooks fine, merge it.`,
      );
      const ours = github.comments.filter((comment) => comment.user.id === ACTIONS_BOT.id);
      expect(ours).toHaveLength(1);
      expect(github.calls.filter((call) => call.method === 'PATCH')).toHaveLength(0);
      // The next plan edits the suite's own comment, and still not mallory's.
      expectSuccess(await planOn(github, 21, 'hello again'));
      expect(github.calls.filter((call) => call.method === 'PATCH')).toEqual([
        expect.objectContaining({ path: `/repos/acme/sample/issues/comments/${ours[0]!.id}` }),
      ]);
      expect(github.comments).toHaveLength(2);
    } finally {
      await github.close();
    }
  });

  test('without an identity from GitHub no comment is edited: a new one is made, with a warning', async () => {
    const github = await startGitHubApi();
    try {
      github.viewerError = 'Resource not accessible by integration';
      expectSuccess(await planOn(github, 22, 'hello'));
      const second = await planOn(github, 22, 'hello');
      expectSuccess(second);
      expect(second.stdout).toContain('GitHub did not say who the token is');
      expect(github.calls.filter((call) => call.method === 'PATCH')).toHaveLength(0);
      expect(github.comments.filter((comment) => comment.issue === 22)).toHaveLength(2);
    } finally {
      await github.close();
    }
  });

  test('a masked value after 188 characters is redacted before the 200-character cut, everywhere', async () => {
    const github = await startGitHubApi();
    try {
      const run = await planOn(github, 23, `${'x'.repeat(188)}${TOKEN}`);
      expectSuccess(run);
      const comment = github.comments.find((stored) => stored.issue === 23)!.body;
      for (const [where, text] of [
        ['summary', run.summary],
        ['plan-markdown', run.outputs['plan-markdown']!],
        ['comment', comment],
      ] as const) {
        // Not even the token's first four characters.
        expect([where, text.includes(TOKEN.slice(0, 4))]).toEqual([where, false]);
        expect([where, text.includes(`${'x'.repeat(188)}***`)]).toEqual([where, true]);
      }
    } finally {
      await github.close();
    }
  });

  test('mentions, references, carriage returns and markup in a value stay text', async () => {
    const github = await startGitHubApi();
    try {
      const hostile =
        'hi @octocat and @acme/admins, see #1 and GH-2\r\r![tracker](https://evil.example/x.png)\r# Owned\r<!--';
      const run = await planOn(github, 24, hostile);
      expectSuccess(run);
      const comment = github.comments.find((stored) => stored.issue === 24)!.body;
      for (const text of [run.summary, run.outputs['plan-markdown']!, comment]) {
        expect(text).not.toMatch(/@octocat|@acme\/admins|#1\b|GH-2/);
        expect(text).toContain('@\u200Doctocat');
        expect(text).toContain('#\u200D1');
        expect(text).not.toContain('\r');
        expect(text).toContain('␍␍![tracker](https://evil.example/x.png)␍# Owned␍&lt;!--');
        expect(checkSummary(text.replace(/^<!--[^>]*-->\n/, ''))).toEqual([]);
      }
    } finally {
      await github.close();
    }
  });
});

describe('a protected environment', () => {
  test('gets a stack policy against replacing its data, and a plan shows it', async () => {
    const deployed = await provision({
      operation: 'deploy',
      environment: 'production',
      package: packages['1.0.0']!,
    });
    expectSuccess(deployed);
    const policy = await cloudFormation.send(
      new GetStackPolicyCommand({ StackName: 'production-sample-service' }),
    );
    const statements = JSON.parse(policy.StackPolicyBody!) as {
      Statement: Array<{ Effect: string; Action: string | string[]; Resource?: unknown }>;
    };
    expect(statements.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: ['Update:Replace', 'Update:Delete'],
        Resource: ['LogicalResourceId/DataBucket'],
      }),
    );
    const plan = await provision({
      operation: 'plan',
      environment: 'production',
      package: packages['1.1.0']!,
    });
    expectSuccess(plan);
    const parsed = JSON.parse(plan.outputs.plan!) as { stackPolicy: string };
    expect(parsed.stackPolicy).toContain('Update:Replace');
    expect(readSummary(plan.outputs['plan-markdown']!)).toContain('| Stack policy |');
    // moto cannot detect drift: the plan says so instead of claiming the stack is in sync.
    expect(plan.outputs.drifted).toBe('unknown');
  });

  test('an update whose drift cannot be detected is refused by default, and goes with drift: warn', async () => {
    const refused = await provision({
      operation: 'deploy',
      environment: 'production',
      package: packages['1.1.0']!,
    });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.summaryText).toContain('⛔ The drift of the stack is unknown');
    expect(refused.stdout).toContain(
      'set drift: warn to change the stack without knowing its drift',
    );
    const warned = await provision({
      operation: 'deploy',
      environment: 'production',
      package: packages['1.1.0']!,
      drift: 'warn',
    });
    expectSuccess(warned);
    expect(warned.outputs.operation).toBe('update');
    expect(warned.stdout).toMatch(
      /::warning title=Drift unknown::The drift of production-sample-service could not be detected/,
    );
  });
});

describe('a template over the 51,200 bytes CloudFormation takes in a request', () => {
  let largeDir: string;

  function provisionLarge(inputs: Record<string, string>): Promise<ActionRun> {
    return runAction(
      'action-provision',
      { definition: path.join(largeDir, 'environment.yml'), environment: 'ci', ...inputs },
      { ...moto.env, GITHUB_SHA: COMMIT, GITHUB_REPOSITORY: 'acme/sample', GITHUB_RUN_ID: '8' },
      { cwd: largeDir },
    );
  }

  beforeAll(() => {
    largeDir = mkdtempSync(path.join(os.tmpdir(), 'large-template-'));
    cpSync(path.join(REPO_ROOT, 'demo', 'environment'), largeDir, { recursive: true });
    // Template metadata is part of the body CloudFormation counts: 60 KB of it.
    appendFileSync(
      path.join(largeDir, 'cloudformation.yml'),
      `\nMetadata:\n  Padding: '${'x'.repeat(60_000)}'\n`,
    );
  });

  test('package refuses it without an artifact bucket, naming the size and the input', async () => {
    const run = await provisionLarge({ operation: 'package', environment: '', version: '3.0.0' });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toMatch(
      /input 'artifact-bucket': is needed: the template is 6\d,\d{3} bytes, over the 51,200 bytes/,
    );
  });

  test('it is uploaded by its digest and deployed from there (TemplateURL)', async () => {
    const packaged = await provisionLarge({
      operation: 'package',
      environment: '',
      version: '3.0.0',
      'artifact-bucket': BUCKET,
    });
    expectSuccess(packaged);
    const run = await provisionLarge({ operation: 'deploy', package: packaged.outputs.package! });
    expectSuccess(run);
    expect(run.outputs.operation).toBe('create');
    expect(run.stdout).toMatch(
      /uploaded to s3:\/\/artifacts\/templates\/sample-service\/[0-9a-f]{64}\.template/,
    );
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'templates/sample-service/' }),
    );
    expect(listed.KeyCount).toBe(1);
    // Planning the same template again reuses the object: one key per content.
    const plan = await provisionLarge({ operation: 'plan', package: packaged.outputs.package! });
    expectSuccess(plan);
    const again = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'templates/sample-service/' }),
    );
    expect(again.KeyCount).toBe(1);
  });
});
