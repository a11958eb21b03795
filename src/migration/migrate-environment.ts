import type { Capability } from '@aws-sdk/client-cloudformation';
import { needsUpload, stageTemplate } from '../provisioning/template-upload.js';
import type { DriftMode } from '../provisioning/drift.js';
import { createAwsClients } from '../aws/clients.js';
import type { MigrationClients } from '../aws/migration-clients.js';
import type { Step } from '../core/action-runner.js';
import { ConfigurationError } from '../core/errors.js';
import { checkEnvironmentPlaceholders, checkPlaceholders } from '../core/placeholders.js';
import { fixedNames } from '../definition/fixed-names.js';
import { parseTemplateDocument } from '../definition/template.js';
import { FixedNamesError } from '../provisioning/fixed-names-error.js';
import { artifactBucketCheck } from '../aws/s3-buckets.js';
import { systemClock } from '../core/waiter.js';
import type { LoadedDefinition } from '../definition/definition.js';
import type { PackageReference } from '../packaging/package-reference.js';
import type { Gate } from '../promotion/ledger.js';
import { defaultPolling } from '../provisioning/context.js';
import { passPromotionGate, prepareRelease } from '../provisioning/release.js';
import { pointerName } from './colours.js';
import { findStack, stackOutputs } from '../aws/stack-lookup.js';
import type { AvailabilityMode, MaintenanceHook } from './availability.js';
import type { Strategy } from './journal.js';
import { parseIgnorePattern, type IgnorePattern } from './json-diff.js';
import type { CopyEngineSettings } from './batch-copy.js';
import { migrate, type MigrateResult } from './migrate.js';
import type {
  CopyVersions,
  DnsRecord,
  MigrationContext,
  RecoveryMode,
} from './migration-context.js';
import type { StatisticsEndpoint } from './statistics-endpoint.js';
import { gateClause, gateTables, journalFacts, stepsTable } from './summaries.js';
import { crashHook } from './test-hooks.js';

/** Every input of action-migrate, validated once, before any AWS call. */
export interface MigrateEnvironmentRequest {
  strategy: Strategy;
  environment: string;
  definition: string;
  version: string | undefined;
  package: PackageReference | undefined;
  /** Holds the journal and the promotion ledger. */
  artifactBucket: string;
  parameters: Record<string, string>;
  allowReplacement: string[];
  capabilities: Capability[];
  availability: AvailabilityMode;
  hook: MaintenanceHook | undefined;
  statisticsUrl: string | undefined;
  statisticsHeaders: Record<string, string>;
  statisticsIgnore: IgnorePattern[];
  statisticsTimeoutSeconds: number;
  copyConcurrency: number;
  copyVersions: CopyVersions;
  copyEngine: CopyEngineSettings;
  keepPreviousHours: number;
  /** With `{environment}` and `{component}` still to be filled in. */
  pointerParameter: string;
  dnsRecord: DnsRecord | undefined;
  recover: RecoveryMode;
  /** What to do about the live stack's drift; undefined: fail when protected, else warn. */
  drift: DriftMode | undefined;
  /** Environments whose promotion-ledger records this version must have passed first. */
  requirePromotionFrom: string[];
  requireGates: Gate[];
  timeoutMinutes: number;
  awsRegion: string | undefined;
  /** Records a GitHub deployment of the environment when set. */
  githubToken: string | undefined;
  environmentUrlOutput: string;
}

function statisticsEndpoint(
  request: MigrateEnvironmentRequest,
  loaded: LoadedDefinition,
): StatisticsEndpoint | undefined {
  const fromDefinition = loaded.definition.statistics;
  const url = request.statisticsUrl ?? fromDefinition?.url;
  if (url === undefined) return undefined;
  checkPlaceholders(
    url,
    loaded.template.outputs,
    request.statisticsUrl ? "input 'statistics-url'" : 'definition: statistics.url',
  );
  const ignore = [
    ...(fromDefinition?.ignore ?? []).map((entry) =>
      parseIgnorePattern(entry, 'definition: statistics.ignore'),
    ),
    ...request.statisticsIgnore,
  ];
  return {
    url,
    headers: { ...(fromDefinition?.headers ?? {}), ...request.statisticsHeaders },
    ignore,
    timeoutMs: request.statisticsTimeoutSeconds * 1000,
  };
}

/**
 * Every `{{ env.NAME }}` the migration will fill in (the statistics and maintenance calls' URLs
 * and headers, from the inputs and the definition) names a variable that is set: checked before
 * the first AWS request, so a migration that could not make those calls takes no lock.
 */
function checkEnvironmentVariables(
  request: MigrateEnvironmentRequest,
  definition: LoadedDefinition['definition'] | undefined,
  env: NodeJS.ProcessEnv,
): void {
  const texts: Array<[string, string]> = [];
  if (request.statisticsUrl) texts.push([request.statisticsUrl, "input 'statistics-url'"]);
  for (const [name, value] of Object.entries(request.statisticsHeaders)) {
    texts.push([value, `input 'statistics-headers' (${name})`]);
  }
  if (request.hook) {
    texts.push([request.hook.onUrl, "input 'maintenance-on-url'"]);
    texts.push([request.hook.offUrl, "input 'maintenance-off-url'"]);
    for (const [name, value] of Object.entries(request.hook.headers)) {
      texts.push([value, `input 'maintenance-headers' (${name})`]);
    }
  }
  if (definition?.statistics) {
    if (!request.statisticsUrl)
      texts.push([definition.statistics.url, 'definition: statistics.url']);
    for (const [name, value] of Object.entries(definition.statistics.headers)) {
      if (!(name in request.statisticsHeaders)) {
        texts.push([value, `definition: statistics.headers.${name}`]);
      }
    }
  }
  for (const [text, source] of texts) checkEnvironmentPlaceholders(text, env, source);
}

/**
 * blue-green and double-clone make a second stack from the template beside the first (the other
 * colour, the temporary); a physical name the template fixes would be taken by the first, and
 * the second would fail only after the migration had begun. Refused before anything happens.
 */
function refuseFixedNames(strategy: string, stackName: string, body: string): void {
  if (strategy !== 'blue-green' && strategy !== 'double-clone') return;
  const fixed = fixedNames(parseTemplateDocument(body, 'the template'), 'stack');
  if (fixed.length === 0) return;
  const second =
    strategy === 'blue-green'
      ? `${stackName}-blue and ${stackName}-green`
      : `${stackName} and ${stackName}-temporary`;
  throw new FixedNamesError(
    `The template names ${fixed.map((found) => `${found.resource} (${found.type}) by ${found.property} = ${found.value}`).join('; ')}: the same in every stack made from it. ${strategy} needs two stacks of it at once (${second}), and the second could not be created beside the first. Nothing was changed.`,
    fixed,
  );
}

/** What only a migration asks of the release: every output and parameter it names exists. */
function checkMigrationInputs(request: MigrateEnvironmentRequest, loaded: LoadedDefinition): void {
  const { definition, template } = loaded;
  if (request.dnsRecord && !template.outputs.includes(request.dnsRecord.output)) {
    throw new ConfigurationError(
      `names output ${request.dnsRecord.output}, which the template does not declare; outputs: ${template.outputs.join(', ') || 'none'}`,
      "input 'route53-endpoint-output'",
    );
  }
  if (request.hook) {
    checkPlaceholders(request.hook.onUrl, template.outputs, "input 'maintenance-on-url'");
    checkPlaceholders(request.hook.offUrl, template.outputs, "input 'maintenance-off-url'");
  }
  for (const [logicalId, parameter] of Object.entries(definition.migration.snapshotParameters)) {
    if (parameter in request.parameters) {
      throw new ConfigurationError(
        `${parameter} is filled in by the migration with ${logicalId}'s snapshot`,
        "input 'parameters'",
      );
    }
  }
}

/** A migration's result, with the version it migrated to. */
export interface MigrateEnvironmentResult extends MigrateResult {
  version: string;
}

/**
 * action-migrate: load the release, refuse what cannot be proven safe, then migrate the
 * environment by its strategy inside a GitHub deployment, and summarize where the data is.
 */
export async function migrateEnvironment(
  request: MigrateEnvironmentRequest,
  step: Step,
): Promise<MigrateEnvironmentResult> {
  const { logger, summary, run } = step;
  const settings = step.aws(request.awsRegion);
  const clients = createAwsClients(settings);
  // Loaded once the journal is read and the lock taken: the steps that use them come after.
  let services: MigrationClients | undefined;
  const service =
    <K extends keyof MigrationClients>(key: K) =>
    (): MigrationClients[K] => {
      if (!services) throw new Error(`The ${key} client was asked for before it was loaded.`);
      return services[key];
    };
  const s3 = () => clients.s3;
  checkEnvironmentVariables(request, undefined, process.env);
  // The journal, the lock and the ledger live there: a missing bucket stops the run before any
  // of them, or an upload, is written, once every check that needs no AWS has passed.
  const ready = artifactBucketCheck(
    request.artifactBucket,
    () => clients.s3,
    () => settings.region,
  );
  const release = await prepareRelease(request, {
    s3,
    uploads: { bucket: request.artifactBucket, region: () => settings.region, ready },
    logger,
    run,
    facts: step.facts,
    // Before the package's parts are verified or uploaded, and long before the lock.
    checkLoaded: (loaded) => checkEnvironmentVariables(request, loaded.definition, process.env),
  });
  const { definition, template } = release;
  const statistics = statisticsEndpoint(request, release.source.loaded);
  checkMigrationInputs(request, release.source.loaded);
  refuseFixedNames(request.strategy, release.stackName, template.body);
  await ready();
  await passPromotionGate(
    release,
    {
      bucket: request.artifactBucket,
      environments: request.requirePromotionFrom,
      gates: request.requireGates,
    },
    { s3, logger },
  );
  const context: MigrationContext = {
    cloudFormation: clients.cloudFormation,
    s3,
    autoScaling: service('autoScaling'),
    rds: service('rds'),
    dynamodb: service('dynamodb'),
    s3Control: service('s3Control'),
    ssm: service('ssm'),
    route53: service('route53'),
    loadServices: async () => {
      services ??= (await import('../aws/migration-clients.js')).createMigrationClients(settings);
    },
    logger,
    clock: step.deadline ?? systemClock,
    polling: defaultPolling(request.timeoutMinutes),
    afterStep: crashHook(logger),
    deadline: step.deadline,
  };
  const version = release.source.version;
  const templateUrl = needsUpload(template.body)
    ? await stageTemplate(
        clients.s3,
        {
          bucket: request.artifactBucket,
          region: clients.settings.region,
          component: definition.component,
        },
        template.body,
        logger,
      )
    : undefined;
  const result = await step.deployments.track(
    {
      environment: request.environment,
      version,
      component: definition.component,
      production: release.protect,
    },
    () =>
      migrate(context, {
        strategy: request.strategy,
        environment: request.environment,
        component: definition.component,
        version,
        templateBody: template.body,
        ...(templateUrl ? { templateUrl } : {}),
        parameters: release.parameters,
        tags: release.tags,
        capabilities: request.capabilities,
        stateful: definition.stateful,
        allowReplacement: request.allowReplacement,
        protect: release.protect,
        snapshotParameters: definition.migration.snapshotParameters,
        availability: request.availability,
        hook: request.hook,
        statistics,
        copyConcurrency: request.copyConcurrency,
        copyVersions: request.copyVersions,
        copyEngine: request.copyEngine,
        keepPreviousHours: request.keepPreviousHours,
        pointerParameter: pointerName(
          request.pointerParameter,
          request.environment,
          definition.component,
        ),
        dnsRecord: request.dnsRecord,
        recover: request.recover,
        drift: request.drift ?? (release.protect ? 'fail' : 'warn'),
        journalBucket: request.artifactBucket,
        run,
      }),
    async (migrated) => ({
      description: `${definition.component} ${version} on ${migrated.activeStack}${migrated.rolledBack ? ' (rolled back)' : ''}`,
      url: stackOutputs(await findStack(clients.cloudFormation, migrated.activeStack))[
        request.environmentUrlOutput
      ],
    }),
  );
  step.facts.stack = result.activeStack;
  const { journal } = result;
  const serving = summary.stackLink(result.activeStack);
  summary.verdict(
    'success',
    result.rolledBack
      ? `The unfinished migration of ${definition.component} in ${request.environment} rolled back (recover: rollback)`
      : journal.strategy === 'rollback'
        ? `${definition.component} in ${request.environment} rolled back to ${version} (from ${journal.stacks.leaving})`
        : `${definition.component} in ${request.environment} migrated to ${version}`,
    [
      serving,
      ' serves users',
      result.rolledBack
        ? '; the migration was undone'
        : (gateClause(result.gates)?.replace(/^/, '; ') ?? ''),
      '.',
    ],
  );
  journalFacts(summary, result.journal, result.journalUrl, [
    ['Serving users', serving],
    ['Resumed', result.resumed ? 'yes, from the journal of an earlier run' : undefined],
    ['Promotion ledger', summary.locate(result.record)],
  ]);
  gateTables(summary, result.gates);
  stepsTable(summary, result.journal);
  logger.info(`Where the data is: ${result.journal.dataLocation}`);
  return { ...result, version };
}
