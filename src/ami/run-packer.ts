import { spawn } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import { ConfigurationError } from '../core/errors.js';
import { runProcess, ProgramNotFoundError } from '../core/process.js';
import {
  LineSplitter,
  PackerOutput,
  parseRecord,
  type PackerEvent,
  type PackerRecord,
} from './packer-output.js';

export interface PackerBinary {
  path: string;
  version: string;
}

export const INSTALL_HINT =
  'install it before this step, for example with hashicorp/setup-packer, or set the packer input to its path';

/** Environment for every Packer run: no call home to HashiCorp's checkpoint service, no colour. */
export function packerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, CHECKPOINT_DISABLE: '1', PACKER_NO_COLOR: '1' };
}

/** Finds Packer and its version; a missing Packer is a setup mistake, said before any AWS call. */
export async function findPacker(program: string | undefined): Promise<PackerBinary> {
  const path = program ?? 'packer';
  if (program !== undefined) {
    const info = await stat(program).catch(() => undefined);
    if (info && !info.isFile()) {
      throw new ConfigurationError(
        `${program} is a folder, not the Packer program`,
        "input 'packer'",
      );
    }
    if (
      info &&
      !(await access(program, constants.X_OK).then(
        () => true,
        () => false,
      ))
    ) {
      throw new ConfigurationError(
        `${program} is not executable (chmod +x it, or name the Packer binary)`,
        "input 'packer'",
      );
    }
  }
  try {
    const result = await runProcess(path, ['version'], { env: packerEnv(), timeoutMs: 30_000 });
    const version = /Packer v?(\d+\.\d+\.\d+)/.exec(result.stdout)?.[1];
    if (result.exitCode !== 0 || version === undefined) {
      throw new ConfigurationError(
        `${path} does not look like Packer (\`${path} version\` printed: ${(result.stdout + result.stderr).trim().slice(0, 200) || 'nothing'})`,
        "input 'packer'",
      );
    }
    return { path, version };
  } catch (error) {
    if (error instanceof ProgramNotFoundError) {
      throw new ConfigurationError(
        `Packer was not found (${program === undefined ? 'no packer on PATH' : `${program} does not exist`}); ${INSTALL_HINT}`,
        "input 'packer'",
      );
    }
    throw error;
  }
}

export interface PackerRunResult {
  exitCode: number;
  output: PackerOutput;
  durationMs: number;
  /** Set when the run outlived its time and was interrupted (as Ctrl-C would). */
  interrupted?: {
    afterMs: number;
    /** Whether Packer exited by itself after the interrupt (cleaning up), or had to be killed. */
    exitedByItself: boolean;
  };
}

/** How long Packer may clean up after an interrupt before it is killed. */
export const CLEANUP_MS = 5 * 60_000;

/**
 * Runs Packer with `-machine-readable` and hands every record to `onEvent` as it arrives, so
 * a build that runs for an hour shows its progress live. Lines Packer prints that are not
 * records (a plugin's stray output) arrive as `other`.
 */
export function runPacker(
  packer: PackerBinary,
  command: 'build' | 'validate',
  args: string[],
  options: {
    cwd: string;
    env?: NodeJS.ProcessEnv;
    onEvent: (event: PackerEvent, record: PackerRecord | undefined) => void;
    /** Interrupt Packer after this long (SIGINT to its process group, as Ctrl-C does). */
    timeoutMs?: number;
    /** After the interrupt, how long Packer may clean up before it is killed. */
    cleanupMs?: number;
  },
): Promise<PackerRunResult> {
  const started = Date.now();
  const output = new PackerOutput();
  return new Promise((resolve, reject) => {
    // In a process group of its own, so the interrupt reaches Packer and its plugins together,
    // as a terminal's Ctrl-C does, and a kill leaves no plugin behind.
    const child = spawn(packer.path, [command, '-machine-readable', ...args], {
      cwd: options.cwd,
      env: packerEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    let interrupted: PackerRunResult['interrupted'];
    let killTimer: NodeJS.Timeout | undefined;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            const stopped = { afterMs: Date.now() - started, exitedByItself: true };
            interrupted = stopped;
            signalGroup('SIGINT');
            killTimer = setTimeout(() => {
              stopped.exitedByItself = false;
              signalGroup('SIGKILL');
            }, options.cleanupMs ?? CLEANUP_MS);
          }, options.timeoutMs);
    const stdout = new LineSplitter();
    const stderr = new LineSplitter();
    const onLine = (line: string) => {
      if (line.trim() === '') return;
      const record = parseRecord(line);
      if (record === undefined) options.onEvent({ kind: 'other', text: line }, undefined);
      else options.onEvent(output.accept(record), record);
    };
    const onErrorLine = (line: string) => {
      if (line.trim() === '') return;
      const record = parseRecord(line);
      if (record !== undefined) options.onEvent(output.accept(record), record);
      else
        options.onEvent(
          output.accept({ timestamp: 0, target: '', type: 'ui', data: ['error', line] }),
          undefined,
        );
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => stdout.push(chunk).forEach(onLine));
    child.stderr.on('data', (chunk: string) => stderr.push(chunk).forEach(onErrorLine));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      reject(
        error.code === 'ENOENT'
          ? new ConfigurationError(
              `Packer was not found at ${packer.path}; ${INSTALL_HINT}`,
              "input 'packer'",
            )
          : error,
      );
    });
    child.on('close', (code, signal) => {
      stdout.flush().forEach(onLine);
      stderr.flush().forEach(onErrorLine);
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        output,
        durationMs: Date.now() - started,
        ...(interrupted ? { interrupted } : {}),
      });
    });
  });
}
