import { createHash } from 'node:crypto';
import {
  GetStackPolicyCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
  type CloudFormationClient,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { awsErrorName } from '../aws/errors.js';
import { RefusalError, errorMessage } from '../core/errors.js';
import {
  createChangeSet,
  deleteChangeSet,
  describeChangeSet,
  type DescribedChangeSet,
  type ResourceChangeRow,
} from './change-set.js';
import { changeSetPolling, type ProvisionContext } from './context.js';
import {
  changeSetRequestFor,
  executeChangeSet,
  idleStack,
  StatefulResourceGuardError,
  type DeployRequest,
  type DeployResult,
} from './deploy-stack.js';
import { checkDrift, detectDrift, type DriftReport } from './drift.js';
import { evaluateGuard, inspectNestedStacks, type GuardVerdict } from './stateful-guard.js';
import type { SummaryBuilder } from '../core/summary.js';
import { restoreLeftLift } from './stack-policy.js';
import {
  proofFailure,
  proveChangeSet,
  UnprovenChangeSetError,
  type ReleaseContent,
} from './change-set-proof.js';

/**
 * A plan is a change set made exactly as a deploy would make it, and kept instead of executed,
 * so a person can review it and a later deploy can execute exactly that one. The change set's
 * description records what it was made from, and what the stack was when it was made: the
 * deploy refuses it if either no longer holds.
 */

export interface PlanRequest extends DeployRequest {
  component: string;
  commit: string | null;
}

export interface ParameterChange {
  name: string;
  /** Undefined for a parameter the stack does not have yet. */
  before: string | undefined;
  after: string;
}

export interface StackPlan {
  stackName: string;
  stackId: string;
  version: string;
  changeSet: { id: string; name: string; type: 'CREATE' | 'UPDATE' } | undefined;
  hasChanges: boolean;
  changes: ResourceChangeRow[];
  guard: GuardVerdict;
  parameters: ParameterChange[];
  terminationProtection: boolean;
  /** The stack policy's statements, 'none', or why it could not be read. */
  stackPolicy: string;
  /** The live stack's drift; undefined when drift: ignore, or the stack is new. */
  drift: DriftReport | undefined;
  /** What the change set was made from and what it was made against. */
  releaseDigest: string;
  stackFingerprint: string;
}

const MARKER = 'environment-pipeline plan';
const HIDDEN = '****';

function sha256(value: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(value)).digest('hex')}`;
}

/**
 * What a change set deploys: the template, the parameters and the capabilities. The same for
 * the plan and for the deploy that executes it, or the deploy refuses.
 */
export function releaseDigest(request: DeployRequest): string {
  return sha256({
    template: request.templateBody,
    // A NoEcho value is left out: the description is readable by anyone who may describe the
    // change set, and an unsalted digest of a weak password can be guessed.
    parameters: Object.entries(request.parameters)
      .map(([name, value]) => [name, (request.noEcho ?? []).includes(name) ? HIDDEN : value])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
    capabilities: [...request.capabilities].sort(),
  });
}

/** A stack that does not exist yet, or holds only plans, is `none`. */
function isUncreated(stack: Stack | undefined): boolean {
  return stack === undefined || stack.StackStatus === 'REVIEW_IN_PROGRESS';
}

/**
 * What the stack is now: its template, parameters and tags. Any update in between (a deploy
 * of another change set, a hand-run CLI update) changes it.
 */
async function stackFingerprint(
  cloudFormation: CloudFormationClient,
  stack: Stack | undefined,
): Promise<string> {
  if (isUncreated(stack) || !stack?.StackId) return 'none';
  const template = await cloudFormation.send(
    new GetTemplateCommand({ StackName: stack.StackId, TemplateStage: 'Original' }),
  );
  return sha256({
    template: template.TemplateBody ?? '',
    parameters: (stack.Parameters ?? [])
      .map((parameter) => [parameter.ParameterKey, parameter.ParameterValue])
      .sort(),
    tags: (stack.Tags ?? []).map((tag) => [tag.Key, tag.Value]).sort(),
  });
}

interface Recorded {
  version: string;
  release: string;
  stack: string;
}

function describePlan(version: string, release: string, stack: string, commit: string | null) {
  return `${MARKER}: version=${version} release=${release} stack=${stack} commit=${commit ?? 'unknown'}`;
}

function recordedIn(description: string | undefined): Recorded | undefined {
  const match =
    /^environment-pipeline plan: version=(\S+) release=(sha256:[0-9a-f]{64}) stack=(sha256:[0-9a-f]{64}|none)\b/.exec(
      description ?? '',
    );
  if (!match) return undefined;
  // The three groups are not optional: a match has them.
  const [, version = '', release = '', stack = ''] = match;
  return { version, release, stack };
}

/** `plan-{component}-{version}-{commit}`: the same plan of the same commit has the same name. */
export function planChangeSetName(component: string, version: string, commit: string | null) {
  const name = `plan-${component}-${version}-${commit ? commit.slice(0, 12) : 'uncommitted'}`;
  return name.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 128);
}

async function stackPolicyOf(
  cloudFormation: CloudFormationClient,
  stack: Stack | undefined,
): Promise<string> {
  if (isUncreated(stack) || !stack?.StackId) return 'none (the stack does not exist yet)';
  try {
    const policy = await cloudFormation.send(
      new GetStackPolicyCommand({ StackName: stack.StackId }),
    );
    return policy.StackPolicyBody ? policy.StackPolicyBody : 'none';
  } catch (error) {
    return `unknown: ${awsErrorName(error) ?? 'error'} (${errorMessage(error)})`;
  }
}

function parameterChanges(
  stack: Stack | undefined,
  parameters: Record<string, string>,
  noEcho: string[],
): ParameterChange[] {
  const current = new Map(
    (isUncreated(stack) ? [] : (stack?.Parameters ?? [])).map((parameter) => [
      parameter.ParameterKey ?? '',
      parameter.ParameterValue ?? '',
    ]),
  );
  // CloudFormation answers **** for a NoEcho value: whether it changes is not known, and it
  // is listed as a change so the reviewer knows it is sent again. Both columns are hidden
  // whatever DescribeStacks answered: an emulator or an older stack may show the value.
  return Object.entries(parameters)
    .filter(([name, value]) => noEcho.includes(name) || current.get(name) !== value)
    .map(([name, after]) => {
      const before = current.get(name);
      return noEcho.includes(name)
        ? { name, before: before === undefined ? undefined : HIDDEN, after: HIDDEN }
        : { name, before, after };
    });
}

/** CloudFormation says ChangeSetNotFound; emulators say the name "does not exist". */
function isMissingChangeSet(error: unknown): boolean {
  return (
    /^ChangeSetNotFound/.test(awsErrorName(error) ?? '') ||
    (awsErrorName(error) === 'ValidationError' && /does not exist/i.test(errorMessage(error)))
  );
}

/** The stack as a plan or a planned deploy finds it; refused when a person has to act first. */
async function inspect(context: ProvisionContext, stackName: string): Promise<Stack | undefined> {
  const { stack, disposition } = await idleStack(
    context,
    stackName,
    '; no change can be planned or executed.',
  );
  if (disposition.kind === 'recreate' && stack?.StackStatus !== 'REVIEW_IN_PROGRESS') {
    throw new RefusalError(
      `Stack ${stackName} is ${stack?.StackStatus}: ${disposition.reason}, so a deploy deletes it and creates it afresh; there is no change set to review.`,
      'Deploy without change-set (it recreates the stack), then plan the next change.',
      'The stack is in a state that needs a person',
    );
  }
  return stack;
}

/** Makes the change set a deploy would make, keeps it, and says what it would do. */
export async function planStack(
  context: ProvisionContext,
  request: PlanRequest,
): Promise<StackPlan> {
  const { logger, cloudFormation } = context;
  const stack = await logger.group('Inspect the existing stack', () =>
    inspect(context, request.stackName),
  );
  const type = isUncreated(stack) ? 'CREATE' : 'UPDATE';
  // A plan reports drift whatever the mode says a deploy does about it; it never stops on it.
  const drift =
    type === 'UPDATE' && (request.drift ?? 'ignore') !== 'ignore'
      ? await logger.group(`Detect drift of ${request.stackName}`, () =>
          detectDrift(context, request.stackName),
        )
      : undefined;
  const release = releaseDigest(request);
  const fingerprint = await stackFingerprint(cloudFormation, stack);
  const name = planChangeSetName(request.component, request.version, request.commit);
  const created = await logger.group(`Create change set ${name} (kept, not executed)`, async () => {
    if (stack) {
      // Planning the same commit again replaces its plan, which may be stale by now.
      try {
        const previous = await describeChangeSet(cloudFormation, name, request.stackName);
        await deleteChangeSet(cloudFormation, previous.id, logger);
        logger.info(`Replaced the earlier plan ${name}.`);
      } catch (error) {
        if (!isMissingChangeSet(error)) throw error;
      }
    }
    return createChangeSet(
      cloudFormation,
      {
        ...changeSetRequestFor(
          request,
          type,
          name,
          describePlan(request.version, release, fingerprint, request.commit),
        ),
        includePropertyValues: true,
      },
      logger,
      changeSetPolling(context.polling),
      context.clock,
    );
  });
  const nested = await inspectNestedStacks(cloudFormation, created.changes);
  const guard = evaluateGuard(created.changes, request.stateful, request.allowReplacement, nested);
  for (const violation of guard.blocked) {
    logger.warning(
      `${violation.path} (${violation.type}) ${violation.why}; a deploy of this plan will be refused unless allow-replacement names ${violation.allowEntry}.`,
      { title: 'The stateful-resource guard would refuse this change' },
    );
  }
  // An empty change set cannot be executed: there is nothing to keep.
  if (created.empty) await deleteChangeSet(cloudFormation, created.id, logger);
  return {
    stackName: request.stackName,
    stackId: created.stackId,
    version: request.version,
    changeSet: created.empty ? undefined : { id: created.id, name, type },
    hasChanges: !created.empty,
    changes: created.changes,
    guard,
    parameters: parameterChanges(stack, request.parameters, request.noEcho ?? []),
    terminationProtection: stack?.EnableTerminationProtection === true,
    stackPolicy: await stackPolicyOf(cloudFormation, stack),
    drift,
    releaseDigest: release,
    stackFingerprint: fingerprint,
  };
}

/** A reviewed change set that no longer applies: nothing was executed. */
export class StalePlanError extends RefusalError {
  constructor(changeSet: string, why: string) {
    super(
      `Change set ${changeSet} was not executed: ${why}. Nothing was changed.`,
      'Plan again (operation: plan), review the new plan, and deploy that change set.',
      'The reviewed plan no longer applies',
    );
  }
}

/** `change-set: reviewed`: the newest plan on the stack whose content is this very release. */
export const REVIEWED = 'reviewed';

const MAX_CHANGE_SET_PAGES = 50;
/** How many plans of the version `reviewed` reads back before it gives up, newest first. */
const MAX_REVIEWED_CANDIDATES = 10;

/**
 * The names of the executable change sets named as `plan` names plans of `version` on the stack,
 * newest first. A name is only where to look: each is proven by its content before it is used.
 */
export async function reviewedPlanCandidates(
  context: ProvisionContext,
  stackName: string,
  component: string,
  version: string,
): Promise<string[]> {
  const prefix = planChangeSetName(component, version, null).replace(/uncommitted$/, '');
  const named = new RegExp(`^${prefix}([0-9a-f]{12}|uncommitted)$`);
  const found: Array<{ name: string; created: number }> = [];
  let token: string | undefined;
  let pages = 0;
  try {
    do {
      const page = await context.cloudFormation.send(
        new ListChangeSetsCommand({ StackName: stackName, NextToken: token }),
      );
      for (const summary of page.Summaries ?? []) {
        if (
          summary.ChangeSetName &&
          named.test(summary.ChangeSetName) &&
          summary.Status === 'CREATE_COMPLETE' &&
          summary.ExecutionStatus === 'AVAILABLE'
        ) {
          found.push({
            name: summary.ChangeSetName,
            created: summary.CreationTime?.getTime() ?? 0,
          });
        }
      }
      token = page.NextToken;
    } while (token && ++pages < MAX_CHANGE_SET_PAGES);
  } catch (error) {
    if (!(awsErrorName(error) === 'ValidationError' && /does not exist/i.test(errorMessage(error))))
      throw error;
  }
  if (token) {
    throw new RefusalError(
      `Stack ${stackName} has more than ${MAX_CHANGE_SET_PAGES} pages of change sets; the reviewed plan cannot be told among them.`,
      'Delete the change sets nobody will execute, or name the reviewed one in change-set.',
      'The reviewed plan could not be found',
    );
  }
  if (found.length === 0) {
    throw new RefusalError(
      `No reviewed plan of version ${version} waits on stack ${stackName} (no executable change set named ${prefix}…); nothing was changed.`,
      'Plan this version first (operation: plan, as the pull-request workflow does), review it, then deploy.',
      'No reviewed plan',
    );
  }
  return found.sort((a, b) => b.created - a.created).map((candidate) => candidate.name);
}

/** The release as `proveChangeSet` compares a change set with it. */
function releaseContent(request: DeployRequest, type: 'CREATE' | 'UPDATE'): ReleaseContent {
  const asked = changeSetRequestFor(request, type, 'proof', 'proof');
  return {
    templateBody: request.templateBody,
    parameters: request.parameters,
    noEcho: request.noEcho ?? [],
    defaults: request.parameterDefaults ?? {},
    capabilities: asked.capabilities,
    tags: Object.fromEntries(asked.tags.map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
    type,
    onStackFailure: asked.onStackFailure ?? 'ROLLBACK',
    revertDrift: asked.revertDrift === true,
  };
}

/**
 * One named change set, proven to apply: it exists and can be executed, it belongs to this stack,
 * its description says which plan of which stack it was (a hint: it finds the plan and the stack
 * it was made against), and its content, read back from CloudFormation, is exactly this release.
 */
async function provePlan(
  context: ProvisionContext,
  request: DeployRequest,
  changeSetName: string,
  stack: Stack | undefined,
): Promise<{ planned: DescribedChangeSet; notes: string[] }> {
  const { cloudFormation } = context;
  let planned: DescribedChangeSet;
  try {
    planned = await describeChangeSet(cloudFormation, changeSetName, request.stackName);
  } catch (error) {
    if (isMissingChangeSet(error)) {
      throw new StalePlanError(
        changeSetName,
        `it does not exist on stack ${request.stackName} (it was executed, deleted, or made for another stack)`,
      );
    }
    throw error;
  }
  if (planned.stackName !== request.stackName) {
    throw new StalePlanError(
      changeSetName,
      `it belongs to stack ${planned.stackName}, not ${request.stackName}`,
    );
  }
  if (planned.status !== 'CREATE_COMPLETE' || planned.executionStatus !== 'AVAILABLE') {
    throw new StalePlanError(
      changeSetName,
      `it is ${planned.status} and ${planned.executionStatus}${planned.statusReason ? ` (${planned.statusReason})` : ''}; only a CREATE_COMPLETE, AVAILABLE change set can be executed`,
    );
  }
  const recorded = recordedIn(planned.description);
  if (!recorded) {
    throw new StalePlanError(
      changeSetName,
      'it was not made by operation: plan, so what it was made against cannot be told',
    );
  }
  if (recorded.version !== request.version) {
    throw new StalePlanError(
      changeSetName,
      `it was planned for version ${recorded.version}, and this deploy is version ${request.version}`,
    );
  }
  const type = isUncreated(stack) ? ('CREATE' as const) : ('UPDATE' as const);
  const proof = await proveChangeSet(cloudFormation, planned, releaseContent(request, type), stack);
  if (proof.differences.length > 0) {
    throw new UnprovenChangeSetError(changeSetName, proof.differences);
  }
  const now = await stackFingerprint(cloudFormation, stack);
  if (recorded.stack !== now) {
    throw new StalePlanError(
      changeSetName,
      recorded.stack === 'none'
        ? `stack ${request.stackName} was created since the plan was made`
        : `stack ${request.stackName} was updated since the plan was made (its template, parameters or tags differ)`,
    );
  }
  return { planned, notes: proof.notes };
}

/** Why each candidate of `change-set: reviewed` was passed over: none of them is the release. */
export class NoProvenPlanError extends RefusalError {
  constructor(
    stackName: string,
    version: string,
    readonly passedOver: Array<{ name: string; why: string }>,
  ) {
    super(
      `No change set on stack ${stackName} named as a plan of ${version} carries exactly this release, so none was executed: ${passedOver
        .map((candidate) => `${candidate.name}: ${candidate.why}`)
        .join(' | ')}. Nothing was changed.`,
      'Plan this version again (operation: plan), review it, then deploy; a plan is found by its content, never by its name alone.',
      'No reviewed plan of this release',
    );
  }

  override details(summary: SummaryBuilder): void {
    summary.table(
      ['Change set', 'Why it was not executed'],
      this.passedOver.map((candidate) => [candidate.name, candidate.why]),
      { title: 'Change sets passed over, newest first' },
    );
  }
}

/**
 * Executes the change set a plan kept (or, for `reviewed`, the newest one that proves to be this
 * release), after proving it still applies: it can be executed, its content is exactly this
 * release, the stack has not changed since the plan, and the guard still passes.
 */
export async function deployPlan(
  context: ProvisionContext,
  request: DeployRequest,
  changeSetName: string,
  component: string,
): Promise<DeployResult> {
  const { logger, cloudFormation } = context;
  const { planned, guard, type } = await logger.group(
    changeSetName === REVIEWED
      ? `Find the reviewed plan of ${request.version} and check that it applies`
      : `Check that change set ${changeSetName} still applies`,
    async () => {
      const stack = await inspect(context, request.stackName);
      if (stack && !isUncreated(stack) && request.protect) {
        await restoreLeftLift(context, stack, request.stateful);
      }
      // Hand-made changes since the plan leave its fingerprint alone: drift is asked again.
      if (!isUncreated(stack))
        await checkDrift(context, request.stackName, request.drift ?? 'ignore');
      let proven: { planned: DescribedChangeSet; notes: string[] } | undefined;
      if (changeSetName === REVIEWED) {
        const candidates = await reviewedPlanCandidates(
          context,
          request.stackName,
          component,
          request.version,
        );
        const passedOver: Array<{ name: string; why: string }> = [];
        for (const candidate of candidates.slice(0, MAX_REVIEWED_CANDIDATES)) {
          try {
            proven = await provePlan(context, request, candidate, stack);
            break;
          } catch (error) {
            if (!(error instanceof StalePlanError || error instanceof UnprovenChangeSetError))
              throw error;
            logger.warning(`Change set ${candidate} passed over: ${proofFailure(error)}`, {
              title: 'Not the reviewed release',
            });
            passedOver.push({ name: candidate, why: proofFailure(error) });
          }
        }
        if (!proven) {
          if (candidates.length > MAX_REVIEWED_CANDIDATES) {
            passedOver.push({
              name: `${candidates.length - MAX_REVIEWED_CANDIDATES} older`,
              why: `not read: at most ${MAX_REVIEWED_CANDIDATES} are, newest first`,
            });
          }
          throw new NoProvenPlanError(request.stackName, request.version, passedOver);
        }
        logger.info(
          `The reviewed plan of ${request.version} on ${request.stackName}: change set ${proven.planned.name}.`,
        );
      } else {
        proven = await provePlan(context, request, changeSetName, stack);
      }
      const { planned } = proven;
      for (const note of proven.notes) logger.info(note);
      const nested = await inspectNestedStacks(cloudFormation, planned.changes);
      const verdict = evaluateGuard(
        planned.changes,
        request.stateful,
        request.allowReplacement,
        nested,
      );
      logger.info(
        `Change set ${planned.name} applies: its template, parameters, capabilities, tags and settings are this release's, against the stack as it is now; ${planned.changes.length} change(s).`,
      );
      return {
        planned,
        guard: verdict,
        type: isUncreated(stack) ? ('CREATE' as const) : ('UPDATE' as const),
      };
    },
  );
  if (guard.blocked.length > 0) {
    for (const violation of guard.blocked) {
      logger.error(`${violation.path} (${violation.type}) ${violation.why}`, {
        title: 'Stateful resource guard',
      });
    }
    // The reviewed change set is left for the reviewers; it was not executed.
    throw new StatefulResourceGuardError(request.stackName, guard.blocked, 'kept');
  }
  return executeChangeSet(context, request, planned, type, guard);
}
