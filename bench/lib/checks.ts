// Correctness of what a run delivered: a benchmark of a system that loses, doubles or reorders
// messages measures nothing, so every scenario checks every delivery and every acknowledgement.

/** One message event as a socket received it. */
export interface Delivery {
  chatId: string;
  seq: number;
}

export interface DeliveryCheck {
  /** Acknowledged messages of the socket's chats that it received (first copies). */
  delivered: number;
  /** Acknowledged messages of the socket's chats it had not received when checked (each scenario drains first, bounded). */
  lost: number;
  /** Copies of a (chat, seq) the socket had already received. */
  duplicates: number;
  /** Deliveries whose seq is below the last one the socket saw in that chat. */
  outOfOrder: number;
  /** Deliveries of a (chat, seq) that no acknowledgement names (e.g. a send that timed out). */
  unexpected: number;
}

export const emptyCheck = (): DeliveryCheck => ({ delivered: 0, lost: 0, duplicates: 0, outOfOrder: 0, unexpected: 0 });

export function addChecks(a: DeliveryCheck, b: DeliveryCheck): DeliveryCheck {
  return {
    delivered: a.delivered + b.delivered,
    lost: a.lost + b.lost,
    duplicates: a.duplicates + b.duplicates,
    outOfOrder: a.outOfOrder + b.outOfOrder,
    unexpected: a.unexpected + b.unexpected,
  };
}

/**
 * Checks one socket's deliveries (in arrival order) against the acknowledged seqs of every chat
 * it is a member of: each must arrive exactly once, and per chat in increasing seq order.
 */
export function checkSocket(
  received: readonly Delivery[],
  chats: readonly string[],
  acked: ReadonlyMap<string, ReadonlySet<number>>,
): DeliveryCheck {
  const result = emptyCheck();
  const seen = new Map<string, Set<number>>();
  const last = new Map<string, number>();
  for (const { chatId, seq } of received) {
    let chatSeen = seen.get(chatId);
    if (!chatSeen) seen.set(chatId, (chatSeen = new Set()));
    if (chatSeen.has(seq)) {
      result.duplicates++;
      continue;
    }
    chatSeen.add(seq);
    if (seq < (last.get(chatId) ?? Number.NEGATIVE_INFINITY)) result.outOfOrder++;
    last.set(chatId, Math.max(seq, last.get(chatId) ?? seq));
    if (acked.get(chatId)?.has(seq)) result.delivered++;
    else result.unexpected++;
  }
  for (const chatId of chats) {
    const chatSeen = seen.get(chatId);
    for (const seq of acked.get(chatId) ?? []) if (!chatSeen?.has(seq)) result.lost++;
  }
  return result;
}

export interface GaplessCheck {
  /** Acknowledged seqs that another acknowledgement also names. */
  duplicates: number;
  /** Seqs between the chat's seq before the run and its highest acknowledged one, never acknowledged. */
  gaps: number;
}

/**
 * The acknowledged seqs of one chat, in which nobody else wrote during the run, must be exactly
 * `before + 1 … before + n`: every send took its own seq, none was skipped.
 */
export function checkGapless(before: number, seqs: readonly number[]): GaplessCheck {
  const unique = new Set(seqs);
  const duplicates = seqs.length - unique.size;
  let gaps = 0;
  let highest = before;
  for (const seq of unique) if (seq > highest) highest = seq;
  for (let seq = before + 1; seq <= highest; seq++) if (!unique.has(seq)) gaps++;
  // A seq at or below `before` is not this run's: count it as a duplicate of an older message.
  const stale = [...unique].filter((seq) => seq <= before).length;
  return { duplicates: duplicates + stale, gaps };
}
