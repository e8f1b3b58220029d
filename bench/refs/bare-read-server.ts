// The bare read reference: `node:http` → chat-service's ListMessages through grpc-js (the
// repository's ts-proto client) → JSON with the messages' own fields. No GraphQL: what one
// history page costs the gateway's process when it does nothing but translate.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { credentials, Metadata } from '@grpc/grpc-js';
import { ChatServiceClient, type ListMessagesResponse } from '../../proto/gen/chat/v1/chat.js';
import { serve } from '../lib/ipc.js';

let client: ChatServiceClient | undefined;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const { chatId, last } = JSON.parse(Buffer.concat(chunks).toString()) as { chatId: string; last: number };
    const metadata = new Metadata();
    metadata.set('authorization', req.headers.authorization ?? '');
    client!.listMessages(
      { chatId, last },
      metadata,
      { deadline: Date.now() + 5_000 },
      (error, response: ListMessagesResponse) => {
        if (error) {
          res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.message }));
          return;
        }
        const messages = response.messages.map((m) => ({
          id: m.id,
          seq: m.seq,
          body: m.body,
          createdAt: m.createdAt?.toISOString(),
        }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages }));
      },
    );
  });
});

const api = {
  listen({ chatGrpcAddr }: { chatGrpcAddr: string }) {
    client = new ChatServiceClient(chatGrpcAddr, credentials.createInsecure());
    return new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );
  },
};

export type BareReadApi = typeof api;
serve(api);
