import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../../lib/logger.js';

/**
 * Serves the built web client (scripts/build-web.ts): `/assets/<file>` from `root/assets`,
 * cached forever since every name carries its content hash, and `root/index.html` for every
 * other path without an extension (the client's own routes), never cached so that a new build
 * is picked up at once.
 */
export type WebHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Paths that belong to the gateway itself, whatever the web client's routes are. */
const RESERVED = ['/graphql', '/healthz', '/readyz', '/metrics'];

/** The types the build produces (and a few a client may add); anything else is a download. */
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Sent with every answer. The client loads nothing but its own files (no inline script or
 * style, no eval), talks only to this origin (HTTP and WebSocket /graphql), shows avatars from
 * any https: URL, and may not be framed.
 */
const SECURITY_HEADERS = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** An asset's name: one path segment of plain characters, so it cannot leave `root/assets`. */
const ASSET_NAME = /^[\w-][\w.-]*$/;

export function createWebHandler(root: string, logger: Logger): WebHandler {
  const indexPath = join(root, 'index.html');
  if (!existsSync(indexPath)) {
    logger.warn({ webRoot: root }, 'the web client is not built (npm run build:web); / answers 503');
  }

  function send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body = '') {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
  const notFound = (req: IncomingMessage, res: ServerResponse) =>
    send(req, res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'not found\n');

  async function serveAsset(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (!ASSET_NAME.test(name)) return notFound(req, res);
    const path = join(root, 'assets', name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return notFound(req, res);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
      'content-length': String(info.size),
      'cache-control': 'public, max-age=31536000, immutable',
    });
    if (req.method === 'HEAD') return void res.end();
    // A client that goes away mid-file is no error of ours; the socket is gone either way.
    await pipeline(createReadStream(path), res).catch((error: unknown) => {
      logger.debug({ err: error, path }, 'asset not sent whole');
      res.destroy();
    });
  }

  async function serveIndex(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Read on every request (it is a few hundred bytes), so a rebuild needs no gateway restart.
    const html = await readFile(indexPath, 'utf8').catch(() => undefined);
    if (html === undefined) {
      return send(
        req,
        res,
        503,
        { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        'The web client is not built. Run `npm run build:web` (npm start builds it), then reload.\n',
      );
    }
    send(req, res, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }, html);
  }

  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    if (RESERVED.some((reserved) => rawPath === reserved || rawPath.startsWith(`${reserved}/`))) return false;
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      notFound(req, res); // malformed percent-encoding
      return true;
    }
    // Refused before any file is looked at: dot segments (also encoded as %2e%2e or hidden
    // behind an encoded slash), backslashes and NUL bytes.
    const segments = path.split('/');
    if (!path.startsWith('/') || /[\\\0]/.test(path) || segments.some((s) => s === '..' || s === '.')) {
      notFound(req, res);
      return true;
    }
    if (path.startsWith('/assets/')) await serveAsset(req, res, path.slice('/assets/'.length));
    else if (extname(segments.at(-1) ?? '') === '') await serveIndex(req, res);
    else notFound(req, res);
    return true;
  };
}
