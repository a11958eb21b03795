import * as core from '@actions/core';
import { createAwsClients, resolveAwsSettings } from '../../src/aws/clients.js';
import { createMigrationClients } from '../../src/aws/migration-clients.js';
import { ConfigurationError } from '../../src/core/errors.js';
import { runContextFromEnv } from '../../src/core/github-context.js';
import { ActionsLogger, type Logger } from '../../src/core/logger.js';
import { checkPlaceholders } from '../../src/core/placeholders.js';
import { failStep, writeSummary } from '../../src/core/step-outcome.js';
import { SummaryBuilder } from '../../src/core/summary.js';
import { Deadline } from '../../src/core/deadline.js';
import { onRunnerStop } from '../../src/core/runner-signals.js';
import type { LoadedDefinition } from '../../src/definition/definition.js';
import { parseIgnorePattern } from '../../src/migration/json-diff.js';
import { migrate } from '../../src/migration/migrate.js';
import { checkEnvironmentUrlOutput, trackDeployment } from '../../src/github/deployments.js';
import { findStack, stackOutputs } from '../../src/provisioning/stack-lookup.js';
import type { MigrationContext, MigrationRequest } from '../../src/migration/migration-context.js';
import { MigrationFailedError } from '../../src/migration/migration-run.js';
import type { StatisticsEndpoint } from '../../src/migration/statistics-endpoint.js';
import { gateTables, journalFacts, stepsTable } from '../../src/migration/summaries.js';
import { reportThrottling } from '../../src/aws/bounded-calls.js';
import { requirePromotion } from '../../src/promotion/ledger.js';
import { defaultPolling } from '../../src/provisioning/context.js';
import { resolveDeploySource } from '../../src/provisioning/deploy-source.js';
import { resolveParameters, stackTags } from '../../src/provisioning/stack-settings.js';
import { parseMigrateInputs, type MigrateInputs } from './inputs.js';

/** Test-only: the step after which the process kills itself, to prove a re-run recovers. */
export const CRASH_VARIABLE = 'ENVIRONMENT_PIPELINE_CRASH_AFTER';

function statisticsEndpoint(
  inputs: MigrateInputs,
  loaded: LoadedDefinition,
): StatisticsEndpoint | undefined {
  const fromDefinition = loaded.definition.statistics;
  const url = inputs.statisticsUrl ?? fromDefinition?.url;
  if (url === undefined) return undefined;
  checkPlaceholders(
    url,
    loaded.template.outputs,
    inputs.statisticsUrl ? "input 'statistics-url'" : 'definition: statistics.url',
  );
  const ignore = [
    ...(fromDefinition?.ignore ?? []).map((entry) =>
      parseIgnorePattern(entry, 'definition: statistics.ignore'),
    ),
    ...inputs.statisticsIgnore,
  ];
  return {
    url,
    headers: { ...(fromDefinition?.headers ?? {}), ...inputs.statisticsHeaders },
    ignore,
    timeoutMs: inputs.statisticsTimeoutSeconds * 1000,
  };
}

function crashHook(logger: Logger): MigrationContext['afterStep'] {
  const target = process.env[CRASH_VARIABLE];
  if (!target) return undefined;
  return (step) => {
    if (step === target) {
      logger.info(`${CRASH_VARIABLE}=${step}: killing the process now (test only).`);
      process.kill(process.pid, 'SIGKILL');
    }
  };
}

async function runMigration(
  inputs: MigrateInputs,
  logger: Logger,
  summary: SummaryBuilder,
  deadline: Deadline,
): Promise<void> {
  const settings = resolveAwsSettings('action-migrate', inputs.awsRegion);
  settings.bounds.deadline = deadline;
  const clients = createAwsClients(settings);
  const migrationClients = createMigrationClients(settings);
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
  const statistics = statisticsEndpoint(inputs, source.loaded);
  if (inputs.dnsRecord && !template.outputs.includes(inputs.dnsRecord.output)) {
    throw new ConfigurationError(
      `names output ${inputs.dnsRecord.output}, which the template does not declare; outputs: ${template.outputs.join(', ') || 'none'}`,
      "input 'route53-endpoint-output'",
    );
  }
  if (inputs.hook) {
    checkPlaceholders(inputs.hook.onUrl, template.outputs, "input 'maintenance-on-url'");
    checkPlaceholders(inputs.hook.offUrl, template.outputs, "input 'maintenance-off-url'");
  }
  checkEnvironmentUrlOutput(inputs.environmentUrlOutput, inputs.githubToken, template.outputs);
  for (const [logicalId, parameter] of Object.entries(definition.migration.snapshotParameters)) {
    if (parameter in inputs.parameters) {
      throw new ConfigurationError(
        `${parameter} is filled in by the migration with ${logicalId}'s snapshot`,
        "input 'parameters'",
      );
    }
  }
  if (inputs.requirePromotionFrom.length > 0) {
    await logger.group(
      `Promotion gate: ${inputs.requireGates.join(' and ')} in ${inputs.requirePromotionFrom.join(', ')}`,
      () =>
        requirePromotion(
          clients.s3,
          inputs.artifactBucket,
          {
            component: definition.component,
            version: source.version,
            environments: inputs.requirePromotionFrom,
            gates: inputs.requireGates,
          },
          logger,
        ),
    );
  }
  const parameters = resolveParameters(
    definition,
    template,
    inputs.environment,
    inputs.parameters,
    source.version,
    logger,
  );
  const context: MigrationContext = {
    cloudFormation: clients.cloudFormation,
    s3: () => clients.s3,
    autoScaling: () => migrationClients.autoScaling,
    rds: () => migrationClients.rds,
    ssm: () => migrationClients.ssm,
    route53: () => migrationClients.route53,
    logger,
    clock: deadline,
    polling: defaultPolling(inputs.timeoutMinutes),
    afterStep: crashHook(logger),
    deadline,
  };
  const request: MigrationRequest = {
    strategy: inputs.strategy,
    environment: inputs.environment,
    component: definition.component,
    version: source.version,
    templateBody: template.body,
    parameters,
    tags: stackTags(definition, inputs.environment, source.version, {
      ...run,
      commit: source.commit,
      runUrl: source.runUrl,
    }),
    capabilities: inputs.capabilities,
    stateful: definition.stateful,
    allowReplacement: inputs.allowReplacement,
    protect: definition.environments[inputs.environment]?.protected ?? false,
    snapshotParameters: definition.migration.snapshotParameters,
    availability: inputs.availability,
    hook: inputs.hook,
    statistics,
    copyConcurrency: inputs.copyConcurrency,
    copyVersions: inputs.copyVersions,
    keepPreviousHours: inputs.keepPreviousHours,
    pointerParameter: inputs.pointerParameter
      .replace('{environment}', inputs.environment)
      .replace('{component}', definition.component),
    dnsRecord: inputs.dnsRecord,
    recover: inputs.recover,
    journalBucket: inputs.artifactBucket,
    run,
  };
  core.setOutput('version', source.version);
  try {
    const result = await trackDeployment(
      inputs.githubToken,
      {
        environment: inputs.environment,
        version: source.version,
        component: definition.component,
        production: request.protect,
      },
      run.runUrl,
      logger,
      () => migrate(context, request),
      async (migrated) => ({
        description: `${definition.component} ${source.version} on ${migrated.activeStack}${migrated.rolledBack ? ' (rolled back)' : ''}`,
        url: stackOutputs(await findStack(clients.cloudFormation, migrated.activeStack))[
          inputs.environmentUrlOutput
        ],
      }),
    );
    const { journal } = result;
    core.setOutput('stack-name', result.activeStack);
    core.setOutput(
      'previous-stack',
      journal.stacks.source && journal.stacks.source !== result.activeStack
        ? journal.stacks.source
        : '',
    );
    core.setOutput('migration-id', journal.id);
    core.setOutput('journal', result.journalUrl);
    core.setOutput('status', journal.status);
    core.setOutput('data-location', journal.dataLocation);
    core.setOutput('promotion-record', result.record ?? '');
    core.setOutput(
      'statistics',
      logger.redact(
        JSON.stringify(
          result.gates.map((gate) => ({
            from: gate.from,
            to: gate.to,
            passed: gate.passed,
            buckets: gate.buckets.map((bucket) => ({
              path: bucket.path,
              objects: bucket.target.objects,
              bytes: bucket.target.bytes,
              digest: bucket.target.digest,
            })),
          })),
        ),
      ),
    );
    summary.heading(
      result.rolledBack
        ? `↩️ ${definition.component} in ${inputs.environment}: migration rolled back`
        : `✅ ${definition.component} in ${inputs.environment} migrated to ${source.version}`,
    );
    journalFacts(summary, journal, result.journalUrl, [
      ['Serving users', `\`${result.activeStack}\``],
      ...(result.resumed
        ? ([['Resumed', 'yes, from the journal of an earlier run']] as Array<[string, string]>)
        : []),
      ...(result.record
        ? ([['Promotion ledger', `\`${result.record}\``]] as Array<[string, string]>)
        : []),
    ]);
    gateTables(summary, result.gates);
    stepsTable(summary, journal);
    logger.info(`Where the data is: ${journal.dataLocation}`);
  } catch (error) {
    if (error instanceof MigrationFailedError) {
      core.setOutput('migration-id', error.journal.id);
      core.setOutput('journal', error.journalUrl);
      core.setOutput('status', error.journal.status);
      core.setOutput('data-location', error.journal.dataLocation);
      summary.heading(
        `❌ Migration of ${definition.component} in ${inputs.environment} ${error.journal.status === 'rolled-back' ? 'rolled back' : 'stopped'}`,
      );
      summary.paragraph(error.message);
      journalFacts(summary, error.journal, error.journalUrl);
      gateTables(summary, error.gates);
      stepsTable(summary, error.journal);
      reportThrottling(settings.bounds.throttles, summary, logger);
      logger.error(`Where the data is: ${error.journal.dataLocation}`, {
        title: 'Migration stopped',
      });
      core.setFailed(error.message);
      return;
    }
    reportThrottling(settings.bounds.throttles, summary, logger);
    throw error;
  }
}

/** The action's entry point: validate every input, then migrate. */
export async function run(): Promise<void> {
  const logger = new ActionsLogger();
  const summary = new SummaryBuilder();
  try {
    const inputs = parseMigrateInputs((name) => core.getInput(name));
    if (inputs.githubToken) logger.mask(inputs.githubToken);
    for (const value of [
      ...Object.values(inputs.statisticsHeaders),
      ...Object.values(inputs.hook?.headers ?? {}),
    ]) {
      if (!value.includes('{{')) logger.mask(value);
    }
    const deadline = Deadline.forStep(inputs.timeoutMinutes);
    const stopOnSignal = onRunnerStop(deadline, logger);
    try {
      await runMigration(inputs, logger, summary, deadline);
    } finally {
      stopOnSignal();
      deadline.dispose();
    }
  } catch (error) {
    failStep(error, summary, 'Migration failed');
  }
  await writeSummary(summary, logger);
}
