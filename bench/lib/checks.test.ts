// The bench's own checkers, on synthetic inputs: a benchmark is only as good as its checks.
import { describe, expect, it } from 'vitest';
import { checkGapless, checkSocket } from './checks.js';
import { median, percentile, ratio, summarize } from './stats.js';
import { makeBody, parseBody } from './message-body.js';

describe('checkSocket', () => {
  const acked = new Map([
    ['a', new Set([1, 2, 3])],
    ['b', new Set([7, 8])],
  ]);

  it('accepts every acknowledged message once, in order per chat, interleaved across chats', () => {
    const received = [
      { chatId: 'a', seq: 1 },
      { chatId: 'b', seq: 7 },
      { chatId: 'a', seq: 2 },
      { chatId: 'b', seq: 8 },
      { chatId: 'a', seq: 3 },
    ];
    expect(checkSocket(received, ['a', 'b'], acked)).toEqual({
      delivered: 5,
      lost: 0,
      duplicates: 0,
      outOfOrder: 0,
      unexpected: 0,
    });
  });

  it('counts lost, duplicate, out-of-order and unexpected deliveries', () => {
    const received = [
      { chatId: 'a', seq: 2 },
      { chatId: 'a', seq: 1 }, // out of order
      { chatId: 'a', seq: 2 }, // duplicate
      { chatId: 'a', seq: 9 }, // no acknowledgement names it
    ];
    // a#3 lost; b#7 and b#8 lost.
    expect(checkSocket(received, ['a', 'b'], acked)).toEqual({
      delivered: 2,
      lost: 3,
      duplicates: 1,
      outOfOrder: 1,
      unexpected: 1,
    });
  });

  it('expects nothing of chats the socket is not in', () => {
    expect(
      checkSocket(
        [
          { chatId: 'a', seq: 1 },
          { chatId: 'a', seq: 2 },
          { chatId: 'a', seq: 3 },
        ],
        ['a'],
        acked,
      ).lost,
    ).toBe(0);
  });
});

describe('checkGapless', () => {
  it('accepts exactly the seqs after the one before the run, in any order', () => {
    expect(checkGapless(10, [12, 11, 13])).toEqual({ duplicates: 0, gaps: 0 });
  });
  it('counts a seq given twice and one skipped', () => {
    expect(checkGapless(0, [1, 1, 3])).toEqual({ duplicates: 1, gaps: 1 });
  });
  it('counts a seq from before the run as a duplicate', () => {
    expect(checkGapless(5, [5, 6])).toEqual({ duplicates: 1, gaps: 0 });
  });
});

describe('stats', () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted order

  it('takes percentiles by nearest rank', () => {
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes like percentile does', () => {
    expect(summarize(values)).toEqual({ count: 100, p50: 50, p99: 99, max: 100 });
    expect(summarize([]).count).toBe(0);
  });

  it('takes medians of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('gives no ratio against zero or a missing figure', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNull();
    expect(ratio(Number.NaN, 2)).toBeNull();
  });
});

describe('message body', () => {
  it('carries run, label and send time through', () => {
    expect(parseBody(makeBody('d-ours-200-1', 'm17', 1234.5678))).toEqual({
      run: 'd-ours-200-1',
      label: 'm17',
      sentAt: 1234.568,
    });
    expect(parseBody('hello')).toBeUndefined();
  });
});
