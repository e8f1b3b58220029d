import { beforeAll, expect } from 'vitest';
import { freshDatabase } from '../../../test/support/database.js';
import { newAccount, startAuth, type AuthApp } from '../../../test/support/auth.js';
import { graphqlClient, startGateway } from '../../../test/support/gateway.js';
import { authEntities } from '../../../services/auth/src/entities.js';
import { authMigrations } from '../../../migrations/auth/index.js';
import type { GatewayApp } from '../../../test/support/gateway.js';

// The auth part of the GraphQL API through a gateway in front of a real auth-service (and no
// chat-service), shared by the tests beside this file.

export const PAYLOAD = `accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt user { id username email createdAt }`;
export const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { ${PAYLOAD} } }`;
export const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { ${PAYLOAD} } }`;
export const REFRESH = `mutation ($t: String!) { refreshToken(refreshToken: $t) { ${PAYLOAD} } }`;

export interface Payload {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
  refreshTokenExpiresAt: string;
  user: { id: string; username: string; email: string | null; createdAt: string };
}

export const registration = () => {
  const { email, username, password } = newAccount();
  return { email, username, password };
};

export const errorOf = (res: { errors?: { extensions?: { code?: string; field?: string } }[] }) =>
  res.errors?.[0]?.extensions;

/**
 * A database, an auth-service on it and a gateway in front, started before the file's tests
 * (and stopped after them through test/support/leftovers.ts).
 */
export function useAuthGateway(label: string) {
  const fixture = {
    db: undefined as unknown as Awaited<ReturnType<typeof freshDatabase>>,
    auth: undefined as unknown as AuthApp,
    gateway: undefined as unknown as GatewayApp,
    get gql() {
      return graphqlClient(fixture.gateway.port).request;
    },
    /** Registers an account over GraphQL: its AuthPayload and what it was registered with. */
    async register(account = newAccount()) {
      const { email, username, password } = account;
      const res = await fixture.gql<{ register: Payload }>(REGISTER, { input: { email, username, password } });
      expect(res.errors).toBeUndefined();
      return { ...res.data!.register, account };
    },
  };
  beforeAll(async () => {
    fixture.db = await freshDatabase(label, { entities: authEntities, migrations: authMigrations });
    fixture.auth = await startAuth({ AUTH_DATABASE_URL: fixture.db.url });
    // Its tests sign up dozens of accounts from 127.0.0.1: more than `register` allows an address
    // in an hour (10). The rate limits have their own tests (gateway/test/rate-limits/).
    fixture.gateway = await startGateway([fixture.auth.port], { RATE_LIMIT_REGISTER: '1000/1h' });
  });
  return fixture;
}
