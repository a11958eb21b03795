// The injected user-data wait, run by the real Packer: the `null` builder with the wait as a
// `shell-local` provisioner (platform local), and user data simulated by a background writer
// that changes the signal file while Packer waits.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PackerEvent } from '../../src/ami/packer-output.js';
import { adjustJsonTemplate } from '../../src/ami/packer-template.js';
import { runPacker, type PackerBinary } from '../../src/ami/run-packer.js';
import { waitProvisioner, type UserDataWait } from '../../src/ami/user-data-wait.js';
import { describeWithPacker, requirePacker, skipsPacker } from '../support/packer.js';

let packer: PackerBinary;
let work: string;

beforeAll(async () => {
  if (skipsPacker) return;
  packer = await requirePacker();
  work = mkdtempSync(path.join(os.tmpdir(), 'user-data-wait-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A writer that performs `steps` (delay in ms, then content; `null` leaves the file alone). */
function simulateUserData(file: string, steps: Array<[number, string]>): () => void {
  const timers = steps.map(([delay, content]) =>
    setTimeout(() => writeFileSync(file, content), delay),
  );
  return () => timers.forEach(clearTimeout);
}

interface WaitRun {
  exitCode: number;
  lines: string[];
  errors: string[];
  elapsedMs: number;
}

async function buildWithWait(
  name: string,
  wait: Omit<UserDataWait, 'platform'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WaitRun> {
  const original = {
    builders: [{ type: 'null', communicator: 'none' }],
    provisioners: [{ type: 'shell-local', inline: ['echo the template provisioner ran'] }],
  };
  const { document } = adjustJsonTemplate(original, {
    amiName: 'unused',
    region: 'us-east-1',
    endpoint: undefined,
    firstProvisioner: waitProvisioner({ ...wait, platform: 'local' }),
  });
  const file = path.join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(document));
  const lines: string[] = [];
  const started = Date.now();
  const result = await runPacker(packer, 'build', [file], {
    cwd: work,
    env,
    onEvent: (event: PackerEvent) => {
      if (event.kind !== 'other') lines.push(event.text);
    },
  });
  return {
    exitCode: result.exitCode,
    lines,
    errors: result.output.errors(),
    elapsedMs: Date.now() - started,
  };
}

const index = (lines: string[], pattern: RegExp) => lines.findIndex((line) => pattern.test(line));

describeWithPacker('wait-for-user-data: signal-file, run by Packer', () => {
  test('1 then done: the wait passes and the template provisioner runs after it', async () => {
    const signal = path.join(work, 'signal-done');
    writeFileSync(signal, '1\n');
    const stop = simulateUserData(signal, [[1500, '0\n']]);
    const run = await buildWithWait('done', {
      mode: 'signal-file',
      signalPath: signal,
      intervalSeconds: 1,
      timeoutSeconds: 30,
    });
    stop();
    expect(run.exitCode).toBe(0);
    expect(run.lines.some((line) => /still running \(signal '1'\)/.test(line))).toBe(true);
    const finished = index(
      run.lines,
      /wait-for-user-data: user data finished \(signal '0'\) after [12]s/,
    );
    const templateRan = index(run.lines, /the template provisioner ran/);
    expect(finished).toBeGreaterThanOrEqual(0);
    expect(templateRan).toBeGreaterThan(finished);
  });

  test('1 then -1: fails at once with the message user data wrote', async () => {
    const signal = path.join(work, 'signal-failed');
    writeFileSync(signal, '1\n');
    const stop = simulateUserData(signal, [
      [1200, '-1\npip install elastalert broke the system python\n'],
    ]);
    const run = await buildWithWait('failed', {
      mode: 'signal-file',
      signalPath: signal,
      intervalSeconds: 1,
      timeoutSeconds: 300,
    });
    stop();
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toContain(
      'null: wait-for-user-data: user data failed (signal -1): pip install elastalert broke the system python',
    );
    // Fails on the first check after the -1, not after the 300 s timeout.
    expect(run.elapsedMs).toBeLessThan(15_000);
    expect(index(run.lines, /the template provisioner ran/)).toBe(-1);
  });

  test('stays 1: times out naming the last value', async () => {
    const signal = path.join(work, 'signal-stuck');
    writeFileSync(signal, '1\n');
    const run = await buildWithWait('stuck', {
      mode: 'signal-file',
      signalPath: signal,
      intervalSeconds: 1,
      timeoutSeconds: 3,
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toContain(
      `null: wait-for-user-data: timed out after 3s: user data is still running; last value of ${signal}: '1'`,
    );
  });

  test('never created: a clear error saying what user data must write', async () => {
    const signal = path.join(work, 'never-written');
    const run = await buildWithWait('missing', {
      mode: 'signal-file',
      signalPath: signal,
      intervalSeconds: 1,
      timeoutSeconds: 2,
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toContain(
      `null: wait-for-user-data: timed out after 2s: ${signal} was never created; user data must write 1 to it when it starts and 0 when it is done`,
    );
  });
});

describeWithPacker('wait-for-user-data: cloud-init, run by Packer', () => {
  // A stand-in `cloud-init` on PATH that answers `status --wait` with a given exit status, the
  // contract of cloud-init 18+ (0 done, 1 error, 2 degraded).
  function fakeCloudInit(exitStatus: number, said: string): NodeJS.ProcessEnv {
    const bin = mkdtempSync(path.join(work, 'bin-'));
    const script = path.join(bin, 'cloud-init');
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        'if [ "$1" = status ] && [ "$2" = --help ]; then exit 0; fi',
        `if [ "$1" = status ] && [ "$2" = --wait ]; then echo '...'; echo '${said}'; exit ${exitStatus}; fi`,
        `if [ "$1" = status ] && [ "$2" = --long ]; then echo 'detail: ${said}'; exit ${exitStatus}; fi`,
        'exit 3',
      ].join('\n'),
    );
    chmodSync(script, 0o755);
    return { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  }
  const wait = {
    mode: 'cloud-init',
    signalPath: '',
    intervalSeconds: 1,
    timeoutSeconds: 20,
  } as const;

  test('done: passes', async () => {
    const run = await buildWithWait('cloud-init-done', wait, fakeCloudInit(0, 'status: done'));
    expect(run.exitCode).toBe(0);
    expect(
      run.lines.some((line) =>
        line.includes('wait-for-user-data: cloud-init finished: status: done'),
      ),
    ).toBe(true);
  });

  test('degraded: passes with a warning line the action raises as a warning', async () => {
    const run = await buildWithWait(
      'cloud-init-degraded',
      wait,
      fakeCloudInit(2, 'status: done (degraded)'),
    );
    expect(run.exitCode).toBe(0);
    expect(
      run.lines.some((line) =>
        line.includes(
          'wait-for-user-data: warning: cloud-init finished degraded (recoverable errors): status: done (degraded)',
        ),
      ),
    ).toBe(true);
  });

  test("error: fails with cloud-init's status", async () => {
    const run = await buildWithWait('cloud-init-error', wait, fakeCloudInit(1, 'status: error'));
    expect(run.exitCode).not.toBe(0);
    expect(run.errors).toContain('null: wait-for-user-data: cloud-init failed: status: error');
  });
});
