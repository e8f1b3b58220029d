import { randomBytes } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createLogger } from '../../lib/logger.js';
import { graphqlClient } from '../../test/support/gateway.js';
import { leftover } from '../../test/support/leftovers.js';
import { startSystem, type System } from '../../test/support/system.js';
import { until } from '../../test/support/wait.js';
import { postWithRawAuthorization } from './raw-requests.js';

// No token, password, refresh token or message body reaches a log line or a client error, in
// development mode at debug level (the most a log can show): the whole system as `npm start`
// runs it, its processes' output read as it is written, while a client sends a token that is no
// ASCII, a wrong password, messages, and protocol errors over WebSocket.

let system: System;
beforeAll(async () => {
  system = await startSystem('log_secrets', { NODE_ENV: 'development', LOG_LEVEL: 'debug' });
});

const marker = () => randomBytes(6).toString('hex');

/** A raw graphql-ws socket: what it received, and how it closed. */
async function rawSocket(port: number) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
  leftover(() => socket.terminate());
  const received: { id?: string; type: string; payload?: unknown }[] = [];
  socket.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as (typeof received)[number]));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return { socket, received, closed, send: (message: object) => socket.send(JSON.stringify(message)) };
}

describe('secrets in logs and client errors', () => {
  it('none reaches a log line or an answer, whatever the client sends', { timeout: 120_000 }, async () => {
    const gql = graphqlClient(system.gatewayPort).request;
    const secrets: string[] = [];
    const answers: string[] = [];
    const keep = <T>(answer: T): T => {
      answers.push(JSON.stringify(answer));
      return answer;
    };

    // Two accounts: their passwords, tokens and refresh tokens are secrets.
    const accounts = [];
    for (const name of ['a', 'b']) {
      const tag = `ls${name}${marker()}`;
      const password = `pw-${marker()}-horse`;
      const res = keep(
        await gql<{ register: { accessToken: string; refreshToken: string; user: { id: string } } }>(
          'mutation ($i: RegisterInput!) { register(input: $i) { accessToken refreshToken user { id } } }',
          { i: { email: `${tag}@example.com`, username: tag, password } },
        ),
      );
      expect(res.errors).toBeUndefined();
      const { accessToken, refreshToken, user } = res.data!.register;
      secrets.push(password, accessToken, refreshToken);
      accounts.push({ email: `${tag}@example.com`, token: accessToken, refreshToken, id: user.id });
    }
    const [a, b] = accounts as [(typeof accounts)[number], (typeof accounts)[number]];

    // A wrong password at login.
    const wrongPassword = `wrong-${marker()}-pässword`;
    secrets.push(wrongPassword);
    const login = keep(
      await gql('mutation ($i: LoginInput!) { login(input: $i) { accessToken } }', {
        i: { email: a.email, password: wrongPassword },
      }),
    );
    expect(login.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // Tokens that are no ASCII, over HTTP: a made-up one, and a working one with a letter added.
    const made = `tökén-${marker()}`;
    secrets.push(made, Buffer.from(made).toString('latin1'));
    for (const value of [`Bearer ${made}`, `Bearer ${a.token}ö`]) {
      const res = await postWithRawAuthorization(system.gatewayPort, value, '{ me { id } }');
      answers.push(res.body);
      expect(res.status, res.body).toBe(200);
      expect((JSON.parse(res.body) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
        'UNAUTHENTICATED',
      );
    }

    // Message bodies, sent over HTTP and over WebSocket, edited, in a reply.
    const chat = keep(
      await gql<{ createDirectChat: { id: string } }>(
        'mutation ($u: ID!) { createDirectChat(userId: $u) { id } }',
        { u: b.id },
        { token: a.token },
      ),
    );
    const chatId = chat.data!.createDirectChat.id;
    const bodies = [`body-${marker()}`, `edited-${marker()}`, `ws-body-${marker()}`, `invalid-${marker()}\u0000`];
    secrets.push(...bodies.map((body) => body.replace('\u0000', '')));
    const sent = keep(
      await gql<{ sendMessage: { id: string } }>(
        'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id body } }',
        { i: { chatId, body: bodies[0], clientMessageId: marker() } },
        { token: a.token },
      ),
    );
    keep(
      await gql(
        'mutation ($id: ID!, $b: String!) { editMessage(id: $id, body: $b) { id } }',
        { id: sent.data!.sendMessage.id, b: bodies[1] },
        { token: a.token },
      ),
    );
    const refused = keep(
      await gql(
        'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
        { i: { chatId, body: bodies[3], clientMessageId: marker() } },
        { token: a.token },
      ),
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const ws = await rawSocket(system.gatewayPort);
    ws.send({ type: 'connection_init', payload: { authorization: `Bearer ${b.token}` } });
    await until(() => ws.received.some((m) => m.type === 'connection_ack'), 'connection_ack');
    ws.send({
      id: '1',
      type: 'subscribe',
      payload: {
        query: 'mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
        variables: { i: { chatId, body: bodies[2], clientMessageId: marker() } },
      },
    });
    await until(() => ws.received.some((m) => m.id === '1' && m.type === 'complete'), 'the send over WebSocket');
    // Two subscribes with the same id, long enough that echoing it would not fit a close reason,
    // and carrying a token: the socket closes with a fixed reason.
    const longId = `${b.token}-${'x'.repeat(200)}`;
    const subscription = { query: 'subscription { chatEvents { __typename } }' };
    ws.send({ id: longId, type: 'subscribe', payload: subscription });
    ws.send({ id: longId, type: 'subscribe', payload: subscription });
    const duplicate = await ws.closed;
    expect(duplicate.code).toBe(4409);

    // The refresh token spent, then presented again (reuse detection revokes the session).
    const refreshed = keep(
      await gql<{ refreshToken: { accessToken: string; refreshToken: string } }>(
        'mutation ($r: String!) { refreshToken(refreshToken: $r) { accessToken refreshToken } }',
        { r: b.refreshToken },
      ),
    );
    expect(refreshed.errors).toBeUndefined();
    secrets.push(refreshed.data!.refreshToken.accessToken, refreshed.data!.refreshToken.refreshToken);
    const reused = keep(
      await gql('mutation ($r: String!) { refreshToken(refreshToken: $r) { accessToken } }', { r: b.refreshToken }),
    );
    expect(reused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // WebSocket close reasons, in development mode: fixed texts, never an error's message.
    const reasons = [duplicate];
    for (const authorization of [`Bearer ${made}`, `Bearer ${a.token}é`, { token: a.token }]) {
      const socket = await rawSocket(system.gatewayPort);
      socket.send({ type: 'connection_init', payload: { authorization } });
      const closed = await socket.closed;
      expect(closed.code).toBe(4403);
      reasons.push(closed);
    }
    const garbage = await rawSocket(system.gatewayPort);
    garbage.socket.send(`{"type":"connection_init","payload":{"authorization":"Bearer ${a.token}"`);
    reasons.push(await garbage.closed);
    expect(reasons.map((closed) => closed.reason)).toEqual([
      'Subscriber already exists',
      'Forbidden',
      'Forbidden',
      'Forbidden',
      'Invalid message received',
    ]);

    // The processes have logged what they did (at debug level, every call), and none of it.
    await until(() => system.output().includes('"level":"debug"'), 'debug lines in the output');
    const output = system.output();
    expect(output.length, 'the whole output was kept').toBeLessThan(200_000);
    expect(output).toContain('"msg":"http"');
    for (const secret of secrets) {
      expect(output, `a secret in the log: ${secret.slice(0, 12)}…`).not.toContain(secret);
    }
    // The clients' answers carry none of them either, but the tokens each was given.
    const given = new Set([
      ...accounts.flatMap((account) => [account.token, account.refreshToken]),
      refreshed.data!.refreshToken.accessToken,
      refreshed.data!.refreshToken.refreshToken,
    ]);
    const answerText = answers.join('\n');
    for (const secret of secrets.filter((secret) => !given.has(secret) && !bodies.includes(secret))) {
      expect(answerText, `a secret in an answer: ${secret.slice(0, 12)}…`).not.toContain(secret);
    }
  });
});

describe('the logger', () => {
  it('keeps secrets out of what errors carry into a line: their message, stack, cause and fields', () => {
    const lines: string[] = [];
    const logger = createLogger('test', 'debug', { write: (line: string) => void lines.push(line) });
    const token = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ${marker()}.c2lnbmF0dXJl`;
    const body = `a message body ${marker()}`;
    // grpc-js refusing a metadata value quotes it in its message.
    let metadataError: unknown;
    try {
      new Metadata().set('authorization', `Bearer tökén${marker()}`);
    } catch (error) {
      metadataError = error;
    }
    expect(String(metadataError)).toContain('tökén');
    // knex puts a failed statement, its values bound in, into the driver error's message.
    const driverError = Object.assign(
      new Error(`select * from chat_send_message('${body}', 'c1') - value too long for type character varying(64)`),
      { code: '22001', detail: `Failing row contains (${body}).`, parameters: [body, token] },
    );
    const wrapped = new Error(`call failed with Bearer ${token}`, { cause: driverError });
    logger.error({ err: metadataError }, 'metadata');
    logger.error({ err: wrapped }, 'wrapped');
    logger.warn({ headers: { authorization: `Bearer ${token}` }, variables: { input: { body } } }, 'request');
    logger.info(`an error message quoting Bearer ${token} and '${body}'`);
    const text = lines.join('');
    expect(lines).toHaveLength(4);
    for (const secret of [token, body, 'tökén']) expect(text).not.toContain(secret);
    // What helps to find the fault stays: the error's type, code and stack frames.
    const logged = JSON.parse(lines[1]!) as { err: { type: string; stack: string; cause: { code: string } } };
    expect(logged.err.type).toBe('Error');
    expect(logged.err.stack).toContain('log-secrets.test.ts');
    expect(logged.err.cause.code).toBe('22001');
  });
});
