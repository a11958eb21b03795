import type { Capability } from '@aws-sdk/client-cloudformation';
import { createAwsClients, type AwsClients } from '../aws/clients.js';
import { artifactBucketCheck } from '../aws/s3-buckets.js';
import type { Step } from '../core/action-runner.js';
import { ConfigurationError, RefusalError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { systemClock } from '../core/waiter.js';
import type { LintMode } from '../definition/cfn-lint.js';
import { loadDefinition, SUITE_PARAMETERS } from '../definition/definition.js';
import { packageEnvironment, type PackageOutcome } from '../packaging/package-environment.js';
import type { PackageReference } from '../packaging/package-reference.js';
import { defaultPolling, type ProvisionContext } from './context.js';
import { deleteStack } from './delete-stack.js';
import { deleteEnvironment, type EnvironmentDeleteResult } from './delete-environment.js';
import { deployStack, type DeployRequest, type DeployResult } from './deploy-stack.js';
import type { Comparison } from '../parity/compare.js';
import { runCompare } from '../parity/compare-operation.js';
import { describeShape, shapeOf } from './environment-shape.js';
import { deployPlan, planStack, type StackPlan } from './plan.js';
import type { DriftMode } from './drift.js';
import { passPromotionGate, prepareRelease, type Release, type ReleaseContext } from './release.js';
import { needsUpload, noBucketForLargeTemplate, stageTemplate } from './template-upload.js';
import { smokeAfterDeploy, type SmokeAfterDeployResult } from './smoke-after-deploy.js';
import { stackNameFor } from '../aws/suite-tags.js';
import {
  deleteSummary,
  deploySmokeSummary,
  deploySummary,
  packageSummary,
  planSummary,
  fixedNamesConsequence,
  type PlannedFixedNames,
} from './summaries.js';
import { fixedNameRemedy, fixedNames, type NameScope } from '../definition/fixed-names.js';
import { parseTemplateDocument } from '../definition/template.js';
import { publishPlanComment } from '../github/plan-comment.js';

export const OPERATIONS = ['package', 'plan', 'deploy', 'delete', 'recreate', 'compare'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Every input of action-provision, validated once, before any AWS call. */
export interface ProvisionRequest {
  operation: Operation;
  definition: string;
  environment: string | undefined;
  version: string | undefined;
  package: PackageReference | undefined;
  artifactBucket: string | undefined;
  parameters: Record<string, string>;
  allowReplacement: string[];
  keepFailed: boolean;
  timeoutMinutes: number;
  capabilities: Capability[];
  outputDir: string;
  lint: LintMode;
  awsRegion: string | undefined;
  /** Run the definition's smoke checks once the stack is ready. */
  smokeTest: boolean;
  /** Environments whose promotion-ledger records this version must have passed. */
  requirePromotionFrom: string[];
  /** Where the promotion ledger lives: artifact-bucket, else the package's bucket. */
  ledgerBucket: string | undefined;
  /** Records a GitHub deployment for deploy and recreate when set. */
  githubToken: string | undefined;
  /** The stack output a successful GitHub deployment links to. */
  environmentUrlOutput: string;
  /** A change set kept by operation: plan, which deploy executes after proving it applies. */
  changeSet: string | undefined;
  /** operation: compare: the environment compared with `environment`. */
  compareTo: string | undefined;
  /** operation: compare: a difference nothing explains fails the step. */
  failOnDifference: boolean;
  /** What to do about drift; undefined: fail for a protected environment, warn elsewhere. */
  drift: DriftMode | undefined;
}

/** A deploy's stack, its outputs as they may leave the step, and its smoke test if it ran. */
export interface DeployOutcome {
  deployed: DeployResult;
  /** The stack's outputs as they may leave the step: a masked value inside is ***. */
  outputs: Record<string, string>;
  smoke: SmokeAfterDeployResult | undefined;
}

export type ProvisionResult =
  | { operation: 'package'; packaged: PackageOutcome }
  | {
      operation: 'plan';
      plan: StackPlan;
      environment: string;
      /** The plan as a reviewer reads it: the summary's, the comment's and an output. */
      markdown: string;
      /** The pull-request comment showing the plan, when one was made or updated. */
      commentUrl: string | undefined;
    }
  | ({ operation: 'deploy' | 'recreate' } & DeployOutcome)
  | { operation: 'delete'; stackName: string; deleted: EnvironmentDeleteResult }
  | { operation: 'compare'; comparison: Comparison };

/** The names of action-provision's own outputs, which a stack output cannot take. */
export const PROVISION_OUTPUTS = [
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
  'change-set-id',
  'change-set-name',
  'has-changes',
  'guard',
  'plan',
  'plan-markdown',
  'drifted',
  'comment-url',
  'differences',
  'comparison',
];

function provisionContext(
  clients: AwsClients,
  step: Step,
  timeoutMinutes: number,
): ProvisionContext {
  return {
    cloudFormation: clients.cloudFormation,
    s3: () => clients.s3,
    logger: step.logger,
    clock: step.deadline ?? systemClock,
    polling: defaultPolling(timeoutMinutes),
    ...(step.deadline ? { deadline: step.deadline } : {}),
  };
}

/**
 * A stack output can embed a NoEcho parameter (a connection string with its password), and
 * GITHUB_OUTPUT is not masked by the runner: such an output leaves with the value as ***.
 */
function publishableOutputs(
  outputs: Record<string, string>,
  logger: Logger,
): Record<string, string> {
  const publishable: Record<string, string> = {};
  for (const [key, value] of Object.entries(outputs)) {
    publishable[key] = logger.redact(value);
    if (publishable[key] !== value) {
      logger.warning(
        `Stack output '${key}' contains a masked value (a NoEcho parameter or a secret); it is written to the step's outputs with that value as ***.`,
      );
    }
    if (PROVISION_OUTPUTS.includes(key)) {
      logger.warning(
        `Stack output '${key}' has the name of one of this action's outputs; read it from 'outputs' instead.`,
      );
    }
  }
  return publishable;
}

/**
 * Names the template fixes, the same in every stack (`stack`: two colours of a blue/green
 * environment) or every environment (`account`: two environments in one account and region),
 * each a warning: a plan and a plain deploy say so; a migration that needs two refuses.
 */
function warnFixedNames(
  release: Release,
  scope: NameScope,
  given: Record<string, string>,
  logger: Logger,
): PlannedFixedNames {
  // A parameter no environment sets, nor the step, nor the pipeline, is the same everywhere.
  const varying = new Set([
    ...Object.values(release.definition.environments).flatMap((settings) =>
      Object.keys(settings.parameters),
    ),
    ...Object.keys(given),
    ...SUITE_PARAMETERS,
  ]);
  const constant = new Set(
    Object.keys(release.template.parameters).filter((name) => !varying.has(name)),
  );
  const found = fixedNames(
    parseTemplateDocument(release.template.body, 'the template'),
    scope,
    constant,
  );
  const fixed = { scope, found };
  for (const name of found) {
    logger.warning(
      `${name.resource} (${name.type}) is named by ${name.property} = ${name.value}, the same in every ${scope === 'stack' ? 'stack' : 'environment'}: ${fixedNamesConsequence(fixed)}. To fix: ${fixedNameRemedy(name)}.`,
      { title: 'A fixed physical name' },
    );
  }
  return fixed;
}

/** The check of the step's artifact bucket, run once before its first write. */
function bucketReady(request: ProvisionRequest, clients: () => AwsClients): () => Promise<void> {
  return artifactBucketCheck(
    request.artifactBucket,
    () => clients().s3,
    () => clients().settings.region,
  );
}

function releaseContext(
  request: ProvisionRequest,
  step: Step,
  clients: AwsClients,
  ready: () => Promise<void>,
): ReleaseContext {
  return {
    s3: () => clients.s3,
    // A definition's local parts go where a large template goes: the artifact bucket.
    uploads: { bucket: request.ledgerBucket, region: () => clients.settings.region, ready },
    logger: step.logger,
    run: step.run,
    facts: step.facts,
  };
}

async function runPackage(request: ProvisionRequest, step: Step, clients: () => AwsClients) {
  const started = Date.now();
  const packaged = await packageEnvironment(
    {
      definitionFile: request.definition,
      version: request.version,
      outputDir: request.outputDir,
      artifactBucket: request.artifactBucket,
      region: () => clients().settings.region,
      lint: request.lint,
      bucketReady: bucketReady(request, clients),
    },
    step.run,
    new Date(),
    () => clients().s3,
    step.logger,
  );
  packageSummary(step.summary, packaged, Date.now() - started);
  return { operation: 'package', packaged } as const;
}

async function runDeploy(
  request: ProvisionRequest & { operation: 'deploy' | 'recreate'; environment: string },
  step: Step,
  clients: AwsClients,
): Promise<ProvisionResult> {
  const started = Date.now();
  const { logger, summary } = step;
  const ready = bucketReady(request, () => clients);
  const release = await prepareRelease(
    { ...request, environment: request.environment },
    releaseContext(request, step, clients, ready),
  );
  const { definition, stackName } = release;
  // Every mistake that needs no AWS is told first.
  if (request.smokeTest && definition.smoke.length === 0) {
    throw new ConfigurationError(
      `is true, but ${release.source.label} has no smoke section in its definition; add one (see action-smoke-test's README) or drop smoke-test`,
      "input 'smoke-test'",
    );
  }
  if (request.operation === 'recreate' && release.protect) {
    throw new ConfigurationError(
      `'${request.environment}' is a protected environment; recreate (delete, then deploy) is refused for it. Use operation: deploy.`,
      "input 'environment'",
    );
  }
  if (needsUpload(release.template.body) && request.ledgerBucket === undefined) {
    throw noBucketForLargeTemplate(release.template.body, 'artifact-bucket');
  }
  await ready();
  const shape = await logger.group(`Read the shape of ${request.environment}`, () =>
    shapeOf(clients, request.environment, definition.component, release.settings?.layout),
  );
  if (shape.layout === 'blue-green') {
    throw new RefusalError(
      `${request.environment} is ${describeShape(shape)}: ${request.operation} would create a third stack, ${stackName}, beside the colours, with none of their data. Nothing was changed.`,
      `Deploy a new version of a blue/green environment with action-migrate (strategy: blue-green), which builds it in the idle colour and moves the pointer; its first run creates ${stackName}-blue.`,
      'A blue/green environment is changed by action-migrate',
    );
  }
  warnFixedNames(release, 'account', request.parameters, logger);
  await passPromotionGate(
    release,
    {
      bucket: request.ledgerBucket,
      environments: request.requirePromotionFrom,
      gates: ['smoke'],
    },
    { s3: () => clients.s3, logger },
  );
  const context = provisionContext(clients, step, request.timeoutMinutes);
  const change = async (): Promise<DeployOutcome> => {
    if (request.operation === 'recreate') {
      await logger.group(`Delete ${stackName} (recreate)`, () => deleteStack(context, stackName));
    }
    const deploy = await deployRequest(release, request, clients, logger);
    const deployed = request.changeSet
      ? await deployPlan(context, deploy, request.changeSet, definition.component)
      : await deployStack(context, deploy);
    deploySummary(
      summary,
      request.environment,
      deployed,
      release.source.label,
      Date.now() - started,
    );
    const outputs = publishableOutputs(deployed.outputs, logger);
    logger.info(
      deployed.changed
        ? `${deployed.stackName} is ${deployed.status} at version ${deployed.version}.`
        : `${deployed.stackName} already matches version ${deployed.version}; nothing changed.`,
    );
    if (!request.smokeTest) return { deployed, outputs, smoke: undefined };
    const smoke = await smokeAfterDeploy(context, deployed, definition.smoke, {
      keepFailed: request.keepFailed,
      protect: release.protect,
      outputs,
      ledger:
        request.ledgerBucket === undefined
          ? undefined
          : {
              bucket: request.ledgerBucket,
              subject: {
                component: definition.component,
                version: deployed.version,
                environment: request.environment,
              },
              run: step.run,
            },
    });
    deploySmokeSummary(summary, request.environment, deployed, smoke.report, smoke.record);
    return { deployed, outputs, smoke };
  };
  const outcome = await step.deployments.track(
    {
      environment: request.environment,
      version: release.source.version,
      component: definition.component,
      production: release.protect,
    },
    change,
    ({ deployed }) =>
      Promise.resolve({
        description: `${definition.component} ${deployed.version} on ${deployed.stackName}`,
        url: deployed.outputs[request.environmentUrlOutput],
      }),
  );
  return { operation: request.operation, ...outcome };
}

/**
 * What a deploy of this release asks CloudFormation for: the same for a plan and a deploy. A
 * template too large for the request is uploaded first, to the bucket the ledger lives in.
 */
async function deployRequest(
  release: Release,
  request: ProvisionRequest,
  clients: AwsClients,
  logger: Logger,
): Promise<DeployRequest> {
  const body = release.template.body;
  let templateUrl: string | undefined;
  if (needsUpload(body)) {
    if (request.ledgerBucket === undefined) throw noBucketForLargeTemplate(body, 'artifact-bucket');
    templateUrl = await stageTemplate(
      clients.s3,
      {
        bucket: request.ledgerBucket,
        region: clients.settings.region,
        component: release.definition.component,
      },
      body,
      logger,
    );
  }
  return {
    stackName: release.stackName,
    version: release.source.version,
    templateBody: body,
    ...(templateUrl ? { templateUrl } : {}),
    parameters: release.parameters,
    tags: release.tags,
    capabilities: request.capabilities,
    stateful: release.definition.stateful,
    allowReplacement: request.allowReplacement,
    keepFailed: request.keepFailed,
    protect: release.protect,
    drift: request.drift ?? (release.protect ? 'fail' : 'warn'),
    noEcho: Object.entries(release.template.parameters)
      .filter(([, parameter]) => parameter.noEcho)
      .map(([name]) => name),
    parameterDefaults: Object.fromEntries(
      Object.entries(release.template.parameters).flatMap(([name, parameter]) =>
        parameter.defaultValue === undefined ? [] : [[name, parameter.defaultValue]],
      ),
    ),
  };
}

async function runPlan(
  request: ProvisionRequest & { environment: string },
  step: Step,
  clients: AwsClients,
): Promise<ProvisionResult> {
  const started = Date.now();
  // A plan records no GitHub deployment (its token is for the comment): no URL output needed.
  const ready = bucketReady(request, () => clients);
  const release = await prepareRelease(
    { ...request, githubToken: undefined },
    releaseContext(request, step, clients, ready),
  );
  await ready();
  const context = provisionContext(clients, step, request.timeoutMinutes);
  let scope: NameScope = 'account';
  const plan = await planStack(context, {
    ...(await deployRequest(release, request, clients, step.logger)),
    stackName: await step.logger.group(`Read the shape of ${release.environment}`, async () => {
      const shape = await shapeOf(
        clients,
        release.environment,
        release.definition.component,
        release.settings?.layout,
      );
      // A blue/green environment's next version is built in a colour from the release: the
      // change a reviewer needs is against the colour serving users, or the first colour.
      const planned =
        shape.layout === 'blue-green'
          ? (shape.serving?.StackName ?? `${shape.stackName}-blue`)
          : shape.stackName;
      step.logger.info(`${release.environment} is ${describeShape(shape)}; planning ${planned}.`);
      scope = shape.layout === 'blue-green' ? 'stack' : 'account';
      return planned;
    }),
    component: release.definition.component,
    commit: release.source.commit,
  });
  const fixed = warnFixedNames(release, scope, request.parameters, step.logger);
  // One rendering for the job summary, the pull-request comment and the plan-markdown output.
  planSummary(
    step.summary,
    request.environment,
    plan,
    release.source.label,
    Date.now() - started,
    fixed,
  );
  const markdown = step.summary.toHtml();
  const comment = await commentPlan(request, step, release);
  return {
    operation: 'plan',
    plan,
    environment: request.environment,
    markdown,
    commentUrl: comment,
  };
}

/** With a token on a pull request: the plan as one comment per environment, kept up to date. */
async function commentPlan(
  request: ProvisionRequest & { environment: string },
  step: Step,
  release: Release,
): Promise<string | undefined> {
  if (!request.githubToken) return undefined;
  const { pullRequest, repository, runUrl } = step.run;
  if (!pullRequest || !repository) {
    step.logger.info('Not a pull request run: the plan is in the job summary, not in a comment.');
    return undefined;
  }
  return publishPlanComment(
    request.githubToken,
    {
      repository,
      pullRequest,
      component: release.definition.component,
      environment: request.environment,
      verdict: step.summary.verdictHtml(),
      sections: step.summary.sectionsHtml(),
      runUrl,
    },
    step.logger,
  );
}

async function runDelete(
  request: ProvisionRequest & { environment: string },
  step: Step,
  clients: AwsClients,
): Promise<ProvisionResult> {
  const started = Date.now();
  step.facts.environment = request.environment;
  const { definition } = await loadDefinition(request.definition);
  const stackName = stackNameFor(request.environment, definition.component);
  Object.assign(step.facts, { component: definition.component, stack: stackName });
  const shape = await step.logger.group(`Read the shape of ${request.environment}`, () =>
    shapeOf(
      clients,
      request.environment,
      definition.component,
      definition.environments[request.environment]?.layout,
    ),
  );
  const context = provisionContext(clients, step, request.timeoutMinutes);
  const { createMigrationClients } = await import('../aws/migration-clients.js');
  const deleted = await deleteEnvironment(
    context,
    () => createMigrationClients(clients.settings).ssm,
    shape,
  );
  deleteSummary(step.summary, request.environment, deleted, Date.now() - started);
  return { operation: 'delete', stackName, deleted };
}

/** action-provision: package an environment, or deploy, recreate or delete one. */
export async function provision(request: ProvisionRequest, step: Step): Promise<ProvisionResult> {
  // A region mistake is told before any work, unless the operation never calls AWS.
  if (request.operation !== 'package' || request.artifactBucket) step.aws(request.awsRegion);
  let clients: AwsClients | undefined;
  const lazyClients = () => (clients ??= createAwsClients(step.aws(request.awsRegion)));
  const { operation, environment } = request;
  if (operation === 'package') return runPackage(request, step, lazyClients);
  // The inputs require an environment for every operation but package.
  if (environment === undefined) {
    throw new ConfigurationError(`is required for operation '${operation}'`, "input 'environment'");
  }
  if (operation === 'delete') return runDelete({ ...request, environment }, step, lazyClients());
  if (operation === 'plan') return runPlan({ ...request, environment }, step, lazyClients());
  if (operation === 'compare') return runCompare({ ...request, environment }, step, lazyClients());
  return runDeploy({ ...request, operation, environment }, step, lazyClients());
}
