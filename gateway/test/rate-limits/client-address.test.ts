import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { addressKey, clientAddressOf, parseTrustProxy, type TrustProxy } from '../../src/limits/client-address.js';
import { useRateLimits, register, codeOf, expectRefused, upgrade } from './helpers.js';

// Limits per client address: which address a request counts for, and new sockets per address. See helpers.ts for
// the gateways each file starts.

const stack = useRateLimits('gw_rate_address');

describe('WebSockets', () => {
  it('refuses new sockets past 30 a minute per address with HTTP 429 and Retry-After', async () => {
    const from = { 'x-forwarded-for': '198.51.100.60' };
    for (let i = 0; i < 30; i++) expect(await upgrade(stack.proxied, from)).toBe('open');
    const refused = await upgrade(stack.proxied, from);
    expect(refused).toMatchObject({ status: 429 });
    expect(Number((refused as { retryAfter: string }).retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await upgrade(stack.proxied, { 'x-forwarded-for': '198.51.100.61' })).toBe('open');
  });
});

describe('the client address', () => {
  it('ignores X-Forwarded-For without TRUST_PROXY: spoofing it escapes no limit', async () => {
    const own = await stack.gateway();
    for (let i = 0; i < 10; i++) expect(codeOf((await register(own, `192.0.2.${i}`)).res)).toBe('OK');
    expectRefused((await register(own, '192.0.2.99')).res, /register/);
  });

  it('with a hop count, believes only the proxies’ entries: the N-th from the right', async () => {
    const oneHop = await stack.gateway({ TRUST_PROXY: '1' });
    for (let i = 0; i < 10; i++) expect(codeOf((await register(oneHop, '198.51.100.9')).res)).toBe('OK');
    // A client writing its own X-Forwarded-For gets the proxy's entry appended: still the same.
    expectRefused((await register(oneHop, '10.9.9.9, 198.51.100.9')).res, /register/);
    expect(codeOf((await register(oneHop, '198.51.100.9, 198.51.100.10')).res)).toBe('OK');
  });

  it('parses TRUST_PROXY and walks X-Forwarded-For', () => {
    const request = (peer: string, forwarded?: string) =>
      ({
        socket: { remoteAddress: peer },
        headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
      }) as unknown as IncomingMessage;
    const trust = (text: string) => parseTrustProxy(text) as TrustProxy;
    expect(clientAddressOf(request('::ffff:10.0.0.1', '1.2.3.4'), trust(''))).toBe('10.0.0.1');
    expect(clientAddressOf(request('10.0.0.1', '1.2.3.4, 5.6.7.8'), trust('1'))).toBe('5.6.7.8');
    expect(clientAddressOf(request('10.0.0.1', '1.2.3.4, 5.6.7.8'), trust('2'))).toBe('1.2.3.4');
    expect(clientAddressOf(request('10.0.0.1', '5.6.7.8'), trust('3'))).toBe('5.6.7.8');
    const proxies = trust('10.0.0.0/8, ::1');
    expect(clientAddressOf(request('10.0.0.1', '1.2.3.4, 10.1.1.1'), proxies)).toBe('1.2.3.4');
    expect(clientAddressOf(request('192.0.2.1', '1.2.3.4'), proxies)).toBe('192.0.2.1');
    expect(clientAddressOf(request('::1', 'garbage, [2001:db8::1]:443'), proxies)).toBe('2001:db8::1');
    expect(parseTrustProxy('10.0.0.0/33')).toMatch(/prefix/);
    expect(parseTrustProxy('proxy.local')).toMatch(/not an address/);
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1');
  });
});
