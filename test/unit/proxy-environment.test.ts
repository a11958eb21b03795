import { describe, expect, test } from '@jest/globals';
import { proxyConfigured, proxyFor, withoutUserinfo } from '../../src/core/proxy-environment.js';

const url = (text: string) => new URL(text);

describe('the proxy of a request, from HTTPS_PROXY, HTTP_PROXY and NO_PROXY', () => {
  test('https targets use HTTPS_PROXY and http targets HTTP_PROXY; the lower-case name first', () => {
    const env = {
      HTTPS_PROXY: 'http://secure.proxy:3128',
      HTTP_PROXY: 'http://plain.proxy:3128',
      https_proxy: 'http://lower.proxy:8080',
    };
    expect(proxyFor(url('https://s3.eu-west-1.amazonaws.com/b'), env)?.href).toBe(
      'http://lower.proxy:8080/',
    );
    expect(proxyFor(url('http://example.test/health'), env)?.href).toBe('http://plain.proxy:3128/');
    expect(proxyFor(url('http://example.test/'), {})).toBeUndefined();
    // curl's habit: host:port alone is an http proxy.
    expect(proxyFor(url('https://x.test/'), { HTTPS_PROXY: 'squid.corp:3128' })?.href).toBe(
      'http://squid.corp:3128/',
    );
  });

  test('NO_PROXY: domains with and without a dot, ports, IP addresses, and *', () => {
    const env = {
      HTTPS_PROXY: 'http://proxy:3128',
      HTTP_PROXY: 'http://proxy:3128',
      NO_PROXY: 'localhost, .internal.corp,amazonaws.com:8443 127.0.0.1,[::1]',
    };
    const through = (target: string) => proxyFor(url(target), env) !== undefined;
    expect(through('http://localhost:4566/')).toBe(false);
    expect(through('https://api.internal.corp/')).toBe(false);
    expect(through('https://internal.corp/')).toBe(false);
    expect(through('https://notinternal.corp/')).toBe(true);
    expect(through('https://s3.amazonaws.com:8443/')).toBe(false);
    expect(through('https://s3.amazonaws.com/')).toBe(true);
    expect(through('http://127.0.0.1:5000/')).toBe(false);
    expect(through('http://127.0.0.2:5000/')).toBe(true);
    expect(through('http://[::1]:5000/')).toBe(false);
    expect(proxyFor(url('https://anything.test/'), { ...env, NO_PROXY: '*' })).toBeUndefined();
  });

  test('a proxy that cannot be read is refused, naming the variable, never gone around', () => {
    expect(() => proxyFor(url('https://x.test/'), { HTTPS_PROXY: 'http://bad host:3128' })).toThrow(
      "HTTPS_PROXY: 'http://bad host:3128' is not a proxy URL (http://HOST:PORT)",
    );
    expect(() => proxyFor(url('https://x.test/'), { https_proxy: 'socks5://proxy:1080' })).toThrow(
      "https_proxy: 'socks5:' proxies are not supported",
    );
  });

  test('a proxy variable that cannot be read is named with its user name and password hidden', () => {
    expect(() =>
      proxyFor(url('http://127.0.0.1:5000/'), {
        HTTP_PROXY: 'http://deploy:hunter2@127.0.0.1:99999',
      }),
    ).toThrow("HTTP_PROXY: 'http://***@127.0.0.1:99999' is not a proxy URL (http://HOST:PORT)");
    expect(withoutUserinfo('user:p@ss@proxy:3128/x')).toBe('***@proxy:3128/x');
    expect(withoutUserinfo('http://proxy:3128')).toBe('http://proxy:3128');
  });

  test('only a set variable changes how requests are sent', () => {
    expect(proxyConfigured({})).toBe(false);
    expect(proxyConfigured({ NO_PROXY: '*' })).toBe(false);
    expect(proxyConfigured({ http_proxy: 'http://proxy:3128' })).toBe(true);
  });
});
