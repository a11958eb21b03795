import {
  code,
  displayPath,
  link,
  plural,
  sentence,
  type Inline,
  type SummaryBuilder,
  shortened,
} from '../core/summary.js';
import { formatDuration } from '../core/waiter.js';
import type { PackageOutcome } from '../packaging/package-environment.js';
import type { SmokeReport } from '../smoke/results.js';
import { smokeOutcome, smokeSection, smokeTitle } from '../smoke/summaries.js';
import { CHANGE_HEADERS, changeRow, changeRows, type ResourceChangeRow } from './change-set.js';
import type { EnvironmentDeleteResult } from './delete-environment.js';
import type { DeployResult } from './deploy-stack.js';
import type { StackPlan } from './plan.js';
import type { FixedName, NameScope } from '../definition/fixed-names.js';
import { driftSection, type DriftReport } from './drift.js';

export function packageSummary(
  summary: SummaryBuilder,
  outcome: PackageOutcome,
  durationMs: number,
): void {
  const { manifest } = outcome.package;
  const published = outcome.published;
  summary.verdict(
    outcome.unversioned ? 'warning' : 'success',
    `Packaged ${manifest.component} ${outcome.version}${outcome.unversioned ? ' (unversioned)' : ''}`,
    [
      published
        ? published.status === 'unchanged'
          ? 'Already published with identical content: '
          : 'Published to '
        : 'Not published (no artifact-bucket): ',
      published
        ? (summary.locate(published.url) ?? published.url)
        : displayPath(outcome.package.path),
      '.',
      outcome.unversioned
        ? ' No version was given, so the package has an obviously wrong one: give the version input for a release.'
        : '',
    ],
  );
  summary.facts([
    ['Version', outcome.version],
    ['Package file', displayPath(outcome.package.path)],
    ['Commit', manifest.commit ?? 'unknown'],
    ['cfn-lint', outcome.lint.ran ? plural(outcome.lint.findings.length, 'finding') : 'not run'],
    ['Duration', formatDuration(durationMs)],
  ]);
  summary.table(
    ['File', 'SHA-256'],
    Object.entries(manifest.files).map(([file, sum]) => [file, code(`${sum.slice(0, 16)}…`)]),
    { title: 'Files and their checksums', fold: 'always' },
  );
}

/** "2 added, 1 modified": what a change set does to the stack's resources. */
function changeCounts(changes: ResourceChangeRow[]): string {
  if (changes.length === 0) return 'no resource changes (parameters, outputs or tags only)';
  const counts = new Map<string, number>();
  for (const change of changes) counts.set(change.action, (counts.get(change.action) ?? 0) + 1);
  const verbs: Record<string, string> = {
    Add: 'added',
    Modify: 'modified',
    Remove: 'removed',
    Import: 'imported',
    Dynamic: 'changed at deploy time',
  };
  return [...counts]
    .map(
      ([action, count]) => `${plural(count, 'resource')} ${verbs[action] ?? action.toLowerCase()}`,
    )
    .join(', ');
}

function deployTitle(summary: SummaryBuilder, environment: string, result: DeployResult): Inline {
  const what = { create: 'Created', update: 'Updated', none: 'No changes to' }[result.operation];
  return [
    `${what} `,
    summary.stackLink(result.stackName, result.stackId),
    ` (${environment}) at ${result.version}`,
  ];
}

function deployReason(result: DeployResult): string {
  return result.changed
    ? sentence(`${result.status}: ${changeCounts(result.changes)}`)
    : 'The change set was empty: the stack already matches this version.';
}

export function deploySummary(
  summary: SummaryBuilder,
  environment: string,
  result: DeployResult,
  source: string,
  durationMs: number,
): void {
  summary.verdict('success', deployTitle(summary, environment, result), deployReason(result));
  summary.facts([
    ['Stack', summary.stackLink(result.stackName, result.stackId)],
    ['Environment', environment],
    ['Version', result.version],
    ['Source', summary.locate(source)],
    ['Status', result.status],
    [
      'Termination protection',
      { enabled: 'turned on', 'already-enabled': 'on', off: 'off' }[result.terminationProtection],
    ],
    ['Replaced a broken stack', result.replacedBrokenStack],
    ['Duration', formatDuration(durationMs)],
  ]);
  summary.table(CHANGE_HEADERS, changeRows(result.changes), {
    title: `Change set: ${changeCounts(result.changes)}`,
  });
  summary.table(
    ['Logical ID', 'Type', 'What happens'],
    result.guard.allowed.map((entry) => [entry.path, entry.type, entry.why]),
    { title: 'Stateful resources replaced on purpose (allow-replacement)' },
  );
  if (result.drift) driftSection(summary, result.drift);
  summary.table(
    ['Output', 'Value'],
    Object.entries(result.outputs).map(([name, value]) => [name, summary.reference(value)]),
    { title: 'Outputs' },
  );
}

/** The smoke test after a deploy: its section, and the verdict says it too. */
export function deploySmokeSummary(
  summary: SummaryBuilder,
  environment: string,
  result: DeployResult,
  report: SmokeReport,
  record: string | undefined,
): void {
  summary.verdict(
    'success',
    deployTitle(summary, environment, result),
    `${deployReason(result)} ${sentence(`smoke test: ${smokeOutcome(report)}`)}`,
  );
  smokeSection(summary, report, smokeTitle(report), record);
}

export function deleteSummary(
  summary: SummaryBuilder,
  environment: string,
  result: EnvironmentDeleteResult,
  durationMs: number,
): void {
  const buckets = result.stacks.flatMap((stack) => stack.buckets);
  const emptied = buckets.filter((bucket) => bucket.deleted !== null);
  summary.verdict(
    'success',
    result.removed.length > 0 ? `Deleted ${environment}` : `${environment}: nothing to delete`,
    result.removed.length > 0
      ? `It was ${result.shape}.${emptied.length > 0 ? ` Its ${plural(emptied.length, 'bucket')} emptied first (every version and delete marker), then its stacks deleted.` : ''}`
      : 'No stack, pointer or plan of it exists.',
  );
  summary.facts([
    ['Environment', `${environment}: ${result.shape}`],
    ['Duration', formatDuration(durationMs)],
  ]);
  summary.table(
    ['What', 'Outcome'],
    [
      ...result.removed.map((what) => [what, 'removed']),
      ...result.kept.map((what) => [what, 'kept']),
    ],
    { title: 'What was removed' },
  );
  summary.table(
    ['Bucket', 'Logical ID', 'Objects removed', 'Note'],
    buckets.map((bucket) => [
      link(bucket.bucket, summary.console.s3(bucket.bucket)),
      bucket.logicalId,
      bucket.deleted === null ? '' : bucket.deleted.toLocaleString('en-US'),
      bucket.note,
    ]),
    { title: 'Buckets' },
  );
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
  return `⚠️ ${plural(report.resources.length, 'resource')} changed by hand: ${report.resources.map((resource) => resource.logicalId).join(', ')}`;
}

const MAX_VALUE = 200;

/** A value from the template or the stack, redacted before it is cut. */
function shown(summary: SummaryBuilder, value: string | undefined): string {
  if (value === undefined) return '';
  return shortened(value, MAX_VALUE, summary.redact);
}

/** Names a plan found the same in every stack (or environment), and which of the two. */
export interface PlannedFixedNames {
  scope: NameScope;
  found: FixedName[];
}

/** What a fixed name means for the environment, in one sentence. */
export function fixedNamesConsequence(fixed: PlannedFixedNames): string {
  return fixed.scope === 'stack'
    ? 'the next migration of this blue/green environment will be refused: the other colour could not be created beside this one'
    : 'a second environment of this component in the same account and region would collide with it';
}

function planVerdict(
  summary: SummaryBuilder,
  environment: string,
  plan: StackPlan,
  fixed: PlannedFixedNames | undefined,
): void {
  const title: Inline = [
    'Plan for ',
    summary.stackLink(plan.stackName, plan.stackId),
    ` (${environment}) at ${plan.version}`,
  ];
  if (plan.guard.blocked.length > 0) {
    summary.verdict(
      'refused',
      [title, ': the guard would stop it'],
      `A deploy of this plan would be refused by the stateful-resource guard: ${plan.guard.blocked
        .map((entry) => `${entry.path} (${entry.type}) ${entry.why}`)
        .join(
          '; ',
        )}. Allow exactly these in allow-replacement only if losing that data is intended.`,
    );
    return;
  }
  const changes = plan.hasChanges
    ? `${sentence(changeCounts(plan.changes))} The stateful-resource guard passes.`
    : 'No changes: the stack already matches.';
  const drifted = plan.drift !== undefined && plan.drift.kind !== 'in-sync';
  const named = fixed !== undefined && fixed.found.length > 0;
  summary.verdict(
    drifted || named ? 'warning' : 'success',
    title,
    [
      changes,
      drifted ? ` Drift: ${driftVerdict(plan.drift).replace(/^⚠️ /, '')}.` : '',
      named
        ? ` ${plural(fixed.found.length, 'resource')} named the same in every ${fixed.scope === 'stack' ? 'stack' : 'environment'}: ${fixedNamesConsequence(fixed)}.`
        : '',
    ].join(''),
  );
}

/**
 * What a deploy of this plan would do, as a reviewer reads it: the job summary, and from it the
 * pull-request comment and the plan-markdown output.
 */
export function planSummary(
  summary: SummaryBuilder,
  environment: string,
  plan: StackPlan,
  source: string,
  durationMs: number,
  fixed?: PlannedFixedNames,
): void {
  planVerdict(summary, environment, plan, fixed);
  summary.facts([
    ['Stack', summary.stackLink(plan.stackName, plan.stackId)],
    ['Environment', environment],
    ['Version', plan.version],
    ['Source', summary.locate(source)],
    [
      'Change set',
      plan.changeSet
        ? [
            link(
              code(plan.changeSet.name),
              summary.console.changeSet(plan.stackId, plan.changeSet.id),
            ),
            plan.changeSet.type === 'CREATE' ? ' (creates the stack)' : ' (updates the stack)',
          ]
        : 'none (nothing to change)',
    ],
    ['Termination protection', plan.terminationProtection ? 'on' : 'off'],
    [
      'Stack policy',
      plan.stackPolicy.startsWith('{') ? code(shown(summary, plan.stackPolicy)) : plan.stackPolicy,
    ],
    ['Drift', driftVerdict(plan.drift)],
    ['Planned in', formatDuration(durationMs)],
  ]);
  summary.table(
    [...CHANGE_HEADERS, 'Guard'],
    plan.changes.map((change) => {
      const blocked = plan.guard.blocked.find((entry) => entry.path === change.path);
      const allowed = plan.guard.allowed.find((entry) => entry.path === change.path);
      return [
        ...changeRow(change),
        blocked ? `⛔ ${blocked.why}` : allowed ? `⚠️ allowed: ${allowed.why}` : '',
      ];
    }),
    { title: `Changes: ${changeCounts(plan.changes)}` },
  );
  summary.table(
    ['Resource', 'Property', 'Change', 'Before', 'After', 'Recreation'],
    plan.changes.flatMap((change) =>
      change.details.map((detail) => [
        change.path,
        detail.path ?? detail.property,
        detail.changeType ?? change.action,
        shown(summary, detail.before),
        shown(summary, detail.after),
        detail.requiresRecreation,
      ]),
    ),
    { title: 'Property changes' },
  );
  summary.table(
    ['Parameter', 'Before', 'After'],
    plan.parameters.map((parameter) => [
      parameter.name,
      shown(summary, parameter.before),
      shown(summary, parameter.after),
    ]),
    { title: 'Parameter changes' },
  );
  if (plan.drift) driftSection(summary, plan.drift);
  if (fixed && fixed.found.length > 0) {
    summary.table(
      ['Resource', 'Type', 'Property', 'Value', 'Instead'],
      fixed.found.map((found) => [
        found.resource,
        found.type,
        found.property,
        found.value,
        `!Sub '\${AWS::StackName}-…', or no ${found.property}`,
      ]),
      {
        title: `Names the same in every ${fixed.scope === 'stack' ? 'stack' : 'environment'}: ${fixedNamesConsequence(fixed)}`,
      },
    );
  }
  if (plan.changeSet) {
    summary.paragraph([
      'Deploy exactly this with ',
      code('operation: deploy'),
      ' and ',
      code(`change-set: ${plan.changeSet.name}`),
      ': the deploy refuses it if the stack changes or the release differs in the meantime.',
    ]);
  }
}
