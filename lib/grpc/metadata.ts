import { Metadata } from '@grpc/grpc-js';
import { unauthenticated } from '../errors.js';

export const REQUEST_ID_METADATA_KEY = 'x-request-id';
export const AUTHORIZATION_METADATA_KEY = 'authorization';
/**
 * Marks a read made to resolve the events of a live subscription. A subscription lives as long as
 * its session, not its access token, so the read-only look-ups its events need (users, chats,
 * members, history) accept a correctly signed token past its `exp` while the session is active,
 * as `Subscribe` itself does; that grants nothing `Subscribe` does not already show. Every write,
 * and every call without this mark, still needs an unexpired token.
 */
export const SUBSCRIPTION_METADATA_KEY = 'x-subscription';

/**
 * Whether `value` may travel as text metadata (an HTTP/2 header value): printable ASCII only.
 * grpc-js throws on anything else with the value in the error's message, so a credential must be
 * checked here first: such an error would carry the token into a log line.
 */
export const isMetadataText = (value: string) => /^[\x20-\x7e]*$/.test(value);

/** The refusal of an `authorization` value that cannot be a bearer token; it never quotes the value. */
export const malformedAuthorization = () => unauthenticated('the authorization header is not a valid bearer token');

/**
 * Metadata for an outgoing call: the caller's credentials and the request id to log under.
 * An authorization value that is not metadata text is refused (UNAUTHENTICATED) without quoting it.
 */
export function callMetadata(options: {
  authorization?: string | undefined;
  requestId?: string | undefined;
  /** A read for a live subscription's events (see SUBSCRIPTION_METADATA_KEY). */
  subscription?: boolean | undefined;
}): Metadata {
  const metadata = new Metadata();
  if (options.authorization) {
    if (!isMetadataText(options.authorization)) throw malformedAuthorization();
    metadata.set(AUTHORIZATION_METADATA_KEY, options.authorization);
  }
  if (options.requestId && isMetadataText(options.requestId)) metadata.set(REQUEST_ID_METADATA_KEY, options.requestId);
  if (options.subscription) metadata.set(SUBSCRIPTION_METADATA_KEY, '1');
  return metadata;
}

/** Whether a call is a read for a live subscription's events. */
export const forSubscription = (metadata: Metadata) => metadata.get(SUBSCRIPTION_METADATA_KEY)[0] === '1';

/** The bearer token in a call's `authorization` metadata, if any. */
export function bearerToken(metadata: Metadata): string | undefined {
  const value = metadata.get(AUTHORIZATION_METADATA_KEY)[0];
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
}
