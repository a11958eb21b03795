import { requireArtifactBucket } from '../aws/s3-buckets.js';
import { createAwsClients, type AwsClients } from '../aws/clients.js';
import type { Step } from '../core/action-runner.js';
import { ConfigurationError, OperationError } from '../core/errors.js';
import type { RunContext } from '../core/github-context.js';
import type { Logger } from '../core/logger.js';
import { sentence, type SummaryBuilder } from '../core/summary.js';
import { readDefinition, type EnvironmentDefinition } from '../definition/definition.js';
import { recordSmokeResult } from '../promotion/ledger.js';
import { STACK_TAG, stackIdentity, stackNameFor } from '../aws/suite-tags.js';
import { checkAllPlaceholders, loadChecksFile, type HttpCheck, type SmokeCheck } from './checks.js';
import type { SmokeReport } from './results.js';
import { runSmokeChecks } from './run-checks.js';
import { readSmokeTarget, type SmokeTarget } from './smoke-target.js';
import { smokeOutcome, smokeSection } from './summaries.js';

/** Where the checks come from: one quick `url` check, a checks file, or the definition. */
export type ChecksSource =
  { kind: 'url'; check: HttpCheck } | { kind: 'file'; file: string } | { kind: 'definition' };

/** Where placeholder values come from. */
export type OutputsSource =
  | { kind: 'json'; outputs: Record<string, string> }
  | { kind: 'stack'; stackName: string }
  | { kind: 'environment' }
  | { kind: 'none' };

/** Every input of action-smoke-test, validated once, before any request. */
export interface SmokeTestRequest {
  checks: ChecksSource;
  outputs: OutputsSource;
  definition: string;
  definitionGiven: boolean;
  environment: string | undefined;
  component: string | undefined;
  version: string | undefined;
  artifactBucket: string | undefined;
  failOnError: boolean;
  awsRegion: string | undefined;
}

/** What the inputs resolve to before any request: the checks, and where values come from. */
interface Plan {
  checks: SmokeCheck[];
  definition: EnvironmentDefinition | undefined;
  stackName: string | undefined;
  component: string | undefined;
}

/** What a smoke test found, and where it was recorded. */
export interface SmokeTestResult {
  report: SmokeReport;
  target: SmokeTarget | undefined;
  /** The promotion-ledger record's URL; '' when not recorded. */
  record: string;
  /** What was tested, for the summary: the stack, the environment or the first URL. */
  subject: string;
}

/** What was tested and where its verdict went, then the checks: passed or not. */
function summarizeChecks(summary: SummaryBuilder, result: SmokeTestResult): void {
  const { report, target, record } = result;
  summary.facts([
    ['Stack', target && [summary.stackLink(target.stackName), ` (${target.status})`]],
    ['Version', target?.tags[STACK_TAG.version]],
    ['Promotion ledger', summary.locate(record) ?? 'not recorded (no artifact-bucket)'],
  ]);
  smokeSection(summary, report, 'Checks');
}

/** Checks failed and fail-on-error is true; the outputs still carry the report. */
export class SmokeChecksFailedError extends OperationError {
  override readonly name = 'SmokeChecksFailedError';

  constructor(readonly result: SmokeTestResult) {
    const names = result.report.checks.filter((check) => !check.passed).map((check) => check.name);
    super(`Smoke test failed: ${names.join(', ')}`, `Smoke test of ${result.subject} failed`);
  }

  override details(summary: SummaryBuilder): void {
    summarizeChecks(summary, this.result);
  }
}

function needsDefinition(request: SmokeTestRequest): boolean {
  if (request.checks.kind === 'definition') return true;
  if (request.component !== undefined) return false;
  // The stack name ({environment}-{component}) or a ledger record needs the component.
  return (
    request.outputs.kind === 'environment' ||
    (request.artifactBucket !== undefined && request.outputs.kind !== 'stack')
  );
}

async function plan(request: SmokeTestRequest): Promise<Plan> {
  let definition: EnvironmentDefinition | undefined;
  if (needsDefinition(request)) {
    definition = await readDefinition(
      request.definition,
      request.definitionGiven
        ? "input 'definition'"
        : "input 'definition' (default; set it, or component)",
    );
  } else if (request.definitionGiven) {
    definition = await readDefinition(request.definition);
  }
  let checks: SmokeCheck[];
  if (request.checks.kind === 'url') checks = [request.checks.check];
  else if (request.checks.kind === 'file') checks = await loadChecksFile(request.checks.file);
  else {
    checks = definition?.smoke ?? [];
    if (checks.length === 0) {
      throw new ConfigurationError(
        `${request.definition} has no smoke section; add one, or give the checks input or url`,
        "input 'definition'",
      );
    }
  }
  const component = request.component ?? definition?.component;
  let stackName: string | undefined;
  if (request.outputs.kind === 'stack') stackName = request.outputs.stackName;
  else if (request.outputs.kind === 'environment') {
    if (request.environment === undefined || component === undefined) {
      throw new ConfigurationError(
        'names the stack by environment and component; set both (or definition)',
        "input 'environment'",
      );
    }
    stackName = stackNameFor(request.environment, component);
  }
  if (request.outputs.kind === 'json')
    checkAllPlaceholders(checks, Object.keys(request.outputs.outputs));
  if (request.artifactBucket !== undefined && stackName === undefined) {
    // No stack to read tags from: everything the record needs must be given.
    const missing = [
      ...(request.environment === undefined ? ['environment'] : []),
      ...(request.version === undefined ? ['version'] : []),
      ...(component === undefined ? ['component (or definition)'] : []),
    ];
    if (missing.length > 0) {
      throw new ConfigurationError(
        `records the result in the promotion ledger, which needs to know what was tested; set input(s) ${missing.join(', ')}, or name the stack with stack-name or environment`,
        "input 'artifact-bucket'",
      );
    }
  }
  return { checks, definition, stackName, component };
}

async function recordResult(
  request: SmokeTestRequest & { artifactBucket: string },
  steps: Plan,
  target: SmokeTarget | undefined,
  report: SmokeReport,
  clients: AwsClients,
  run: RunContext,
  logger: Logger,
): Promise<string> {
  const tagged = stackIdentity(target?.tags ?? {});
  const environment = request.environment ?? tagged.environment;
  const version = request.version ?? tagged.version;
  const component = steps.component ?? tagged.component;
  if (!environment || !version || !component) {
    throw new ConfigurationError(
      `stack ${target?.stackName} carries no ${!environment ? STACK_TAG.environment : !version ? STACK_TAG.version : STACK_TAG.component} tag (it was not deployed by action-provision); set the environment, version and component inputs to record the result`,
      "input 'artifact-bucket'",
    );
  }
  return recordSmokeResult(
    clients.s3,
    request.artifactBucket,
    { component, version, environment },
    report,
    run,
    logger,
    target?.stackName,
  );
}

/** action-smoke-test: read the stack, run the checks, record the verdict in the ledger. */
export async function smokeTest(request: SmokeTestRequest, step: Step): Promise<SmokeTestResult> {
  const { logger } = step;
  const steps = await plan(request);
  const usesAws = steps.stackName !== undefined || request.artifactBucket !== undefined;
  const clients = usesAws ? createAwsClients(step.aws(request.awsRegion)) : undefined;
  if (clients && request.artifactBucket !== undefined) {
    // Before the checks run: a result that cannot be recorded is known now, not after them.
    await requireArtifactBucket(
      clients.s3,
      request.artifactBucket,
      "input 'artifact-bucket'",
      clients.settings.region,
    );
  }

  let target: SmokeTarget | undefined;
  if (clients && steps.stackName !== undefined) {
    const stackName = steps.stackName;
    step.facts.stack = stackName;
    target = await logger.group(`Read stack ${stackName}`, () =>
      readSmokeTarget(clients.cloudFormation, stackName),
    );
    logger.info(
      `${target.stackName} is ${target.status}${target.tags[STACK_TAG.version] ? ` at version ${target.tags[STACK_TAG.version]}` : ''}; outputs: ${Object.keys(target.outputs).join(', ') || 'none'}`,
    );
    checkAllPlaceholders(steps.checks, Object.keys(target.outputs));
  }
  const outputs = request.outputs.kind === 'json' ? request.outputs.outputs : target?.outputs;
  const report = await runSmokeChecks(steps.checks, { outputs, env: process.env }, logger);

  let record = '';
  const { artifactBucket } = request;
  if (clients && artifactBucket !== undefined) {
    record = await logger.group('Record in the promotion ledger', () =>
      recordResult(
        { ...request, artifactBucket },
        steps,
        target,
        report,
        clients,
        step.run,
        logger,
      ),
    );
  }
  const subject = target?.stackName ?? request.environment ?? steps.checks[0]?.url ?? 'no checks';
  const result = { report, target, record, subject };
  if (!report.passed && request.failOnError) throw new SmokeChecksFailedError(result);
  step.summary.verdict(
    report.passed ? 'success' : 'warning',
    [
      'Smoke test of ',
      target ? step.summary.stackLink(target.stackName) : subject,
      report.passed ? ' passed' : ' failed',
    ],
    report.passed
      ? sentence(smokeOutcome(report))
      : sentence(`${smokeOutcome(report)}; fail-on-error is false, so the step passes`),
  );
  summarizeChecks(step.summary, result);
  if (!report.passed) {
    const failed = new SmokeChecksFailedError(result).message;
    logger.warning(`${failed} (fail-on-error is false, so the step passes)`);
  }
  return result;
}
