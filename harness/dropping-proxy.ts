import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardTo } from './counting-proxy.js';

/**
 * A loopback proxy in front of the emulator that misbehaves on every `every`-th CopyObject.
 * `drop` loses data the way a broken clone would: "200 OK" without forwarding, so the copier
 * believes the object was copied and only the verification can notice. `throttle` answers
 * 503 SlowDown, as S3 does under load, so the copier has to retry.
 */
export interface DroppingProxy {
  endpoint: string;
  /** The requests that were dropped or throttled. */
  dropped: string[];
  close(): Promise<void>;
}

const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';

export async function startDroppingProxy(
  upstream: string,
  dropEvery: number,
  mode: 'drop' | 'throttle' = 'drop',
): Promise<DroppingProxy> {
  const target = new URL(upstream);
  const dropped: string[] = [];
  let copies = 0;
  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const isCopy =
        incoming.method === 'PUT' &&
        incoming.headers['x-amz-copy-source'] !== undefined &&
        (mode === 'throttle' || !incoming.url?.includes('uploadId='));
      if (isCopy && ++copies % dropEvery === 0) {
        dropped.push(decodeURIComponent(incoming.url ?? ''));
        if (mode === 'throttle') {
          outgoing.writeHead(503, { 'content-type': 'application/xml' });
          outgoing.end(SLOW_DOWN);
          return;
        }
        outgoing.writeHead(200, { 'content-type': 'application/xml' });
        outgoing.end(
          '<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><ETag>"00000000000000000000000000000000"</ETag><LastModified>2026-01-01T00:00:00.000Z</LastModified></CopyObjectResult>',
        );
        return;
      }
      forwardTo(target, incoming, Buffer.concat(chunks), outgoing);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    dropped,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
