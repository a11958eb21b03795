import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { checkSummary, readSummary } from './summary-html.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** The job summary as written (HTML). */
  summary: string;
  /** The job summary as text: `## verdict`, `| cell | cell |` rows (see summary-html.ts). */
  summaryText: string;
  durationMs: number;
  /** When `signal` was sent, in ms since the start; undefined if it never was. */
  signalledAtMs?: number;
}

/** An output the step must have given; its absence stops the demo or bench, saying which. */
export function outputOf(run: ActionRun, name: string): string {
  const value = run.outputs[name];
  if (value === undefined) {
    throw new Error(
      `the step gave no output '${name}' (exit ${run.exitCode}):\n${run.stdout.slice(-2000)}`,
    );
  }
  return value;
}

/** Sends `signal` to the action once its log matches `when`, as the runner does to stop a step. */
export interface SignalOption {
  signal: NodeJS.Signals;
  when: RegExp;
}

/** Parses the GITHUB_OUTPUT file format (`name<<DELIMITER` blocks as written by @actions/core). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const value: string[] = [];
      for (index++; index < lines.length && lines[index] !== delimiter; index++)
        value.push(lines[index] ?? '');
      outputs[name] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

/** Each input's default as action.yml declares it (none of the suite's are expressions). */
export function actionDefaults(action: string): Record<string, string> {
  const manifest = YAML.parse(readFileSync(path.join(REPO_ROOT, action, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: unknown }>;
  };
  const defaults: Record<string, string> = {};
  for (const [name, input] of Object.entries(manifest.inputs ?? {})) {
    if (input.default !== undefined)
      defaults[name] =
        typeof input.default === 'string' ? input.default : JSON.stringify(input.default);
  }
  return defaults;
}

/**
 * Runs a bundled action the way the GitHub runner does: `node action-x/dist/index.js` with
 * each input as INPUT_<NAME> (action.yml's default for those not given) and GITHUB_OUTPUT /
 * GITHUB_STEP_SUMMARY files.
 */
export async function runAction(
  action: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  options: { cwd?: string; timeoutMs?: number; signal?: SignalOption } = {},
): Promise<ActionRun> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'action-run-'));
  const outputFile = path.join(work, 'output');
  const summaryFile = path.join(work, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const inputEnv: Record<string, string> = {};
  // The runner passes every input's default from action.yml when the workflow gives none.
  for (const [name, value] of Object.entries({ ...actionDefaults(action), ...inputs })) {
    inputEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? work,
    RUNNER_TEMP: work,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_ACTIONS: 'true',
    ...inputEnv,
    ...env,
  };
  const started = Date.now();
  const entry = path.join(REPO_ROOT, action, 'dist', 'index.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], {
      cwd: options.cwd ?? REPO_ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
    });
    let stdout = '';
    let stderr = '';
    let signalledAtMs: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (options.signal && signalledAtMs === undefined && options.signal.when.test(stdout)) {
        signalledAtMs = Date.now() - started;
        child.kill(options.signal.signal);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const summary = readFileSync(summaryFile, 'utf8');
      // The tests and the demo hold every summary to the one scheme (CHECK_SUMMARIES=1).
      const problems = summary === '' ? [] : checkSummary(summary);
      if (process.env.CHECK_SUMMARIES === '1' && problems.length > 0) {
        reject(
          new Error(
            `The job summary of ${action} breaks the summary scheme:\n- ${problems.join('\n- ')}\n\n${summary}`,
          ),
        );
        return;
      }
      resolve({
        exitCode: code ?? 1,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
        summary,
        summaryText: readSummary(summary),
        durationMs: Date.now() - started,
        ...(signalledAtMs !== undefined ? { signalledAtMs } : {}),
      });
    });
  });
}
