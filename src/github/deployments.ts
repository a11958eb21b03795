import type { getOctokit } from '@actions/github';
import { errorMessage } from '../core/errors.js';
import { ConfigurationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/** What a deployment record says: which version of what went where, from which run. */
export interface DeploymentSubject {
  environment: string;
  version: string;
  component: string;
  /** `owner/repo`; from GITHUB_REPOSITORY. */
  repository: string;
  /** The commit deployed; from GITHUB_SHA. */
  ref: string;
  runUrl: string | null;
  /** Production deployments are marked so in GitHub; others are not. */
  production: boolean;
}

type Octokit = ReturnType<typeof getOctokit>;

/**
 * GitHub caps a status description at 140 characters. Whoever may read the repository reads
 * it: masked values are removed first, then it is cut, so no start of one is left.
 */
function short(text: string, redact: (text: string) => string): string {
  const redacted = redact(text);
  return redacted.length <= 140 ? redacted : `${redacted.slice(0, 139)}…`;
}

/**
 * A GitHub deployment for one deploy or migration, so the repository's Deployments view shows
 * which version runs where. Recording is best effort: a GitHub API failure is a warning and
 * never fails (or stops) the change to the environment itself.
 */
export class GitHubDeployment {
  private id: number | undefined;

  private constructor(
    private readonly octokit: Octokit,
    private readonly subject: DeploymentSubject,
    private readonly logger: Logger,
  ) {}

  static async start(
    token: string,
    subject: DeploymentSubject,
    logger: Logger,
  ): Promise<GitHubDeployment> {
    // Loaded only when a token asks for deployments: Octokit is a fifth of the bundle, and
    // every other run starts faster without it (scripts/bundle.mjs lists its licenses).
    const { getOctokit: octokit } = await import('@actions/github');
    const deployment = new GitHubDeployment(octokit(token), subject, logger);
    await deployment.create();
    return deployment;
  }

  private get repo() {
    const [owner, repo] = this.subject.repository.split('/') as [string, string];
    return { owner, repo };
  }

  private async create(): Promise<void> {
    const { subject } = this;
    try {
      const created = await this.octokit.rest.repos.createDeployment({
        ...this.repo,
        ref: subject.ref,
        environment: subject.environment,
        description: short(`${subject.component} ${subject.version}`, (text) =>
          this.logger.redact(text),
        ),
        // The environment is deployed from a verified package, not from a merge of the branch.
        auto_merge: false,
        required_contexts: [],
        production_environment: subject.production,
        payload: { component: subject.component, version: subject.version },
      });
      if (!('id' in created.data)) {
        this.logger.warning(
          `GitHub did not create a deployment for ${subject.environment}: ${this.logger.redact(JSON.stringify(created.data)).slice(0, 200)}`,
        );
        return;
      }
      this.id = created.data.id;
      await this.status('in_progress', `Deploying ${subject.component} ${subject.version}`);
      this.logger.info(`GitHub deployment ${this.id} for ${subject.environment} started.`);
    } catch (error) {
      this.logger.warning(
        `Could not record a GitHub deployment for ${subject.environment}: ${errorMessage(error)}`,
        { title: 'GitHub deployment not recorded' },
      );
    }
  }

  private async status(
    state: 'in_progress' | 'success' | 'failure',
    description: string,
    environmentUrl?: string,
  ): Promise<void> {
    if (this.id === undefined) return;
    await this.octokit.rest.repos.createDeploymentStatus({
      ...this.repo,
      deployment_id: this.id,
      state,
      description: short(description, (text) => this.logger.redact(text)),
      environment: this.subject.environment,
      auto_inactive: state === 'success',
      ...(this.subject.runUrl ? { log_url: this.subject.runUrl } : {}),
      ...(environmentUrl ? { environment_url: this.logger.redact(environmentUrl) } : {}),
    });
  }

  private async finish(
    state: 'success' | 'failure',
    description: string,
    environmentUrl?: string,
  ): Promise<void> {
    try {
      await this.status(state, description, environmentUrl);
    } catch (error) {
      this.logger.warning(
        `Could not mark GitHub deployment ${this.id} ${state}: ${errorMessage(error)}`,
        { title: 'GitHub deployment not updated' },
      );
    }
  }

  succeed(description: string, environmentUrl: string | undefined): Promise<void> {
    return this.finish('success', description, environmentUrl);
  }

  fail(reason: string): Promise<void> {
    return this.finish('failure', reason);
  }
}

/** The deployment subject of this run, or why there cannot be one. */
export function deploymentSubject(
  fields: Pick<DeploymentSubject, 'environment' | 'version' | 'component' | 'production'>,
  runUrl: string | null,
  env: NodeJS.ProcessEnv = process.env,
): DeploymentSubject | string {
  const repository = env.GITHUB_REPOSITORY;
  const ref = env.GITHUB_SHA;
  if (!repository || !/^[^/]+\/[^/]+$/.test(repository) || !ref) {
    return 'GITHUB_REPOSITORY and GITHUB_SHA are not set (not running in GitHub Actions)';
  }
  return { ...fields, repository, ref, runUrl };
}

/**
 * Runs `work` inside a GitHub deployment when a token is given: in_progress first, then
 * success (with what `describe` says) or failure (with the error). Without a token, just runs.
 */
export async function trackDeployment<T>(
  token: string | undefined,
  fields: Pick<DeploymentSubject, 'environment' | 'version' | 'component' | 'production'>,
  runUrl: string | null,
  logger: Logger,
  work: () => Promise<T>,
  describe: (value: T) => Promise<{ description: string; url: string | undefined }>,
): Promise<T> {
  if (token === undefined) return work();
  const subject = deploymentSubject(fields, runUrl);
  if (typeof subject === 'string') {
    logger.warning(`No GitHub deployment recorded: ${subject}.`);
    return work();
  }
  const deployment = await GitHubDeployment.start(token, subject, logger);
  let value: T;
  try {
    value = await work();
  } catch (error) {
    await deployment.fail(errorMessage(error));
    throw error;
  }
  const outcome = await describe(value);
  await deployment.succeed(outcome.description, outcome.url);
  return value;
}

/** Runs a change inside a GitHub deployment, or just runs it when there is no token. */
export interface DeploymentTracker {
  track<T>(
    fields: Pick<DeploymentSubject, 'environment' | 'version' | 'component' | 'production'>,
    work: () => Promise<T>,
    describe: (value: T) => Promise<{ description: string; url: string | undefined }>,
  ): Promise<T>;
}

/** The tracker of one step: its token (if any), its run's URL and its logger, given once. */
export function deploymentTracker(
  token: string | undefined,
  runUrl: string | null,
  logger: Logger,
): DeploymentTracker {
  return {
    track: (fields, work, describe) =>
      trackDeployment(token, fields, runUrl, logger, work, describe),
  };
}

/** The stack output a GitHub deployment links to, unless the user changed it. */
export const DEFAULT_URL_OUTPUT = 'ServiceUrl';

/**
 * The output a deployment links to must be one the template declares: refused before any AWS
 * call when a token asks for deployments or when another output than the default was named.
 */
export function checkEnvironmentUrlOutput(
  output: string,
  githubToken: string | undefined,
  declared: readonly string[],
): void {
  if (declared.includes(output)) return;
  if (githubToken === undefined && output === DEFAULT_URL_OUTPUT) return;
  throw new ConfigurationError(
    `names output ${output}, which the template does not declare; outputs: ${declared.join(', ') || 'none'}`,
    "input 'environment-url-output'",
  );
}
