import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingProxy {
  endpoint: string;
  /** Arrival time (ms since epoch) and a label of each request since the last reset. */
  requests: Array<{ at: number; label: string }>;
  reset(): void;
  close(): Promise<void>;
}

function label(request: http.IncomingMessage, body: Buffer): string {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') return target;
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('utf8'))?.[1];
  return action ?? `${request.method} ${request.url?.split('?')[0]}`;
}

/** Sends a request, already read into `body`, on to `target` and relays the answer. */
export function forwardTo(
  target: URL,
  incoming: http.IncomingMessage,
  body: Buffer,
  outgoing: http.ServerResponse,
): void {
  const forward = http.request(
    {
      hostname: target.hostname,
      port: target.port,
      method: incoming.method,
      path: incoming.url,
      headers: incoming.headers,
    },
    (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(outgoing);
    },
  );
  forward.on('error', (error) => {
    outgoing.writeHead(502);
    outgoing.end(String(error));
  });
  forward.end(body);
}

/** A loopback proxy that forwards every request to `upstream` and records when it arrived. */
export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const target = new URL(upstream);
  const requests: CountingProxy['requests'] = [];
  const server = http.createServer((incoming, outgoing) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ at, label: label(incoming, body) });
      forwardTo(target, incoming, body, outgoing);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    reset: () => {
      requests.length = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
