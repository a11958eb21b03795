import type { SummaryBuilder } from '../core/summary.js';
import { formatDuration } from '../core/waiter.js';
import type { SmokeReport } from './results.js';

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** The smoke section of a job summary: one row per check and per `/test` entry, then bursts. */
export function smokeSummary(
  summary: SummaryBuilder,
  report: SmokeReport,
  heading = 'Smoke test',
): void {
  const failed = report.checks.filter((check) => !check.passed).length;
  summary.heading(
    `${report.passed ? '✅' : '❌'} ${heading}: ${report.passed ? 'passed' : `${failed} of ${report.checks.length} check(s) failed`}`,
    3,
  );
  const rows: string[][] = [];
  for (const check of report.checks) {
    rows.push([
      check.kind === 'burst' ? `${check.name} (burst)` : check.name,
      check.passed ? '✅ pass' : '❌ fail',
      // A burst's requests are in the burst table; "attempts" would misread as retries.
      check.kind === 'burst' ? '—' : String(check.attempts),
      formatDuration(check.durationMs),
      check.detail,
    ]);
    for (const entry of check.entries) {
      rows.push([
        `↳ ${entry.name}`,
        entry.success ? '✅ pass' : '❌ fail',
        '',
        '',
        [entry.endpoint, entry.success ? entry.description : (entry.error ?? 'failed')]
          .filter(Boolean)
          .join(': '),
      ]);
    }
  }
  summary.table(['Check', 'Result', 'Attempts', 'Time', 'Detail'], rows);
  const bursts = report.checks.filter((check) => check.burst);
  summary.table(
    ['Burst', 'Callers', 'Requests', 'Errors', 'Req/s', 'p50', 'p95', 'p99', 'Max'],
    bursts.map((check) => {
      const stats = check.burst!;
      return [
        check.name,
        String(stats.concurrency),
        String(stats.requests),
        String(stats.errors),
        stats.requestsPerSecond.toFixed(0),
        ms(stats.p50Ms),
        ms(stats.p95Ms),
        ms(stats.p99Ms),
        ms(stats.maxMs),
      ];
    }),
  );
}
