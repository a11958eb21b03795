import { HttpResponse } from '@smithy/core/transport';
import type { HttpHandlerOptions, HttpRequest } from '@smithy/types';
import { Agent, ProxyAgent, request as send, type Dispatcher } from 'undici';
import { proxyFor } from '../core/proxy-environment.js';

/** The SDK's own default: connections kept per host. */
const CONNECTIONS = 50;

/**
 * The AWS SDK's requests sent by undici, through the proxy HTTPS_PROXY / HTTP_PROXY name
 * unless NO_PROXY lists the host: the SDK's own handler ignores those variables. The same
 * mechanism as the smoke checks' (src/smoke/http-client.ts): https tunnelled with CONNECT,
 * plain http sent to the proxy as an absolute URI. Used only when a proxy variable is set.
 */
export class ProxyAwareRequestHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly direct: Dispatcher = new Agent({ connections: CONNECTIONS });
  private readonly proxies = new Map<string, Dispatcher>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async handle(
    request: HttpRequest,
    options: HttpHandlerOptions = {},
  ): Promise<{ response: HttpResponse }> {
    const url = new URL(
      `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}${request.path}`,
    );
    for (const [name, value] of Object.entries(request.query ?? {})) {
      for (const one of Array.isArray(value) ? value : [value]) {
        if (one === null) url.searchParams.append(name, '');
        else url.searchParams.append(name, one);
      }
    }
    const proxy = proxyFor(url, this.env);
    const headers = Object.fromEntries(
      // undici sends no `Expect: 100-continue` (it refuses the header); the body goes at once.
      Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== 'expect'),
    );
    const answer = await send(url, {
      method: request.method,
      headers,
      body: request.body as Dispatcher.DispatchOptions['body'],
      dispatcher: proxy ? this.proxyAgent(proxy) : this.direct,
      ...(options.abortSignal ? { signal: options.abortSignal } : {}),
      ...(options.requestTimeout
        ? { headersTimeout: options.requestTimeout, bodyTimeout: options.requestTimeout }
        : {}),
    });
    return {
      response: new HttpResponse({
        statusCode: answer.statusCode,
        headers: Object.fromEntries(
          Object.entries(answer.headers).map(([name, value]) => [
            name,
            Array.isArray(value) ? value.join(', ') : (value ?? ''),
          ]),
        ),
        body: answer.body,
      }),
    };
  }

  private proxyAgent(proxy: URL): Dispatcher {
    let agent = this.proxies.get(proxy.href);
    if (!agent) {
      agent = new ProxyAgent({ uri: proxy.href, connections: CONNECTIONS, proxyTunnel: false });
      this.proxies.set(proxy.href, agent);
    }
    return agent;
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    void this.direct.close();
    for (const agent of this.proxies.values()) void agent.close();
  }
}
