import { findPacker, type PackerBinary } from '../../src/ami/run-packer.js';

/**
 * The real Packer binary. Tests that need it fail (not skip) without it, naming the fix:
 * `.ci/run` installs Debian's packer package, which is the version these tests were written for.
 */
export async function requirePacker(): Promise<PackerBinary> {
  try {
    return await findPacker(process.env.PACKER_PATH);
  } catch (error) {
    throw new Error(
      `These tests run the real Packer (1.6.x): install it with \`apt-get install packer\` or set PACKER_PATH. ${(error as Error).message}`,
    );
  }
}
