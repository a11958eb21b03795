import { isIP } from 'node:net';
import { ConfigurationError } from './errors.js';

/**
 * The proxy a request to `target` goes through, from the variables a corporate runner sets:
 * HTTPS_PROXY for https targets, HTTP_PROXY for http (either case, the lower-case one first, as
 * curl reads them), unless NO_PROXY names the host. A proxy that is set but cannot be read is
 * refused, naming the variable: going around it could break a policy, and failing later, at
 * the first request, would say less.
 */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const https = target.protocol === 'https:';
  const [name, value] = https
    ? variable(env, 'https_proxy', 'HTTPS_PROXY')
    : variable(env, 'http_proxy', 'HTTP_PROXY');
  if (!value) return undefined;
  if (bypasses(target, variable(env, 'no_proxy', 'NO_PROXY')[1] ?? '')) return undefined;
  let proxy: URL;
  try {
    // curl's habit: a proxy given as host:port means http://host:port.
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new ConfigurationError(
      `'${withoutUserinfo(value)}' is not a proxy URL (http://HOST:PORT)`,
      name,
    );
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new ConfigurationError(
      `'${proxy.protocol}' proxies are not supported; give an http:// or https:// proxy`,
      name,
    );
  }
  return proxy;
}

/**
 * A proxy variable as a message may quote it: a user name and password before `@` are shown as
 * `***`, whether or not the rest parses, since no runner masks them.
 */
export function withoutUserinfo(value: string): string {
  return value.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)?([^/?#]*)@/i,
    (_whole, scheme: string | undefined) => `${scheme ?? ''}***@`,
  );
}

/** Whether any proxy variable is set: without one, nothing changes how requests are sent. */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'].some((name) => !!env[name]);
}

function variable(env: NodeJS.ProcessEnv, lower: string, upper: string): [string, string?] {
  if (env[lower]) return [lower, env[lower]];
  return [upper, env[upper] || undefined];
}

/**
 * NO_PROXY as curl and most tools read it: entries split by commas or spaces; `*` bypasses
 * every host; `example.com` and `.example.com` match the host and every host under it; an
 * entry with `:port` only that port; an IP address only itself.
 */
function bypasses(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!match) continue;
    const [, bracketed = '', entryPort] = match;
    const name = bracketed.replace(/^\[|\]$/g, '');
    if (entryPort && entryPort !== port) continue;
    if (isIP(name) || isIP(host)) {
      if (name === host) return true;
      continue;
    }
    const domain = name.replace(/^\*?\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}
