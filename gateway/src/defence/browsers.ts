import { createHash } from 'node:crypto';
import type { GraphiQLOptions, Plugin, YogaServerOptions } from 'graphql-yoga';
import { z } from 'zod';
import { forbidden } from '../errors.js';

/**
 * What browsers may do with the gateway. Its clients authenticate with a bearer token in a
 * header, never a cookie, so a foreign page cannot act as a signed-in user; what it could still
 * do is use its visitors' browsers (and addresses) for anonymous calls such as `register`. So:
 *
 * - CORS: only the configured origins get `Access-Control-Allow-Origin`, none by default (the web
 *   client is served by the gateway itself, same origin, and needs none).
 * - CSRF: a request a page can send without a preflight (a GET, a form or `text/plain` POST) is
 *   refused unless it carries a header no such request can have. POST bodies other than JSON are
 *   refused even earlier, with 415 (http-body.ts).
 * - GraphiQL: served with a Content-Security-Policy.
 */

/** `CORS_ORIGINS`: comma-separated origins such as `https://app.example.com`, each exactly an origin. */
export function originList() {
  return z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((origin) => origin.trim().replace(/\/$/, ''))
        .filter(Boolean),
    )
    .refine((origins) => origins.every(isOrigin), {
      message: 'expected comma-separated origins such as https://app.example.com (scheme, host and port; no path)',
    });
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text;
  } catch {
    return false;
  }
}

/** Headers a page may send to another origin; anything else needs a preflight. */
const ALLOWED_HEADERS = ['content-type', 'authorization', 'accept', 'x-request-id'];

/**
 * yoga's `cors` option: the configured origins get their own origin back (and no credentials:
 * there are no cookies to send); any other origin gets no CORS header at all, so its page cannot
 * read an answer and a preflight for anything but a simple request fails.
 */
export function corsFor(origins: readonly string[]): NonNullable<YogaServerOptions<object, object>['cors']> {
  const allowed = new Set(origins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !allowed.has(origin)) return false;
    return {
      origin: [origin],
      methods: ['GET', 'POST'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: ['x-request-id'],
      credentials: false,
      maxAge: 600,
    };
  };
}

/** Content types a form or a `fetch` without a preflight may send (the Fetch standard's list). */
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * Headers that prove a preflight: no page can put them on a simple request. The first is
 * yoga's and the next two Apollo's, so that their clients' CSRF settings work here as well.
 */
export const CSRF_HEADERS = [
  'x-graphql-yoga-csrf',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'authorization',
];

/**
 * Refuses with 403 what a foreign page could send without a preflight: a request with no
 * content type or a simple one (a GET, a form post) and none of `CSRF_HEADERS`. The same rule
 * as yoga's `useCSRFPrevention` (@graphql-yoga/plugin-csrf-prevention, which this project does
 * not depend on), with Apollo's header names accepted too. Runs before the request is parsed, so
 * nothing of it executes.
 */
export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      const type = request.headers.get('content-type')?.toLowerCase();
      const preflighted = type !== undefined && !SIMPLE_CONTENT_TYPES.some((simple) => type.startsWith(simple));
      if (preflighted || CSRF_HEADERS.some((name) => request.headers.has(name))) return;
      throw forbidden(
        `this request could come from any web page: send it as a JSON POST, or with one of the headers ${CSRF_HEADERS.join(', ')}`,
        { status: 403 },
      );
    },
  };
}

/**
 * GraphiQL's page (@graphql-yoga/render-graphiql) is one HTML file with its script, styles and
 * editor workers inline, so it works offline. Its policy allows exactly that script (by hash),
 * inline styles (its editor writes them at run time), workers from `blob:` URLs, and requests
 * to this origin only (HTTP and WebSocket /graphql); nothing may frame it.
 */
export function graphiqlWithCsp(render: (options: GraphiQLOptions) => string): {
  renderGraphiQL: (options: GraphiQLOptions) => string;
  plugin: Plugin;
} {
  // The page is the same for every request; its policy is worked out once (it hashes ~9 MB).
  let rendered: { html: string; policy: string } | undefined;
  return {
    renderGraphiQL(options) {
      const html = render(options);
      if (rendered?.html !== html) rendered = { html, policy: graphiqlPolicy(html) };
      return html;
    },
    plugin: {
      onResponse({ response }) {
        if (!rendered || !response.headers.get('content-type')?.startsWith('text/html')) return;
        response.headers.set('content-security-policy', rendered.policy);
        response.headers.set('x-content-type-options', 'nosniff');
        response.headers.set('referrer-policy', 'no-referrer');
        response.headers.set('x-frame-options', 'DENY');
      },
    },
  };
}

function graphiqlPolicy(html: string): string {
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    ([, script]) =>
      `'sha256-${createHash('sha256')
        .update(script ?? '')
        .digest('base64')}'`,
  );
  return [
    "default-src 'none'",
    `script-src ${hashes.join(' ')}`,
    "style-src 'unsafe-inline'",
    'worker-src blob:',
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
