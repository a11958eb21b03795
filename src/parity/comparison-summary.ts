import { plural, SummaryBuilder, type Inline } from '../core/summary.js';
import type { Comparison, ComparisonRow, Verdict } from './compare.js';

const MARK: Record<Verdict, string> = {
  same: '✅ same',
  explained: '↔️ explained',
  differs: '⛔ differs',
  note: 'ℹ️ note',
};

function rows(items: ComparisonRow[]): Inline[][] {
  return items.map((row) => [row.item, row.left, row.right, MARK[row.verdict], row.why]);
}

/** Two environments side by side: the verdict first, then one table per kind of thing. */
export function comparisonSummary(summary: SummaryBuilder, comparison: Comparison): void {
  const { left, right, unexplained, sweeping } = comparison;
  const headers = ['What', left.environment, right.environment, 'Verdict', 'Why'];
  const swept = sweeping.map(
    ({ entry, explained }) =>
      `parity.alarm-differences alarm: '${entry.alarm}' matches every alarm: it explained ${plural(explained, 'alarm difference')} without naming any.`,
  );
  summary.verdict(
    unexplained.length === 0 && swept.length === 0 ? 'success' : 'warning',
    unexplained.length === 0
      ? `${left.environment} and ${right.environment} differ only as the definition says`
      : `${left.environment} and ${right.environment} differ in ${plural(unexplained.length, 'way')} nothing explains`,
    unexplained.length > 0
      ? 'Each is listed below; make the environments alike through the template, or say in the definition how they differ.'
      : swept.length > 0
        ? 'But an alarm difference of the definition matches every alarm, so an alarm added by hand would be explained too.'
        : 'Every difference is one the definition sets per environment, or a note.',
  );
  summary.list([...unexplained, ...swept]);
  summary.table(
    headers,
    [
      [
        'Stack',
        summary.stackLink(left.stackName),
        summary.stackLink(right.stackName),
        '',
        'the stack serving users',
      ],
      ...rows(comparison.stack),
    ],
    { title: 'Stacks' },
  );
  summary.heading('Alarms watching their resources');
  if (comparison.alarms.length === 0) {
    summary.paragraph('No CloudWatch alarm watches a resource of either environment.');
  } else {
    summary.table(headers, rows(comparison.alarms));
  }
  summary.heading('Parameters that differ');
  if (comparison.parameters.length === 0) summary.paragraph('None.');
  else summary.table(headers, rows(comparison.parameters));
  const resources = new SummaryBuilder().table(headers, [
    ...rows(comparison.resources),
    ...rows(comparison.resourceTypes),
  ]);
  summary.details(
    `Resources: ${comparison.resources.length === 0 ? 'none' : plural(comparison.resources.length, 'resource')} present in only one`,
    resources,
  );
}
