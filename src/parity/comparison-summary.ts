import { SummaryBuilder } from '../core/summary.js';
import type { Comparison, ComparisonRow, Verdict } from './compare.js';

const MARK: Record<Verdict, string> = {
  same: '✅ same',
  explained: '↔️ explained',
  differs: '⛔ differs',
  note: 'ℹ️',
};

function rows(items: ComparisonRow[]): string[][] {
  return items.map((row) => [row.item, row.left, row.right, MARK[row.verdict], row.why]);
}

/** Two environments side by side: the verdict first, then one table per kind of thing. */
export function comparisonSummary(summary: SummaryBuilder, comparison: Comparison): void {
  const { left, right, unexplained } = comparison;
  const headers = ['', left.environment, right.environment, '', 'Why'];
  summary.heading(
    unexplained.length === 0
      ? `✅ ${left.environment} and ${right.environment} differ only as the definition says`
      : `⛔ ${left.environment} and ${right.environment} differ in ${unexplained.length} way(s) nothing explains`,
  );
  if (unexplained.length > 0) {
    summary.paragraph(unexplained.map((sentence) => `- ${sentence}`).join('\n'));
  }
  summary.table(headers, [
    ['Stack', left.stackName, right.stackName, '', ''],
    ...rows(comparison.stack),
  ]);
  summary.heading('Alarms watching their resources', 3);
  if (comparison.alarms.length === 0) {
    summary.paragraph('No CloudWatch alarm watches a resource of either environment.');
  } else {
    summary.table(headers, rows(comparison.alarms));
  }
  summary.heading('Parameters that differ', 3);
  if (comparison.parameters.length === 0) summary.paragraph('None.');
  else summary.table(headers, rows(comparison.parameters));
  const resources = new SummaryBuilder().table(headers, [
    ...rows(comparison.resources),
    ...rows(comparison.resourceTypes),
  ]);
  summary.details(`Resources: ${comparison.resources.length} present in only one`, resources);
}
