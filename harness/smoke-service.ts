import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real loopback HTTP service with one route per behaviour a smoke test must judge:
 * healthy, failing then recovering, never recovering, a /test report with a failing entry,
 * maintenance mode, slow, and a concurrency bug that only parallel callers can trigger.
 */
export interface SmokeService {
  endpoint: string;
  /** Requests received per path (without query), since start. */
  hits: Map<string, number>;
  /** Headers of the last request to /echo. */
  lastEcho: http.IncomingHttpHeaders | undefined;
  close(): Promise<void>;
}

const HEALTH = {
  BuildVersion: '1.0.16209.8792',
  BuildTimestamp: '2016-07-27T04:53:04+00:00',
  DatabaseConnectivity: true,
  MaintenanceMode: false,
};

function testReport(failing: boolean): unknown {
  return {
    Health: HEALTH,
    Tests: [
      {
        Name: 'QueryApiStatistics',
        Description: 'A test which returns the api statistics.',
        Endpoint: '/admin/statistics',
        Success: true,
        Error: null,
      },
      {
        Name: 'GenerateClientToken',
        Description: 'A test to check that a client token can be generated.',
        Endpoint: '/auth/token',
        Success: !failing,
        Error: failing ? 'Token generation failed: the user store did not answer' : null,
      },
    ],
  };
}

export async function startSmokeService(): Promise<SmokeService> {
  const hits = new Map<string, number>();
  // The seed's bug: a singleton that keeps per-request state in a field. Two overlapping
  // requests overwrite each other's state; one caller at a time never notices.
  let currentRequest = 0;
  let requestCounter = 0;
  const service: SmokeService = {
    endpoint: '',
    hits,
    lastEcho: undefined,
    close: async () => {},
  };

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route = url.pathname;
    const hit = (hits.get(route) ?? 0) + 1;
    hits.set(route, hit);
    const json = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const parts = route.split('/').filter(Boolean);
      switch (parts[0]) {
        case 'health':
          return json(200, HEALTH);
        case 'recovers-after': {
          // /recovers-after/N: 503 for the first N requests, then healthy.
          const failures = Number(parts[1] ?? 2);
          return hit <= failures
            ? json(503, { error: `warming up (${hit} of ${failures})` })
            : json(200, HEALTH);
        }
        case 'never':
          return json(503, { error: 'database unreachable' });
        case 'test':
          return json(200, testReport(parts[1] === 'failing'));
        case 'maintenance':
          return json(200, { ...HEALTH, MaintenanceMode: true });
        case 'slow':
          setTimeout(() => json(200, HEALTH), Number(parts[1] ?? 1000));
          return;
        case 'racy': {
          const mine = ++requestCounter;
          currentRequest = mine;
          setTimeout(() => {
            if (currentRequest !== mine) {
              json(500, { error: 'The DbContext was used by another request at the same time' });
            } else {
              json(200, { token: `token-${mine}` });
            }
          }, 2);
          return;
        }
        case 'echo':
          service.lastEcho = request.headers;
          return json(200, {
            method: request.method,
            headers: request.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        case 'whoami':
          // A service that echoes the bare credential, without its auth scheme.
          return json(200, {
            token: (request.headers.authorization ?? '').replace(/^\S+\s+/, ''),
          });
        case 'text':
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end('pong: service ready');
          return;
        default:
          return json(404, { error: `no route ${route}` });
      }
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  service.endpoint = `http://127.0.0.1:${port}`;
  service.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return service;
}
