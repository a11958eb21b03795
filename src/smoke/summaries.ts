import { plural, type Inline, type SummaryBuilder } from '../core/summary.js';
import { formatDuration } from '../core/waiter.js';
import type { SmokeReport } from './results.js';

function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** "all 3 checks passed" or "1 of 3 checks failed: health". */
export function smokeOutcome(report: SmokeReport): string {
  const failed = report.checks.filter((check) => !check.passed);
  return report.passed
    ? `${report.checks.length === 1 ? 'the check' : `all ${plural(report.checks.length, 'check')}`} passed`
    : `${failed.length} of ${plural(report.checks.length, 'check')} failed: ${failed.map((check) => check.name).join(', ')}`;
}

/**
 * The checks of a smoke test: one row per check and per `/test` entry, then the bursts'
 * latencies, then where the verdict was recorded. `title` heads the section.
 */
export function smokeSection(
  summary: SummaryBuilder,
  report: SmokeReport,
  title: Inline,
  record?: string,
): void {
  const rows: Inline[][] = [];
  for (const check of report.checks) {
    rows.push([
      check.kind === 'burst' ? `${check.name} (burst)` : check.name,
      check.passed ? '✅ passed' : '❌ failed',
      // A burst's requests are in the burst table; "attempts" would misread as retries.
      check.kind === 'burst' ? '' : String(check.attempts),
      formatDuration(check.durationMs),
      check.detail,
    ]);
    for (const entry of check.entries) {
      rows.push([
        `↳ ${entry.name}`,
        entry.success ? '✅ passed' : '❌ failed',
        '',
        '',
        [entry.endpoint, entry.success ? entry.description : (entry.error ?? 'failed')]
          .filter(Boolean)
          .join(': '),
      ]);
    }
  }
  summary.table(['Check', 'Result', 'Attempts', 'Time', 'Detail'], rows, { title });
  summary.table(
    ['Burst', 'Callers', 'Requests', 'Errors', 'Requests/s', 'p50', 'p95', 'p99', 'Slowest'],
    report.checks.flatMap((check) => {
      const stats = check.burst;
      if (!stats) return [];
      const row = [
        check.name,
        String(stats.concurrency),
        stats.requests.toLocaleString('en-US'),
        String(stats.errors),
        stats.requestsPerSecond.toLocaleString('en-US', { maximumFractionDigits: 0 }),
        ms(stats.p50Ms),
        ms(stats.p95Ms),
        ms(stats.p99Ms),
        ms(stats.maxMs),
      ];
      return [row];
    }),
  );
  if (record) {
    summary.paragraph(['Recorded in the promotion ledger: ', summary.locate(record) ?? record]);
  }
}

/** The section's heading: the verdict of the checks in a word. */
export function smokeTitle(report: SmokeReport): Inline {
  return `Smoke test: ${report.passed ? '✅' : '❌'} ${smokeOutcome(report)}`;
}
