import { readFileSync } from 'node:fs';

/** What the runner tells us about the run, for traceability tags and manifests. */
export interface RunContext {
  commit: string | null;
  runUrl: string | null;
  repository: string | null;
  /** The pull request the run is for (a `pull_request` event); undefined otherwise. */
  pullRequest?: number;
}

const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target'];

/** The pull request's number from the event payload the runner wrote. */
function pullRequestOf(env: NodeJS.ProcessEnv): number | undefined {
  if (!PULL_REQUEST_EVENTS.includes(env.GITHUB_EVENT_NAME ?? '') || !env.GITHUB_EVENT_PATH) {
    return undefined;
  }
  try {
    const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
      pull_request?: { number?: unknown };
    };
    const number = event.pull_request?.number;
    return typeof number === 'number' && Number.isInteger(number) && number > 0
      ? number
      : undefined;
  } catch {
    return undefined;
  }
}

export function runContextFromEnv(env: NodeJS.ProcessEnv = process.env): RunContext {
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  const repository = env.GITHUB_REPOSITORY || null;
  const runId = env.GITHUB_RUN_ID;
  const attempt = env.GITHUB_RUN_ATTEMPT;
  const runUrl =
    repository && runId
      ? `${server}/${repository}/actions/runs/${runId}${attempt && attempt !== '1' ? `/attempts/${attempt}` : ''}`
      : null;
  const pullRequest = pullRequestOf(env);
  return {
    commit: env.GITHUB_SHA || null,
    runUrl,
    repository,
    ...(pullRequest ? { pullRequest } : {}),
  };
}
