import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import { closeCodes } from '../ws-codes.js';
import type { EventHub } from './hub.js';
import type { EventPlan } from './plan.js';
import { Subscription, type ResumeCursor, type Viewer } from './subscription.js';

const TAIL = Buffer.from('}');

/** What a WebSocket subscription needs of its socket: its frames go straight to it. */
export interface FrameSocket {
  /** The graphql-ws id of the subscription on this socket. */
  id: string;
  socket: WebSocket;
  /** Unsent bytes the socket may hold before its client is closed with 1013 (try again later). */
  maxBuffered: number;
}

/**
 * A `chatEvents` subscription over graphql-ws whose events bypass graphql-ws's own send path:
 * each event arrives rendered once for every subscription with the same plan, and only its
 * frame header (`{"id":…,"type":"next","payload":`) is this subscription's own. What graphql-ws
 * iterates is only the end: an error result, if the subscription failed, then completion.
 *
 * A client whose socket holds more than `maxBuffered` unsent bytes cannot keep up: it is closed
 * with 1013 and resumes from its own cursors.
 */
export function wsSubscription(options: {
  hub: EventHub;
  viewer: Viewer;
  resume: ResumeCursor[];
  plan: EventPlan;
  frames: FrameSocket;
  /** The error result a failed subscription reports (masked as every other error). */
  errorResult: (error: unknown) => ExecutionResult;
}): AsyncIterableIterator<ExecutionResult> {
  const { hub, frames } = options;
  const head = Buffer.from(`{"id":${JSON.stringify(frames.id)},"type":"next","payload":`);
  let last: IteratorResult<ExecutionResult> | undefined;
  let wake: ((result: IteratorResult<ExecutionResult>) => void) | undefined;
  const done: IteratorResult<ExecutionResult> = { value: undefined, done: true };

  const finish = (result: IteratorResult<ExecutionResult>) => {
    if (wake) {
      wake(result);
      wake = undefined;
      last = done;
    } else {
      last ??= result;
    }
  };

  const subscription = new Subscription(options.viewer, options.resume, {
    plan: options.plan,
    write(payloadJson) {
      const { socket } = frames;
      if (socket.readyState !== socket.OPEN) return false;
      if (socket.bufferedAmount > frames.maxBuffered) {
        socket.close(closeCodes.tryAgainLater, 'too slow; reconnect and resume from your cursors');
        return false;
      }
      socket.send(Buffer.concat([head, payloadJson, TAIL]), { binary: false });
      return true;
    },
    end(error) {
      finish(error === undefined ? done : { value: options.errorResult(error), done: false });
    },
  });
  hub.add(subscription);

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (last) {
        const result = last;
        last = result.done ? result : done;
        return Promise.resolve(result);
      }
      return new Promise((resolve) => (wake = resolve));
    },
    return() {
      hub.remove(subscription);
      finish(done);
      return Promise.resolve(done);
    },
    throw() {
      hub.remove(subscription);
      finish(done);
      return Promise.resolve(done);
    },
  };
}
