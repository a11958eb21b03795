import { StepTimeoutError, TimeoutError } from './errors.js';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface BackoffOptions {
  /** First delay between polls. */
  initialDelayMs: number;
  /** Delays never grow beyond this. */
  maxDelayMs: number;
  /** Multiplier applied after each poll. */
  factor: number;
  /** The whole wait fails after this long. */
  timeoutMs: number;
}

export type PollResult<T> = { done: true; value: T } | { done: false; pending: string };

/**
 * Polls until `poll` says done, sleeping with exponential backoff and "equal jitter" between
 * attempts (so many runners polling one account do not march in step into throttling), and
 * throws a TimeoutError naming what was still pending when time ran out.
 */
export async function waitUntil<T>(
  what: string,
  poll: () => Promise<PollResult<T>>,
  options: BackoffOptions,
  clock: Clock = systemClock,
  random: () => number = Math.random,
): Promise<T> {
  const started = clock.now();
  let delay = options.initialDelayMs;
  let pending = 'no answer yet';
  // A hard cap on attempts keeps a broken clock from turning this into an endless loop.
  const maxAttempts = 100_000;
  try {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const result = await poll();
      if (result.done) return result.value;
      pending = result.pending;
      const elapsed = clock.now() - started;
      const remaining = options.timeoutMs - elapsed;
      if (remaining <= 0) {
        throw new TimeoutError(
          `Timed out after ${formatDuration(elapsed)} waiting for ${what}; still pending: ${pending}`,
        );
      }
      const jittered = delay / 2 + random() * (delay / 2);
      await clock.sleep(Math.min(jittered, remaining));
      delay = Math.min(delay * options.factor, options.maxDelayMs);
    }
  } catch (error) {
    // The step's own deadline (a bounded clock, or a bounded AWS call) ended the wait early:
    // say what was being waited for and what was still pending.
    if (error instanceof StepTimeoutError) {
      throw new StepTimeoutError(
        `${error.message} It was waiting ${formatDuration(clock.now() - started)} for ${what}; still pending: ${pending}.`,
      );
    }
    throw error;
  }
  throw new TimeoutError(`Gave up waiting for ${what} after ${maxAttempts} attempts`);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}
