import type { Logger } from '../core/logger.js';
import type { BurstCheck } from './checks.js';
import { evaluateResponse } from './evaluate-response.js';
import { createDispatcher, sendRequest } from './http-client.js';
import type { ResolvedRequest } from './resolve-request.js';
import { percentile, type BurstStats, type CheckResult } from './results.js';

/**
 * Seed 000's token test, as a check: N callers hammer one endpoint at once for T seconds.
 * Some bugs (a shared field in a singleton, a DbContext used on two threads) only show when
 * requests overlap, so a sequential check passes while real users fail; one bad answer here
 * fails the check. Every caller reuses its connection, so the load is the service's, not TCP's.
 */
export async function runBurstCheck(
  check: BurstCheck,
  request: ResolvedRequest,
  logger: Logger,
): Promise<CheckResult> {
  const redact = logger.redact.bind(logger);
  const dispatcher = createDispatcher(request.proxy, check.concurrency, request.timeoutMs);
  const latencies: number[] = [];
  const reasons = new Map<string, number>();
  let errors = 0;
  let requests = 0;
  const started = performance.now();
  const deadline = started + check.durationSeconds * 1000;
  logger.info(
    `${check.concurrency} callers × ${check.durationSeconds} s → ${request.method} ${request.url.href}`,
  );

  const caller = async (): Promise<void> => {
    while (performance.now() < deadline) {
      let reason: string | undefined;
      try {
        const response = await sendRequest(request, dispatcher);
        latencies.push(response.durationMs);
        const verdict = evaluateResponse(check, response, redact);
        if (!verdict.passed) reason = verdict.failures[0];
      } catch (error) {
        reason = redact((error as Error).message);
        // A refused connection fails in microseconds; pausing keeps a dead service from
        // turning the burst into a busy loop that starves the event loop.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      requests++;
      if (reason !== undefined) {
        errors++;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: check.concurrency }, caller));
  } finally {
    await dispatcher.destroy();
  }

  const durationMs = performance.now() - started;
  const sorted = Float64Array.from(latencies).sort();
  const stats: BurstStats = {
    concurrency: check.concurrency,
    durationMs,
    requests,
    errors,
    requestsPerSecond: requests / (durationMs / 1000),
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? 0,
    errorKinds: [...reasons.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([reason, count]) => ({ reason, count })),
  };
  const latency = `p50 ${stats.p50Ms.toFixed(1)} ms, p95 ${stats.p95Ms.toFixed(1)} ms, p99 ${stats.p99Ms.toFixed(1)} ms`;
  const rate = `${requests} requests (${stats.requestsPerSecond.toFixed(0)}/s)`;
  const passed = errors === 0 && requests > 0;
  const worst = stats.errorKinds[0];
  return {
    name: check.name,
    kind: 'burst',
    url: request.url.href,
    passed,
    attempts: requests,
    durationMs,
    detail: passed
      ? `${rate}, 0 errors; ${latency}`
      : requests === 0
        ? 'no request completed'
        : `${errors} of ${requests} requests failed${worst ? `; most often: ${worst.reason} (${worst.count}×)` : ''}; ${latency}`,
    failures: stats.errorKinds.map((kind) => `${kind.count}× ${kind.reason}`),
    entries: [],
    burst: stats,
  };
}
