import type { SummaryBuilder } from '../core/summary.js';
import type { BuildAmiResult, RetentionOutcome } from './build-ami.js';

function retentionSection(summary: SummaryBuilder, retention: RetentionOutcome): void {
  const { policy } = retention;
  summary.heading(
    `Retention: keep ${policy.keep}, min-age-days ${policy.minAgeDays}${policy.dryRun ? ' (dry run)' : ''}`,
    3,
  );
  if (retention.refused) {
    summary.paragraph(`⚠️ Nothing was retired. ${retention.refused}`);
    return;
  }
  if (retention.plan.length === 0) {
    summary.paragraph('No managed AMIs of this component were found.');
    return;
  }
  const outcome = new Map(retention.results.map((result) => [result.decision.imageId, result]));
  summary.table(
    ['Region', 'AMI', 'Name', 'Age (days)', 'Decision', 'Why'],
    retention.plan.map((decision) => {
      const result = outcome.get(decision.imageId);
      const verdict = !decision.retire
        ? 'kept'
        : policy.dryRun
          ? 'would retire'
          : !result?.deregistered
            ? `❌ failed: ${result?.error ?? 'not attempted'}`
            : `retired (${result.deletedSnapshots.length} snapshot(s) deleted)${result.error ? `; ⚠️ ${result.error}` : ''}`;
      return [
        decision.region,
        decision.imageId,
        decision.name,
        decision.ageDays.toFixed(1),
        verdict,
        decision.reason,
      ];
    }),
  );
}

export function buildAmiSummary(
  summary: SummaryBuilder,
  result: BuildAmiResult,
  version: string,
): void {
  summary.heading(`AMI ${result.amiName}`);
  summary.facts([
    ['Result', '✅ built'],
    ['AMI', `${result.primary.imageId} (${result.primary.region})`],
    ['Version', version],
    [
      'Source AMI',
      result.sourceAmi
        ? `${result.sourceAmi.imageId} ${result.sourceAmi.name} (created ${result.sourceAmi.creationDate}, newest of ${result.sourceAmi.candidates})`
        : 'from the template',
    ],
    ['Packer', `${result.packerVersion}, build ${(result.packerMs / 1000).toFixed(1)} s`],
    ['Manifest', result.manifestFile],
  ]);
  summary.heading('Images', 3);
  summary.table(
    ['Region', 'AMI', 'Origin', 'Snapshots'],
    result.amis.map((ami) => [
      ami.region,
      ami.imageId,
      ami.origin === 'packer' ? 'built by Packer' : 'copied',
      ami.snapshots.join(', ') || '-',
    ]),
  );
  if (result.templateChanges.length > 0) {
    summary.heading('What the action added to the template copy', 3);
    summary.paragraph(result.templateChanges.map((change) => `- ${change}`).join('\n'));
  }
  if (result.retention) retentionSection(summary, result.retention);
}
