// GraphQL over HTTP for setup (users, devices, chats, history). Setup is not measured, but every
// answer is checked: a benchmark on top of a failed setup measures nothing.
import { randomBytes } from 'node:crypto';

export interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function gql<T>(url: string, query: string, variables: object = {}, token?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = (await res.json()) as GraphQLResponse<T>;
  if (body.errors?.length || !body.data) {
    throw new GraphQLCallError(
      `GraphQL ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`,
      body.errors?.[0]?.extensions?.code,
    );
  }
  return body.data;
}

/** The error of a GraphQL answer, with its code, so that setup can tell a retryable one. */
export class GraphQLCallError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Retries a setup call that failed for want of time: on this shared 2-core machine a burst of
 * setup calls can pass the services' 5 s deadline (UNAVAILABLE, or a masked INTERNAL). Only for
 * calls that are safe to repeat (sign-in, idempotent sends, direct chats, reads).
 */
export async function withRetry<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const code = error instanceof GraphQLCallError ? error.code : 'NETWORK';
      if (attempt >= attempts || !['UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'NETWORK'].includes(code ?? '')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
    }
  }
}

export interface User {
  id: string;
  username: string;
  email: string;
  password: string;
  /** One access token per device (session), the first from registration. */
  tokens: string[];
}

/** Runs `task` over `items` with at most `limit` at a time; results in input order. */
export async function inBatches<I, O>(
  items: readonly I[],
  limit: number,
  task: (item: I, index: number) => Promise<O>,
) {
  const results = new Array<O>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!, index);
      }
    }),
  );
  return results;
}

const tag = randomBytes(3).toString('hex');

/** Registers `count` users (one device each), `prefix` keeps names apart between scenarios. */
export function registerUsers(url: string, prefix: string, count: number): Promise<User[]> {
  return inBatches(
    Array.from({ length: count }, (_, i) => i),
    8,
    async (i) => {
      const username = `${prefix}_${tag}_${i}`;
      const email = `${username}@bench.example`;
      const password = 'bench password';
      const data = await gql<{ register: { accessToken: string; user: { id: string } } }>(
        url,
        'mutation ($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
        { input: { email, username, password } },
      ).catch(async (error: unknown) => {
        // A register that timed out may still have gone through: sign in to that account.
        if (!(error instanceof GraphQLCallError)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        return withRetry(() => signIn(url, email, password)).then((login) => ({ register: login }));
      });
      return { id: data.register.user.id, username, email, password, tokens: [data.register.accessToken] };
    },
  );
}

/** Signs every user in until each has `devices` sessions. */
export async function addDevices(url: string, users: User[], devices: number): Promise<void> {
  const logins = users.flatMap((user) => Array.from({ length: Math.max(0, devices - user.tokens.length) }, () => user));
  await inBatches(logins, 8, async (user) => {
    user.tokens.push((await withRetry(() => signIn(url, user.email, user.password))).accessToken);
  });
}

async function signIn(url: string, email: string, password: string) {
  const data = await gql<{ login: { accessToken: string; user: { id: string } } }>(
    url,
    'mutation ($input: LoginInput!) { login(input: $input) { accessToken user { id } } }',
    { input: { email, password } },
  );
  return data.login;
}

export async function createDirectChat(url: string, a: User, b: User): Promise<string> {
  const data = await withRetry(() =>
    gql<{ createDirectChat: { id: string } }>(
      url,
      'mutation ($userId: ID!) { createDirectChat(userId: $userId) { id } }',
      { userId: b.id },
      a.tokens[0],
    ),
  );
  return data.createDirectChat.id;
}

/** A group of `owner` and `members`, added 100 at a time (the API's limit per call). */
export async function createGroup(url: string, owner: User, members: User[]): Promise<string> {
  const ids = members.map((member) => member.id);
  const data = await gql<{ createGroupChat: { id: string } }>(
    url,
    'mutation ($input: CreateGroupChatInput!) { createGroupChat(input: $input) { id } }',
    { input: { title: 'bench group', memberIds: ids.slice(0, 100) } },
    owner.tokens[0],
  );
  const chatId = data.createGroupChat.id;
  for (let i = 100; i < ids.length; i += 100) {
    await gql(
      url,
      'mutation ($chatId: ID!, $userIds: [ID!]!) { addChatMembers(chatId: $chatId, userIds: $userIds) { id } }',
      { chatId, userIds: ids.slice(i, i + 100) },
      owner.tokens[0],
    );
  }
  return chatId;
}

export const SEND_MESSAGE = 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { id chatId seq } }';

export async function sendMessage(url: string, token: string, chatId: string, body: string, clientMessageId: string) {
  const data = await gql<{ sendMessage: { id: string; chatId: string; seq: number } }>(
    url,
    SEND_MESSAGE,
    { input: { chatId, body, clientMessageId } },
    token,
  );
  return data.sendMessage;
}
