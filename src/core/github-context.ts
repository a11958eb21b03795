/** What the runner tells us about the run, for traceability tags and manifests. */
export interface RunContext {
  commit: string | null;
  runUrl: string | null;
  repository: string | null;
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
  return { commit: env.GITHUB_SHA || null, runUrl, repository };
}
