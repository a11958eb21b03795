import * as core from '@actions/core';
import { createAwsClients, resolveAwsSettings, type AwsClients } from '../../src/aws/clients.js';
import { ConfigurationError, RefusalError, errorMessage } from '../../src/core/errors.js';
import { runContextFromEnv } from '../../src/core/github-context.js';
import { ActionsLogger, type Logger } from '../../src/core/logger.js';
import { writeSummary } from '../../src/core/step-outcome.js';
import { SummaryBuilder } from '../../src/core/summary.js';
import { systemClock } from '../../src/core/waiter.js';
import { packageEnvironment } from '../../src/packaging/package-environment.js';
import { defaultPolling, type ProvisionContext } from '../../src/provisioning/context.js';
import { deleteStack } from '../../src/provisioning/delete-stack.js';
import {
  StatefulResourceGuardError,
  deployStack,
  type DeployResult,
} from '../../src/provisioning/deploy-stack.js';
import { checkEnvironmentUrlOutput, trackDeployment } from '../../src/github/deployments.js';
import { resolveDeploySource } from '../../src/provisioning/deploy-source.js';
import { loadDefinition } from '../../src/definition/definition.js';
import { StackOperationError } from '../../src/provisioning/stack-operation-error.js';
import {
  resolveParameters,
  stackNameFor,
  stackTags,
} from '../../src/provisioning/stack-settings.js';
import {
  deleteSummary,
  deploySummary,
  failureSummary,
  packageSummary,
} from '../../src/provisioning/summaries.js';
import { recordSmokeResult, requirePromotion } from '../../src/promotion/ledger.js';
import {
  SmokeTestFailedError,
  smokeAfterDeploy,
} from '../../src/provisioning/smoke-after-deploy.js';
import type { SmokeReport } from '../../src/smoke/results.js';
import { smokeSummary } from '../../src/smoke/summaries.js';
import { parseProvisionInputs, type ProvisionInputs } from './inputs.js';

const FIXED_OUTPUTS = [
  'version',
  'package',
  'package-path',
  'package-url',
  'stack-name',
  'stack-id',
  'changed',
  'outputs',
  'operation',
  'smoke-passed',
  'smoke-report',
  'promotion-record',
];

function provisionContext(
  clients: AwsClients,
  logger: Logger,
  timeoutMinutes: number,
): ProvisionContext {
  return {
    cloudFormation: clients.cloudFormation,
    s3: () => clients.s3,
    logger,
    clock: systemClock,
    polling: defaultPolling(timeoutMinutes),
  };
}

async function runPackage(
  inputs: ProvisionInputs,
  clients: () => AwsClients,
  logger: Logger,
  summary: SummaryBuilder,
): Promise<void> {
  const started = Date.now();
  const outcome = await packageEnvironment(
    {
      definitionFile: inputs.definition,
      version: inputs.version,
      outputDir: inputs.outputDir,
      artifactBucket: inputs.artifactBucket,
      lint: inputs.lint,
    },
    runContextFromEnv(),
    new Date(),
    () => clients().s3,
    logger,
  );
  core.setOutput('version', outcome.version);
  core.setOutput('package-path', outcome.package.path);
  core.setOutput('package-url', outcome.published?.url ?? '');
  core.setOutput('package', outcome.published?.url ?? outcome.package.path);
  packageSummary(summary, outcome, Date.now() - started);
}

async function runDeploy(
  inputs: ProvisionInputs,
  clients: AwsClients,
  logger: Logger,
  summary: SummaryBuilder,
): Promise<void> {
  const started = Date.now();
  const environment = inputs.environment!;
  const run = runContextFromEnv();
  const source = await logger.group('Load the environment', () =>
    resolveDeploySource(
      inputs.package,
      inputs.definition,
      inputs.version,
      run,
      new Date(),
      () => clients.s3,
      logger,
    ),
  );
  const { definition, template } = source.loaded;
  const settings = definition.environments[environment];
  if (!settings) {
    logger.info(
      `Environment '${environment}' is not named in the definition; deploying it with the definition's defaults (an ad-hoc environment).`,
    );
  }
  const parameters = resolveParameters(
    definition,
    template,
    environment,
    inputs.parameters,
    source.version,
    logger,
  );
  checkEnvironmentUrlOutput(inputs.environmentUrlOutput, inputs.githubToken, template.outputs);
  const stackName = stackNameFor(environment, definition.component);
  const context = provisionContext(clients, logger, inputs.timeoutMinutes);
  if (inputs.smokeTest && definition.smoke.length === 0) {
    throw new ConfigurationError(
      `is true, but ${source.label} has no smoke section in its definition; add one (see action-smoke-test's README) or drop smoke-test`,
      "input 'smoke-test'",
    );
  }
  if (inputs.requirePromotionFrom.length > 0) {
    await logger.group(`Promotion gate: ${inputs.requirePromotionFrom.join(', ')}`, () =>
      requirePromotion(
        clients.s3,
        inputs.ledgerBucket!,
        {
          component: definition.component,
          version: source.version,
          environments: inputs.requirePromotionFrom,
          gates: ['smoke'],
        },
        logger,
      ),
    );
  }

  if (inputs.operation === 'recreate' && settings?.protected) {
    throw new ConfigurationError(
      `'${environment}' is a protected environment; recreate (delete, then deploy) is refused for it. Use operation: deploy.`,
      "input 'environment'",
    );
  }
  const change = async (): Promise<DeployResult> => {
    if (inputs.operation === 'recreate') {
      await logger.group(`Delete ${stackName} (recreate)`, () => deleteStack(context, stackName));
    }

    const result = await deployStack(context, {
      stackName,
      version: source.version,
      templateBody: template.body,
      parameters,
      tags: stackTags(definition, environment, source.version, {
        ...run,
        commit: source.commit,
        runUrl: source.runUrl,
      }),
      capabilities: inputs.capabilities,
      stateful: definition.stateful,
      allowReplacement: inputs.allowReplacement,
      keepFailed: inputs.keepFailed,
      protect: settings?.protected ?? false,
    });
    deploySummary(summary, environment, result, source.label, Date.now() - started);
    core.setOutput('stack-name', result.stackName);
    core.setOutput('stack-id', result.stackId);
    core.setOutput('version', result.version);
    core.setOutput('changed', String(result.changed));
    core.setOutput('operation', result.operation);
    // A stack output can embed a NoEcho parameter (a connection string with its password):
    // GITHUB_OUTPUT is not masked by the runner, so such an output leaves with the value masked.
    const outputs: Record<string, string> = {};
    for (const [key, value] of Object.entries(result.outputs)) {
      outputs[key] = logger.redact(value);
      if (outputs[key] !== value) {
        logger.warning(
          `Stack output '${key}' contains a masked value (a NoEcho parameter or a secret); it is written to the step's outputs with that value as ***.`,
        );
      }
    }
    core.setOutput('outputs', JSON.stringify(outputs));
    for (const [key, value] of Object.entries(outputs)) {
      if (FIXED_OUTPUTS.includes(key)) {
        logger.warning(
          `Stack output '${key}' has the name of one of this action's outputs; read it from 'outputs' instead.`,
        );
      } else {
        core.setOutput(key, value);
      }
    }
    logger.info(
      result.changed
        ? `${result.stackName} is ${result.status} at version ${result.version}.`
        : `${result.stackName} already matches version ${result.version}; nothing changed.`,
    );
    if (inputs.smokeTest) {
      const publish = async (report: SmokeReport): Promise<string> => {
        core.setOutput('smoke-passed', String(report.passed));
        core.setOutput('smoke-report', logger.redact(JSON.stringify(report)));
        if (inputs.ledgerBucket === undefined) return '';
        const url = await recordSmokeResult(
          clients.s3,
          inputs.ledgerBucket,
          { component: definition.component, version: result.version, environment },
          report,
          run,
          logger,
          result.stackName,
        );
        core.setOutput('promotion-record', url);
        return url;
      };
      const smoke = await smokeAfterDeploy(context, result, definition.smoke, {
        keepFailed: inputs.keepFailed,
        protect: settings?.protected ?? false,
        publish,
      });
      smokeSummary(summary, smoke.report);
      if (smoke.record) summary.paragraph(`Recorded in the promotion ledger: \`${smoke.record}\``);
    }
    return result;
  };
  await trackDeployment(
    inputs.githubToken,
    {
      environment,
      version: source.version,
      component: definition.component,
      production: settings?.protected ?? false,
    },
    run.runUrl,
    logger,
    change,
    async (result) => ({
      description: `${definition.component} ${result.version} on ${result.stackName}`,
      url: result.outputs[inputs.environmentUrlOutput],
    }),
  );
}

async function runDelete(
  inputs: ProvisionInputs,
  clients: AwsClients,
  logger: Logger,
  summary: SummaryBuilder,
): Promise<void> {
  const started = Date.now();
  const { definition } = await loadDefinition(inputs.definition);
  const stackName = stackNameFor(inputs.environment!, definition.component);
  const context = provisionContext(clients, logger, inputs.timeoutMinutes);
  const result = await logger.group(`Delete ${stackName}`, () => deleteStack(context, stackName));
  core.setOutput('stack-name', stackName);
  core.setOutput('stack-id', result.stackId ?? '');
  core.setOutput('changed', String(result.deleted));
  deleteSummary(summary, result, Date.now() - started);
}

function report(
  error: unknown,
  inputs: ProvisionInputs | undefined,
  summary: SummaryBuilder,
): void {
  const title = inputs
    ? `${inputs.operation}${inputs.environment ? ` ${inputs.environment}` : ''} failed`
    : 'failed';
  if (error instanceof ConfigurationError) {
    failureSummary(summary, `Configuration error`, error.message);
    core.setFailed(`Configuration error: ${error.message}`);
  } else if (error instanceof StatefulResourceGuardError) {
    failureSummary(summary, `Stopped by the stateful-resource guard`, error.message);
    summary.table(
      ['Logical ID', 'Type', 'Why it was stopped', 'allow-replacement entry'],
      error.violations.map((violation) => [
        violation.path,
        violation.type,
        violation.why,
        violation.allowEntry,
      ]),
    );
    core.setFailed(error.message);
  } else if (error instanceof SmokeTestFailedError) {
    failureSummary(summary, `${title}: the smoke test failed`, error.message);
    smokeSummary(summary, error.report);
    if (error.record) summary.paragraph(`Recorded in the promotion ledger: \`${error.record}\``);
    core.setFailed(error.message);
  } else if (error instanceof StackOperationError) {
    failureSummary(summary, title, error.message, error.failures);
    core.setFailed(error.message);
  } else if (error instanceof RefusalError) {
    failureSummary(summary, title, error.message);
    core.setFailed(error.message);
  } else {
    failureSummary(summary, title, errorMessage(error));
    if (error instanceof Error && error.stack) core.debug(error.stack);
    core.setFailed(errorMessage(error));
  }
}

/** The action's entry point: validate every input, then run the operation. */
export async function run(): Promise<void> {
  const logger = new ActionsLogger();
  const summary = new SummaryBuilder();
  let inputs: ProvisionInputs | undefined;
  try {
    inputs = parseProvisionInputs((name) => core.getInput(name));
    if (inputs.githubToken) logger.mask(inputs.githubToken);
    const parsed = inputs;
    const settings = () => resolveAwsSettings('action-provision', parsed.awsRegion);
    if (parsed.operation !== 'package' || parsed.artifactBucket) settings(); // region errors before any work
    let clients: AwsClients | undefined;
    const lazyClients = () => (clients ??= createAwsClients(settings()));
    switch (parsed.operation) {
      case 'package':
        await runPackage(parsed, lazyClients, logger, summary);
        break;
      case 'deploy':
      case 'recreate':
        await runDeploy(parsed, lazyClients(), logger, summary);
        break;
      case 'delete':
        await runDelete(parsed, lazyClients(), logger, summary);
        break;
    }
  } catch (error) {
    report(error, inputs, summary);
  }
  await writeSummary(summary, logger);
}
