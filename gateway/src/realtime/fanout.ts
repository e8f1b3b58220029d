import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import type { Logger } from '../../../lib/logger.js';
import type { Services } from '../caller-services.js';
import { createContext } from '../context.js';
import type { ChatEventPayload } from '../mappers.js';
import type { Commit, Prepare } from './hub.js';
import type { EventLookups } from './lookups.js';
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
 * - once per event at most: the look-ups its fields need (`sender`, `profile`, `user`, …) —
 *   one GetUsers and one GetProfiles whoever receives it, none when recent events read them
 *   (lookups.ts);
 * - once per plan (per plan and viewer, for event types whose selection has per-viewer fields):
 *   executing the selection and serialising the result;
 * - per recipient: splicing those bytes into its graphql-ws frame.
 */
export function createFanout(options: {
  services: Services;
  logger: Logger;
  maskError: (error: unknown, message: string) => Error;
  lookups: EventLookups;
}): Prepare {
  const { services, logger, maskError, lookups } = options;

  async function render(payload: ChatEventPayload, group: Group, shared: ReturnType<EventLookups['forEvent']>) {
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
        ownEmail ??= context.auth.getUsers({ ids: [user.id] }).then(({ results }) => results[0]?.user?.email ?? null);
        return ownEmail;
      },
    });
    const result = await group.plan.execute(payload, context);
    const masked = result.errors
      ? { ...result, errors: result.errors.map((error: GraphQLError) => maskError(error, 'Unexpected error.')) }
      : result;
    return { json: Buffer.from(JSON.stringify(masked)), failed: result.errors !== undefined };
  }

  return (payload, recipients) => {
    // A changed profile: what was kept of the user must not render this event, or any after it.
    if (payload.__typename === 'UserUpdated') lookups.forget(payload.userId);
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
      let written = 0;
      for (const subscription of direct) {
        if (!current(subscription)) continue;
        subscription.handOver(payload);
        if (subscription.sink.push?.(payload)) written++;
      }
      return written;
    };
    if (groups.size === 0) return deliverDirect;
    const shared = lookups.forEvent(recipients);
    // An event of a chat's log that renders with errors (a service its fields need is down) is
    // not handed over: a client cannot apply it, and would move its cursor past it with the next
    // one. Its recipients are replayed from their cursors instead, once the service is back.
    // Live-only events (no seq) are not replayed: they go out with their errors.
    const logged = 'seq' in payload && payload.seq > 0;
    return Promise.all(
      [...groups.values()].map(async (group) => {
        try {
          return { group, ...(await render(payload, group, shared)) };
        } catch (error) {
          logger.error({ err: error }, 'an event could not be rendered');
          const json = Buffer.from(JSON.stringify({ errors: [maskError(error, 'Unexpected error.')] }));
          return { group, json, failed: true };
        }
      }),
    ).then((rendered): Commit => (current, replay) => {
      let written = 0;
      for (const { group, json, failed } of rendered) {
        if (failed && logged) {
          logger.warn(
            { event: payload.__typename, chatId: payload.chatId, recipients: group.recipients.length },
            'an event rendered with errors; its recipients are replayed from their cursors',
          );
        }
        for (const subscription of group.recipients) {
          if (!current(subscription)) continue;
          if (failed && logged) {
            replay(subscription);
            continue;
          }
          subscription.handOver(payload);
          if (subscription.sink.write?.(json)) written++;
        }
      }
      return written + deliverDirect(current, replay);
    });
  };
}
