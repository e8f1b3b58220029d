import type { ServerWritableStream } from '@grpc/grpc-js';
import { resourceExhausted } from '../../../../lib/errors.js';
import type { SubscribeRequest, SubscribeResponse } from '../../../../proto/gen/chat/v1/chat.js';
import { callWriter } from './call-writer.js';
import type { DeliveryHub } from './hub.js';
import type { Outlet } from './subscriber.js';

/**
 * Serves one Subscribe call (one subscriber) until it ends: resolves when the client goes away,
 * rejects with the status to end the call with. Past `maxBuffered` messages waiting to be sent,
 * the client is too slow and the call ends as RESOURCE_EXHAUSTED.
 */
export function serveSubscribe(
  hub: DeliveryHub,
  caller: { userId: string; sessionId: string; keyId: string },
  call: ServerWritableStream<SubscribeRequest, SubscribeResponse>,
  signal: AbortSignal,
  maxBuffered: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const writer = callWriter(call, maxBuffered, () =>
      subscriber.end(resourceExhausted('subscriber is too slow; resume from your cursors')),
    );
    const outlet: Outlet = {
      send: (_recipients, frame, paced) => writer.write({ payload: { $case: 'event', event: frame.event } }, paced),
      snapshot: (_subscriber, chats) => writer.write({ payload: { $case: 'snapshot', snapshot: { chats } } }, true),
      room: () => writer.room(),
      ended(_subscriber, error) {
        writer.release();
        if (error) reject(error);
        else resolve();
      },
    };
    const subscriber = hub.add(outlet, caller, call.request.resume);
    const onAbort = () => {
      writer.release();
      subscriber.dispose();
      resolve();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
