import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError } from './errors.js';

/** Whether `candidate` (an absolute path) is `folder` or inside it. */
export function isInside(folder: string, candidate: string): boolean {
  const relative = path.relative(folder, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * The real path of `relative` under `root`, refused when it (or a symbolic link on the way)
 * leads outside `root`'s real path: a link in an environment's folder must not package, or
 * deploy, a file from anywhere else on the runner. `undefined` when it does not exist.
 */
export async function realPathInside(
  root: string,
  relative: string,
  source: string,
): Promise<string | undefined> {
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(path.join(root, relative));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!isInside(realRoot, real)) {
    throw new ConfigurationError(
      `'${relative}' leads outside ${root} (to ${real}, through a symbolic link); only files inside the environment's folder can be packaged or deployed`,
      source,
    );
  }
  return real;
}

/**
 * `file` resolved against `base`, refused unless it stays inside `base` (after symbolic links
 * of the folders that exist): for files an action writes, such as a manifest.
 */
export async function writablePathInside(
  base: string,
  file: string,
  source: string,
): Promise<string> {
  const absolute = path.resolve(base, file);
  const realBase = await realpath(base);
  // The nearest folder that exists decides where the file really lands.
  let existing = path.dirname(absolute);
  const rest = [path.basename(absolute)];
  for (let depth = 0; depth < 256; depth++) {
    try {
      const real = await realpath(existing);
      const target = path.join(real, ...rest);
      if (!isInside(realBase, target)) {
        throw new ConfigurationError(
          `'${file}' is outside the working directory ${base}; write it inside (a relative path)`,
          source,
        );
      }
      return target;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      rest.unshift(path.basename(existing));
      existing = path.dirname(existing);
    }
  }
  throw new ConfigurationError(`'${file}' is nested too deep`, source);
}
