import { spawnSync } from 'node:child_process';
import { describe, test } from '@jest/globals';
import { findPacker, type PackerBinary } from '../../src/ami/run-packer.js';

/**
 * Whether the real Packer runs here, decided when a test file loads (jest decides then what it
 * skips). Without it, the tests that need it are skipped, each file saying so, except in CI
 * (CI=true) or with REQUIRE_PACKER=1, where they run and fail: `.ci/run` installs Debian's
 * packer package, and a failed install must not pass as skipped tests.
 */
const probe = spawnSync(process.env.PACKER_PATH ?? 'packer', ['version'], {
  encoding: 'utf8',
  timeout: 30_000,
});
export const packerFound = probe.status === 0 && /Packer v?\d/.test(probe.stdout);
const required = process.env.CI === 'true' || process.env.REQUIRE_PACKER === '1';
/** True when this run skips the tests that need Packer. */
export const skipsPacker = !packerFound && !required;

// Straight to stderr: jest drops what a file whose every test is skipped logs to the console.
const saySkipped = (what: string) =>
  process.stderr.write(
    `Skipped, Packer was not found: ${what}. Install it (apt-get install packer, or https://developer.hashicorp.com/packer/install) or set PACKER_PATH; CI runs these (CI=true).\n`,
  );

/** `describe`, or `describe.skip` saying so when Packer is missing outside CI. */
export function describeWithPacker(name: string, body: () => void): void {
  if (skipsPacker) {
    saySkipped(`"${name}"`);
    describe.skip(name, body);
  } else describe(name, body);
}

/** `test`, or `test.skip` saying so when Packer is missing outside CI. */
export function testWithPacker(
  name: string,
  body: () => void | Promise<void>,
  timeout?: number,
): void {
  if (skipsPacker) {
    saySkipped(`"${name}"`);
    test.skip(name, body);
  } else test(name, body, timeout);
}

/**
 * The real Packer binary. Tests that need it fail without it, naming the fix, unless the run
 * skips them (`skipsPacker`).
 */
export async function requirePacker(): Promise<PackerBinary> {
  try {
    return await findPacker(process.env.PACKER_PATH);
  } catch (error) {
    throw new Error(
      `These tests run the real Packer (1.6.x): install it with \`apt-get install packer\` or set PACKER_PATH. ${(error as Error).message}`,
      { cause: error },
    );
  }
}
