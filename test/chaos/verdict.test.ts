import { describe, expect, it } from 'vitest';
import { judge, type Run } from './verdict.js';

/**
 * The chaos test's verdict on synthetic runs: a clean one passes, and each way delivery can break
 * — lost, duplicated, reordered, stored twice, acknowledged but not stored, … — fails it, saying
 * what broke. Without this, a verdict that passes everything would go unnoticed.
 */

/** Two chats (a direct one of a and b, a group of a, b and c), two devices each, clean delivery. */
function cleanRun(perChat = 6): Run {
  const chats: Record<'direct' | 'group', readonly string[]> = { direct: ['a', 'b'], group: ['a', 'b', 'c'] };
  const run: Run = { sends: [], acks: [], stored: [], devices: [] };
  const base = { direct: 1, group: 3 }; // seqs taken before the traffic (chat created, members added)
  for (const [chatId, users] of Object.entries(chats) as [keyof typeof chats, readonly string[]][]) {
    for (let i = 0; i < perChat; i++) {
      const device = `${users[i % users.length]}/${i % 2}`;
      const clientMessageId = `${chatId}-${i}`;
      const seq = base[chatId] + 1 + i;
      const messageId = `id-${chatId}-${i}`;
      run.sends.push({ clientMessageId, chatId, device, order: i });
      run.acks.push({ clientMessageId, chatId, messageId, seq });
      run.stored.push({ chatId, seq, messageId, clientMessageId });
    }
  }
  for (const user of ['a', 'b', 'c']) {
    for (const n of [0, 1]) {
      const mine = (Object.keys(chats) as (keyof typeof chats)[]).filter((chat) => chats[chat].includes(user));
      run.devices.push({
        device: `${user}/${n}`,
        chats: Object.fromEntries(mine.map((chat) => [chat, base[chat]])),
        // Chats interleaved, as they arrive: each chat's messages in seq order.
        deliveries: [...run.stored]
          .filter((m) => mine.includes(m.chatId as keyof typeof chats))
          .sort((x, y) => x.seq - y.seq)
          .map(({ chatId, seq, messageId }) => ({ chatId, seq, messageId })),
        errored: 0,
      });
    }
  }
  return run;
}

const device = (run: Run, name: string) => run.devices.find((d) => d.device === name)!;

describe('the chaos verdict', () => {
  it('passes a clean run, counting every delivery', () => {
    const verdict = judge(cleanRun());
    expect(verdict.problems).toEqual([]);
    expect(verdict.ok).toBe(true);
    // direct: 4 devices × 6; group: 6 devices × 6
    expect(verdict.counts).toMatchObject({ sent: 12, acknowledged: 12, expectedDeliveries: 60, deliveries: 60 });
  });

  it('passes retried sends answered with the same message, and deliveries of chats interleaved', () => {
    const run = cleanRun();
    run.acks.push(...run.acks.slice(0, 3)); // a retry answered again, with the same message
    const b0 = device(run, 'b/0');
    b0.deliveries = [
      ...b0.deliveries.filter((d) => d.chatId === 'group'),
      ...b0.deliveries.filter((d) => d.chatId === 'direct'),
    ];
    expect(judge(run).problems).toEqual([]);
  });

  it('fails a lost delivery', () => {
    const run = cleanRun();
    const b1 = device(run, 'b/1');
    const [dropped] = b1.deliveries.splice(4, 1);
    const verdict = judge(run);
    expect(verdict.ok).toBe(false);
    expect(verdict.counts.lost).toBe(1);
    expect(verdict.problems).toEqual([
      expect.stringContaining(`lost: b/1 chat ${dropped!.chatId} seq ${dropped!.seq}`),
    ]);
  });

  it('fails a delivery missing at the end (a device that never caught up)', () => {
    const run = cleanRun();
    device(run, 'c/0').deliveries.pop();
    expect(judge(run).counts.lost).toBe(1);
  });

  it('fails a duplicated delivery, next to the first or after a reconnect', () => {
    const run = cleanRun();
    const a0 = device(run, 'a/0');
    a0.deliveries.splice(3, 0, a0.deliveries[2]!);
    const c1 = device(run, 'c/1');
    c1.deliveries.push(c1.deliveries[0]!); // replayed again from an old cursor
    const verdict = judge(run);
    expect(verdict.ok).toBe(false);
    expect(verdict.counts.duplicated).toBe(2);
    expect(verdict.counts.reordered).toBe(0);
    expect(verdict.problems.filter((p) => p.startsWith('duplicated:'))).toHaveLength(2);
  });

  it('fails deliveries of one chat out of seq order', () => {
    const run = cleanRun();
    const b0 = device(run, 'b/0');
    const group = b0.deliveries.map((d, i) => [d, i] as const).filter(([d]) => d.chatId === 'group');
    const [[first, i], [second, j]] = [group[1]!, group[2]!];
    b0.deliveries[i] = second;
    b0.deliveries[j] = first;
    const verdict = judge(run);
    expect(verdict.ok).toBe(false);
    expect(verdict.counts.reordered).toBe(1);
    expect(verdict.counts.lost).toBe(0);
    expect(verdict.problems).toEqual([expect.stringMatching(/^reordered: b\/0 chat group seq \d+ after seq \d+$/)]);
  });

  it('fails a message stored twice, even when delivered as stored', () => {
    const run = cleanRun();
    const copy = { ...run.stored[0]!, seq: 100, messageId: 'copy' };
    run.stored.push(copy);
    for (const d of run.devices) if (copy.chatId in d.chats) d.deliveries.push({ ...copy });
    const verdict = judge(run);
    expect(verdict.ok).toBe(false);
    expect(verdict.counts.storedTwice).toBe(1);
    expect(verdict.problems).toEqual([expect.stringContaining(`stored twice: ${copy.clientMessageId} stored 2×`)]);
  });

  it('fails an acknowledged message missing from the history, even when no device expected it', () => {
    const run = cleanRun();
    const [gone] = run.stored.splice(2, 1);
    for (const d of run.devices) d.deliveries = d.deliveries.filter((x) => x.messageId !== gone!.messageId);
    const verdict = judge(run);
    expect(verdict.ok).toBe(false);
    expect(verdict.counts.ackedNotStored).toBe(1);
  });

  it('fails a send never acknowledged, and acks of one send naming two messages', () => {
    const unanswered = cleanRun();
    unanswered.acks.splice(0, 1);
    expect(judge(unanswered).counts.unacknowledged).toBe(1);
    const conflicting = cleanRun();
    conflicting.acks.push({ ...conflicting.acks[0]!, messageId: 'other', seq: 99 });
    expect(judge(conflicting).counts.conflictingAcks).toBe(1);
    expect(judge(conflicting).ok).toBe(false);
  });

  it("fails a device's messages stored in another order than sent", () => {
    const run = cleanRun();
    // direct-0 and direct-2 are both a/0's; swap where they were stored (and delivered).
    const [x, y] = [
      run.stored.find((m) => m.clientMessageId === 'direct-0')!,
      run.stored.find((m) => m.clientMessageId === 'direct-2')!,
    ];
    [x.clientMessageId, y.clientMessageId] = [y.clientMessageId, x.clientMessageId];
    const verdict = judge(run);
    expect(verdict.ok).toBe(false);
    expect(verdict.counts.sendOrderBroken).toBe(1);
  });

  it('fails deliveries of chats the device is not in, of messages not stored, and events carrying errors', () => {
    const run = cleanRun();
    const c0 = device(run, 'c/0');
    c0.deliveries.push({ chatId: 'direct', seq: 2, messageId: 'id-direct-0' });
    device(run, 'a/1').deliveries.push({ chatId: 'group', seq: 500, messageId: 'nowhere' });
    device(run, 'b/1').errored = 2;
    const verdict = judge(run);
    expect(verdict.ok).toBe(false);
    expect(verdict.counts.phantom).toBe(2);
    expect(verdict.counts.errored).toBe(2);
  });

  it('caps the examples per kind and says how many more there were', () => {
    const run = cleanRun(30);
    device(run, 'a/0').deliveries = [];
    const verdict = judge(run);
    expect(verdict.counts.lost).toBe(60);
    expect(verdict.problems.filter((p) => p.startsWith('lost:'))).toHaveLength(11);
    expect(verdict.problems.at(-1)).toBe('lost: … 50 more');
  });
});
