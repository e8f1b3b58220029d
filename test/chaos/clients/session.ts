import { LOGIN, REFRESH, type Api } from './api.js';

export interface AuthAnswer {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
  user: { id: string };
}

/** An access token could not be had now (auth-service or the gateway out of reach): try later. */
export class NoTokenNow extends Error {
  override name = 'NoTokenNow';
}

/**
 * One device's sign-in, as web/src/auth/session.ts keeps it: the access token is refreshed
 * shortly before it expires, or when refused; one refresh at a time. A refused refresh (its
 * refresh token spent by an attempt whose answer was lost, which revokes the session) signs in
 * again with the password, as the user would.
 */
export class Session {
  refreshes = 0;
  logins = 0;
  private access: string;
  private refresh: string;
  private expiresAt: number;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly api: Api,
    readonly email: string,
    private readonly password: string,
    auth: AuthAnswer,
  ) {
    this.access = auth.accessToken;
    this.refresh = auth.refreshToken;
    this.expiresAt = Date.parse(auth.accessTokenExpiresAt);
  }

  get current(): string {
    return this.access;
  }

  /** A token valid for a while yet; throws NoTokenNow when one is needed and cannot be had. */
  async token(): Promise<string> {
    if (Date.now() > this.expiresAt - 10_000) await this.renew(this.access);
    return this.access;
  }

  /** `stale` was refused (or is about to expire): get a new one, unless that happened meanwhile. */
  renew(stale: string): Promise<void> {
    if (stale !== this.access) return Promise.resolve();
    return (this.renewing ??= this.renewNow().finally(() => (this.renewing = undefined)));
  }

  private take(auth: AuthAnswer) {
    this.access = auth.accessToken;
    this.refresh = auth.refreshToken;
    this.expiresAt = Date.parse(auth.accessTokenExpiresAt);
  }

  private async renewNow(): Promise<void> {
    const refreshed = await this.api.call<{ refreshToken: AuthAnswer }>(REFRESH, { refreshToken: this.refresh });
    if (refreshed.ok) {
      this.refreshes++;
      return this.take(refreshed.data.refreshToken);
    }
    if (refreshed.kind === 'transient' || refreshed.kind === 'internal') throw new NoTokenNow(refreshed.reason);
    const login = await this.api.call<{ login: AuthAnswer }>(LOGIN, {
      input: { email: this.email, password: this.password },
    });
    if (!login.ok) throw new NoTokenNow(`refresh refused (${refreshed.reason}), login failed (${login.reason})`);
    this.logins++;
    this.take(login.data.login);
  }
}
