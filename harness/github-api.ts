import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the GitHub REST API's deployment endpoints: it records every call it
 * receives (method, path, JSON body, authorization) and answers as GitHub does.
 */
export interface RecordedCall {
  method: string;
  path: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

export interface GitHubApi {
  endpoint: string;
  calls: RecordedCall[];
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
      return reply(404, { message: 'Not Found' });
    });
  });
  const api: GitHubApi = {
    endpoint: '',
    calls,
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
