import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import { invalidArgument, resourceExhausted, unavailable, type DomainError } from '../../../../lib/errors.js';
import type { Caller } from '../../../../lib/session-verifier.js';
import type { AddSubscriber, DeliverRequest, DeliverResponse } from '../../../../proto/gen/chat/v1/chat.js';
import { callWriter } from './call-writer.js';
import type { DeliveryHub } from './hub.js';
import type { Outlet, Subscriber } from './subscriber.js';

export interface DeliverLimits {
  /** Subscribers one Deliver call may carry. */
  maxSubscribers: number;
  /** Messages waiting to be sent on one Deliver call before it is cut as too slow. */
  maxBuffered: number;
}

/** Subscribers whose tokens are being checked at once, per call: a fail-over brings thousands. */
const VERIFY_CONCURRENCY = 32;

/**
 * Serves one Deliver call: subscribers come and go on it, each verified with its own token, and
 * every event goes out once per call with the ids of its recipients. Resolves when the caller
 * ends the call; rejects with RESOURCE_EXHAUSTED when the caller reads too slowly (every
 * subscriber then resumes from its cursors on a new call).
 */
export function serveDeliver(
  hub: DeliveryHub,
  verify: (authorization: string) => Promise<Caller>,
  call: ServerDuplexStream<DeliverRequest, DeliverResponse>,
  signal: AbortSignal,
  limits: DeliverLimits,
): Promise<void> {
  const subscribers = new Map<number, Subscriber>();
  /**
   * Adds waiting for, or in, verification, by id. Removing one cancels it; an add acts only while
   * it is still the one registered under its id (the id may be removed and added again meanwhile).
   */
  const adding = new Map<number, AddSubscriber>();
  const queued: AddSubscriber[] = [];
  let verifying = 0;
  let open = true;

  return new Promise<void>((resolve, reject) => {
    // Shutting down: the call ends as a whole, and the caller resumes its subscribers elsewhere.
    const stopOnClose = hub.onClose(() => finish(unavailable('chat-service is shutting down; resume elsewhere')));
    const finish = (error?: DomainError) => {
      if (!open) return;
      open = false;
      stopOnClose();
      writer.release();
      for (const subscriber of subscribers.values()) subscriber.dispose();
      subscribers.clear();
      if (error) reject(error);
      else resolve();
    };
    const writer = callWriter(call, limits.maxBuffered, () =>
      finish(resourceExhausted('the caller is too slow; resume every subscriber from its cursors')),
    );
    const write = (response: DeliverResponse, paced = false) => {
      if (open) writer.write(response, paced);
    };
    const endedWith = (id: number, error: DomainError | undefined) =>
      write(
        {
          kind: {
            $case: 'ended',
            ended: { subscriber: id, code: error?.code ?? status.OK, message: error?.message ?? '' },
          },
        },
        true,
      );

    const outlet: Outlet = {
      send: (recipients, frame, paced) =>
        write(
          {
            kind: {
              $case: 'delivery',
              delivery: { subscribers: recipients.map((subscriber) => subscriber.id), event: frame.bytes() },
            },
          },
          paced,
        ),
      snapshot: (subscriber, chats) =>
        write({ kind: { $case: 'snapshot', snapshot: { subscriber: subscriber.id, chats } } }, true),
      room: () => writer.room(),
      ended(subscriber, error) {
        if (subscribers.get(subscriber.id) !== subscriber) return;
        subscribers.delete(subscriber.id);
        endedWith(subscriber.id, error);
      },
    };

    /** Takes `request` off `adding`; false when it was cancelled or replaced meanwhile. */
    const settle = (request: AddSubscriber) => adding.get(request.id) === request && adding.delete(request.id);

    async function verifyAndAdd(request: AddSubscriber) {
      let caller: Caller;
      try {
        caller = await verify(request.authorization);
      } catch (error) {
        if (settle(request)) endedWith(request.id, error as DomainError);
        return;
      }
      if (!settle(request) || !open) return;
      try {
        subscribers.set(request.id, hub.add(outlet, caller, request.resume, request.id));
      } catch (error) {
        endedWith(request.id, error as DomainError);
      }
    }

    function pump() {
      while (verifying < VERIFY_CONCURRENCY && queued.length > 0) {
        const request = queued.shift()!;
        if (adding.get(request.id) !== request) continue;
        verifying++;
        void verifyAndAdd(request).finally(() => {
          verifying--;
          pump();
        });
      }
    }

    call.on('data', (request: DeliverRequest) => {
      const kind = request.kind;
      if (kind?.$case === 'add') {
        const { id } = kind.add;
        if (subscribers.has(id) || adding.has(id)) {
          // The caller lost track of its ids: an answer naming the id could not tell the two apart.
          finish(invalidArgument('id', `subscriber ${id} is already on this call`));
        } else if (subscribers.size + adding.size >= limits.maxSubscribers) {
          endedWith(id, resourceExhausted(`at most ${limits.maxSubscribers} subscribers per call`));
        } else {
          adding.set(id, kind.add);
          queued.push(kind.add);
          pump();
        }
      } else if (kind?.$case === 'remove') {
        const { id } = kind.remove;
        adding.delete(id);
        subscribers.get(id)?.dispose();
        subscribers.delete(id);
      }
    });
    // The caller closed its side, or went away: the call is over.
    call.on('end', () => finish());
    call.on('error', () => finish());
    if (signal.aborted) finish();
    else signal.addEventListener('abort', () => finish(), { once: true });
  });
}
