import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { isServiceError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import { addressKey } from './client-address.js';
import { describeRate, type Rate } from './rate.js';
import { refused, refusalOf } from './refusal.js';
import type { LimiterStore } from './store.js';
import type { FieldGuard } from './guard.js';

export interface LoginRates {
  /** Failed logins per account and address; past it, a wait that doubles with each lockout. */
  perAccountAddress: Rate;
  /** Failed logins per address, whatever the accounts. */
  perAddress: Rate;
  /** Failed logins per account from addresses that have not signed in to it. */
  perAccount: Rate;
}

/**
 * How long an address that signed in to an account stays exempt from the account's ceiling. At
 * most 24 days: the in-memory limiters expire keys with setTimeout, which holds 2^31 ms.
 */
const KNOWN_ADDRESS_SECONDS = 21 * 86_400;
/** How long lockouts are remembered (each one doubles the next wait), and the longest wait. */
const LOCKOUT_MEMORY_SECONDS = 7 * 86_400;
const LONGEST_WAIT_SECONDS = 86_400;

/**
 * The email as typed, lower-cased and hashed: no lookup, so a known and an unknown account are
 * limited (and answered) alike, and the store holds no email address.
 */
const accountKey = (email: string) => createHash('sha256').update(email.trim().toLowerCase()).digest('base64url');

/** A wrong email or password: the only outcome that counts as a failed login. */
const wrongCredentials = (error: unknown) => isServiceError(error) && error.code === status.UNAUTHENTICATED;

/**
 * Brute-force protection for `login`, counting failed logins only:
 * - per (account, address): `perAccountAddress` (5 per 15 min); each time it runs out, that pair
 *   waits out a lockout that doubles with each one (15 min, 30 min, 1 h, … up to a day). A
 *   successful login clears the pair's count and lockouts.
 * - per address: `perAddress` (20 per minute), against one address trying many accounts.
 * - per account: `perAccount` (100 per day), against many addresses trying one account. It does
 *   not apply from an address that signed in to the account in the last 21 days, so that an
 *   attack from elsewhere cannot lock the account's owner out from everywhere.
 * A point is taken before the call (so that concurrent attempts cannot all pass a check made
 * before any of them failed) and given back when the login succeeds or fails for another reason
 * than the credentials.
 */
export function loginGuard(
  store: LimiterStore,
  rates: LoginRates,
  logger: Logger,
  /** Called with the refusing limiter's name (`login-account-address`, `login-address`, `login-account`). */
  onRefused: (limit: string) => void = () => {},
): FieldGuard {
  const pair = store.limiter('login-account-address', rates.perAccountAddress);
  const perAddress = store.limiter('login-address', rates.perAddress);
  const perAccount = store.limiter('login-account', rates.perAccount);
  // Points are only counted here, never refused: `points` is out of reach.
  const lockouts = store.limiter('login-lockouts', { points: 1_000_000, seconds: LOCKOUT_MEMORY_SECONDS });
  const known = store.limiter('login-known-address', { points: 1, seconds: KNOWN_ADDRESS_SECONDS });
  const labels = {
    pair: `failed logins: ${describeRate(rates.perAccountAddress)} per account and address, then a growing wait`,
    address: `failed logins: ${describeRate(rates.perAddress)} per address`,
    account: `failed logins: ${describeRate(rates.perAccount)} per account`,
  };
  /** The limiters' names by their labels, for the refusal metric. */
  const names = new Map([
    [labels.pair, 'login-account-address'],
    [labels.address, 'login-address'],
    [labels.account, 'login-account'],
  ]);

  /** The pair ran out: it waits the pair's window times 2^(lockouts before this one). */
  async function lockOut(pairKey: string) {
    const { consumedPoints } = await lockouts.consume(pairKey);
    const seconds = Math.min(rates.perAccountAddress.seconds * 2 ** (consumedPoints - 1), LONGEST_WAIT_SECONDS);
    await pair.block(pairKey, seconds);
  }

  return async (ctx, args, run) => {
    const { input } = args as { input?: { email?: unknown } };
    const account = accountKey(typeof input?.email === 'string' ? input.email : '');
    const address = addressKey(ctx.clientAddress ?? 'unknown');
    const pairKey = `${account}:${address}`;
    const isKnown = (await known.get(pairKey)) !== null;
    const counted: [RateLimiterAbstract, string, string][] = [
      [pair, pairKey, labels.pair],
      [perAddress, address, labels.address],
      ...(isKnown ? [] : [[perAccount, account, labels.account] as [RateLimiterAbstract, string, string]]),
    ];
    const outcomes = await Promise.allSettled(counted.map(([limiter, key]) => limiter.consume(key)));
    const giveBack = () =>
      Promise.all(
        counted.filter((_, i) => outcomes[i]!.status === 'fulfilled').map(([limiter, key]) => limiter.reward(key)),
      );

    let refusal: { label: string; res: RateLimiterRes } | undefined;
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status === 'fulfilled') continue;
      const res = refusalOf(outcome.reason);
      if (!res) throw outcome.reason;
      if (!refusal || res.msBeforeNext > refusal.res.msBeforeNext) refusal = { label: counted[i]![2], res };
    }
    if (refusal) {
      onRefused(names.get(refusal.label) ?? 'login');
      // Not an attempt: the limits that let it through get their point back.
      await giveBack();
      throw refused(refusal.label, refusal.res);
    }

    let result: unknown;
    try {
      result = await run();
    } catch (error) {
      const pairOutcome = outcomes[0]!;
      if (!wrongCredentials(error)) await giveBack();
      else if (pairOutcome.status === 'fulfilled' && pairOutcome.value.remainingPoints === 0) await lockOut(pairKey);
      throw error;
    }
    // The session exists: a failure to update the counters must not lose it for the client.
    await Promise.all([
      pair.delete(pairKey),
      lockouts.delete(pairKey),
      perAddress.reward(address),
      !isKnown && perAccount.reward(account),
      known.set(pairKey, 1, KNOWN_ADDRESS_SECONDS),
    ]).catch((error: unknown) => logger.warn({ err: error }, 'could not reset the login counters'));
    return result;
  };
}
