import type { Logger } from '../core/logger.js';
import type { MigrationContext } from './migration-context.js';

/** Test-only: the step after which the process kills itself, to prove a re-run recovers. */
export const CRASH_VARIABLE = 'ENVIRONMENT_PIPELINE_CRASH_AFTER';

/**
 * The crash hook the recovery tests use. Gated so no user can trigger it by accident: it is
 * never armed on a GitHub runner (GITHUB_ACTIONS=true is set for every step there), whatever
 * the environment holds; the tests run the bundle outside a runner.
 */
export function crashHook(
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): MigrationContext['afterStep'] {
  const target = env[CRASH_VARIABLE];
  if (!target) return undefined;
  if (env.GITHUB_ACTIONS === 'true') {
    logger.warning(
      `${CRASH_VARIABLE} is set but ignored: it is a test hook, never armed on a runner.`,
    );
    return undefined;
  }
  return (step) => {
    if (step === target) {
      logger.info(`${CRASH_VARIABLE}=${step}: killing the process now (test only).`);
      process.kill(process.pid, 'SIGKILL');
    }
  };
}
