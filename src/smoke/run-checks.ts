import type { Logger } from '../core/logger.js';
import type { PlaceholderValues } from '../core/placeholders.js';
import { formatDuration, systemClock, type Clock } from '../core/waiter.js';
import { runBurstCheck } from './burst-check.js';
import type { SmokeCheck } from './checks.js';
import { runHttpCheck } from './http-check.js';
import { resolveRequest } from './resolve-request.js';
import type { SmokeReport } from './results.js';

export interface SmokeRunOptions {
  clock?: Clock;
}

/**
 * Runs the checks in the order written, so a waiting check can bring the service up before a
 * burst loads it. Every placeholder is filled (and every secret masked) before the first
 * request: a typo in the checks fails fast instead of after minutes of retries.
 */
export async function runSmokeChecks(
  checks: SmokeCheck[],
  values: PlaceholderValues,
  logger: Logger,
  options: SmokeRunOptions = {},
): Promise<SmokeReport> {
  const clock = options.clock ?? systemClock;
  // Every check's placeholders are resolved before the first request: a mistake in the last
  // one is told before any is sent.
  const resolved = checks.map((check) => ({
    check,
    request: resolveRequest(check, values, logger),
  }));
  const started = clock.now();
  const startedAt = new Date().toISOString();
  const results = [];
  for (const { check, request } of resolved) {
    const result = await logger.group(`Smoke check: ${check.name}`, () =>
      check.kind === 'burst'
        ? runBurstCheck(check, request, logger)
        : runHttpCheck(check, request, logger, clock),
    );
    if (result.passed) {
      logger.info(`✔ ${check.name}: ${result.detail}`);
    } else {
      logger.error(`${check.name} failed: ${result.detail}`, {
        title: `Smoke check failed: ${check.name}`,
      });
    }
    results.push(result);
  }
  const report: SmokeReport = {
    passed: results.every((result) => result.passed),
    startedAt,
    durationMs: clock.now() - started,
    checks: results,
  };
  const failed = results.filter((result) => !result.passed).length;
  logger.info(
    report.passed
      ? `All ${results.length} smoke check(s) passed in ${formatDuration(report.durationMs)}.`
      : `${failed} of ${results.length} smoke check(s) failed.`,
  );
  return report;
}
