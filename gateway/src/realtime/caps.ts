import { badUserInput, limitExceeded } from '../errors.js';

/** Caps on what one user holds open on one gateway instance (counted per instance, not across). */
export interface RealtimeCapsConfig {
  /** `chatEvents` subscriptions one WebSocket may carry at once. @default 20 */
  subscriptionsPerSocket: number;
  /** `chatEvents` subscriptions one user may have at once, WebSocket and HTTP together. @default 100 */
  subscriptionsPerUser: number;
  /** Authenticated WebSockets one user may have open at once. @default 50 */
  socketsPerUser: number;
  /** Resume cursors one subscription may carry: the chats one may be in. @default 2000 */
  resumeCursors: number;
}

/** A slot taken under a cap; giving it back more than once is harmless. */
export type Release = () => void;

/**
 * The per-user counts behind the caps: each socket and subscription takes a slot when it opens
 * and gives it back when it ends, however it ends. A refusal is only the new operation's: the
 * user's other sockets and subscriptions, and every other user, carry on.
 */
export function createRealtimeCaps(config: RealtimeCapsConfig) {
  const sockets = new Map<string, number>();
  const subscriptions = new Map<string, number>();

  function take(counts: Map<string, number>, userId: string, max: number): Release | undefined {
    const held = counts.get(userId) ?? 0;
    if (held >= max) return undefined;
    counts.set(userId, held + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (counts.get(userId) ?? 1) - 1;
      if (left > 0) counts.set(userId, left);
      else counts.delete(userId);
    };
  }

  return {
    config,
    /** A slot for one more socket of `userId`; undefined when they have `socketsPerUser` open. */
    socket: (userId: string): Release | undefined => take(sockets, userId, config.socketsPerUser),
    /** A slot for one more subscription of `userId`; throws LIMIT_EXCEEDED past `subscriptionsPerUser`. */
    subscription(userId: string): Release {
      const release = take(subscriptions, userId, config.subscriptionsPerUser);
      if (!release) {
        throw limitExceeded(
          `too many subscriptions: a user may have at most ${config.subscriptionsPerUser} at once; complete one first`,
        );
      }
      return release;
    },
    /** More resume cursors than a user may have chats is BAD_USER_INPUT on `resume`. */
    checkResume(resume: readonly unknown[]): void {
      if (resume.length > config.resumeCursors) {
        throw badUserInput('resume', `resume may carry at most ${config.resumeCursors} cursors (one per chat)`);
      }
    },
  };
}

export type RealtimeCaps = ReturnType<typeof createRealtimeCaps>;

/** `iterator`, giving `release` back once it is over: done, failed, or ended by its reader. */
export function releasing<T>(iterator: AsyncIterableIterator<T>, release: Release): AsyncIterableIterator<T> {
  const done = <R>(result: Promise<R>) =>
    result.then(
      (value) => {
        if ((value as IteratorResult<T>).done) release();
        return value;
      },
      (error: unknown) => {
        release();
        throw error;
      },
    );
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => done(iterator.next()),
    return: (value?: unknown) => {
      release();
      return iterator.return ? iterator.return(value) : Promise.resolve({ value: undefined, done: true });
    },
    throw: async (error?: unknown) => {
      release();
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
  };
}
