import {
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
  type StackResourceDrift,
} from '@aws-sdk/client-cloudformation';
import { RefusalError, TimeoutError, errorMessage } from '../core/errors.js';
import type { SummaryBuilder } from '../core/summary.js';
import { waitUntil } from '../core/waiter.js';
import { changeSetPolling, type ProvisionContext } from './context.js';

/**
 * Drift is what was changed on the live stack by hand (the console, the CLI) since it was
 * deployed. A deploy from the template silently undoes it; a migration copies the template,
 * not the hand-made change, so the new environment lacks it (seed 004: alarms added to
 * Production by hand were missing from Staging). Drift is found before a stack is changed.
 */

export const DRIFT_MODES = ['fail', 'warn', 'ignore', 'revert'] as const;
export type DriftMode = (typeof DRIFT_MODES)[number];

export interface PropertyDrift {
  path: string;
  expected: string;
  actual: string;
  /** `ADD`, `REMOVE` or `NOT_EQUAL`. */
  difference: string;
}

export interface DriftedResource {
  logicalId: string;
  physicalId: string | undefined;
  type: string;
  /** `MODIFIED` or `DELETED`. */
  status: string;
  properties: PropertyDrift[];
}

export type DriftReport =
  | { kind: 'in-sync'; stackName: string }
  | { kind: 'drifted'; stackName: string; resources: DriftedResource[] }
  /** Detection did not finish, or could not be run: nothing about drift is proven. */
  | { kind: 'unknown'; stackName: string; reason: string };

// Far beyond any real stack (500 resources); only so a malformed answer cannot loop for ever.
const MAX_PAGES = 100;

function drifted(drift: StackResourceDrift): DriftedResource {
  return {
    logicalId: drift.LogicalResourceId ?? '?',
    physicalId: drift.PhysicalResourceId,
    type: drift.ResourceType ?? '?',
    status: drift.StackResourceDriftStatus ?? '?',
    properties: (drift.PropertyDifferences ?? []).map((difference) => ({
      path: difference.PropertyPath ?? '?',
      expected: difference.ExpectedValue ?? '',
      actual: difference.ActualValue ?? '',
      difference: difference.DifferenceType ?? '?',
    })),
  };
}

async function detect(context: ProvisionContext, stackName: string): Promise<DriftReport> {
  const { cloudFormation } = context;
  const started = await cloudFormation.send(new DetectStackDriftCommand({ StackName: stackName }));
  const id = started.StackDriftDetectionId;
  if (!id)
    return { kind: 'unknown', stackName, reason: 'DetectStackDrift returned no detection ID' };
  const status = await waitUntil(
    `drift detection of ${stackName}`,
    async () => {
      const answer = await cloudFormation.send(
        new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: id }),
      );
      return answer.DetectionStatus === 'DETECTION_IN_PROGRESS'
        ? { done: false, pending: 'detection in progress' }
        : { done: true, value: answer };
    },
    changeSetPolling(context.polling),
    context.clock,
  );
  // DETECTION_FAILED still reports what it could check; what it could not stays unknown.
  if (status.DetectionStatus !== 'DETECTION_COMPLETE') {
    return {
      kind: 'unknown',
      stackName,
      reason: `detection ${status.DetectionStatus ?? 'ended without a status'}${status.DetectionStatusReason ? `: ${status.DetectionStatusReason}` : ''}`,
    };
  }
  if (status.StackDriftStatus === 'IN_SYNC') return { kind: 'in-sync', stackName };
  if (status.StackDriftStatus !== 'DRIFTED') {
    return { kind: 'unknown', stackName, reason: `stack drift status ${status.StackDriftStatus}` };
  }
  const resources: DriftedResource[] = [];
  let token: string | undefined;
  for (let page = 0; ; page++) {
    if (page >= MAX_PAGES) {
      return {
        kind: 'unknown',
        stackName,
        reason: `more than ${MAX_PAGES} pages of drifted resources`,
      };
    }
    const answer = await cloudFormation.send(
      new DescribeStackResourceDriftsCommand({
        StackName: stackName,
        StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'],
        ...(token ? { NextToken: token } : {}),
      }),
    );
    resources.push(...(answer.StackResourceDrifts ?? []).map(drifted));
    token = answer.NextToken;
    if (!token) break;
  }
  return { kind: 'drifted', stackName, resources };
}

/** Detects the live stack's drift; a detection that cannot run is `unknown`, never in sync. */
export async function detectDrift(
  context: ProvisionContext,
  stackName: string,
): Promise<DriftReport> {
  try {
    return await detect(context, stackName);
  } catch (error) {
    // The step's deadline is not a drift question: it ends the step.
    if (error instanceof TimeoutError) throw error;
    return { kind: 'unknown', stackName, reason: errorMessage(error) };
  }
}

/** The stack has drifted, or its drift is unknown, and `drift: fail` asked to stop. */
/** What a change would do to a drifted stack's hand-made changes, in the messages. */
export interface DriftConsequence {
  /** "A deploy would undo those changes". */
  refusal: string;
  /** "this deploy undoes it". */
  warning: string;
}

const DEPLOY_UNDOES: DriftConsequence = {
  refusal: 'A deploy would undo those changes',
  warning: 'this deploy undoes it',
};

export class DriftError extends RefusalError {
  constructor(
    readonly report: Exclude<DriftReport, { kind: 'in-sync' }>,
    consequence: DriftConsequence = DEPLOY_UNDOES,
  ) {
    super(
      report.kind === 'drifted'
        ? `Stack ${report.stackName} has drifted from its template: ${report.resources
            .map(
              (resource) =>
                `${resource.logicalId} (${resource.type}) ${resource.status.toLowerCase()}`,
            )
            .join('; ')}. ${consequence.refusal}; nothing was changed.`
        : `The drift of stack ${report.stackName} could not be detected (${report.reason}); with drift: fail an unknown drift stops the change. Nothing was changed.`,
      report.kind === 'drifted'
        ? 'Put the hand-made changes into the template (then deploy), or bring the stack back to its template with drift: revert, or deploy over them with drift: warn.'
        : 'Retry, or set drift: warn to change the stack without knowing its drift.',
      report.kind === 'drifted'
        ? 'The live stack has drifted'
        : 'The drift of the stack is unknown',
    );
  }

  override details(summary: SummaryBuilder): void {
    driftSection(summary, this.report);
  }
}

/** The drifted resources and their property differences, for the job summary. */
export function driftSection(summary: SummaryBuilder, report: DriftReport): void {
  if (report.kind !== 'drifted') return;
  summary.table(
    ['Resource', 'Type', 'Drift', 'Property', 'Template says', 'Live'],
    report.resources.flatMap((resource) =>
      resource.properties.length === 0
        ? [[resource.logicalId, resource.type, resource.status, '–', '–', '–']]
        : resource.properties.map((property) => [
            resource.logicalId,
            resource.type,
            resource.status,
            property.path,
            property.expected,
            property.actual,
          ]),
    ),
    {
      title: `Drift of the live stack: ${report.resources.length} resource${report.resources.length === 1 ? '' : 's'} changed by hand`,
    },
  );
}

/**
 * Detects drift and acts on it as `mode` says: `fail` stops on drift or on an unknown,
 * `warn` (and `revert`, whose change set brings the stack back) goes on and says what drifted.
 */
export async function checkDrift(
  context: ProvisionContext,
  stackName: string,
  mode: DriftMode,
  consequence: DriftConsequence = DEPLOY_UNDOES,
): Promise<DriftReport | undefined> {
  if (mode === 'ignore') return undefined;
  const { logger } = context;
  const report = await logger.group(`Detect drift of ${stackName}`, () =>
    detectDrift(context, stackName),
  );
  if (report.kind === 'in-sync') {
    logger.info(`${stackName} matches its template (no drift).`);
    return report;
  }
  if (mode === 'fail') throw new DriftError(report, consequence);
  if (report.kind === 'unknown') {
    logger.warning(`The drift of ${stackName} could not be detected: ${report.reason}.`, {
      title: 'Drift unknown',
    });
    return report;
  }
  for (const resource of report.resources) {
    logger.warning(
      `${resource.logicalId} (${resource.type}) ${resource.status.toLowerCase()}${resource.properties.length ? `: ${resource.properties.map((property) => `${property.path} is ${property.actual || '(absent)'}, the template says ${property.expected || '(absent)'}`).join('; ')}` : ''}${mode === 'revert' ? '; the change set brings it back to the template' : `; ${consequence.warning}`}.`,
      { title: `Drift of ${stackName}` },
    );
  }
  return report;
}
