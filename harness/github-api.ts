import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the GitHub REST API's deployment and issue-comment endpoints: it records every call it
 * receives (method, path, JSON body, authorization) and answers as GitHub does.
 */
export interface RecordedCall {
  method: string;
  path: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

export interface Author {
  login: string;
  id: number;
}

export interface StoredComment {
  id: number;
  issue: number;
  body: string;
  user: Author;
}

/** Who GITHUB_TOKEN is, as GitHub answers: the GitHub Actions app's bot user. */
export const ACTIONS_BOT: Author = { login: 'github-actions[bot]', id: 41898282 };

export interface GitHubApi {
  endpoint: string;
  calls: RecordedCall[];
  /** Issue and pull-request comments, as created and updated through the API. */
  comments: StoredComment[];
  /** Who the token is (GraphQL `viewer`), and the author of every comment it writes. */
  viewer: Author;
  /** When set, GraphQL answers with this error instead of the viewer. */
  viewerError: string | undefined;
  /** When set, the answer to creating a deployment (GitHub answers 202 without an id at times). */
  createAnswer: { status: number; body: unknown } | undefined;
  close(): Promise<void>;
}

export async function startGitHubApi(): Promise<GitHubApi> {
  const calls: RecordedCall[] = [];
  let next = 100;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      calls.push({
        method: request.method ?? '',
        path,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        authorization: request.headers.authorization,
      });
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.method === 'POST' && path === '/graphql') {
        if (api.viewerError)
          return reply(200, { data: null, errors: [{ message: api.viewerError }] });
        return reply(200, {
          data: { viewer: { login: api.viewer.login, databaseId: api.viewer.id } },
        });
      }
      if (request.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/deployments$/.test(path)) {
        if (api.createAnswer) return reply(api.createAnswer.status, api.createAnswer.body);
        return reply(201, { id: ++next, url: `${path}/${next}` });
      }
      if (
        request.method === 'POST' &&
        /^\/repos\/[^/]+\/[^/]+\/deployments\/\d+\/statuses$/.test(path)
      ) {
        return reply(201, { id: ++next });
      }
      const issueComments = /^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path);
      if (issueComments && request.method === 'GET') {
        const query = new URL(request.url ?? '/', 'http://localhost').searchParams;
        const perPage = Number(query.get('per_page') ?? '30');
        const page = Number(query.get('page') ?? '1');
        const all = api.comments.filter((comment) => comment.issue === Number(issueComments[1]));
        return reply(
          200,
          all.slice((page - 1) * perPage, page * perPage).map((comment) => ({
            id: comment.id,
            body: comment.body,
            user: { login: comment.user.login, id: comment.user.id, type: 'User' },
            html_url: `https://github.example/comment/${comment.id}`,
          })),
        );
      }
      if (issueComments && request.method === 'POST') {
        const comment = {
          id: ++next,
          issue: Number(issueComments[1]),
          body: String((JSON.parse(text) as { body?: unknown }).body),
          user: api.viewer,
        };
        api.comments.push(comment);
        return reply(201, {
          id: comment.id,
          html_url: `https://github.example/comment/${comment.id}`,
        });
      }
      const oneComment = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path);
      if (oneComment && request.method === 'PATCH') {
        const comment = api.comments.find((stored) => stored.id === Number(oneComment[1]));
        if (!comment) return reply(404, { message: 'Not Found' });
        comment.body = String((JSON.parse(text) as { body?: unknown }).body);
        return reply(200, {
          id: comment.id,
          html_url: `https://github.example/comment/${comment.id}`,
        });
      }
      return reply(404, { message: 'Not Found' });
    });
  });
  const api: GitHubApi = {
    endpoint: '',
    calls,
    comments: [],
    viewer: ACTIONS_BOT,
    viewerError: undefined,
    createAnswer: undefined,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  api.endpoint = `http://127.0.0.1:${port}`;
  return api;
}
