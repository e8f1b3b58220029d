import { keyIdOf } from '../../../lib/jwt.js';
import type { OpenChatEvents } from '../context.js';
import type { LiveSessions } from '../ws-sessions.js';
import { releasing, type RealtimeCaps } from './caps.js';
import type { EventHub } from './hub.js';
import { iteratorSubscription } from './iterator-subscription.js';

/**
 * chatEvents over HTTP (server-sent events): only with a valid, unexpired token, and ended when
 * its session is revoked, as a WebSocket is.
 */
export function chatEventsOverHttp(options: {
  hub: EventHub;
  caps: RealtimeCaps;
  liveSessions: LiveSessions;
}): OpenChatEvents {
  const { hub, caps, liveSessions } = options;
  return async (ctx, resume) => {
    const { userId, sessionId } = await ctx.viewer();
    caps.checkResume(resume);
    const slot = caps.subscription(userId);
    const authorization = ctx.call.metadata.get('authorization')[0];
    try {
      const stream = iteratorSubscription({
        hub,
        viewer: { userId, authorization: String(authorization) },
        resume,
        ctx,
        holdSession: (revoked) => liveSessions.hold(sessionId, keyIdOf(String(authorization)), revoked),
      });
      return releasing(stream, slot);
    } catch (error) {
      slot();
      throw error;
    }
  };
}
