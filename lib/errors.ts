import { Metadata, status, type ServiceError } from '@grpc/grpc-js';

/**
 * The domain errors a service may throw. Each maps to one gRPC status; anything else a handler
 * throws becomes INTERNAL with a generic message (see grpc/server.ts).
 */
export class DomainError extends Error {
  constructor(
    readonly code: status,
    message: string,
    /** The input the error is about, e.g. `email`; sent to clients in the `field` trailer. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const FIELD_METADATA_KEY = 'field';

export const invalidArgument = (field: string, message: string) =>
  new DomainError(status.INVALID_ARGUMENT, message, field);
export const unauthenticated = (message = 'not authenticated') => new DomainError(status.UNAUTHENTICATED, message);
export const permissionDenied = (message: string) => new DomainError(status.PERMISSION_DENIED, message);
export const notFound = (message: string) => new DomainError(status.NOT_FOUND, message);
export const alreadyExists = (field: string, message: string) => new DomainError(status.ALREADY_EXISTS, message, field);
export const resourceExhausted = (message: string) => new DomainError(status.RESOURCE_EXHAUSTED, message);
/** A configured cap was reached (members per group, sessions per user, …): FAILED_PRECONDITION. */
export const limitExceeded = (message: string) => new DomainError(status.FAILED_PRECONDITION, message);
export const unavailable = (message: string) => new DomainError(status.UNAVAILABLE, message);

/** The status object grpc-js sends for a DomainError. */
export function toStatusObject(error: DomainError): Partial<ServiceError> {
  const metadata = new Metadata();
  if (error.field !== undefined) metadata.set(FIELD_METADATA_KEY, error.field);
  return { code: error.code, details: error.message, metadata };
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'details' in error;
}

/** The `field` trailer of a gRPC error, when the service named one. */
export function errorField(error: ServiceError): string | undefined {
  const value = error.metadata?.get(FIELD_METADATA_KEY)[0];
  return typeof value === 'string' ? value : undefined;
}
