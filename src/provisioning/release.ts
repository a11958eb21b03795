import type { S3Client } from '@aws-sdk/client-s3';
import type { StepFacts } from '../core/action-runner.js';
import { ConfigurationError } from '../core/errors.js';
import type { RunContext } from '../core/github-context.js';
import type { Logger } from '../core/logger.js';
import type {
  EnvironmentDefinition,
  EnvironmentSettings,
  LoadedDefinition,
} from '../definition/definition.js';
import type { ParsedTemplate } from '../definition/template.js';
import { checkEnvironmentUrlOutput } from '../github/deployments.js';
import type { PackageReference } from '../packaging/package-reference.js';
import { requirePromotion, type Gate } from '../promotion/ledger.js';
import { resolveDeploySource, type DeploySource, type UploadTarget } from './deploy-source.js';
import { stackNameFor } from '../aws/suite-tags.js';
import { resolveParameters, stackTags } from './stack-settings.js';

/** Which release of an environment a deploy or a migration asks for. */
export interface ReleaseRequest {
  package: PackageReference | undefined;
  definition: string;
  version: string | undefined;
  environment: string;
  parameters: Record<string, string>;
  environmentUrlOutput: string;
  /** Deployments are recorded on GitHub: the URL output must then exist. */
  githubToken: string | undefined;
}

/** Where the release is read from and what it is announced as (the step's facts). */
export interface ReleaseContext {
  s3: () => S3Client;
  /** Where a template's local parts go when the release is deployed from a definition. */
  uploads: UploadTarget;
  logger: Logger;
  run: RunContext;
  facts: StepFacts;
  /** Checks of the definition as soon as it is read, before anything else is asked of AWS. */
  checkLoaded?: (loaded: LoadedDefinition) => void;
}

/**
 * A release ready to go to one environment: what provision and migrate both need before they
 * change anything, resolved the same way for both.
 */
export interface Release {
  source: DeploySource;
  definition: EnvironmentDefinition;
  template: ParsedTemplate;
  environment: string;
  /** The environment's settings in the definition; undefined for an ad-hoc environment. */
  settings: EnvironmentSettings | undefined;
  /** A protected environment: termination protection on, never deleted or recreated. */
  protect: boolean;
  stackName: string;
  parameters: Record<string, string>;
  tags: Record<string, string>;
}

/**
 * Opens the package (verified) or reads the definition, then resolves the parameters, the tags
 * and the protection of the environment, and checks the deployment URL output: everything a
 * change needs that can be refused before any stack is touched.
 */
export async function prepareRelease(
  request: ReleaseRequest,
  context: ReleaseContext,
): Promise<Release> {
  const { logger, run, facts } = context;
  facts.environment = request.environment;
  const source = await logger.group('Load the environment', () =>
    resolveDeploySource(
      request.package,
      request.definition,
      request.version,
      run,
      new Date(),
      context.s3,
      logger,
      context.uploads,
      context.checkLoaded,
    ),
  );
  const { definition, template } = source.loaded;
  const stackName = stackNameFor(request.environment, definition.component);
  Object.assign(facts, {
    component: definition.component,
    version: source.version,
    stack: stackName,
    source: source.label,
  });
  const settings = definition.environments[request.environment];
  if (!settings) {
    logger.info(
      `Environment '${request.environment}' is not named in the definition; deploying it with the definition's defaults (an ad-hoc environment).`,
    );
  }
  const parameters = resolveParameters(
    definition,
    template,
    request.environment,
    request.parameters,
    source.version,
    logger,
  );
  checkEnvironmentUrlOutput(request.environmentUrlOutput, request.githubToken, template.outputs);
  return {
    source,
    definition,
    template,
    environment: request.environment,
    settings,
    protect: settings?.protected ?? false,
    stackName,
    parameters,
    tags: stackTags(definition, request.environment, source.version, {
      ...run,
      // The package's commit and build run, so the same package always carries the same tags.
      commit: source.commit,
      runUrl: source.runUrl,
    }),
  };
}

/**
 * The promotion gate: the release must have passed `gates` in each of `environments` (their
 * records in the ledger), else the change is refused before it starts.
 */
export async function passPromotionGate(
  release: Release,
  gate: { bucket: string | undefined; environments: string[]; gates: Gate[] },
  context: Pick<ReleaseContext, 's3' | 'logger'>,
): Promise<void> {
  if (gate.environments.length === 0) return;
  const { bucket } = gate;
  // The inputs require it with the gate; a gate with no ledger to read is refused, never passed.
  if (bucket === undefined) {
    throw new ConfigurationError(
      'needs the promotion ledger: set artifact-bucket',
      "input 'require-promotion-from'",
    );
  }
  const label = `${gate.gates.join(' and ')} in ${gate.environments.join(', ')}`;
  await context.logger.group(`Promotion gate: ${label}`, () =>
    requirePromotion(
      context.s3(),
      bucket,
      {
        component: release.definition.component,
        version: release.source.version,
        environments: gate.environments,
        gates: gate.gates,
      },
      context.logger,
    ),
  );
}
