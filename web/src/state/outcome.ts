// What a user action (edit, create a chat, add members…) answers the UI: done, or an error to show.
import type { CombinedError } from '@urql/core';
import { friendlyError } from '../api/errors';

/** The outcome of a user action: nothing, or an error to show. */
export type Outcome<T = void> = { ok: true; value: T } | { ok: false; error: string; field: string | null };

export function failure(error: CombinedError | undefined, overrides?: Record<string, string>): Outcome<never> {
  const friendly = friendlyError(error, overrides);
  return { ok: false, error: friendly.message, field: friendly.field };
}
