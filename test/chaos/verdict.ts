/**
 * The chaos test's verdict, a pure function of what was recorded: the sends the senders meant,
 * the answers they got, the history as stored, and every device's raw deliveries in arrival
 * order (duplicates and all). It says whether delivery held — nothing lost, nothing duplicated,
 * order kept per chat, nothing stored twice — and, when not, what broke, with examples.
 * verdict.test.ts feeds it synthetic broken runs, so it is known to fail when delivery breaks.
 */

/** A message a sender meant to send. */
export interface Send {
  clientMessageId: string;
  chatId: string;
  /** The device that sends it; its sends to one chat go out one after another, in `order`. */
  device: string;
  order: number;
}

/** An answer to a `sendMessage` attempt (every attempt that was answered with a message). */
export interface Ack {
  clientMessageId: string;
  chatId: string;
  messageId: string;
  seq: number;
}

/** A message in the stored history, as read back at the end. */
export interface Stored {
  chatId: string;
  seq: number;
  messageId: string;
  clientMessageId: string;
}

/** One `MessageCreated` as a device received it. */
export interface Delivery {
  chatId: string;
  seq: number;
  messageId: string;
}

export interface DeviceLog {
  device: string;
  /** Every chat the device is in, with the seq it subscribed after (its first cursor). */
  chats: Record<string, number>;
  /** Every `MessageCreated` received, in arrival order, across reconnects: never deduplicated. */
  deliveries: Delivery[];
  /** `next` payloads that carried errors instead of an event (an event the device could not use). */
  errored: number;
}

export interface Run {
  sends: Send[];
  acks: Ack[];
  stored: Stored[];
  devices: DeviceLog[];
}

export interface Verdict {
  ok: boolean;
  counts: {
    sent: number;
    acknowledged: number;
    /** Meant but never answered with a message. */
    unacknowledged: number;
    /** Attempts of one clientMessageId answered with different messages. */
    conflictingAcks: number;
    /** clientMessageIds stored more than once. */
    storedTwice: number;
    /** Two stored messages at one seq of a chat. */
    seqTwice: number;
    /** Acknowledged, but not in the stored history (or stored elsewhere than acknowledged). */
    ackedNotStored: number;
    /** Stored, but no sender meant it. */
    storedUnknown: number;
    /** A device's messages stored in another order than it sent them to the chat. */
    sendOrderBroken: number;
    expectedDeliveries: number;
    deliveries: number;
    /** Stored messages a device of a member never received. */
    lost: number;
    /** Deliveries of a message the device had received already. */
    duplicated: number;
    /** Deliveries of a seq lower than one the device had received already in that chat. */
    reordered: number;
    /** Deliveries of a chat the device is not in, of a seq with no stored message, or of another message than stored there. */
    phantom: number;
    errored: number;
  };
  /** Examples of every kind of failure (at most `EXAMPLES` per kind). */
  problems: string[];
}

const EXAMPLES = 10;

export function judge(run: Run): Verdict {
  const problems: string[] = [];
  const shown = new Map<string, number>();
  const problem = (kind: string, text: string) => {
    const count = (shown.get(kind) ?? 0) + 1;
    shown.set(kind, count);
    if (count <= EXAMPLES) problems.push(`${kind}: ${text}`);
  };

  const sends = new Map(run.sends.map((send) => [send.clientMessageId, send]));

  // Acknowledgements: every send answered, every answer of one send naming the same message.
  const acked = new Map<string, Ack>();
  let conflictingAcks = 0;
  for (const ack of run.acks) {
    const first = acked.get(ack.clientMessageId);
    if (!first) acked.set(ack.clientMessageId, ack);
    else if (first.messageId !== ack.messageId || first.seq !== ack.seq || first.chatId !== ack.chatId) {
      conflictingAcks++;
      problem(
        'conflicting acks',
        `${ack.clientMessageId} answered as ${first.messageId}@${first.seq} and as ${ack.messageId}@${ack.seq}`,
      );
    }
  }
  let unacknowledged = 0;
  for (const send of run.sends) {
    if (acked.has(send.clientMessageId)) continue;
    unacknowledged++;
    problem('unacknowledged', `${send.clientMessageId} (chat ${send.chatId}, ${send.device}) never acknowledged`);
  }

  // The stored history: each clientMessageId once, each seq once, every acknowledged message there.
  const byClientId = new Map<string, Stored[]>();
  const bySeq = new Map<string, Map<number, Stored>>(); // chat → seq → message
  let seqTwice = 0;
  let storedUnknown = 0;
  for (const message of run.stored) {
    byClientId.set(message.clientMessageId, [...(byClientId.get(message.clientMessageId) ?? []), message]);
    let seqs = bySeq.get(message.chatId);
    if (!seqs) bySeq.set(message.chatId, (seqs = new Map<number, Stored>()));
    if (seqs.has(message.seq)) {
      seqTwice++;
      problem('seq twice', `chat ${message.chatId} seq ${message.seq} holds two messages`);
    } else seqs.set(message.seq, message);
    if (!sends.has(message.clientMessageId)) {
      storedUnknown++;
      problem(
        'stored unknown',
        `${message.clientMessageId} (chat ${message.chatId} seq ${message.seq}) was never sent`,
      );
    }
  }
  let storedTwice = 0;
  for (const [clientMessageId, copies] of byClientId) {
    if (copies.length < 2) continue;
    storedTwice++;
    problem(
      'stored twice',
      `${clientMessageId} stored ${copies.length}× at seq ${copies.map((c) => c.seq).join(', ')}`,
    );
  }
  let ackedNotStored = 0;
  for (const ack of acked.values()) {
    const stored = bySeq.get(ack.chatId)?.get(ack.seq);
    if (stored?.messageId === ack.messageId) continue;
    ackedNotStored++;
    problem('acked not stored', `${ack.clientMessageId} acknowledged as ${ack.messageId}@${ack.seq}, not stored so`);
  }

  // Order per chat, as sent: a device's messages to a chat are stored in the order it sent them.
  let sendOrderBroken = 0;
  // A second copy of a message is reported as stored twice, not again here.
  const lastOrder = new Map<string, { order: number; clientMessageId: string }>();
  const ordered = new Set<string>();
  for (const message of [...run.stored].sort((a, b) => a.seq - b.seq)) {
    const send = sends.get(message.clientMessageId);
    if (!send || send.chatId !== message.chatId || ordered.has(message.clientMessageId)) continue;
    ordered.add(message.clientMessageId);
    const key = `${send.device} ${send.chatId}`;
    const before = lastOrder.get(key);
    if (before && before.order > send.order) {
      sendOrderBroken++;
      problem(
        'send order broken',
        `${send.device} sent ${before.clientMessageId} before ${message.clientMessageId} (chat ${send.chatId}), stored after it`,
      );
    }
    if (!before || before.order < send.order)
      lastOrder.set(key, { order: send.order, clientMessageId: message.clientMessageId });
  }

  // Deliveries: per device and chat, every stored message after its first cursor exactly once, in seq order.
  let expectedDeliveries = 0;
  let deliveries = 0;
  let lost = 0;
  let duplicated = 0;
  let reordered = 0;
  let phantom = 0;
  let errored = 0;
  for (const device of run.devices) {
    errored += device.errored;
    if (device.errored > 0) problem('errored', `${device.device} received ${device.errored} events carrying errors`);
    const seen = new Map<string, Set<number>>();
    const highest = new Map<string, number>();
    for (const delivery of device.deliveries) {
      deliveries++;
      const where = `${device.device} chat ${delivery.chatId} seq ${delivery.seq}`;
      if (!(delivery.chatId in device.chats)) {
        phantom++;
        problem('phantom', `${where}: not a chat of this device`);
        continue;
      }
      const stored = bySeq.get(delivery.chatId)?.get(delivery.seq);
      if (stored?.messageId !== delivery.messageId) {
        phantom++;
        problem('phantom', `${where}: ${delivery.messageId}, stored there: ${stored?.messageId ?? 'nothing'}`);
      }
      let chatSeen = seen.get(delivery.chatId);
      if (!chatSeen) seen.set(delivery.chatId, (chatSeen = new Set()));
      if (chatSeen.has(delivery.seq)) {
        duplicated++;
        problem('duplicated', `${where} delivered again`);
        continue;
      }
      chatSeen.add(delivery.seq);
      const top = highest.get(delivery.chatId) ?? -Infinity;
      if (delivery.seq < top) {
        reordered++;
        problem('reordered', `${where} after seq ${top}`);
      } else highest.set(delivery.chatId, delivery.seq);
    }
    for (const [chatId, after] of Object.entries(device.chats)) {
      for (const message of bySeq.get(chatId)?.values() ?? []) {
        if (message.seq <= after) continue;
        expectedDeliveries++;
        if (seen.get(chatId)?.has(message.seq)) continue;
        lost++;
        problem(
          'lost',
          `${device.device} chat ${chatId} seq ${message.seq} (${message.clientMessageId}) never delivered`,
        );
      }
    }
  }

  for (const [kind, count] of shown) if (count > EXAMPLES) problems.push(`${kind}: … ${count - EXAMPLES} more`);
  const counts = {
    sent: run.sends.length,
    acknowledged: acked.size,
    unacknowledged,
    conflictingAcks,
    storedTwice,
    seqTwice,
    ackedNotStored,
    storedUnknown,
    sendOrderBroken,
    expectedDeliveries,
    deliveries,
    lost,
    duplicated,
    reordered,
    phantom,
    errored,
  };
  const failures =
    unacknowledged +
    conflictingAcks +
    storedTwice +
    seqTwice +
    ackedNotStored +
    storedUnknown +
    sendOrderBroken +
    lost +
    duplicated +
    reordered +
    phantom +
    errored;
  return { ok: failures === 0, counts, problems };
}
