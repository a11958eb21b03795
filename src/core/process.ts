import { spawn } from 'node:child_process';
import { OperationError } from './errors.js';

export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Thrown when the program itself is not installed (ENOENT), as opposed to failing. */
export class ProgramNotFoundError extends OperationError {
  override readonly name = 'ProgramNotFoundError';

  constructor(message: string) {
    super(message, 'A program is missing');
  }
}

/** Runs a program without a shell (arguments are never re-parsed) and collects its output. */
export function runProcess(
  program: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Our own timer, not spawn's `timeout`: that one is never cleared when the program does not
    // exist (no exit event), and would hold the action open for the whole timeout.
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGTERM'), options.timeoutMs);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT' ? new ProgramNotFoundError(`${program} is not installed`) : error,
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}
