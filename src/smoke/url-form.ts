import { ConfigurationError } from '../core/errors.js';
import { placeholdersIn } from '../core/placeholders.js';

/**
 * What is wrong with a check's URL or proxy, if anything. A URL may be a placeholder that only
 * a stack can fill; without one it must already be an absolute http(s) URL, so
 * `proxy: squid:3128` fails when the checks are read, not when the first request goes out.
 */
export function urlFormProblem(value: string, what: 'url' | 'proxy'): string | undefined {
  try {
    if (placeholdersIn(value, what).length > 0) return undefined;
  } catch (error) {
    if (error instanceof ConfigurationError) return error.detail;
    throw error;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || !parsed.hostname) {
    return what === 'proxy'
      ? `'${value}' is not a proxy URL; write http://HOST:PORT (an HTTP forward proxy; https targets go through CONNECT)`
      : `'${value}' is not an absolute http(s) URL (for example https://example.com/health or {{ ServiceUrl }}/health)`;
  }
  if (what === 'proxy' && parsed.protocol !== 'http:') {
    return `'${value}' is not supported; the proxy itself is spoken to over http://`;
  }
  return undefined;
}

export function validateUrlForm(value: string, what: 'url' | 'proxy', source: string): void {
  const problem = urlFormProblem(value, what);
  if (problem) throw new ConfigurationError(problem, source);
}
