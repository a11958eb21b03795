import type { Logger } from '../core/logger.js';
import { formatDuration, type Clock } from '../core/waiter.js';
import type { HttpCheck } from './checks.js';
import { describeResponse, evaluateResponse, type Verdict } from './evaluate-response.js';
import { sendRequest } from './http-client.js';
import type { ResolvedRequest } from './resolve-request.js';
import type { CheckResult } from './results.js';

/**
 * The seed's `Wait`: try, judge, and if not good yet wait `interval` and try again, until it
 * passes or `timeout` has gone by. A stack can be CREATE_COMPLETE while its load balancer is
 * still settling, so the first failures are expected; only the last one is the verdict.
 */
export async function runHttpCheck(
  check: HttpCheck,
  request: ResolvedRequest,
  logger: Logger,
  clock: Clock,
): Promise<CheckResult> {
  const started = clock.now();
  const timeoutMs = check.timeoutSeconds * 1000;
  const intervalMs = check.intervalSeconds * 1000;
  // Bounded even if the clock misbehaves: the most attempts the timeout allows, plus one.
  const maxAttempts = Math.floor(timeoutMs / intervalMs) + 2;
  let lastActual = '';
  let verdict: Verdict = { passed: false, failures: [], entries: [], maintenance: false };
  let attempts: number;
  for (attempts = 1; attempts <= maxAttempts; attempts++) {
    try {
      const response = await sendRequest(request);
      lastActual = describeResponse(response, logger.redact.bind(logger));
      verdict = evaluateResponse(check, response, logger.redact.bind(logger));
    } catch (error) {
      lastActual = (error as Error).message;
      verdict = { passed: false, failures: [lastActual], entries: [], maintenance: false };
    }
    const elapsed = clock.now() - started;
    if (verdict.passed) {
      logger.info(`attempt ${attempts} (${formatDuration(elapsed)}): passed with ${lastActual}`);
      const entries = verdict.entries.length
        ? `; ${verdict.entries.length} report tests passed`
        : '';
      return {
        name: check.name,
        kind: 'http',
        url: request.url.href,
        passed: true,
        attempts,
        durationMs: elapsed,
        detail: `${lastActual.split(' ')[0]}${entries}${attempts > 1 ? ` after ${attempts} attempts` : ''}`,
        failures: [],
        entries: verdict.entries,
      };
    }
    logger.info(
      `attempt ${attempts} (${formatDuration(elapsed)}): ${verdict.failures.join('; ')} (got: ${lastActual})`,
    );
    if (elapsed >= timeoutMs) break;
    // The last attempt lands on the deadline rather than one interval short of it.
    await clock.sleep(Math.min(intervalMs, timeoutMs - elapsed));
  }
  const waited = clock.now() - started;
  attempts = Math.min(attempts, maxAttempts);
  return {
    name: check.name,
    kind: 'http',
    url: request.url.href,
    passed: false,
    attempts,
    durationMs: waited,
    detail: `${verdict.failures.join('; ')}; last actual value: ${lastActual}; waited ${formatDuration(waited)} over ${attempts} attempt${attempts === 1 ? '' : 's'}`,
    failures: verdict.failures,
    entries: verdict.entries,
  };
}
