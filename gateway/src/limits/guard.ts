import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.js';

/**
 * What runs instead of a limited field's resolver: it counts the call and either refuses it
 * (throws, so nothing of it runs) or runs it with `run`. Arguments are the field's own.
 */
export type FieldGuard = (
  ctx: GatewayContext,
  args: Record<string, unknown>,
  run: () => Promise<unknown>,
) => Promise<unknown>;

/**
 * Puts the guards around their fields' resolvers, keyed `Type.field`. Limits are applied per field
 * execution, not per request, so that every call of an aliased batch (`a: login … b: login …`)
 * counts, on every transport that executes against this schema (HTTP, SSE, graphql-ws). The
 * schema is changed in place: it is the one `buildSchema()` just made for this gateway.
 */
export function guardFields(schema: GraphQLSchema, guardOf: (coordinate: string) => FieldGuard | undefined) {
  for (const type of [schema.getQueryType(), schema.getMutationType()]) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) {
      const guard = guardOf(`${type.name}.${field.name}`);
      if (!guard) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args: Record<string, unknown>, ctx: GatewayContext, info) =>
        guard(ctx, args, async () => resolve(source, args, ctx, info));
    }
  }
  return schema;
}
