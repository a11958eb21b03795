import { formatDuration } from '../core/waiter.js';
import { SummaryBuilder } from '../core/summary.js';
import type { PackageOutcome } from '../packaging/package-environment.js';
import { CHANGE_HEADERS, changeRows } from './change-set.js';
import type { DeleteResult } from './delete-stack.js';
import type { DeployResult } from './deploy-stack.js';
import type { StackPlan } from './plan.js';
import { driftSection, type DriftReport } from './drift.js';
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
  if (result.drift) driftSection(summary, result.drift);
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

/** How many resources drifted, as the plan's `drifted` output and its summary say it. */
export function driftedCount(report: DriftReport | undefined): string {
  if (!report) return '';
  return report.kind === 'drifted'
    ? String(report.resources.length)
    : report.kind === 'in-sync'
      ? '0'
      : 'unknown';
}

function driftVerdict(report: DriftReport | undefined): string {
  if (!report) return 'not checked (drift: ignore, or a new stack)';
  if (report.kind === 'in-sync') return '✅ none: the stack matches its template';
  if (report.kind === 'unknown') return `⚠️ unknown: ${report.reason}`;
  return `⚠️ ${report.resources.length} resource(s) changed by hand: ${report.resources.map((resource) => resource.logicalId).join(', ')}`;
}

/** Rows beyond this are folded, so the plan's verdict stays at the top of the page. */
const FOLD_AFTER = 15;
const MAX_VALUE = 200;

function shown(value: string | undefined): string {
  if (value === undefined) return '–';
  return value.length > MAX_VALUE
    ? `${value.slice(0, MAX_VALUE)}… (${value.length} characters)`
    : value;
}

function addTable(
  summary: SummaryBuilder,
  title: string,
  headers: string[],
  rows: string[][],
): void {
  if (rows.length === 0) return;
  if (rows.length <= FOLD_AFTER) {
    summary.heading(title, 3);
    summary.table(headers, rows);
  } else {
    summary.details(`${title} (${rows.length})`, new SummaryBuilder().table(headers, rows));
  }
}

/** What a deploy of this plan would do, as a reviewer reads it (summary and pull request). */
export function planMarkdown(environment: string, plan: StackPlan, source: string): string {
  const summary = new SummaryBuilder();
  const refused = plan.guard.blocked.length > 0;
  summary.heading(
    `${refused ? '⛔' : plan.hasChanges ? '📝' : '✅'} Plan for ${plan.stackName} (${environment}) at ${plan.version}`,
  );
  summary.facts([
    [
      'Verdict',
      refused
        ? `⛔ the stateful-resource guard would refuse it: ${plan.guard.blocked.map((entry) => entry.path).join(', ')}`
        : plan.hasChanges
          ? plan.changes.length > 0
            ? `📝 ${plan.changes.length} resource change(s); the stateful-resource guard passes`
            : '📝 the change set lists no resource changes (parameters or tags change); the stateful-resource guard passes'
          : '✅ no changes: the stack already matches',
    ],
    ['Stack', plan.stackName],
    ['Environment', environment],
    ['Version', plan.version],
    ['Source', source],
    [
      'Change set',
      plan.changeSet
        ? `\`${plan.changeSet.name}\` (${plan.changeSet.type === 'CREATE' ? 'creates the stack' : 'updates the stack'})`
        : 'none (nothing to change)',
    ],
    ['Termination protection', plan.terminationProtection ? 'on' : 'off'],
    ['Stack policy', shown(plan.stackPolicy)],
    ['Drift', driftVerdict(plan.drift)],
  ]);
  addTable(
    summary,
    'Changes',
    [...CHANGE_HEADERS, 'Guard'],
    plan.changes.map((change) => {
      const blocked = plan.guard.blocked.find((entry) => entry.path === change.path);
      const allowed = plan.guard.allowed.find((entry) => entry.path === change.path);
      return [
        ...changeRows([change])[0]!,
        blocked ? `⛔ ${blocked.why}` : allowed ? `⚠️ allowed: ${allowed.why}` : '',
      ];
    }),
  );
  addTable(
    summary,
    'Property changes',
    ['Resource', 'Property', 'Change', 'Before', 'After', 'Recreation'],
    plan.changes.flatMap((change) =>
      change.details.map((detail) => [
        change.path,
        detail.path ?? detail.property,
        detail.changeType ?? change.action,
        shown(detail.before),
        shown(detail.after),
        detail.requiresRecreation || '–',
      ]),
    ),
  );
  addTable(
    summary,
    'Parameter changes',
    ['Parameter', 'Before', 'After'],
    plan.parameters.map((parameter) => [
      parameter.name,
      shown(parameter.before),
      shown(parameter.after),
    ]),
  );
  if (plan.drift) driftSection(summary, plan.drift);
  if (plan.changeSet) {
    summary.paragraph(
      `Deploy exactly this with \`operation: deploy\` and \`change-set: ${plan.changeSet.name}\`: the deploy refuses it if the stack changes or the release differs in the meantime.`,
    );
  }
  return summary.toMarkdown();
}

/** The plan's Markdown (see planMarkdown) as the step's job summary. */
export function planSummary(summary: SummaryBuilder, markdown: string, durationMs: number): void {
  summary.paragraph(markdown.trimEnd());
  summary.paragraph(`Planned in ${formatDuration(durationMs)}.`);
}
