import * as core from '@actions/core';
import { createAwsClients, resolveAwsSettings, type AwsClients } from '../../src/aws/clients.js';
import { ConfigurationError } from '../../src/core/errors.js';
import { runContextFromEnv } from '../../src/core/github-context.js';
import { ActionsLogger, type Logger } from '../../src/core/logger.js';
import { failStep, writeSummary } from '../../src/core/step-outcome.js';
import { SummaryBuilder } from '../../src/core/summary.js';
import { readDefinition, type EnvironmentDefinition } from '../../src/definition/definition.js';
import { recordSmokeResult } from '../../src/promotion/ledger.js';
import { stackNameFor } from '../../src/provisioning/stack-settings.js';
import { checkAllPlaceholders, loadChecksFile, type SmokeCheck } from '../../src/smoke/checks.js';
import type { SmokeReport } from '../../src/smoke/results.js';
import { runSmokeChecks } from '../../src/smoke/run-checks.js';
import { smokeSummary } from '../../src/smoke/summaries.js';
import { readSmokeTarget, type SmokeTarget } from '../../src/smoke/smoke-target.js';
import { parseSmokeTestInputs, type SmokeTestInputs } from './inputs.js';

/** What the inputs resolve to before any request: the checks, and where values come from. */
interface Plan {
  checks: SmokeCheck[];
  definition: EnvironmentDefinition | undefined;
  stackName: string | undefined;
  component: string | undefined;
}

function needsDefinition(inputs: SmokeTestInputs): boolean {
  if (inputs.checks.kind === 'definition') return true;
  if (inputs.component !== undefined) return false;
  // The stack name ({environment}-{component}) or a ledger record needs the component.
  return (
    inputs.outputs.kind === 'environment' ||
    (inputs.artifactBucket !== undefined && inputs.outputs.kind !== 'stack')
  );
}

async function plan(inputs: SmokeTestInputs): Promise<Plan> {
  let definition: EnvironmentDefinition | undefined;
  if (needsDefinition(inputs)) {
    definition = await readDefinition(
      inputs.definition,
      inputs.definitionGiven
        ? "input 'definition'"
        : "input 'definition' (default; set it, or component)",
    );
  } else if (inputs.definitionGiven) {
    definition = await readDefinition(inputs.definition);
  }
  let checks: SmokeCheck[];
  if (inputs.checks.kind === 'url') checks = [inputs.checks.check];
  else if (inputs.checks.kind === 'file') checks = await loadChecksFile(inputs.checks.file);
  else {
    checks = definition!.smoke;
    if (checks.length === 0) {
      throw new ConfigurationError(
        `${inputs.definition} has no smoke section; add one, or give the checks input or url`,
        "input 'definition'",
      );
    }
  }
  const component = inputs.component ?? definition?.component;
  const stackName =
    inputs.outputs.kind === 'stack'
      ? inputs.outputs.stackName
      : inputs.outputs.kind === 'environment'
        ? stackNameFor(inputs.environment!, component!)
        : undefined;
  if (inputs.outputs.kind === 'json')
    checkAllPlaceholders(checks, Object.keys(inputs.outputs.outputs));
  if (inputs.artifactBucket !== undefined && stackName === undefined) {
    // No stack to read tags from: everything the record needs must be given.
    const missing = [
      ...(inputs.environment === undefined ? ['environment'] : []),
      ...(inputs.version === undefined ? ['version'] : []),
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
  inputs: SmokeTestInputs,
  steps: Plan,
  target: SmokeTarget | undefined,
  report: SmokeReport,
  clients: AwsClients,
  logger: Logger,
): Promise<string> {
  const environment = inputs.environment ?? target?.tags.environment;
  const version = inputs.version ?? target?.tags['environment:version'];
  const component = steps.component ?? target?.tags.application;
  if (!environment || !version || !component) {
    throw new ConfigurationError(
      `stack ${target?.stackName} carries no ${!environment ? 'environment' : !version ? 'environment:version' : 'application'} tag (it was not deployed by action-provision); set the environment, version and component inputs to record the result`,
      "input 'artifact-bucket'",
    );
  }
  return recordSmokeResult(
    clients.s3,
    inputs.artifactBucket!,
    { component, version, environment },
    report,
    runContextFromEnv(),
    logger,
    target?.stackName,
  );
}

/** The action's entry point: validate every input, read the stack, run the checks, record. */
export async function run(): Promise<void> {
  const logger = new ActionsLogger();
  const summary = new SummaryBuilder();
  try {
    const inputs = parseSmokeTestInputs((name) => core.getInput(name));
    const steps = await plan(inputs);
    const usesAws = steps.stackName !== undefined || inputs.artifactBucket !== undefined;
    const settings = usesAws
      ? resolveAwsSettings('action-smoke-test', inputs.awsRegion)
      : undefined;
    const clients = settings ? createAwsClients(settings) : undefined;

    let target: SmokeTarget | undefined;
    if (steps.stackName !== undefined) {
      target = await logger.group(`Read stack ${steps.stackName}`, () =>
        readSmokeTarget(clients!.cloudFormation, steps.stackName!),
      );
      logger.info(
        `${target.stackName} is ${target.status}${target.tags['environment:version'] ? ` at version ${target.tags['environment:version']}` : ''}; outputs: ${Object.keys(target.outputs).join(', ') || 'none'}`,
      );
      checkAllPlaceholders(steps.checks, Object.keys(target.outputs));
    }
    const outputs = inputs.outputs.kind === 'json' ? inputs.outputs.outputs : target?.outputs;
    const result = await runSmokeChecks(steps.checks, { outputs, env: process.env }, logger);

    let record = '';
    if (inputs.artifactBucket !== undefined) {
      record = await logger.group('Record in the promotion ledger', () =>
        recordResult(inputs, steps, target, result, clients!, logger),
      );
    }
    core.setOutput('passed', String(result.passed));
    core.setOutput('report', logger.redact(JSON.stringify(result)));
    core.setOutput('record', record);

    const what = target?.stackName ?? inputs.environment ?? steps.checks[0]!.url;
    summary.heading(`Smoke test of ${what}`);
    summary.facts([
      ['Result', result.passed ? '✅ passed' : '❌ failed'],
      ...(target
        ? ([['Stack', `${target.stackName} (${target.status})`]] as Array<[string, string]>)
        : []),
      ...(target?.tags['environment:version']
        ? ([['Version', target.tags['environment:version']]] as Array<[string, string]>)
        : []),
      ['Checks', String(result.checks.length)],
      ['Promotion ledger', record || 'not recorded (no artifact-bucket)'],
    ]);
    smokeSummary(summary, result, 'Checks');
    if (!result.passed) {
      const names = result.checks.filter((check) => !check.passed).map((check) => check.name);
      const message = `Smoke test failed: ${names.join(', ')}`;
      if (inputs.failOnError) core.setFailed(message);
      else logger.warning(`${message} (fail-on-error is false, so the step passes)`);
    }
  } catch (error) {
    failStep(error, summary, 'Smoke test could not run');
  }
  await writeSummary(summary, logger);
}
