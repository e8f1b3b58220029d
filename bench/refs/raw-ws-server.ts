// The bare delivery reference: `node:http` + `ws`, no database, no GraphQL execution. It takes
// the same sendMessage POSTs as the gateway, gives each message the next seq of its chat, and
// writes one pre-serialised graphql-ws `next` frame, shaped like the gateway's (the web client's
// selection, or the message's own fields), to every subscribed socket of the chat's members.
// It is the floor: what the machine costs to move the same bytes to the same sockets.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { frameText } from '../lib/frames.js';
import { serve } from '../lib/ipc.js';
import { createDirectory, type Directory, type DirectoryInput, type SendInput } from './directory.js';

type Selection = 'web' | 'own';
interface Subscriber {
  ws: WebSocket;
  id: string;
  selection: Selection;
}

let directory: Directory = createDirectory({ users: [], chats: [] });
const subscribers = new Map<string, Set<Subscriber>>();

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });
}

/** The event as the gateway's selection would render it (sender and profile for 'web'). */
function eventOf(
  selection: Selection,
  chatId: string,
  seq: number,
  message: Record<string, unknown>,
  sender: { id: string; username: string },
) {
  const own = { ...message, chatId, seq };
  const full =
    selection === 'web'
      ? {
          ...own,
          sender: {
            id: sender.id,
            username: sender.username,
            profile: { displayName: sender.username, bio: '', avatarUrl: null },
          },
          replyTo: null,
        }
      : own;
  return { __typename: 'MessageCreated', chatId, seq, message: full };
}

function broadcast(
  chatId: string,
  seq: number,
  message: Record<string, unknown>,
  sender: { id: string; username: string },
  memberIds: string[],
) {
  // Serialised once per (subscription id, selection): every socket gets the same string.
  const frames = new Map<string, string>();
  for (const memberId of memberIds) {
    for (const subscriber of subscribers.get(memberId) ?? []) {
      const key = `${subscriber.id}\n${subscriber.selection}`;
      let frame = frames.get(key);
      if (frame === undefined) {
        frame = JSON.stringify({
          id: subscriber.id,
          type: 'next',
          payload: { data: { chatEvents: eventOf(subscriber.selection, chatId, seq, message, sender) } },
        });
        frames.set(key, frame);
      }
      subscriber.ws.send(frame);
    }
  }
}

const server = createServer((req, res) => {
  readBody(req).then(
    (text) => {
      const user = directory.userByToken(req.headers.authorization);
      const input = (JSON.parse(text) as { variables?: { input?: SendInput } }).variables?.input;
      const chat = input && directory.chat(input.chatId);
      if (!user || !input || !chat || !chat.memberIds.includes(user.id)) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"errors":[{"message":"refused"}]}');
        return;
      }
      const seq = ++chat.seq;
      const message = {
        id: randomUUID(),
        body: input.body,
        clientMessageId: input.clientMessageId,
        createdAt: new Date().toISOString(),
        editedAt: null,
        deletedAt: null,
      };
      broadcast(chat.id, seq, message, user, chat.memberIds);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ data: { sendMessage: { id: message.id, chatId: chat.id, seq } } }));
    },
    () => res.writeHead(400).end(),
  );
});

const wss = new WebSocketServer({ server, path: '/graphql' });
wss.on('connection', (ws) => {
  let userId: string | undefined;
  const mine: Subscriber[] = [];
  ws.on('message', (data) => {
    const message = JSON.parse(frameText(data)) as {
      type: string;
      id?: string;
      payload?: { authorization?: unknown; query?: string };
    };
    if (message.type === 'connection_init') {
      userId = directory.userByToken(message.payload?.authorization)?.id;
      if (!userId) return ws.close(4403, 'Forbidden');
      ws.send('{"type":"connection_ack"}');
    } else if (message.type === 'subscribe' && userId && message.id) {
      const subscriber: Subscriber = {
        ws,
        id: message.id,
        selection: message.payload?.query?.includes('sender') ? 'web' : 'own',
      };
      mine.push(subscriber);
      let set = subscribers.get(userId);
      if (!set) subscribers.set(userId, (set = new Set()));
      set.add(subscriber);
    } else if (message.type === 'ping') ws.send('{"type":"pong"}');
  });
  ws.on('close', () => {
    if (userId) for (const subscriber of mine) subscribers.get(userId)?.delete(subscriber);
  });
});

const api = {
  setup(input: DirectoryInput) {
    directory = createDirectory(input);
    return true;
  },
  listen() {
    return new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );
  },
  sockets() {
    return wss.clients.size;
  },
};

export type RawWsApi = typeof api;
serve(api);
