import { GraphQLError, Kind, parse, print, type DefinitionNode, type ValidationRule } from 'graphql';
import type { GatewayContext } from './context.js';
import { badUserInput, notFound } from './errors.js';
import type { ChatModel, MessageModel, UserModel } from './mappers.js';

/**
 * Apollo Federation v2: the gateway's schema is also a subgraph a supergraph router can compose
 * (docs/federation.md). schema/federation.graphql declares the machinery (`@link`, `@key`,
 * `@shareable`, `_Any`, `_Entity`, `_service`, `_entities`) so that the schema builds as it is;
 * the entities carry `@key(fields: "id")` where they are defined. This module answers `_service`
 * and `_entities`, written here rather than with @apollo/subgraph so that the schema stays one
 * makeExecutableSchema whose resolvers must match it.
 */

/** Representations one `_entities` call may ask for: a members page of users fits (500). */
export const MAX_REPRESENTATIONS = 500;

/** The root fields of the federation spec, switched off by GRAPHQL_FEDERATION=off. */
export const FEDERATION_FIELDS: ReadonlySet<string> = new Set(['_service', '_entities']);

/** The machinery's definitions, which a subgraph's own SDL leaves out (the composer adds its own). */
const MACHINERY = new Set([
  'link',
  'key',
  'shareable',
  'link__Import',
  'link__Purpose',
  'federation__FieldSet',
  '_Any',
  '_Entity',
  '_Service',
]);

/**
 * The SDL `_service { sdl }` answers: schema/*.graphql as written (descriptions, `@key`s and the
 * `extend schema @link(…)` kept), without the machinery above.
 */
export function subgraphSdl(typeDefs: readonly string[]): string {
  const definitions = typeDefs
    .flatMap((text) => parse(text, { noLocation: true }).definitions)
    .flatMap((definition): DefinitionNode[] => {
      if ('name' in definition && definition.name && MACHINERY.has(definition.name.value)) return [];
      if (definition.kind === Kind.OBJECT_TYPE_EXTENSION && definition.name.value === 'Query') {
        const fields = definition.fields?.filter((field) => !FEDERATION_FIELDS.has(field.name.value));
        return fields && fields.length > 0 ? [{ ...definition, fields }] : [];
      }
      return [definition];
    });
  return print({ kind: Kind.DOCUMENT, definitions });
}

type Entity =
  | (UserModel & { __typename: 'User' })
  | (ChatModel & { __typename: 'Chat' })
  | (MessageModel & { __typename: 'Message' });

const ENTITY_TYPES = new Set(['User', 'Chat', 'Message']);

interface Representation {
  __typename: Entity['__typename'];
  id: string;
}

function representation(value: unknown): Representation {
  const { __typename, id } = (value ?? {}) as Record<string, unknown>;
  if (typeof __typename !== 'string' || !ENTITY_TYPES.has(__typename) || typeof id !== 'string') {
    throw badUserInput('representations', 'a representation is { __typename: "User" | "Chat" | "Message", id }');
  }
  return { __typename: __typename as Representation['__typename'], id };
}

/**
 * Each representation as the typed lookups answer it, batched per type: a `User` as `user(id)`
 * (null when there is none), a `Chat` as `chat(id)` (NOT_FOUND unless the caller is a member) and
 * a `Message` only to members of its chat (NOT_FOUND otherwise). Every lookup carries the
 * caller's token, so without one each entity is UNAUTHENTICATED. An error belongs to its entity
 * (`_entities.<index>`), the others still answer.
 */
async function entities(representations: readonly unknown[], ctx: GatewayContext): Promise<Promise<Entity | null>[]> {
  if (representations.length > MAX_REPRESENTATIONS) {
    throw badUserInput(
      'representations',
      `at most ${MAX_REPRESENTATIONS} representations a call, got ${representations.length}`,
    );
  }
  const wanted = representations.map((value) => {
    try {
      return representation(value);
    } catch (error) {
      return error as GraphQLError;
    }
  });
  const messageIds = wanted.flatMap((r) => (!(r instanceof GraphQLError) && r.__typename === 'Message' ? [r.id] : []));
  // No loader for messages (nothing else looks one up by id): one GetMessages call for all.
  const messages =
    messageIds.length > 0
      ? ctx.chat.getMessages({ ids: messageIds }).then(({ results }) => {
          const byId = new Map<string, MessageModel>();
          for (const result of results) if (result.message) byId.set(result.id, result.message);
          return byId;
        })
      : undefined;
  // Settled here (each entity awaits it below), so a failed call is not also an unhandled rejection.
  messages?.catch(() => undefined);
  return wanted.map(async (r): Promise<Entity | null> => {
    if (r instanceof GraphQLError) throw r;
    switch (r.__typename) {
      case 'User': {
        const user = await ctx.loaders.users.load(r.id);
        return user && { ...user, __typename: 'User' };
      }
      case 'Chat': {
        const chat = await ctx.loaders.chats.load(r.id);
        if (!chat) throw notFound('chat');
        return { ...chat, __typename: 'Chat' };
      }
      case 'Message': {
        const message = (await messages!).get(r.id);
        if (!message) throw notFound('message');
        return { ...message, __typename: 'Message' };
      }
    }
  });
}

/** `_service` and `_entities`, with the `_Entity` union's type resolution. */
export function federationResolvers(typeDefs: readonly string[]) {
  const sdl = subgraphSdl(typeDefs);
  return {
    Query: {
      _service: () => ({ sdl }),
      _entities: (_root: unknown, { representations }: { representations: readonly unknown[] }, ctx: GatewayContext) =>
        entities(representations, ctx),
    },
    _Entity: { __resolveType: (entity: Entity) => entity.__typename },
  };
}

/**
 * With GRAPHQL_FEDERATION off, `_service` and `_entities` are refused in validation, as graphql's
 * NoSchemaIntrospectionCustomRule refuses `__schema` and `__type`.
 */
export const NoFederationRule: ValidationRule = (context) => ({
  Field(node) {
    if (context.getParentType() !== context.getSchema().getQueryType()) return;
    if (!FEDERATION_FIELDS.has(node.name.value)) return;
    context.reportError(
      new GraphQLError(
        `GraphQL federation has been disabled, but the requested query contained the field "${node.name.value}".`,
        { nodes: node },
      ),
    );
  },
});
