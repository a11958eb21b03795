import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardTo } from './counting-proxy.js';

export interface LatencyProxy {
  endpoint: string;
  requests(): number;
  close(): Promise<void>;
}

/**
 * A loopback proxy that holds every request `delayMs` before forwarding it to `upstream`: the
 * round trip to a real S3 endpoint, which moto on loopback does not have. Requests wait side by
 * side, so what it measures is how well a client keeps requests in flight.
 */
export async function startLatencyProxy(upstream: string, delayMs: number): Promise<LatencyProxy> {
  const target = new URL(upstream);
  let requests = 0;
  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      requests += 1;
      setTimeout(() => forwardTo(target, incoming, Buffer.concat(chunks), outgoing), delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
