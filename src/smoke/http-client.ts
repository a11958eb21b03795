import type { IncomingHttpHeaders } from 'node:http';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { OperationError } from '../core/errors.js';

/** Bodies beyond this are cut: enough for any /test report, not enough to exhaust memory. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** How long to wait to connect, for the response to start, and for each stall in its body. */
  timeoutMs: number;
  /** An HTTP forward proxy: http targets are sent to it as absolute URIs, https through CONNECT. */
  proxy?: URL;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  truncated: boolean;
  durationMs: number;
}

/** A request that got no HTTP answer: refused, reset, timed out, bad proxy. */
export class HttpRequestError extends OperationError {
  override readonly name = 'HttpRequestError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message, 'An HTTP request got no answer');
  }
}

/**
 * The connections requests go out on. A single check opens a fresh one per attempt (a new
 * user's view, and no stale keep-alive socket to a restarting load balancer); a burst shares
 * one with a connection per caller, so the load lands on the service rather than on TCP.
 * Built on undici: node:http's client tops out at about half the rate a burst needs.
 */
export function createDispatcher(
  proxy: URL | undefined,
  connections: number,
  timeoutMs: number,
): Dispatcher {
  const options = { connections, connect: { timeout: timeoutMs } };
  if (!proxy) return new Agent(options);
  // proxyTunnel false: plain http goes to the proxy as an absolute URI, as Squid expects;
  // https still goes through CONNECT.
  return new ProxyAgent({ ...options, uri: proxy.href, proxyTunnel: false });
}

const TIMEOUT_CODES = [
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
];

function describeFailure(error: unknown, request: HttpRequest): HttpRequestError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EREQUEST';
  if (TIMEOUT_CODES.includes(code)) {
    return new HttpRequestError(`no response within ${request.timeoutMs / 1000} s`, 'ETIMEDOUT');
  }
  const via = request.proxy ? ` via proxy ${request.proxy.host}` : '';
  const cause = (error as { cause?: Error }).cause;
  const message = (error as Error).message + (cause?.message ? ` (${cause.message})` : '');
  return new HttpRequestError(`${message}${via}`, code);
}

function readBody(
  body: Dispatcher.ResponseData['body'],
): Promise<{ text: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    body.on('data', (chunk: Buffer) => {
      if (size >= MAX_BODY_BYTES) {
        truncated = true;
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    body.on('end', () => {
      let buffer = Buffer.concat(chunks);
      if (buffer.length > MAX_BODY_BYTES) {
        buffer = buffer.subarray(0, MAX_BODY_BYTES);
        truncated = true;
      }
      resolve({ text: buffer.toString('utf8'), truncated });
    });
    body.on('error', reject);
  });
}

/**
 * One HTTP request on `dispatcher`, or on a connection of its own that is closed afterwards.
 * Every failure to get an answer becomes an HttpRequestError saying what happened.
 */
export async function sendRequest(
  request: HttpRequest,
  dispatcher?: Dispatcher,
): Promise<HttpResponse> {
  const started = performance.now();
  const own = dispatcher ?? createDispatcher(request.proxy, 1, request.timeoutMs);
  // A single check gets an exact deadline over the whole exchange. A burst relies on
  // undici's own header and body timeouts instead: coarser (about a second), but free,
  // where a timer per request would cost a fifth of the rate.
  const controller = dispatcher ? undefined : new AbortController();
  const timer = controller
    ? setTimeout(() => {
        controller.abort();
      }, request.timeoutMs)
    : undefined;
  try {
    const response = await own.request({
      ...(controller ? { signal: controller.signal } : {}),
      origin: request.url.origin,
      path: `${request.url.pathname}${request.url.search}`,
      method: request.method,
      headers: request.headers,
      body: request.body,
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
    });
    const body = await readBody(response.body);
    return {
      status: response.statusCode,
      headers: response.headers,
      body: body.text,
      truncated: body.truncated,
      durationMs: performance.now() - started,
    };
  } catch (error) {
    // Only the timer aborts this controller.
    throw controller?.signal.aborted
      ? new HttpRequestError(`no response within ${request.timeoutMs / 1000} s`, 'ETIMEDOUT')
      : describeFailure(error, request);
  } finally {
    clearTimeout(timer);
    if (!dispatcher) await own.destroy();
  }
}
