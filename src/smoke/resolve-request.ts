import { proxyFor } from '../core/proxy-environment.js';
import { ConfigurationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import {
  maskCredential,
  renderPlaceholders,
  type PlaceholderValues,
} from '../core/placeholders.js';
import { fieldSource, type RequestSpec } from './checks.js';
import { validateUrlForm } from './url-form.js';

/** A check's request with every placeholder filled: ready to send. */
export interface ResolvedRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
  proxy: URL | undefined;
  timeoutMs: number;
}

/**
 * Fills a check's placeholders from stack outputs and the environment. Secret header values
 * are masked here, before the first request, so no later log line can echo them.
 */
export function resolveRequest(
  spec: RequestSpec,
  values: PlaceholderValues,
  logger: Logger,
): ResolvedRequest {
  const mask = (secret: string) => logger.mask(secret);
  const url = renderPlaceholders(spec.url, values, fieldSource(spec, 'url'), mask);
  validateUrlForm(url, 'url', `${fieldSource(spec, 'url')} (filled in as '${url}')`);
  let proxy: URL | undefined;
  if (spec.proxy !== undefined) {
    const rendered = renderPlaceholders(spec.proxy, values, fieldSource(spec, 'proxy'), mask);
    validateUrlForm(
      rendered,
      'proxy',
      `${fieldSource(spec, 'proxy')} (filled in as '${rendered}')`,
    );
    proxy = new URL(rendered);
  } else {
    // The runner's proxy (HTTPS_PROXY / HTTP_PROXY, unless NO_PROXY names the host), as the
    // AWS clients use it (src/aws/proxy-request-handler.ts).
    proxy = proxyFor(new URL(url));
  }
  const headers: Record<string, string> = {
    'user-agent': 'environment-pipeline-actions smoke-test',
  };
  for (const header of spec.headers) {
    const value = renderPlaceholders(
      header.value,
      values,
      fieldSource(spec, `headers.${header.name}`),
      mask,
    );
    if (/[\r\n]/.test(value)) {
      throw new ConfigurationError(
        'the filled-in value contains a line break, which HTTP headers cannot carry',
        fieldSource(spec, `headers.${header.name}`),
      );
    }
    if (header.secret) maskCredential(value, mask);
    headers[header.name.toLowerCase()] = value;
  }
  const body =
    spec.body === undefined
      ? undefined
      : renderPlaceholders(spec.body, values, fieldSource(spec, 'body'), mask);
  return {
    method: spec.method,
    url: new URL(url),
    headers,
    body,
    proxy,
    timeoutMs: spec.requestTimeoutSeconds * 1000,
  };
}
