import {
  code,
  formatBytes,
  link,
  plural,
  strong,
  type Inline,
  type SummaryBuilder,
} from '../core/summary.js';
import type { GateResult } from './data-copy.js';
import type { JournalStep, MigrationJournal } from './journal.js';

function show(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

function duration(step: JournalStep): string {
  if (!step.finishedAt) return '';
  const ms = Date.parse(step.finishedAt) - Date.parse(step.startedAt);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A step as a person reads it: its title, or for a journal from before titles, its key spelt out. */
export function stepTitle(step: Pick<JournalStep, 'name' | 'title'>): string {
  if (step.title) return step.title;
  const [what = step.name, whose] = step.name.split(':');
  const words = what.replace(/-/g, ' ');
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}${whose ? ` (${whose.replace(/-/g, ' ')})` : ''}`;
}

/** What the last statistics gate of a migration found, in a clause: "600 objects equal in both". */
export function gateClause(gates: GateResult[]): string | undefined {
  const gate = gates[gates.length - 1];
  if (!gate) return undefined;
  const counted = [
    ...(gate.buckets.length > 0
      ? [
          plural(
            gate.buckets.reduce((sum, bucket) => sum + bucket.target.objects, 0),
            'object',
          ),
        ]
      : []),
    ...((gate.tables ?? []).length > 0
      ? [
          plural(
            (gate.tables ?? []).reduce((sum, table) => sum + table.target.items, 0),
            'item',
          ),
        ]
      : []),
    ...(gate.databases.length > 0 ? [plural(gate.databases.length, 'database')] : []),
    ...(gate.endpoint ? ["the service's statistics"] : []),
  ];
  const last = counted.pop();
  const what =
    last === undefined
      ? 'the data'
      : counted.length === 0
        ? last
        : `${counted.join(', ')} and ${last}`;
  return gate.passed
    ? `the statistics gate found ${what} the same in ${gate.from} and ${gate.to}`
    : `the statistics gate found ${gate.to} different from ${gate.from}`;
}

const STRATEGY: Record<MigrationJournal['strategy'], string> = {
  update: 'in-place update',
  'blue-green': 'blue/green',
  'double-clone': 'double clone',
  rollback: 'rollback',
};

export function journalFacts(
  summary: SummaryBuilder,
  journal: MigrationJournal,
  journalUrl: string,
  extra: Array<[string, Inline | undefined]> = [],
): void {
  summary.facts([
    ['Where the data is', strong(summary.linkify(journal.dataLocation))],
    ...extra,
    ['Migration', [code(journal.id), ` (${STRATEGY[journal.strategy]} to ${journal.toVersion})`]],
    ['Status', journal.status],
    ['Journal', summary.locate(journalUrl)],
  ]);
}

function stepStatus(summary: SummaryBuilder, step: JournalStep): Inline {
  if (step.status === 'done') return '✅ done';
  if (step.status === 'started') return '⏳ started, never finished (the run died)';
  return [`${step.refused ? '⛔ refused' : '❌ failed'}: `, summary.linkify(step.error ?? '')];
}

/** The journal's steps, folded: the verdict above already says how the migration ended. */
export function stepsTable(summary: SummaryBuilder, journal: MigrationJournal): void {
  const stopped = journal.steps.find((step) => step.status !== 'done');
  summary.table(
    ['Step', 'Status', 'Took'],
    journal.steps.map((step) => [stepTitle(step), stepStatus(summary, step), duration(step)]),
    {
      title: `Steps of the migration${stopped ? `, stopped at “${stepTitle(stopped)}”` : ', all done'}`,
      fold: 'always',
    },
  );
}

function digest(source: string, target: string): string {
  return source === target
    ? `equal (${source.slice(0, 12)})`
    : `${source.slice(0, 12)} ≠ ${target.slice(0, 12)}`;
}

/** The gate's tables: per bucket, database and table, and every endpoint path that differs. */
export function gateTables(summary: SummaryBuilder, gates: GateResult[]): void {
  for (const gate of gates) {
    summary.heading([
      gate.passed ? '✅' : '⛔',
      ' Statistics gate: ',
      summary.stackLink(gate.from),
      ' → ',
      summary.stackLink(gate.to),
      gate.passed ? ' equal' : ' differ',
    ]);
    summary.table(
      ['Bucket', 'Objects', 'Bytes', 'Digest', 'Verdict'],
      gate.buckets.map((bucket) => [
        bucket.path,
        bucket.history
          ? `${bucket.source.objects} → ${bucket.target.objects} (versions ${bucket.source.versions} → ${bucket.target.versions}, delete markers ${bucket.source.deleteMarkers} → ${bucket.target.deleteMarkers})`
          : `${bucket.source.objects} → ${bucket.target.objects}`,
        `${formatBytes(bucket.source.bytes)} → ${formatBytes(bucket.target.bytes)}`,
        digest(bucket.source.digest, bucket.target.digest),
        bucket.equal
          ? `equal${bucket.sizeOnly ? ` (${plural(bucket.sizeOnly, 'multipart object')} by size)` : ''}`
          : `${plural(bucket.differenceCount, 'object')} differ`,
      ]),
    );
    if (gate.buckets.some((bucket) => bucket.history)) {
      summary.paragraph(
        'Versioned buckets were copied and compared with their whole history: every version and delete marker of each key, in order. Version IDs necessarily differ between two buckets, so they are not compared.',
      );
    }
    summary.table(
      ['Bucket', 'Key', 'Problem', 'Source', 'Target'],
      gate.buckets.flatMap((bucket) =>
        bucket.differences.map((difference) => [
          bucket.path,
          difference.key,
          difference.problem,
          difference.source ?? '',
          difference.target ?? '',
        ]),
      ),
      { title: 'Objects that differ' },
    );
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
        digest(table.source.digest, table.target.digest),
        table.equal ? 'equal' : 'differs',
      ]),
    );
    if (gate.endpoint) {
      const { endpoint } = gate;
      summary.paragraph(
        endpoint.equal
          ? [
              'Statistics endpoint: ',
              code('data'),
              ' equal (',
              link(endpoint.sourceUrl, endpoint.sourceUrl),
              ' and ',
              link(endpoint.targetUrl, endpoint.targetUrl),
              ').',
            ]
          : [
              `Statistics endpoint: ${plural(endpoint.differences.length, 'path')} differ between `,
              link(endpoint.sourceUrl, endpoint.sourceUrl),
              ' and ',
              link(endpoint.targetUrl, endpoint.targetUrl),
              '.',
            ],
      );
      summary.table(
        ['Path', gate.from, gate.to],
        endpoint.differences.map((difference) => [
          difference.path,
          show(difference.source),
          show(difference.target),
        ]),
        { title: 'Statistics that differ' },
      );
    }
  }
}
