import type { Cancellation, Deadline } from './deadline.js';
import type { Logger } from './logger.js';

/**
 * What the runner gives a step it stops (its timeout-minutes ran out, or the run was
 * cancelled): SIGINT, then SIGTERM 7.5 s later, then the process tree killed 2.5 s after that.
 * Each signal leaves the recovery this long, a second short of the runner's next move, so the
 * summary and outputs are written before the kill.
 */
const GRACE: Record<string, number> = { SIGINT: 9_000, SIGTERM: 1_500 };

/**
 * Turns the runner's stop signals into the deadline's cancellation: the work stops at once and
 * users are served again in the time the runner still allows. Returns the function that stops
 * listening. Listening also keeps Node from exiting on the signal without that recovery.
 */
export function onRunnerStop(deadline: Deadline, logger: Logger): () => void {
  const handlers = Object.entries(GRACE).map(([signal, graceMs]) => {
    const handler = () => {
      logger.warning(
        `The runner sent ${signal}: stopping the work and serving users again within ${graceMs / 1000} s.`,
      );
      const cancellation: Cancellation = { signal, graceMs };
      deadline.cancel(cancellation);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
