import { Metadata } from '@grpc/grpc-js';

export const REQUEST_ID_METADATA_KEY = 'x-request-id';
export const AUTHORIZATION_METADATA_KEY = 'authorization';

/** Metadata for an outgoing call: the caller's credentials and the request id to log under. */
export function callMetadata(options: {
  authorization?: string | undefined;
  requestId?: string | undefined;
}): Metadata {
  const metadata = new Metadata();
  if (options.authorization) metadata.set(AUTHORIZATION_METADATA_KEY, options.authorization);
  if (options.requestId) metadata.set(REQUEST_ID_METADATA_KEY, options.requestId);
  return metadata;
}

/** The bearer token in a call's `authorization` metadata, if any. */
export function bearerToken(metadata: Metadata): string | undefined {
  const value = metadata.get(AUTHORIZATION_METADATA_KEY)[0];
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}
