// Composes the Hive Gateway reference's supergraph: GraphQL Mesh's gRPC source over the same
// chat-service, from proto/chat/v1/chat.proto. Run by `mesh-compose` (bench/refs/hive-gateway.ts)
// with HIVE_CHAT_GRPC_ADDR set to the chat-service under test, since the address is baked in.
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadGrpcSubgraph } from '@omnigraph/grpc';

const protoRoot = fileURLToPath(new URL('../../../proto/', import.meta.url));

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadGrpcSubgraph('chat', {
        endpoint: process.env.HIVE_CHAT_GRPC_ADDR ?? '127.0.0.1:7052',
        source: { file: `${protoRoot}chat/v1/chat.proto`, load: { includeDirs: [protoRoot] } },
        // The caller's token reaches chat-service as gRPC metadata, as the gateway's does.
        metaData: { authorization: '{context.headers.authorization}' },
      }),
    },
  ],
});
