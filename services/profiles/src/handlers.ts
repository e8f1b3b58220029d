import { forSubscription } from '../../../lib/grpc/metadata.js';
import type { CallContext, Handlers } from '../../../lib/grpc/server.js';
import type { SessionVerifier } from '../../../lib/session-verifier.js';
import type { ProfilesServiceService } from '../../../proto/gen/profiles/v1/profiles.js';
import type { Profiles } from './profiles.js';

export function profilesHandlers({
  verifier,
  profiles,
}: {
  verifier: SessionVerifier;
  profiles: Profiles;
}): Handlers<typeof ProfilesServiceService> {
  const caller = (ctx: CallContext) => verifier.verify(ctx.metadata);
  return {
    async getProfiles(request, ctx) {
      // Read-only: a live subscription's events may need it past the token's exp.
      const me = await verifier.verify(ctx.metadata, { allowExpired: forSubscription(ctx.metadata) });
      const found = await profiles.get(me, request.userIds);
      return {
        results: request.userIds.map((userId, index) => ({
          userId,
          ...(found[index] ? { profile: found[index] } : {}),
        })),
      };
    },
    updateProfile: async (request, ctx) => ({ profile: await profiles.update(await caller(ctx), request) }),
    searchProfiles: async (request, ctx) => ({
      profiles: await profiles.search(await caller(ctx), request.query, request.limit),
    }),
  };
}
