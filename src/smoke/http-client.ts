import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

/** Bodies beyond this are cut: enough for any /test report, not enough to exhaust memory. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** An HTTP forward proxy: http targets are sent to it as absolute URIs, https through CONNECT. */
  proxy?: URL;
  /** A keep-alive agent shared by one burst's callers; a single check opens a fresh connection. */
  agent?: http.Agent;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  truncated: boolean;
  durationMs: number;
}

/** A request that got no HTTP answer: refused, reset, timed out, bad proxy. */
export class HttpRequestError extends Error {
  override readonly name = 'HttpRequestError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

function defaultPort(url: URL): number {
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

/** Opens a CONNECT tunnel through the proxy, then TLS to the target over it. */
function tunnel(request: HttpRequest, signal: AbortSignal): Promise<Duplex> {
  const proxy = request.proxy!;
  const target = `${request.url.hostname}:${defaultPort(request.url)}`;
  return new Promise((resolve, reject) => {
    const connect = http.request({
      host: proxy.hostname,
      port: defaultPort(proxy),
      method: 'CONNECT',
      path: target,
      headers: { host: target, ...proxyAuthorization(proxy) },
      signal,
    });
    connect.on('connect', (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        reject(
          new HttpRequestError(
            `proxy ${proxy.host} refused CONNECT ${target}: ${response.statusCode}`,
            'EPROXY',
          ),
        );
        return;
      }
      resolve(tls.connect({ socket, servername: request.url.hostname }));
    });
    connect.on('error', reject);
    connect.end();
  });
}

function describeFailure(
  error: unknown,
  request: HttpRequest,
  timedOut: boolean,
): HttpRequestError {
  if (error instanceof HttpRequestError) return error;
  if (timedOut) {
    return new HttpRequestError(`no response within ${request.timeoutMs / 1000} s`, 'ETIMEDOUT');
  }
  const code = (error as NodeJS.ErrnoException).code ?? 'EREQUEST';
  const via = request.proxy ? ` via proxy ${request.proxy.host}` : '';
  return new HttpRequestError(`${(error as Error).message}${via}`, code);
}

/**
 * One HTTP request with a hard deadline covering connect, headers and body. Written on
 * node:http rather than fetch because a smoke test needs what fetch hides: forward proxies,
 * a per-request deadline that includes the body, and connection reuse under its own control.
 */
export async function sendRequest(request: HttpRequest): Promise<HttpResponse> {
  const started = performance.now();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, request.timeoutMs);
  try {
    const isHttps = request.url.protocol === 'https:';
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined)
      headers['content-length'] = String(Buffer.byteLength(request.body));
    let options: http.RequestOptions;
    let transport: typeof http | typeof https = isHttps ? https : http;
    if (request.proxy && !isHttps) {
      transport = http;
      options = {
        host: request.proxy.hostname,
        port: defaultPort(request.proxy),
        path: request.url.href,
        headers: { host: request.url.host, ...headers, ...proxyAuthorization(request.proxy) },
        agent: request.agent,
      };
    } else if (request.proxy) {
      const socket = await tunnel(request, controller.signal);
      options = {
        host: request.url.hostname,
        port: defaultPort(request.url),
        path: `${request.url.pathname}${request.url.search}`,
        headers,
        createConnection: () => socket as never,
      };
    } else {
      options = {
        host: request.url.hostname,
        port: defaultPort(request.url),
        path: `${request.url.pathname}${request.url.search}`,
        headers,
        agent: request.agent,
      };
    }
    return await new Promise<HttpResponse>((resolve, reject) => {
      const outgoing = transport.request(
        { ...options, method: request.method, signal: controller.signal },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let truncated = false;
          response.on('data', (chunk: Buffer) => {
            if (size >= MAX_BODY_BYTES) {
              truncated = true;
              return;
            }
            chunks.push(chunk);
            size += chunk.length;
          });
          response.on('end', () => {
            let body = Buffer.concat(chunks);
            if (body.length > MAX_BODY_BYTES) {
              body = body.subarray(0, MAX_BODY_BYTES);
              truncated = true;
            }
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: body.toString('utf8'),
              truncated,
              durationMs: performance.now() - started,
            });
          });
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });
  } catch (error) {
    throw describeFailure(error, request, timedOut);
  } finally {
    clearTimeout(timer);
  }
}
