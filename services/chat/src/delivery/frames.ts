import { ChatEvent } from '../../../../proto/gen/chat/v1/chat.js';
import type { LiveEvent } from '../bus.js';
import type { LoggedEvent } from '../event-log.js';
import { toMessage } from '../rows.js';

/**
 * One event as subscribers receive it. Built once per event, whoever receives it, and encoded
 * once, however many calls carry it (the same bytes go into every Delivery).
 */
export class Frame {
  private encoded: Buffer | undefined;
  constructor(readonly event: ChatEvent) {}
  bytes(): Buffer {
    if (!this.encoded) {
      const bytes = ChatEvent.encode(this.event).finish();
      this.encoded = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return this.encoded;
  }
}

/** What a logged event looks like to its members: the removed member of a removal sees another event. */
interface LoggedFrames {
  members: Frame | undefined;
  removed?: Frame;
}

const loggedFrames = new WeakMap<LoggedEvent, LoggedFrames>();
const liveFrames = new WeakMap<LiveEvent, Frame>();

/**
 * The frame a member receives for a logged event: `RemovedFromChat` for the member a removal is
 * about, else the event itself (membership changes are `ChatUpdated`). Undefined when the event
 * shows nothing (a message event without its message).
 */
export function loggedFrame(event: LoggedEvent, removedUserId: string | undefined): Frame | undefined {
  let frames = loggedFrames.get(event);
  if (!frames) loggedFrames.set(event, (frames = buildLogged(event)));
  return removedUserId !== undefined ? frames.removed : frames.members;
}

/**
 * The frame of a replayed message event for a user who may not see every change of its message:
 * `hidden` names the messages changed after that user's removal (see Subscriber.hiddenChanges).
 * Such a message is left out, its event shows nothing; a message replying to one loses its
 * `replyTo` (its `replyToId` stays). Built for this one subscriber, never shared.
 */
export function loggedFrameWithout(event: LoggedEvent, hidden: ReadonlySet<string>): Frame | undefined {
  if (!event.message) return loggedFrame(event, undefined);
  if (hidden.has(event.message.id)) return undefined;
  if (!event.replyTo || !hidden.has(event.replyTo.id)) return loggedFrame(event, undefined);
  return buildLogged({ ...event, replyTo: undefined }).members;
}

function buildLogged(event: LoggedEvent): LoggedFrames {
  const base = { chatId: event.chatId, seq: event.seq, committedAt: dateOf(event.committedAt) };
  const message = event.message ? toMessage(event.message, event.replyTo) : undefined;
  const frame = (kind: ChatEvent['kind']) => new Frame({ ...base, kind });
  switch (event.kind) {
    case 'message_created':
      return { members: message && frame({ $case: 'messageCreated', messageCreated: { message } }) };
    case 'message_edited':
      return { members: message && frame({ $case: 'messageEdited', messageEdited: { message } }) };
    case 'message_deleted':
      return { members: message && frame({ $case: 'messageDeleted', messageDeleted: { message } }) };
    case 'member_removed':
    case 'member_left':
      return {
        members: frame({ $case: 'chatUpdated', chatUpdated: {} }),
        removed: frame({ $case: 'removedFromChat', removedFromChat: {} }),
      };
    case 'members_added':
    case 'role_changed':
      return { members: frame({ $case: 'chatUpdated', chatUpdated: {} }) };
  }
}

/** The frame of a live-only event (no seq): the same for everyone it reaches. */
export function liveFrame(event: LiveEvent): Frame {
  let frame = liveFrames.get(event);
  if (!frame) liveFrames.set(event, (frame = buildLive(event)));
  return frame;
}

const dateOf = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

function buildLive(event: LiveEvent): Frame {
  const committedAt = dateOf(event.committedAt);
  switch (event.kind) {
    case 'created':
      // A new chat starts at seq 0, which is not in the log: announced as ChatUpdated.
      return new Frame({ chatId: event.chatId, seq: 0, kind: { $case: 'chatUpdated', chatUpdated: {} }, committedAt });
    case 'read':
      return new Frame({
        chatId: event.chatId,
        seq: 0,
        kind: { $case: 'readReceipt', readReceipt: { userId: event.userId, lastReadSeq: event.lastReadSeq } },
        committedAt,
      });
    case 'typing':
      return new Frame({
        chatId: event.chatId,
        seq: 0,
        kind: { $case: 'typing', typing: { userId: event.userId, typing: event.typing } },
        committedAt,
      });
    case 'user_updated':
      return new Frame({
        chatId: '',
        seq: 0,
        kind: { $case: 'userUpdated', userUpdated: { userId: event.userId } },
        committedAt,
      });
  }
}
