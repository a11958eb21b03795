import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP forward proxy, like the seed's Squid: absolute-URI requests are forwarded,
 * CONNECT opens a tunnel. Records what went through it, so a test can prove the proxy was used.
 */
export interface ForwardProxy {
  url: string;
  requests: Array<{ method: string; target: string }>;
  close(): Promise<void>;
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const requests: ForwardProxy['requests'] = [];
  const tunnels = new Set<net.Socket>();
  const server = http.createServer((incoming, outgoing) => {
    const target = incoming.url ?? '';
    requests.push({ method: incoming.method ?? '', target });
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      outgoing.writeHead(400);
      outgoing.end('a proxy expects an absolute URI');
      return;
    }
    const forward = http.request(
      {
        host: url.hostname,
        port: url.port || 80,
        method: incoming.method,
        path: `${url.pathname}${url.search}`,
        headers: { ...incoming.headers, via: '1.1 test-proxy' },
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forward.on('error', (error) => {
      outgoing.writeHead(502);
      outgoing.end(`proxy could not reach ${target}: ${error.message}`);
    });
    incoming.pipe(forward);
  });
  server.on('connect', (request, client, head) => {
    const target = request.url ?? '';
    requests.push({ method: 'CONNECT', target });
    const [host, port] = target.split(':');
    // http.Server's 'connect' hands over the client's socket, typed as a Duplex.
    const socket = client as unknown as net.Socket;
    tunnels.add(socket);
    client.on('close', () => tunnels.delete(socket));
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const socket of tunnels) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
