import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { startGitHubApi, type GitHubApi } from '../../harness/github-api.js';
import { runAction } from '../../harness/run-action.js';
import { trackDeployment } from '../../src/github/deployments.js';
import { RecordingLogger } from '../support/recording-logger.js';
import {
  DEFINITION,
  expectSuccess,
  MigrationWorld,
  withoutMaskCommands,
} from '../support/migration-environment.js';

// With github-token, deploys and migrations are recorded as GitHub deployments. GitHub is a
// local server recording the API calls it receives; AWS is moto.
let github: GitHubApi;
let world: MigrationWorld;
const GITHUB_TOKEN = 'ghs_0123456789abcdefghijklmnopqrstuvwxyz';
const SHA = '0123456789abcdef0123456789abcdef01234567';

beforeAll(async () => {
  github = await startGitHubApi();
  world = await MigrationWorld.start();
});

afterAll(async () => {
  await github?.close();
  await world?.stop();
});

beforeEach(() => {
  github.calls.length = 0;
});

const githubEnv = () => ({
  GITHUB_API_URL: github.endpoint,
  GITHUB_SERVER_URL: 'https://github.com',
});

function provision(environment: string, version: string, definition = DEFINITION) {
  return runAction(
    'action-provision',
    {
      operation: 'deploy',
      definition,
      environment,
      version,
      parameters: `ServiceEndpoint=${world.service.endpoint}`,
      'github-token': GITHUB_TOKEN,
    },
    world.env(githubEnv()),
  );
}

describe('GitHub deployments', () => {
  test('a deploy is recorded: created, in_progress, then success with the environment URL', async () => {
    const run = expectSuccess(await provision('ghdeploy', '1.0.0'));
    expect(
      github.calls.map((call) =>
        `${call.method} ${call.path} ${typeof call.body.state === 'string' ? call.body.state : ''}`.trim(),
      ),
    ).toEqual([
      'POST /repos/acme/records/deployments',
      'POST /repos/acme/records/deployments/101/statuses in_progress',
      'POST /repos/acme/records/deployments/101/statuses success',
    ]);
    const [created, , success] = github.calls;
    expect(created!.body).toMatchObject({
      ref: SHA,
      environment: 'ghdeploy',
      auto_merge: false,
      required_contexts: [],
      production_environment: false,
      payload: { component: 'records', version: '1.0.0' },
    });
    expect(created!.authorization).toBe(`token ${GITHUB_TOKEN}`);
    expect(success!.body).toMatchObject({
      environment: 'ghdeploy',
      environment_url: `${world.service.endpoint}/stacks/ghdeploy-records`,
      log_url: 'https://github.com/acme/records/actions/runs/7',
      description: 'records 1.0.0 on ghdeploy-records',
    });
    expect(withoutMaskCommands(run.stdout)).not.toContain(GITHUB_TOKEN);
  });

  test('an answer without a deployment is quoted redacted first, then cut: no start of a secret', async () => {
    // Placed so that a cut at 200 characters would fall inside the token.
    const padding = 'x'.repeat(200 - '{"message":"'.length - 8);
    github.createAnswer = { status: 202, body: { message: `${padding}${GITHUB_TOKEN}` } };
    try {
      const run = expectSuccess(await provision('ghanswer', '1.0.0'));
      const warning = run.stdout
        .split('\n')
        .find((line) => line.includes('did not create a deployment'));
      expect(warning).toBeDefined();
      expect(warning).not.toContain(GITHUB_TOKEN.slice(0, 8));
      expect(warning).toContain('***');
    } finally {
      github.createAnswer = undefined;
    }
  });

  test('a deploy that is refused is recorded as failed, with the reason', async () => {
    expectSuccess(await provision('ghfail', '1.0.0'));
    github.calls.length = 0;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'github-deployments-'));
    cpSync(path.dirname(DEFINITION), dir, { recursive: true });
    const template = path.join(dir, 'cloudformation.yml');
    writeFileSync(
      template,
      readFileSync(template, 'utf8')
        .replace(
          / {2}DataBucket:\n {4}Type: AWS::S3::Bucket\n {4}Properties:\n {6}VersioningConfiguration:\n {8}Status: Enabled\n/,
          '',
        )
        .replace(/ {2}DataBucketName:\n {4}Value: !Ref DataBucket\n/, ''),
    );
    const run = await provision('ghfail', '2.0.0', path.join(dir, 'environment.yml'));
    expect(run.exitCode).not.toBe(0);
    const states = github.calls.map((call) => call.body.state).filter(Boolean);
    expect(states).toEqual(['in_progress', 'failure']);
    expect(String(github.calls.at(-1)!.body.description)).toMatch(
      /^Refusing to update ghfail-records: DataBucket/,
    );
    expect(String(github.calls.at(-1)!.body.description).length).toBeLessThanOrEqual(140);
  });

  test("a failure's description is redacted before it is cut to GitHub's 140 characters", async () => {
    const logger = new RecordingLogger();
    const secret = 'db-password-0123456789';
    logger.mask(secret);
    const saved = { ...process.env };
    Object.assign(process.env, githubEnv(), { GITHUB_REPOSITORY: 'acme/records', GITHUB_SHA: SHA });
    try {
      await expect(
        trackDeployment(
          GITHUB_TOKEN,
          { environment: 'ghcut', version: '1.0.0', component: 'records', production: false },
          null,
          logger,
          // The cut at 139 characters would fall inside the masked value.
          () => Promise.reject(new Error(`${'x'.repeat(130)}${secret}`)),
          () => Promise.resolve({ description: '', url: undefined }),
        ),
      ).rejects.toThrow();
    } finally {
      process.env = saved;
    }
    const description = String(github.calls.at(-1)!.body.description);
    expect(github.calls.at(-1)!.body.state).toBe('failure');
    expect(description).toBe(`${'x'.repeat(130)}***`);
    expect(description).not.toContain(secret.slice(0, 3));
  });

  test('a migration is recorded with the stack that serves users afterwards', async () => {
    const run = expectSuccess(
      await world.migrate(
        {
          strategy: 'blue-green',
          environment: 'ghmig',
          version: '1.0.0',
          'github-token': GITHUB_TOKEN,
        },
        githubEnv(),
      ),
    );
    expect(run.outputs['stack-name']).toBe('ghmig-records-blue');
    const states = github.calls.map((call) => call.body.state ?? 'created');
    expect(states).toEqual(['created', 'in_progress', 'success']);
    expect(github.calls.at(-1)!.body).toMatchObject({
      environment_url: `${world.service.endpoint}/stacks/ghmig-records-blue`,
      description: 'records 1.0.0 on ghmig-records-blue',
    });
  });

  test('a GitHub API failure is a warning; the deploy itself goes on', async () => {
    const run = expectSuccess(
      await runAction(
        'action-provision',
        {
          operation: 'deploy',
          definition: DEFINITION,
          environment: 'ghdown',
          version: '1.0.0',
          parameters: `ServiceEndpoint=${world.service.endpoint}`,
          'github-token': GITHUB_TOKEN,
        },
        world.env({ GITHUB_API_URL: 'http://127.0.0.1:9' }),
      ),
    );
    expect(run.stdout).toMatch(
      /::warning title=GitHub deployment not recorded::Could not record a GitHub deployment for ghdown/,
    );
    expect(run.outputs['stack-name']).toBe('ghdown-records');
  });
});
