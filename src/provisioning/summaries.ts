import { formatDuration } from '../core/waiter.js';
import { SummaryBuilder } from '../core/summary.js';
import type { PackageOutcome } from '../packaging/package-environment.js';
import { CHANGE_HEADERS, changeRows } from './change-set.js';
import type { DeleteResult } from './delete-stack.js';
import type { DeployResult } from './deploy-stack.js';
import type { FailureReason } from './stack-events.js';

export function packageSummary(
  summary: SummaryBuilder,
  outcome: PackageOutcome,
  durationMs: number,
): void {
  const { manifest } = outcome.package;
  summary.heading(`📦 Packaged ${manifest.component} ${outcome.version}`);
  summary.facts([
    [
      'Result',
      outcome.published?.status === 'unchanged' ? '✅ already published, identical' : '✅ packaged',
    ],
    ['Version', outcome.unversioned ? `${outcome.version} ⚠️ unversioned` : outcome.version],
    ['Package', outcome.package.path],
    ['Published', outcome.published?.url ?? 'not published (no artifact-bucket)'],
    ['Commit', manifest.commit ?? 'unknown'],
    [
      'Lint',
      outcome.lint.ran
        ? `cfn-lint: ${outcome.lint.findings.length} finding(s)`
        : 'cfn-lint not run',
    ],
    ['Duration', formatDuration(durationMs)],
  ]);
  summary.table(
    ['File', 'SHA-256'],
    Object.entries(manifest.files).map(([file, sum]) => [file, `\`${sum.slice(0, 16)}…\``]),
  );
}

export function deploySummary(
  summary: SummaryBuilder,
  environment: string,
  result: DeployResult,
  source: string,
  durationMs: number,
): void {
  const what = { create: 'Created', update: 'Updated', none: 'No changes to' }[result.operation];
  summary.heading(`🚀 ${what} ${result.stackName} (${environment}) at ${result.version}`);
  summary.facts([
    ['Result', result.changed ? `✅ ${result.status}` : '✅ unchanged (empty change set)'],
    ['Stack', result.stackName],
    ['Environment', environment],
    ['Version', result.version],
    ['Source', source],
    ['Changes', String(result.changes.length)],
    ['Termination protection', result.terminationProtection],
    ['Duration', formatDuration(durationMs)],
    ...(result.replacedBrokenStack
      ? ([['Replaced broken stack', result.replacedBrokenStack]] as Array<[string, string]>)
      : []),
  ]);
  if (result.changes.length > 0) {
    summary.heading('Change set', 3);
    summary.table(CHANGE_HEADERS, changeRows(result.changes));
  }
  if (result.guard.allowed.length > 0) {
    summary.heading('Stateful resources replaced on purpose', 3);
    summary.table(
      ['Logical ID', 'Type', 'What happens'],
      result.guard.allowed.map((entry) => [entry.path, entry.type, entry.why]),
    );
  }
  const outputs = Object.entries(result.outputs);
  if (outputs.length > 0) {
    summary.heading('Outputs', 3);
    summary.table(['Output', 'Value'], outputs);
  }
}

export function deleteSummary(
  summary: SummaryBuilder,
  result: DeleteResult,
  durationMs: number,
): void {
  summary.heading(
    result.deleted ? `🗑️ Deleted ${result.stackName}` : `🗑️ ${result.stackName}: nothing to delete`,
  );
  summary.facts([
    ['Result', result.deleted ? '✅ deleted' : '✅ the stack did not exist'],
    ['Stack', result.stackName],
    ['Duration', formatDuration(durationMs)],
  ]);
  summary.table(
    ['Bucket', 'Logical ID', 'Objects removed', 'Note'],
    result.buckets.map((bucket) => [
      bucket.bucket,
      bucket.logicalId,
      bucket.deleted === null ? '-' : String(bucket.deleted),
      bucket.note,
    ]),
  );
}

export function failureSummary(
  summary: SummaryBuilder,
  title: string,
  message: string,
  failures: FailureReason[] = [],
): void {
  summary.heading(`❌ ${title}`);
  summary.paragraph(message);
  if (failures.length > 0) {
    summary.heading('Why it failed (stack events, root cause first)', 3);
    summary.table(
      ['Logical ID', 'Type', 'Status', 'Reason'],
      failures.map((failure) => [failure.logicalId, failure.type, failure.status, failure.reason]),
    );
  }
}
