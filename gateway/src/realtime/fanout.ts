import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import { isServiceError } from '../../../lib/errors.js';
import { callMetadata } from '../../../lib/grpc/metadata.js';
import type { Logger } from '../../../lib/logger.js';
import type { Profile } from '../../../proto/gen/profiles/v1/profiles.js';
import { createContext, type Services } from '../context.js';
import type { ChatEventPayload, UserModel } from '../mappers.js';
import type { Commit, Prepare } from './hub.js';
import type { EventPlan } from './plan.js';
import type { Subscription, Viewer } from './subscription.js';

/** Recipients that share one rendering of an event: same plan, and same viewer where it matters. */
interface Group {
  plan: EventPlan;
  viewer: Viewer | undefined;
  recipients: Subscription[];
}

/**
 * Turns one event into what each recipient's client receives, doing per event only what is the
 * same for everyone, and per viewer only what differs:
 *
 * - once per event: the look-ups its fields need (`sender`, `profile`, `user`, …) — one
 *   GetUsers and one GetProfiles whoever receives it;
 * - once per plan (per plan and viewer, for event types whose selection has per-viewer fields):
 *   executing the selection and serialising the result;
 * - per recipient: splicing those bytes into its graphql-ws frame.
 *
 * The shared look-ups are made with a recipient's token: every recipient of an event may see
 * the users and profiles it names, and nothing per viewer (an email) comes from them.
 */
export function createFanout(options: {
  services: Services;
  logger: Logger;
  maskError: (error: unknown, message: string) => Error;
}): Prepare {
  const { services, logger, maskError } = options;

  function sharedLoaders(recipients: readonly Subscription[]) {
    // A recipient's session may end while the event is in flight: then the next one's token serves.
    const tokens = [...new Set(recipients.slice(0, 3).map((subscription) => subscription.viewer.authorization))];
    async function asRecipients<T>(call: (options: { metadata: ReturnType<typeof callMetadata> }) => Promise<T>) {
      for (let i = 0; ; i++) {
        try {
          return await call({ metadata: callMetadata({ authorization: tokens[i], subscription: true }) });
        } catch (error) {
          if (i + 1 >= tokens.length || !isServiceError(error) || error.code !== status.UNAUTHENTICATED) throw error;
        }
      }
    }
    return {
      users: new DataLoader<string, UserModel | null>(async (ids) => {
        const { results } = await asRecipients((call) => services.auth.getUsers({ ids: [...ids] }, call));
        return ids.map((_id, index) => results[index]?.user ?? null);
      }),
      profiles: new DataLoader<string, Profile | null>(async (ids) => {
        const { results } = await asRecipients((call) => services.profiles.getProfiles({ userIds: [...ids] }, call));
        return ids.map((_id, index) => results[index]?.profile ?? null);
      }),
    };
  }

  async function render(payload: ChatEventPayload, group: Group, shared: ReturnType<typeof sharedLoaders>) {
    const viewer = group.viewer;
    const authorization = viewer?.authorization ?? group.recipients[0]!.viewer.authorization;
    let ownEmail: Promise<string | null> | undefined;
    const context = createContext({
      services,
      logger,
      requestId: randomUUID(),
      authorization,
      userAgent: '',
      subscription: true,
      shared,
      // Rendered for one viewer: their own email, nobody else's. Rendered for many: no email.
      // (The shared users were read with another recipient's token: the viewer's own record, with
      // their email, is read with theirs.)
      emailOf: (user) => {
        if (!viewer || user.id !== viewer.userId) return null;
        ownEmail ??= services.auth
          .getUsers({ ids: [user.id] }, context.call)
          .then(({ results }) => results[0]?.user?.email ?? null);
        return ownEmail;
      },
    });
    const result = await group.plan.execute(payload, context);
    const masked = result.errors
      ? { ...result, errors: result.errors.map((error: GraphQLError) => maskError(error, 'Unexpected error.')) }
      : result;
    return Buffer.from(JSON.stringify(masked));
  }

  return (payload, recipients) => {
    const groups = new Map<string, Group>();
    const direct: Subscription[] = [];
    for (const subscription of recipients) {
      const plan = subscription.sink.plan;
      if (!plan) {
        direct.push(subscription);
        continue;
      }
      const perViewer = plan.isPerViewer(payload.__typename);
      const key = perViewer ? `${plan.key}\n${subscription.viewer.userId}` : plan.key;
      const group = groups.get(key);
      if (group) group.recipients.push(subscription);
      else groups.set(key, { plan, viewer: perViewer ? subscription.viewer : undefined, recipients: [subscription] });
    }
    const deliverDirect: Commit = (current) => {
      for (const subscription of direct) {
        if (!current(subscription)) continue;
        subscription.handOver(payload);
        subscription.sink.push?.(payload);
      }
    };
    if (groups.size === 0) return deliverDirect;
    const shared = sharedLoaders(recipients);
    return Promise.all(
      [...groups.values()].map(async (group) => {
        try {
          return { group, json: await render(payload, group, shared) };
        } catch (error) {
          logger.error({ err: error }, 'an event could not be rendered');
          return { group, json: Buffer.from(JSON.stringify({ errors: [maskError(error, 'Unexpected error.')] })) };
        }
      }),
    ).then((rendered): Commit => (current) => {
      for (const { group, json } of rendered) {
        for (const subscription of group.recipients) {
          if (!current(subscription)) continue;
          subscription.handOver(payload);
          subscription.sink.write?.(json);
        }
      }
      deliverDirect(current);
    });
  };
}
