import type { ReportEntry } from './evaluate-response.js';

export interface BurstStats {
  concurrency: number;
  durationMs: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The most frequent reasons for failure, with how often each happened. */
  errorKinds: Array<{ reason: string; count: number }>;
}

export interface CheckResult {
  name: string;
  kind: 'http' | 'burst';
  /** The URL as requested (placeholders filled; secrets are only ever in headers). */
  url: string;
  passed: boolean;
  attempts: number;
  durationMs: number;
  /** One line: what passed, or the last actual value and why it was not good enough. */
  detail: string;
  failures: string[];
  entries: ReportEntry[];
  burst?: BurstStats;
}

export interface SmokeReport {
  passed: boolean;
  startedAt: string;
  durationMs: number;
  checks: CheckResult[];
}

/** Nearest-rank percentile of ascending-sorted samples. */
export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

/** "4 check(s) passed" or "1 of 4 check(s) failed". */
export function verdictLine(report: SmokeReport): string {
  const failed = report.checks.filter((check) => !check.passed).length;
  return report.passed
    ? `${report.checks.length} check(s) passed`
    : `${failed} of ${report.checks.length} check(s) failed`;
}
