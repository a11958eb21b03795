import { OperationError } from '../core/errors.js';
import type { RunContext } from '../core/github-context.js';
import type { Logger } from '../core/logger.js';
import type { SummaryBuilder } from '../core/summary.js';
import { recordSmokeResult, type RecordSubject } from '../promotion/ledger.js';
import type { SmokeCheck } from '../smoke/checks.js';
import type { SmokeReport } from '../smoke/results.js';
import { runSmokeChecks } from '../smoke/run-checks.js';
import { smokeSection, smokeTitle } from '../smoke/summaries.js';
import type { ProvisionContext } from './context.js';
import { deleteStack } from './delete-stack.js';
import type { DeployResult } from './deploy-stack.js';

/** The stack came up but does not work; says what became of it. */
export class SmokeTestFailedError extends OperationError {
  override readonly name = 'SmokeTestFailedError';
  constructor(
    message: string,
    readonly report: SmokeReport,
    readonly record: string | undefined,
    /** The deploy that was tested, and its outputs as they may leave the step. */
    readonly deployed: DeployResult,
    readonly outputs: Record<string, string>,
  ) {
    super(message, 'The smoke test failed');
  }

  override details(summary: SummaryBuilder): void {
    smokeSection(summary, this.report, smokeTitle(this.report), this.record);
  }
}

export interface SmokeAfterDeployOptions {
  keepFailed: boolean;
  /** Protected environments are never torn down by the suite, even when new. */
  protect: boolean;
  /** The stack's outputs as they may leave the step (masked values as ***), for the error. */
  outputs: Record<string, string>;
  /**
   * Where the verdict is recorded once the checks have run and before any teardown, so it is
   * in the promotion ledger even if the teardown fails.
   */
  ledger?: { bucket: string; subject: Omit<RecordSubject, 'gate'>; run: RunContext };
  env?: NodeJS.ProcessEnv;
}

export interface SmokeAfterDeployResult {
  report: SmokeReport;
  record: string | undefined;
}

function failedNames(report: SmokeReport): string {
  return report.checks
    .filter((check) => !check.passed)
    .map((check) => check.name)
    .join(', ');
}

async function tearDown(
  context: ProvisionContext,
  stackName: string,
  logger: Logger,
): Promise<string> {
  try {
    await logger.group(`Delete ${stackName} (new, and failed its smoke test)`, () =>
      deleteStack(context, stackName),
    );
    return `The new stack ${stackName} was deleted, as a failed environment (set keep-failed: true to keep it for investigation).`;
  } catch (error) {
    return `Deleting the new stack ${stackName} also failed (${(error as Error).message}); delete it with operation: delete.`;
  }
}

/**
 * Seed 000's `New-Environment -SmokeTest`: a stack that is CREATE_COMPLETE but fails its
 * smoke test is a failed environment. A new one is torn down (it holds nothing yet); an
 * updated one is left as it is, because deleting it could lose data; both fail the step.
 */
export async function smokeAfterDeploy(
  context: ProvisionContext,
  deployed: DeployResult,
  checks: SmokeCheck[],
  options: SmokeAfterDeployOptions,
): Promise<SmokeAfterDeployResult> {
  const { logger } = context;
  const report = await runSmokeChecks(
    checks,
    { outputs: deployed.outputs, env: options.env ?? process.env },
    logger,
    { clock: context.clock },
  );
  const { ledger } = options;
  const record = ledger
    ? await recordSmokeResult(
        context.s3(),
        ledger.bucket,
        ledger.subject,
        report,
        ledger.run,
        logger,
        deployed.stackName,
      )
    : undefined;
  if (report.passed) return { report, record };

  let aftermath: string;
  if (deployed.operation !== 'create') {
    aftermath = `${deployed.stackName} was ${deployed.operation === 'update' ? 'updated' : 'left unchanged'} and is left as it is: an existing environment is never deleted for a failed smoke test.`;
  } else if (options.keepFailed) {
    aftermath = `The new stack ${deployed.stackName} was kept for investigation (keep-failed: true); delete it with operation: delete when done.`;
  } else if (options.protect) {
    aftermath = `The new stack ${deployed.stackName} is in a protected environment, so it was not deleted; investigate, then delete it by hand.`;
  } else {
    aftermath = await tearDown(context, deployed.stackName, logger);
  }
  throw new SmokeTestFailedError(
    `${deployed.stackName} failed its smoke test (${failedNames(report)}). ${aftermath}`,
    report,
    record,
    deployed,
    options.outputs,
  );
}
