import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { as } from '../../../test/support/auth.js';
import { useRateLimits, wsClient, overWs, LOGIN, login, codeOf, expectRefused } from './helpers.js';

// Failed logins: per account and address, per address, per account. See helpers.ts for
// the gateways each file starts.

const stack = useRateLimits('gw_rate_logins');

describe('failed logins', () => {
  it('refuses a brute force with RATE_LIMITED and a growing wait, while others sign in', async () => {
    const victim = await stack.account('victim');
    const other = await stack.account('other');
    const attacker = '203.0.113.7';
    for (let i = 0; i < 5; i++) {
      expect(codeOf(await login(stack.proxied, victim.email, `guess ${i}`, attacker))).toBe('UNAUTHENTICATED');
    }
    // Locked for this account from this address: even the right password (and the same email
    // typed in other case) waits the lockout out (15 min) and creates no session.
    const refused = await login(stack.proxied, victim.email.toUpperCase(), victim.password, attacker);
    const wait = expectRefused(refused, /failed logins.*per account and address/, 'login');
    expect(wait).toBeGreaterThan(14 * 60);
    expect(wait).toBeLessThanOrEqual(15 * 60);
    const sessions = await stack.services.authService.auth.listSessions({}, as(victim.token));
    expect(sessions.sessions).toHaveLength(1);
    // The owner signs in from elsewhere, and another account from the attacker's address.
    expect(codeOf(await login(stack.proxied, victim.email, victim.password, '198.51.100.2'))).toBe('OK');
    expect(codeOf(await login(stack.proxied, other.email, other.password, attacker))).toBe('OK');
  });

  it('counts failed logins over WebSocket as over HTTP, from the address of the upgrade', async () => {
    const victim = await stack.account('alias');
    const from = '203.0.113.20';
    const socket = wsClient(stack.proxied, victim.token, { 'x-forwarded-for': from });
    const wrong = { i: { email: victim.email, password: 'wrong' } };
    for (let i = 0; i < 3; i++)
      expect(codeOf(await login(stack.proxied, victim.email, 'wrong', from))).toBe('UNAUTHENTICATED');
    for (let i = 0; i < 2; i++) expect(codeOf(await overWs(socket, LOGIN, wrong))).toBe('UNAUTHENTICATED');
    const right = { i: { email: victim.email, password: victim.password } };
    expectRefused(await overWs(socket, LOGIN, right), /per account and address/, 'login');
    expectRefused(await login(stack.proxied, victim.email, victim.password, from), /per account and address/, 'login');
  });

  it('limits failed logins per address, whatever the accounts', async () => {
    const from = '203.0.113.30';
    for (let i = 0; i < 20; i++) {
      expect(codeOf(await login(stack.proxied, `nobody${i}x${randomUUID()}@example.com`, 'nope nope', from))).toBe(
        'UNAUTHENTICATED',
      );
    }
    const known = await stack.account('addr');
    expectRefused(
      await login(stack.proxied, known.email, known.password, from),
      /failed logins: 20 per 1 min per address/,
    );
    expect(codeOf(await login(stack.proxied, known.email, known.password, '203.0.113.31'))).toBe('OK');
  });

  it('limits failed logins per account, except from an address that signed in to it', async () => {
    const limited = await stack.gateway({ TRUST_PROXY: '127.0.0.1', RATE_LIMIT_LOGIN_ACCOUNT: '6/1d' });
    const victim = await stack.account('ceiling');
    expect(codeOf(await login(limited, victim.email, victim.password, '192.0.2.1'))).toBe('OK');
    for (let i = 0; i < 6; i++) {
      expect(codeOf(await login(limited, victim.email, 'wrong', `198.51.100.${100 + i}`))).toBe('UNAUTHENTICATED');
    }
    expectRefused(await login(limited, victim.email, victim.password, '198.51.100.200'), /per account/);
    // Where the owner signed in before, the ceiling does not lock them out.
    expect(codeOf(await login(limited, victim.email, victim.password, '192.0.2.1'))).toBe('OK');
  });
});
