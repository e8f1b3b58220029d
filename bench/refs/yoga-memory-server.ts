// The in-memory GraphQL reference: graphql-yoga + graphql-ws serving the repository's own schema
// (schema/*.graphql), with resolvers over memory instead of gRPC and PostgreSQL. sendMessage
// gives the message its chat's next seq and publishes it to each member's subscriptions, which
// graphql-js executes per subscriber with whatever selection the client sent. It is what the
// same GraphQL stack costs without the database and the services.
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  GraphQLError,
  type ExecutionArgs,
  type GraphQLSchema,
  type execute,
  type parse,
  type subscribe,
  type validate,
} from 'graphql';
import { createPubSub, createYoga } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { serve } from '../lib/ipc.js';
import { createDirectory, type Directory, type DirectoryInput, type SendInput } from './directory.js';

/** What yoga's envelop hands back per operation (its own typing of these is `any`). */
interface Enveloped {
  schema: GraphQLSchema;
  parse: typeof parse;
  validate: typeof validate;
  execute: typeof execute;
  subscribe: typeof subscribe;
  contextFactory: () => unknown;
}

const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

interface StoredMessage {
  id: string;
  chatId: string;
  seq: number;
  senderId: string;
  body: string;
  clientMessageId: string;
  createdAt: string;
  editedAt: null;
  deletedAt: null;
  replyTo: null;
}
interface Event {
  __typename: 'MessageCreated';
  chatId: string;
  seq: number;
  message: StoredMessage;
}
interface Context {
  user: { id: string; username: string } | undefined;
}

let directory: Directory = createDirectory({ users: [], chats: [] });
const pubSub = createPubSub<{ events: [userId: string, event: Event] }>();
const createdAt = new Date().toISOString();

const caller = (context: Context) => {
  if (!context.user) throw new GraphQLError('unauthenticated', { extensions: { code: 'UNAUTHENTICATED' } });
  return context.user;
};

const schema = makeExecutableSchema<Context>({
  typeDefs: readdirSync(SCHEMA_DIR)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(new URL(name, SCHEMA_DIR), 'utf8')),
  resolvers: {
    Mutation: {
      sendMessage: (_: unknown, { input }: { input: SendInput }, context: Context) => {
        const user = caller(context);
        const chat = directory.chat(input.chatId);
        if (!chat?.memberIds.includes(user.id))
          throw new GraphQLError('not found', { extensions: { code: 'NOT_FOUND' } });
        const seq = ++chat.seq;
        const message: StoredMessage = {
          id: randomUUID(),
          chatId: chat.id,
          seq,
          senderId: user.id,
          body: input.body,
          clientMessageId: input.clientMessageId,
          createdAt: new Date().toISOString(),
          editedAt: null,
          deletedAt: null,
          replyTo: null,
        };
        for (const memberId of chat.memberIds)
          pubSub.publish('events', memberId, { __typename: 'MessageCreated', chatId: chat.id, seq, message });
        return message;
      },
    },
    Subscription: {
      chatEvents: {
        subscribe: (_: unknown, __: unknown, context: Context) => pubSub.subscribe('events', caller(context).id),
        resolve: (event: Event) => event,
      },
    },
    ChatEvent: { __resolveType: (event: Event) => event.__typename },
    Message: { sender: (message: StoredMessage) => directory.user(message.senderId) },
    User: {
      email: () => null,
      createdAt: () => createdAt,
      profile: (user: { username: string }) => ({
        displayName: user.username,
        bio: '',
        avatarUrl: null,
        updatedAt: null,
      }),
    },
  },
});

const yoga = createYoga<{ connectionParams?: { authorization?: unknown } }, Context>({
  schema,
  graphqlEndpoint: '/graphql',
  graphiql: false,
  landingPage: false,
  logging: false,
  // Over WebSocket there is no fetch Request, only the connection_init payload.
  context: ({ request, connectionParams }: { request?: Request; connectionParams?: { authorization?: unknown } }) => ({
    user: directory.userByToken(request?.headers.get('authorization') ?? connectionParams?.authorization),
  }),
});

const server = createServer(yoga);
const wsServer = new WebSocketServer({ server, path: '/graphql' });
useServer<{ authorization?: unknown }>(
  {
    onConnect: (ctx) => directory.userByToken(ctx.connectionParams?.authorization) !== undefined,
    onSubscribe: async (ctx, _id, params) => {
      const enveloped: Enveloped = yoga.getEnveloped({
        ...ctx,
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        params,
      });
      const document = enveloped.parse(params.query);
      const errors = enveloped.validate(enveloped.schema, document);
      if (errors.length > 0) return errors;
      const args: ExecutionArgs = {
        schema: enveloped.schema,
        document,
        operationName: params.operationName ?? null,
        variableValues: params.variables ?? null,
        contextValue: await enveloped.contextFactory(),
        rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
      };
      return args;
    },
    execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
    subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
  },
  wsServer,
);

const api = {
  setup(input: DirectoryInput) {
    directory = createDirectory(input);
    return true;
  },
  listen() {
    return new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );
  },
};

export type YogaMemoryApi = typeof api;
serve(api);
