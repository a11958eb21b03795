import {
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type Capability,
  type Change,
  type CloudFormationClient,
  type DescribeChangeSetCommandOutput,
  type Parameter,
  type Tag,
} from '@aws-sdk/client-cloudformation';
import { OperationError, RefusalError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { waitUntil, type BackoffOptions, type Clock } from '../core/waiter.js';
import { answered } from '../aws/errors.js';

export interface ResourceChangeRow {
  action: string;
  logicalId: string;
  /** `Parent/Child` for a resource inside a nested stack. */
  path: string;
  type: string;
  physicalId: string | undefined;
  replacement: string;
  policyAction: string | undefined;
  /** CloudFormation's per-property details, for the guard to read what it leaves open. */
  details: ChangeDetail[];
  isNestedStack: boolean;
  /** The nested stack's own change set, when CloudFormation made one. */
  nestedChangeSetId: string | undefined;
}

export interface ChangeDetail {
  /** The property (or attribute, for tags and metadata) that changes. */
  property: string;
  /** `Never`, `Conditionally` or `Always`; empty when CloudFormation did not say. */
  requiresRecreation: string;
  /** `Static` or `Dynamic` (decided only during the update). */
  evaluation: string | undefined;
  /** With property values asked for (a plan): the property's path and its values. */
  path?: string;
  before?: string;
  after?: string;
  /** `Add`, `Remove` or `Modify`, with property values. */
  changeType?: string;
}

export interface ChangeSetRequest {
  stackName: string;
  changeSetName: string;
  type: 'CREATE' | 'UPDATE';
  templateBody: string;
  /** Where CloudFormation reads a template too large for the request (templateBody unused). */
  templateUrl?: string;
  parameters: Parameter[];
  tags: Tag[];
  capabilities: Capability[];
  /** For a create: what CloudFormation does if it fails. */
  onStackFailure?: 'ROLLBACK' | 'DO_NOTHING';
  description: string;
  /** Ask for each property's value before and after (for a plan a person reads). */
  includePropertyValues?: boolean;
  /** A drift-aware change set that also brings drifted properties back to the template. */
  revertDrift?: boolean;
}

export interface CreatedChangeSet {
  id: string;
  stackId: string;
  /** True when CloudFormation found nothing to change. */
  empty: boolean;
  changes: ResourceChangeRow[];
}

// CloudFormation reports "no changes" as a FAILED change set with one of these reasons.
const NO_CHANGES = [/didn't contain changes/i, /No updates are to be performed/i];

export async function createChangeSet(
  cloudFormation: CloudFormationClient,
  request: ChangeSetRequest,
  logger: Logger,
  backoff: BackoffOptions,
  clock: Clock,
): Promise<CreatedChangeSet> {
  const created = await cloudFormation.send(
    new CreateChangeSetCommand({
      StackName: request.stackName,
      ChangeSetName: request.changeSetName,
      ChangeSetType: request.type,
      ...(request.templateUrl
        ? { TemplateURL: request.templateUrl }
        : { TemplateBody: request.templateBody }),
      Parameters: request.parameters,
      Tags: request.tags,
      Capabilities: request.capabilities,
      IncludeNestedStacks: true,
      Description: request.description,
      ...(request.includePropertyValues ? { IncludePropertyValues: true } : {}),
      ...(request.revertDrift ? { DeploymentMode: 'REVERT_DRIFT' as const } : {}),
      ...(request.type === 'CREATE' && request.onStackFailure
        ? { OnStackFailure: request.onStackFailure }
        : {}),
    }),
  );
  const id = answered(created.Id, 'Id (CloudFormation CreateChangeSet)');
  const first = await waitUntil(
    `change set ${request.changeSetName}`,
    async () => {
      const described = await cloudFormation.send(
        new DescribeChangeSetCommand({ ChangeSetName: id }),
      );
      const status = described.Status ?? 'UNKNOWN';
      if (status === 'CREATE_COMPLETE' || status === 'FAILED' || status === 'DELETE_FAILED') {
        return { done: true, value: described };
      }
      return { done: false, pending: `change set status ${status}` };
    },
    backoff,
    clock,
  );
  if (first.Status !== 'CREATE_COMPLETE') {
    const reason = first.StatusReason ?? 'no reason given';
    if (NO_CHANGES.some((pattern) => pattern.test(reason))) {
      return { id, stackId: created.StackId ?? first.StackId ?? '', empty: true, changes: [] };
    }
    throw new ChangeSetFailedError(
      `CloudFormation could not create change set ${request.changeSetName}: ${reason}`,
      id,
      created.StackId ?? first.StackId ?? '',
    );
  }
  const changes = await collectChanges(cloudFormation, first, '', 0);
  logger.debug(`Change set ${id}: ${changes.length} resource change(s)`);
  return { id, stackId: created.StackId ?? first.StackId ?? '', empty: false, changes };
}

export class ChangeSetFailedError extends OperationError {
  override readonly name = 'ChangeSetFailedError';
  constructor(
    message: string,
    readonly changeSetId: string,
    /** The stack the change set belongs to, by its unique ID (never by name). */
    readonly stackId: string,
  ) {
    super(message, 'The change set failed');
  }
}

function toRow(change: Change, prefix: string): ResourceChangeRow | undefined {
  const resource = change.ResourceChange;
  if (!resource) return undefined;
  const logicalId = resource.LogicalResourceId ?? '?';
  const details: ChangeDetail[] = (resource.Details ?? []).map((detail) => ({
    property: detail.Target?.Name ?? detail.Target?.Attribute ?? '?',
    requiresRecreation: detail.Target?.RequiresRecreation ?? '',
    evaluation: detail.Evaluation,
    ...(detail.Target?.Path !== undefined ? { path: detail.Target.Path } : {}),
    ...(detail.Target?.BeforeValue !== undefined ? { before: detail.Target.BeforeValue } : {}),
    ...(detail.Target?.AfterValue !== undefined ? { after: detail.Target.AfterValue } : {}),
    ...(detail.Target?.AttributeChangeType !== undefined
      ? { changeType: detail.Target.AttributeChangeType }
      : {}),
  }));
  return {
    action: resource.Action ?? '?',
    logicalId,
    path: prefix ? `${prefix}/${logicalId}` : logicalId,
    type: resource.ResourceType ?? '?',
    physicalId: resource.PhysicalResourceId,
    replacement:
      resource.Replacement ??
      (resource.Action === 'Modify' || resource.Action === 'Dynamic' ? 'Unknown' : '-'),
    policyAction: resource.PolicyAction,
    details,
    isNestedStack: resource.ResourceType === 'AWS::CloudFormation::Stack',
    nestedChangeSetId: resource.ChangeSetId,
  };
}

// Far beyond any real template; a limit only so that a malformed answer cannot loop for ever.
const MAX_PAGES = 1000;
const MAX_DEPTH = 20;

/**
 * Reads every page of a change set and descends into nested stacks' change sets. What it
 * cannot read to the end is an error, never a shorter list: the guard decides on these rows.
 */
async function collectChanges(
  cloudFormation: CloudFormationClient,
  firstPage: DescribeChangeSetCommandOutput,
  prefix: string,
  depth: number,
): Promise<ResourceChangeRow[]> {
  const rows: ResourceChangeRow[] = [];
  let page: DescribeChangeSetCommandOutput | undefined = firstPage;
  for (let count = 0; page; count++) {
    if (count >= MAX_PAGES) {
      throw new RefusalError(
        `The change set${prefix ? ` of nested stack ${prefix}` : ''} has more than ${MAX_PAGES} pages; it was not read to the end, so it cannot be checked.`,
        'Split the template, or review and execute the change set by hand.',
      );
    }
    for (const change of page.Changes ?? []) {
      const row = toRow(change, prefix);
      if (!row) continue;
      rows.push(row);
      const nestedId = row.nestedChangeSetId;
      if (row.isNestedStack && nestedId) {
        if (depth + 1 > MAX_DEPTH) {
          throw new RefusalError(
            `Nested stack ${row.path} is more than ${MAX_DEPTH} levels deep; its change set was not read, so it cannot be checked.`,
            'Flatten the nesting, or review and execute the change set by hand.',
          );
        }
        const nested = await cloudFormation.send(
          new DescribeChangeSetCommand({ ChangeSetName: nestedId }),
        );
        rows.push(...(await collectChanges(cloudFormation, nested, row.path, depth + 1)));
      }
    }
    page = page.NextToken
      ? await cloudFormation.send(
          new DescribeChangeSetCommand({
            ChangeSetName: page.ChangeSetId,
            NextToken: page.NextToken,
          }),
        )
      : undefined;
  }
  return rows;
}

/** A change set as it stands now, read to the end (nested stacks' change sets included). */
export interface DescribedChangeSet {
  id: string;
  name: string;
  stackId: string;
  stackName: string;
  status: string;
  executionStatus: string;
  statusReason: string | undefined;
  description: string | undefined;
  creationTime: Date | undefined;
  changes: ResourceChangeRow[];
  /** What executing it deploys besides the template, as CloudFormation answers it. */
  parameters: Parameter[];
  capabilities: string[];
  tags: Tag[];
  notificationArns: string[];
  rollbackTriggers: string[];
  rollbackMonitoringMinutes: number | undefined;
  onStackFailure: string | undefined;
  importExistingResources: boolean;
  deploymentMode: string | undefined;
}

export async function describeChangeSet(
  cloudFormation: CloudFormationClient,
  changeSet: string,
  stackName: string,
): Promise<DescribedChangeSet> {
  const first = await cloudFormation.send(
    new DescribeChangeSetCommand({ ChangeSetName: changeSet, StackName: stackName }),
  );
  return {
    id: first.ChangeSetId ?? changeSet,
    name: first.ChangeSetName ?? changeSet,
    stackId: first.StackId ?? '',
    stackName: first.StackName ?? '',
    status: first.Status ?? 'UNKNOWN',
    executionStatus: first.ExecutionStatus ?? 'UNKNOWN',
    statusReason: first.StatusReason,
    description: first.Description,
    creationTime: first.CreationTime,
    changes:
      first.Status === 'CREATE_COMPLETE' ? await collectChanges(cloudFormation, first, '', 0) : [],
    parameters: first.Parameters ?? [],
    capabilities: first.Capabilities ?? [],
    tags: first.Tags ?? [],
    notificationArns: first.NotificationARNs ?? [],
    rollbackTriggers: (first.RollbackConfiguration?.RollbackTriggers ?? []).map(
      (trigger) => `${trigger.Type ?? '?'} ${trigger.Arn ?? '?'}`,
    ),
    rollbackMonitoringMinutes: first.RollbackConfiguration?.MonitoringTimeInMinutes,
    onStackFailure: first.OnStackFailure,
    importExistingResources: first.ImportExistingResources === true,
    deploymentMode: first.DeploymentMode,
  };
}

export async function deleteChangeSet(
  cloudFormation: CloudFormationClient,
  changeSetId: string,
  logger: Logger,
): Promise<void> {
  try {
    await cloudFormation.send(new DeleteChangeSetCommand({ ChangeSetName: changeSetId }));
  } catch (error) {
    // Leaving a change set behind is untidy, not harmful; never mask the real outcome.
    logger.warning(`Could not delete change set ${changeSetId}: ${(error as Error).message}`);
  }
}

export function changeSetName(version: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `deploy-${version.replace(/[^A-Za-z0-9]/g, '-')}-${stamp}`.slice(0, 128);
}

export function changeRow(change: ResourceChangeRow): string[] {
  return [change.action, change.path, change.type, change.replacement];
}

export function changeRows(changes: ResourceChangeRow[]): string[][] {
  return changes.map(changeRow);
}

export const CHANGE_HEADERS = ['Action', 'Logical ID', 'Type', 'Replacement'];

/** A fixed-width table for the log, where Markdown is not rendered. */
export function textTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}
