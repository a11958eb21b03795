import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingServer {
  endpoint: string;
  requests: Array<{ method: string; url: string; body: string; at: number }>;
  close(): Promise<void>;
}

/**
 * A loopback HTTP server that records every request and answers each with `respond`
 * (default: a 500). Used to prove that an action made no AWS call, or exactly which.
 */
export async function startCountingServer(
  respond: (
    request: { method: string; url: string; body: string },
    index: number,
  ) => {
    status: number;
    body: string;
    headers?: Record<string, string>;
  } = () => ({ status: 500, body: 'unexpected request' }),
): Promise<CountingServer> {
  const requests: CountingServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(entry);
      const answer = respond(entry, requests.length - 1);
      res.writeHead(answer.status, { 'content-type': 'text/xml', ...(answer.headers ?? {}) });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
