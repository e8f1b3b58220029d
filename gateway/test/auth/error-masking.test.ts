import { GraphQLError } from 'graphql';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../lib/logger.js';
import { createMaskError } from '../../src/errors.js';

// What the gateway's error masking lets through to a client: no service needs to run for it.

describe('error masking', () => {
  const mask = createMaskError(createLogger('test', 'silent'));

  it('masks unexpected errors: no message, no stack', () => {
    const masked = mask(
      new GraphQLError('boom', { originalError: new Error('db password is hunter2') }),
      'Unexpected error.',
    );
    expect(masked).toBeInstanceOf(GraphQLError);
    expect((masked as GraphQLError).toJSON()).toMatchInlineSnapshot(`
      {
        "extensions": {
          "code": "INTERNAL_SERVER_ERROR",
          "unexpected": true,
        },
        "message": "Unexpected error.",
      }
    `);
    expect(JSON.stringify((masked as GraphQLError).toJSON())).not.toMatch(/hunter2|stack/);
  });

  it('masks an INTERNAL status from a service, and maps the known ones', () => {
    const internal = Object.assign(new Error('13 INTERNAL: internal error'), {
      code: status.INTERNAL,
      details: 'internal error',
      metadata: undefined,
    });
    expect(
      (mask(new GraphQLError('x', { originalError: internal }), 'Unexpected error.') as GraphQLError).extensions.code,
    ).toBe('INTERNAL_SERVER_ERROR');
    const denied = Object.assign(new Error('7 PERMISSION_DENIED: no'), {
      code: status.PERMISSION_DENIED,
      details: 'no',
      metadata: undefined,
    });
    const mapped = mask(new GraphQLError('x', { originalError: denied }), 'Unexpected error.') as GraphQLError;
    expect(mapped.toJSON()).toMatchInlineSnapshot(`
      {
        "extensions": {
          "code": "FORBIDDEN",
        },
        "message": "no",
      }
    `);
  });
});
