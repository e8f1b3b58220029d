// A pool of WebSocket clients in its own process, speaking graphql-ws (graphql-transport-ws) by
// hand with `ws`: one `chatEvents` subscription per socket. It records, per socket, each message
// event's chat, seq and latency (arrival minus the send time the sender wrote into the body),
// and checks them against what the senders got acknowledged.
import WebSocket from 'ws';
import { checkSocket, addChecks, emptyCheck, type Delivery, type DeliveryCheck } from '../lib/checks.js';
import { inBatches } from '../lib/graphql.js';
import { frameText } from '../lib/frames.js';
import { serve } from '../lib/ipc.js';
import { parseBody, now } from '../lib/message-body.js';

interface Client {
  ws: WebSocket;
  /** Which server it is connected to: a run records and checks one group's sockets only. */
  group: string;
  chats: string[];
  received: Delivery[];
  latencies: number[];
  closed: boolean;
}

export interface ConnectArgs {
  url: string;
  group: string;
  sockets: { token: string; chats: string[] }[];
  query: string;
  /** Handshakes in progress at once, so that setup does not look like a connection storm. */
  concurrency: number;
}

const clients: Client[] = [];
let run = '';
let group = '';
/** Per message label of this run: how many sockets got it, and the slowest of them. */
const labels = new Map<string, { count: number; maxLatency: number }>();
const counters = { frames: 0, stale: 0, otherEvents: 0, errors: 0, completes: 0, closed: 0, lastFrameBytes: 0 };
/** Message events of this run received by all sockets together. */
let receivedInRun = 0;
let lastError = '';

function onFrame(client: Client, data: WebSocket.RawData): void {
  const arrival = now();
  counters.frames++;
  const message = JSON.parse(frameText(data)) as {
    type: string;
    payload?: {
      data?: { chatEvents?: { __typename?: string; chatId?: string; seq?: number; message?: { body?: string } } };
    };
  };
  switch (message.type) {
    case 'next': {
      const event = message.payload?.data?.chatEvents;
      const body = event?.__typename === 'MessageCreated' ? parseBody(event.message?.body ?? '') : undefined;
      if (!event || !body || event.chatId === undefined || event.seq === undefined) {
        counters.otherEvents++;
        if (!event) lastError = JSON.stringify(message).slice(0, 300);
        return;
      }
      if (body.run !== run || client.group !== group) {
        counters.stale++;
        return;
      }
      const latency = arrival - body.sentAt;
      receivedInRun++;
      counters.lastFrameBytes = typeof data === 'string' ? Buffer.byteLength(data) : (data as Buffer).length;
      client.received.push({ chatId: event.chatId, seq: event.seq });
      client.latencies.push(latency);
      const label = labels.get(body.label);
      if (label) {
        label.count++;
        label.maxLatency = Math.max(label.maxLatency, latency);
      } else labels.set(body.label, { count: 1, maxLatency: latency });
      return;
    }
    case 'ping':
      client.ws.send('{"type":"pong"}');
      return;
    case 'error':
      counters.errors++;
      lastError = JSON.stringify(message).slice(0, 300);
      return;
    case 'complete':
      counters.completes++;
      return;
    default:
      return;
  }
}

function open(url: string, group: string, token: string, chats: string[], query: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    const client: Client = { ws, group, chats, received: [], latencies: [], closed: false };
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no connection_ack within 60 s'));
    }, 60_000);
    ws.once('open', () =>
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    ws.on('error', (error) => {
      lastError = error.message;
    });
    ws.once('close', (code, reason) => {
      client.closed = true;
      counters.closed++;
      clearTimeout(timer);
      reject(new Error(`closed ${code} ${reason.toString()}`));
    });
    const onAck = (data: WebSocket.RawData) => {
      const message = JSON.parse(frameText(data)) as { type: string };
      if (message.type !== 'connection_ack') return;
      clearTimeout(timer);
      ws.off('message', onAck);
      ws.on('message', (frame) => onFrame(client, frame));
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
      resolve(client);
    };
    ws.on('message', onAck);
  });
}

const api = {
  async connect({ url, group: name, sockets, query, concurrency }: ConnectArgs) {
    let failed = 0;
    let firstError = '';
    await inBatches(sockets, concurrency, async ({ token, chats }) => {
      try {
        clients.push(await open(url, name, token, chats, query));
      } catch (error) {
        failed++;
        firstError ||= error instanceof Error ? error.message : String(error);
      }
    });
    return { connected: sockets.length - failed, failed, firstError };
  },

  /** Starts a run on one group's sockets: deliveries of other runs or groups are counted as stale. */
  track({ run: next, group: target }: { run: string; group: string }) {
    run = next;
    group = target;
    receivedInRun = 0;
    labels.clear();
    for (const client of clients) {
      client.received = [];
      client.latencies = [];
    }
    return true;
  },

  /** How many of this pool's sockets got message `label` in this run, and the slowest latency. */
  label({ label }: { label: string }) {
    const state = labels.get(label);
    return { count: state?.count ?? 0, maxLatency: state?.maxLatency ?? Number.NaN };
  },

  received() {
    return receivedInRun;
  },

  /** This run's check and latencies, against the acknowledged seqs of each chat. */
  collect({ acked }: { acked: [string, number[]][] }) {
    const ackedSets = new Map(acked.map(([chatId, seqs]) => [chatId, new Set(seqs)]));
    let check: DeliveryCheck = emptyCheck();
    const latencies: number[] = [];
    for (const client of clients.filter((c) => c.group === group)) {
      check = addChecks(check, checkSocket(client.received, client.chats, ackedSets));
      latencies.push(...client.latencies);
    }
    const open = clients.filter((c) => c.group === group && !c.closed).length;
    return { check, latencies, counters: { ...counters }, open, lastError };
  },

  async close() {
    await Promise.all(
      clients.map(
        (client) =>
          new Promise<void>((resolve) => {
            if (client.closed) return resolve();
            client.ws.once('close', () => resolve());
            client.ws.close(1000);
            setTimeout(() => {
              client.ws.terminate();
              resolve();
            }, 5_000).unref();
          }),
      ),
    );
    clients.length = 0;
    return true;
  },
};

export type WsClientsApi = typeof api;
serve(api);
