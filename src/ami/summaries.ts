import { displayPath, link, plural, type SummaryBuilder } from '../core/summary.js';
import type { BuildAmiResult, RetentionOutcome } from './build-ami.js';

/** Retirements that were meant and did not happen, for the verdict. */
function failedRetirements(retention: RetentionOutcome | undefined): number {
  if (!retention || retention.policy.dryRun) return 0;
  return retention.results.filter((result) => !result.deregistered || result.error).length;
}

function retentionSection(summary: SummaryBuilder, retention: RetentionOutcome): void {
  const { policy } = retention;
  const title = `Retention: keep ${policy.keep} newest, retire only after ${plural(policy.minAgeDays, 'day')}${policy.dryRun ? ' (dry run: nothing is retired)' : ''}`;
  if (retention.refused) {
    summary.heading(title).paragraph(`⛔ Nothing was retired: ${retention.refused}`);
    return;
  }
  if (retention.plan.length === 0) {
    summary.heading(title).paragraph('No managed AMIs of this component were found.');
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
            : `retired (${plural(result.deletedSnapshots.length, 'snapshot')} deleted)${result.error ? `; ⚠️ ${result.error}` : ''}`;
      return [
        decision.region,
        link(decision.imageId, summary.console.image(decision.imageId, decision.region)),
        decision.name,
        decision.ageDays.toFixed(1),
        verdict,
        decision.reason,
      ];
    }),
    { title },
  );
}

export function buildAmiSummary(
  summary: SummaryBuilder,
  result: BuildAmiResult,
  version: string,
): void {
  const { primary, retention } = result;
  const failed = failedRetirements(retention);
  const copies = result.amis.filter((ami) => ami.origin !== 'packer').length;
  summary.verdict(
    failed > 0 || retention?.refused ? 'warning' : 'success',
    [
      'Built ',
      link(primary.imageId, summary.console.image(primary.imageId, primary.region)),
      ` ${result.amiName}`,
    ],
    [
      `Packer ${result.packerVersion} built it in ${primary.region} in ${(result.packerMs / 1000).toFixed(1)} s`,
      copies > 0 ? `, copied to ${plural(copies, 'more region')}` : '',
      '.',
      failed > 0 ? ` ${plural(failed, 'old AMI')} could not be retired: see Retention.` : '',
      retention?.refused ? ' Old AMIs were not retired: see Retention.' : '',
    ],
  );
  summary.facts([
    [
      'AMI',
      [
        link(primary.imageId, summary.console.image(primary.imageId, primary.region)),
        ` (${primary.region})`,
      ],
    ],
    ['Version', version],
    [
      'Source AMI',
      result.sourceAmi
        ? [
            link(
              result.sourceAmi.imageId,
              summary.console.image(result.sourceAmi.imageId, primary.region),
            ),
            ` ${result.sourceAmi.name} (created ${result.sourceAmi.creationDate}, the newest of ${result.sourceAmi.candidates})`,
          ]
        : 'as the template names it',
    ],
    ['Packer', `${result.packerVersion}, build ${(result.packerMs / 1000).toFixed(1)} s`],
    ['Packer manifest', displayPath(result.manifestFile)],
  ]);
  summary.table(
    ['Region', 'AMI', 'Origin', 'Snapshots'],
    result.amis.map((ami) => [
      ami.region,
      link(ami.imageId, summary.console.image(ami.imageId, ami.region)),
      ami.origin === 'packer' ? 'built by Packer' : 'copied',
      ami.snapshots.join(', '),
    ]),
    { title: 'Images' },
  );
  if (result.templateChanges.length > 0) {
    summary.heading('What the action added to its copy of the template');
    summary.list(result.templateChanges);
  }
  if (retention) retentionSection(summary, retention);
}
