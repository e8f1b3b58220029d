import { z } from 'zod';
import { parseDuration } from '../../../lib/env.js';

/** A rate: at most `points` calls in a window of `seconds` (rate-limiter-flexible's fixed window). */
export interface Rate {
  points: number;
  seconds: number;
}

/**
 * The longest window: in-memory limiters (and the insurance limiter behind Redis) expire their
 * keys with setTimeout, which holds at most 2^31 ms (24.8 days).
 */
const LONGEST_WINDOW_SECONDS = 24 * 86_400;

/** `20/1s`, `5/15m`, `100/1d`: calls per window; the window is whole seconds, 1 s to 24 d. */
export function parseRate(text: string): Rate | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(text);
  if (!match) return undefined;
  const points = Number(match[1]);
  const ms = parseDuration(match[2]!);
  if (!Number.isSafeInteger(points) || points < 1 || ms === undefined || ms % 1000 !== 0) return undefined;
  if (ms / 1000 > LONGEST_WINDOW_SECONDS) return undefined;
  return { points, seconds: ms / 1000 };
}

/** An environment variable holding a rate such as `20/1s` (see parseRate). */
export const rateEnv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const rate = parseRate(text);
      if (!rate) {
        ctx.addIssue({
          code: 'custom',
          message: `"${text}" is not a rate like 20/1s or 5/15m (calls/window, the window 1s to 24d)`,
        });
        return z.NEVER;
      }
      return rate;
    });

/** `20 per 1 s`, for messages. */
export function describeRate({ points, seconds }: Rate): string {
  const units: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'min'],
  ];
  const [size, unit] = units.find(([size]) => seconds % size === 0) ?? [1, 's'];
  return `${points} per ${seconds / size} ${unit}`;
}
