import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runAction, type ActionSpec } from '../../src/core/action-runner.js';
import {
  ConfigurationError,
  OperationError,
  RefusalError,
  StepTimeoutError,
} from '../../src/core/errors.js';
import { asActionError } from '../../src/core/failure.js';
import { crashHook, CRASH_VARIABLE } from '../../src/migration/test-hooks.js';
import { StatefulResourceGuardError } from '../../src/provisioning/deploy-stack.js';
import { RecordingLogger } from '../support/recording-logger.js';
import { checkSummary, readSummary } from '../../harness/summary-html.js';

interface Ran {
  stdout: string;
  /** The job summary as text (harness/summary-html.ts); `html` as written. */
  summary: string;
  html: string;
  outputs: string;
  exitCode: number | undefined;
}

// @actions/core's summary keeps the first file it wrote to: one pair of files, emptied per run.
const folder = mkdtempSync(path.join(tmpdir(), 'action-runner-'));
const files = { summary: path.join(folder, 'summary.md'), outputs: path.join(folder, 'out') };

/** Runs a spec the way an action's index.ts does, with the runner's files in a temp folder. */
async function runSpec(spec: ActionSpec<object, unknown>): Promise<Ran> {
  writeFileSync(files.summary, '');
  writeFileSync(files.outputs, '');
  process.env.GITHUB_STEP_SUMMARY = files.summary;
  process.env.GITHUB_OUTPUT = files.outputs;
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await runAction(spec);
  } finally {
    spy.mockRestore();
  }
  return {
    stdout: written.join(''),
    summary: readSummary(readFileSync(files.summary, 'utf8')),
    html: readFileSync(files.summary, 'utf8'),
    outputs: readFileSync(files.outputs, 'utf8'),
    exitCode: process.exitCode as number | undefined,
  };
}

function failingWith(error: unknown, extra: Partial<ActionSpec<object, unknown>> = {}) {
  return {
    name: 'action-test',
    inputs: () => ({}),
    main: async (_inputs: object, step: Parameters<ActionSpec<object, unknown>['main']>[1]) => {
      Object.assign(step.facts, {
        environment: 'staging',
        stack: 'staging-records',
        version: '1.2.0',
      });
      await step.logger.group('Deploy staging-records', async () => {
        throw error;
      });
    },
    outputs: () => ({}),
    ...extra,
  };
}

const saved = { ...process.env };
beforeEach(() => {
  process.exitCode = undefined;
});
afterEach(() => {
  process.exitCode = undefined;
  process.env = { ...saved };
});

describe('one shell tells every failure the way its kind is told', () => {
  test('a refusal is ⛔ with its own table, the facts so far and the phase that failed', async () => {
    const ran = await runSpec(
      failingWith(
        new StatefulResourceGuardError('staging-records', [
          {
            path: 'Database',
            type: 'AWS::RDS::DBInstance',
            why: 'would be replaced',
            allowEntry: 'Database',
          },
        ]),
      ),
    );
    expect(ran.exitCode).toBe(1);
    expect(ran.summary).toContain('## ⛔ Stopped by the stateful-resource guard');
    expect(ran.summary).not.toContain('❌');
    expect(ran.summary).toContain('| Failed during | Deploy staging-records |');
    expect(ran.summary).toMatch(
      /\| How to go on \| If losing that data is really intended, add to the 'allow-replacement' input: Database\. \|/,
    );
    expect(ran.summary).toContain('| Stack | staging-records |');
    expect(ran.summary).toContain('| Version | 1.2.0 |');
    expect(ran.summary).toContain(
      '| Database | AWS::RDS::DBInstance | would be replaced | Database |',
    );
    expect(ran.stdout).toMatch(/::error::Refusing to update staging-records: Database/);
    // The verdict comes first, then why and how to go on; the scheme holds.
    expect(ran.summary.split('\n').slice(0, 3)).toEqual([
      '## ⛔ Stopped by the stateful-resource guard',
      'Refusing to update staging-records: Database (AWS::RDS::DBInstance) would be replaced. The change set was deleted and nothing was changed.',
      "| How to go on | If losing that data is really intended, add to the 'allow-replacement' input: Database. |",
    ]);
    expect(checkSummary(ran.html)).toEqual([]);
  });

  test('a configuration error is annotated on the line of the file it names', async () => {
    const error = new ConfigurationError('unknown key "enviroments"', 'environment.yml', {
      file: 'environment/environment.yml',
      line: 4,
      column: 1,
    });
    const ran = await runSpec(failingWith(error));
    expect(ran.stdout).toContain(
      '::error file=environment/environment.yml,line=4,col=1::Configuration error: environment.yml: unknown key "enviroments"',
    );
    expect(ran.summary).toContain('## ❌ Configuration error');
  });

  test('an AWS answer is told as an AWS error, a TypeError as a bug to report', async () => {
    const aws = Object.assign(new Error('CloudFormation CreateChangeSet → ValidationError: bad'), {
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
    });
    expect(asActionError(aws).kind).toBe('aws');
    const ran = await runSpec(failingWith(aws));
    expect(ran.summary).toContain('## ❌ AWS error');
    expect(ran.stdout).toContain('::error::CloudFormation CreateChangeSet → ValidationError: bad');

    const bug = await runSpec(
      failingWith(new TypeError("Cannot read properties of undefined (reading 'x')")),
    );
    expect(bug.summary).toContain('## ❌ Unexpected error');
    expect(bug.stdout).toMatch(
      /::error::Cannot read properties .*\(this looks like a bug in environment-pipeline-actions/,
    );
  });

  test('every kind has its verdict', () => {
    const system = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(asActionError(system).kind).toBe('failure');
    expect(asActionError(new StepTimeoutError('out of time')).kind).toBe('timeout');
    expect(asActionError(new RefusalError('no', 'do this')).kind).toBe('refusal');
    expect(asActionError(new RefusalError('no', 'do this')).headline).toBe('Refused');
    expect(new RefusalError('changed', 'rebuild', 'Package failed verification').headline).toBe(
      'Package failed verification',
    );
    expect(asActionError(new OperationError('copy failed', 'The copy failed')).headline).toBe(
      'The copy failed',
    );
    expect(asActionError('a string').kind).toBe('bug');
  });

  test('outputs are written redacted, on success and on failure', async () => {
    const ok = await runSpec({
      name: 'action-test',
      inputs: () => ({ token: 's3cr3t-token' }),
      secrets: (inputs) => [(inputs as { token: string }).token],
      main: async () => 'value with s3cr3t-token inside',
      outputs: (result) => ({ result: String(result) }),
    });
    expect(ok.exitCode).toBeUndefined();
    expect(ok.outputs).toContain('value with *** inside');
    expect(ok.outputs).not.toContain('s3cr3t-token');

    const failed = await runSpec(
      failingWith(new OperationError('copy failed'), {
        failureOutputs: (_error, facts) => ({ version: facts.version ?? '' }),
      }),
    );
    expect(failed.outputs).toMatch(/version<<.*\n1\.2\.0\n/);
  });
});

describe('a failure is told even when telling it fails', () => {
  test('an outputs mapping that throws, and a renderer that throws, still fail the step', async () => {
    class Broken extends OperationError {
      override details(): void {
        throw new TypeError('renderer broke');
      }
    }
    const ran = await runSpec(
      failingWith(new Broken('the copy failed'), {
        failureOutputs: () => {
          throw new TypeError('mapping broke');
        },
      }),
    );
    expect(ran.exitCode).toBe(1);
    expect(ran.stdout).toContain('::error::the copy failed');
    expect(ran.stdout).toContain('No outputs written for the failure: mapping broke');
    expect(ran.stdout).toContain('The failure could not be rendered: renderer broke');
  });
});

describe('the crash hook (test only)', () => {
  test('is never armed on a runner, whatever the environment says', () => {
    const logger = new RecordingLogger();
    const hook = crashHook(logger, { [CRASH_VARIABLE]: 'delete:source', GITHUB_ACTIONS: 'true' });
    expect(hook).toBeUndefined();
    expect(logger.messages('warning').join('\n')).toContain('never armed on a runner');
    expect(crashHook(logger, { GITHUB_ACTIONS: '' })).toBeUndefined();
    expect(crashHook(logger, { [CRASH_VARIABLE]: 'x' })).toBeInstanceOf(Function);
  });
});
