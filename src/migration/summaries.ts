import { escapeCell, formatBytes, type SummaryBuilder } from '../core/summary.js';
import type { GateResult } from './data-copy.js';
import type { MigrationJournal } from './journal.js';

function show(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

function duration(step: MigrationJournal['steps'][number]): string {
  if (!step.finishedAt) return '';
  const ms = Date.parse(step.finishedAt) - Date.parse(step.startedAt);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function journalFacts(
  summary: SummaryBuilder,
  journal: MigrationJournal,
  journalUrl: string,
  extra: Array<[string, string]> = [],
): void {
  summary.facts([
    ['Migration', `\`${journal.id}\` (${journal.strategy} to ${journal.toVersion})`],
    ['Status', journal.status],
    ['**Where the data is**', `**${journal.dataLocation}**`],
    ['Journal', `\`${journalUrl}\``],
    ...extra,
  ]);
}

export function stepsTable(summary: SummaryBuilder, journal: MigrationJournal): void {
  summary.table(
    ['Step', 'Status', 'Took'],
    journal.steps.map((step) => [
      step.name,
      step.status === 'done'
        ? '✅ done'
        : step.status === 'failed'
          ? `❌ failed: ${step.error ?? ''}`
          : '⏳ started, never finished (the run died)',
      duration(step),
    ]),
  );
}

/** The gate's tables: per bucket and database, and every endpoint path that differs. */
export function gateTables(summary: SummaryBuilder, gates: GateResult[]): void {
  for (const gate of gates) {
    summary.heading(
      `${gate.passed ? '✅' : '❌'} Statistics: ${escapeCell(gate.from)} → ${escapeCell(gate.to)}`,
      4,
    );
    summary.table(
      ['Bucket', 'Objects', 'Bytes', 'Digest', 'Verdict'],
      gate.buckets.map((bucket) => [
        bucket.path,
        bucket.history
          ? `${bucket.source.objects} → ${bucket.target.objects} (versions ${bucket.source.versions} → ${bucket.target.versions}, delete markers ${bucket.source.deleteMarkers} → ${bucket.target.deleteMarkers})`
          : `${bucket.source.objects} → ${bucket.target.objects}`,
        `${formatBytes(bucket.source.bytes)} → ${formatBytes(bucket.target.bytes)}`,
        bucket.source.digest === bucket.target.digest
          ? `equal (${bucket.source.digest.slice(0, 12)})`
          : `${bucket.source.digest.slice(0, 12)} ≠ ${bucket.target.digest.slice(0, 12)}`,
        bucket.equal
          ? `equal${bucket.sizeOnly ? ` (${bucket.sizeOnly} multipart object(s) by size)` : ''}`
          : `${bucket.differenceCount} object(s) differ`,
      ]),
    );
    if (gate.buckets.some((bucket) => bucket.history)) {
      summary.paragraph(
        'Versioned buckets were copied and compared with their whole history: every version and delete marker of each key, in order. Version IDs necessarily differ between two buckets, so they are not compared.',
      );
    }
    const differing = gate.buckets.flatMap((bucket) =>
      bucket.differences.map((difference) => [
        bucket.path,
        difference.key,
        difference.problem,
        difference.source ?? '',
        difference.target ?? '',
      ]),
    );
    summary.table(['Bucket', 'Key', 'Problem', 'Source', 'Target'], differing);
    summary.table(
      ['Database', 'Engine', 'Allocated storage', 'Verdict'],
      gate.databases.map((db) => [
        db.path,
        `${db.source.engine} → ${db.target.engine}`,
        `${db.source.allocatedStorage} → ${db.target.allocatedStorage} GiB`,
        db.equal ? 'equal' : 'differs',
      ]),
    );
    summary.table(
      ['Table', 'Items', 'Digest of every item', 'Verdict'],
      (gate.tables ?? []).map((table) => [
        table.path,
        `${table.source.items} → ${table.target.items}`,
        table.source.digest === table.target.digest
          ? `equal (${table.source.digest.slice(0, 12)})`
          : `${table.source.digest.slice(0, 12)} ≠ ${table.target.digest.slice(0, 12)}`,
        table.equal ? 'equal' : 'differs',
      ]),
    );
    if (gate.endpoint) {
      summary.paragraph(
        gate.endpoint.equal
          ? `Statistics endpoint: \`data\` equal (${gate.endpoint.sourceUrl} and ${gate.endpoint.targetUrl}).`
          : `Statistics endpoint: ${gate.endpoint.differences.length} path(s) differ between ${gate.endpoint.sourceUrl} and ${gate.endpoint.targetUrl}:`,
      );
      summary.table(
        ['Path', gate.from, gate.to],
        gate.endpoint.differences.map((difference) => [
          difference.path,
          show(difference.source),
          show(difference.target),
        ]),
      );
    }
  }
}
