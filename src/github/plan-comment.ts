import type { getOctokit } from '@actions/github';
import type { Logger } from '../core/logger.js';
import { errorMessage } from '../core/errors.js';
import { link } from '../core/summary.js';

type Octokit = ReturnType<typeof getOctokit>;

/** What one plan's comment is about: one comment per component and environment on a PR. */
export interface PlanComment {
  repository: string;
  pullRequest: number;
  component: string;
  environment: string;
  /** The plan's verdict as the job summary shows it: its heading and reason (HTML). */
  verdict: string;
  /** The plan's sections (HTML), each a whole element, in order. */
  sections: string[];
  runUrl: string | null;
}

/** GitHub refuses comments over 65,536 characters; room is left for the marker and the fold. */
const MAX_BODY = 60_000;
// A pull request with more comments than this is not searched further: a new one is made.
const MAX_PAGES = 20;

function marker(comment: Pick<PlanComment, 'component' | 'environment'>): string {
  return `<!-- environment-pipeline plan: ${comment.component}/${comment.environment} -->`;
}

function runLink(runUrl: string | null, text: string): string {
  return runUrl ? link(text, runUrl).html : text;
}

/**
 * The verdict stays in sight; the plan's sections fold under it. Sections are kept whole, so
 * a plan longer than a comment can hold is cut between two of them, never inside a table.
 */
export function planCommentBody(comment: PlanComment): string {
  const kept: string[] = [];
  let size = comment.verdict.length;
  for (const section of comment.sections) {
    if (size + section.length > MAX_BODY) {
      kept.push(
        `<p>… ${comment.sections.length - kept.length} more section(s) of the plan do not fit in a comment; they are in ${runLink(comment.runUrl, "the run's summary")}.</p>\n`,
      );
      break;
    }
    kept.push(section);
    size += section.length;
  }
  return [
    marker(comment),
    comment.verdict.trimEnd(),
    `<details><summary>The plan: changes, the guard, parameters, drift</summary>\n${kept.join('')}</details>`,
    ...(comment.runUrl ? [`<p>${runLink(comment.runUrl, 'The run')}</p>`] : []),
  ].join('\n');
}

/** Who the token is: the author every comment it writes is shown with. */
interface Identity {
  login: string;
  id: number;
}

/**
 * The token's own identity, from GraphQL's `viewer`, which answers for a personal token and for
 * a GitHub App's installation token (GITHUB_TOKEN included) alike; REST's GET /user refuses the
 * latter. Undefined when it cannot be told: then no existing comment is taken as ours.
 */
async function identityOf(octokit: Octokit, logger: Logger): Promise<Identity | undefined> {
  try {
    const answer: { viewer?: { login?: unknown; databaseId?: unknown } } = await octokit.graphql(
      'query { viewer { login databaseId } }',
    );
    const { login, databaseId } = answer.viewer ?? {};
    if (typeof login === 'string' && typeof databaseId === 'number') {
      return { login, id: databaseId };
    }
    logger.warning(
      'GitHub did not say who the token is (GraphQL viewer without a login and an id); the plan is posted as a new comment rather than edit one the token may not have written.',
      { title: 'Plan comment' },
    );
  } catch (error) {
    logger.warning(
      `GitHub did not say who the token is (${logger.redact(errorMessage(error)).slice(0, 200)}); the plan is posted as a new comment rather than edit one the token may not have written.`,
      { title: 'Plan comment' },
    );
  }
  return undefined;
}

/**
 * The comment an earlier plan made: one written by this token's own identity that starts with
 * the marker. The marker alone proves nothing: anyone may write it.
 */
async function findComment(
  octokit: Octokit,
  comment: PlanComment,
  owner: string,
  repo: string,
  author: Identity,
): Promise<number | undefined> {
  const tag = marker(comment);
  for (let page = 1; page <= MAX_PAGES; page++) {
    const listed = await octokit.rest.issues.listComments({
      owner,
      repo,
      issue_number: comment.pullRequest,
      per_page: 100,
      page,
    });
    const found = listed.data.find(
      (existing) => existing.user?.id === author.id && existing.body?.startsWith(tag),
    );
    if (found) return found.id;
    if (listed.data.length < 100) return undefined;
  }
  return undefined;
}

/**
 * Creates the plan's comment on the pull request, or updates the one an earlier push made, so a
 * pull request has one comment per environment however often it is pushed. Best effort: the
 * plan is in the job summary whatever GitHub answers.
 */
export async function publishPlanComment(
  token: string,
  comment: PlanComment,
  logger: Logger,
): Promise<string | undefined> {
  const [owner, repo] = comment.repository.split('/') as [string, string];
  try {
    // Loaded only when a token asks for a comment (see deployments.ts for why).
    const { getOctokit } = await import('@actions/github');
    const octokit = getOctokit(token);
    // A pull request is read by more people than the run: masked values leave as ***, as in
    // the job summary.
    const body = logger.redact(planCommentBody(comment));
    const author = await identityOf(octokit, logger);
    const existing = author && (await findComment(octokit, comment, owner, repo, author));
    if (existing !== undefined) {
      const updated = await octokit.rest.issues.updateComment({
        owner,
        repo,
        comment_id: existing,
        body,
      });
      logger.info(`Updated the plan's comment on pull request #${comment.pullRequest}.`);
      return updated.data.html_url;
    }
    const created = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: comment.pullRequest,
      body,
    });
    logger.info(`Commented the plan on pull request #${comment.pullRequest}.`);
    return created.data.html_url;
  } catch (error) {
    logger.warning(
      `Could not comment the plan on pull request #${comment.pullRequest}: ${logger.redact(errorMessage(error)).slice(0, 300)}. The plan is in the job summary.`,
      { title: 'Plan comment' },
    );
    return undefined;
  }
}
