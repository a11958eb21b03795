import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LAUNCHER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'moto_server.py');

export interface MotoServer {
  endpoint: string;
  port: number;
  /** Environment for an SDK or a bundled action pointed at this server. */
  env: Record<string, string>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export class MotoNotInstalledError extends Error {
  override readonly name = 'MotoNotInstalledError';
}

function python(): string {
  return process.env.MOTO_PYTHON ?? 'python3';
}

/** Fails with install instructions when moto's server is not importable. */
export function checkMotoInstalled(): void {
  const probe = spawnSync(python(), ['-c', 'import moto.server, flask'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new MotoNotInstalledError(
      `moto's server is not installed for ${python()}: install it with \`pip install "moto[server]"\` (or point MOTO_PYTHON at a Python that has it). ${(probe.stderr as string | null) ?? ''}`.trim(),
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts moto's server on a free loopback port and waits (at most 30 s) until it answers.
 * Each test file gets its own server, so files can run in parallel without sharing state.
 * `amisFile` replaces the public images moto serves (its MOTO_AMIS_PATH), for tests that need
 * base images with known creation dates.
 */
export async function startMoto(options: { amisFile?: string } = {}): Promise<MotoServer> {
  checkMotoInstalled();
  let lastError = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    // moto logs every request to stderr. Into a file, not a pipe: a pipe is only drained
    // while this process's event loop runs, and moto blocks (hangs every client) once it fills,
    // e.g. while a benchmark waits in spawnSync.
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'moto-'));
    const logFile = path.join(logDir, 'server.log');
    const log = openSync(logFile, 'w');
    const child = spawn(python(), [LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', log],
      // moto's own switch for the public images it serves: the file replaces its built-in list.
      env: options.amisFile ? { ...process.env, MOTO_AMIS_PATH: options.amisFile } : process.env,
    });
    closeSync(log);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && child.exitCode === null) {
      if (await answers(endpoint)) {
        const env = {
          AWS_ENDPOINT_URL: endpoint,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_REGION: 'us-east-1',
          AWS_EC2_METADATA_DISABLED: 'true',
        };
        return {
          endpoint,
          port,
          env,
          async reset() {
            const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
            if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
          },
          stop: async () => {
            await stopProcess(child);
            rmSync(logDir, { recursive: true, force: true });
          },
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    lastError = readFileSync(logFile, 'utf8').slice(-4000);
    await stopProcess(child);
    rmSync(logDir, { recursive: true, force: true });
  }
  throw new Error(`moto server did not start: ${lastError}`);
}
