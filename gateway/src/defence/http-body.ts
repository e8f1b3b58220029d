import type { IncomingMessage, ServerResponse } from 'node:http';
/**
 * Request bodies, read by the gateway itself under a size limit before yoga sees the request.
 * Yoga would read any body whole (its own limit is 25 MB) and Node's server drains whatever a
 * handler left unread, so a client could make the gateway read without end. Here a body over
 * the limit is refused with 413 without reading past the limit: a declared Content-Length over
 * it before a byte of the body is read, a chunked body once the limit is crossed; then the
 * connection is closed, so the rest is never read either.
 *
 * A GraphQL POST is read only as JSON (yoga's other parsers, form-encoded and multipart, are
 * what a foreign page's form can send, see browsers.ts): anything else is 415 before reading.
 * The parsed body is handed to yoga as `req.body`, the way Express's `json()` hands it over,
 * which yoga's Node adapter takes instead of the stream.
 */

/** The media types yoga's JSON parser takes; parameters (`; charset=utf-8`) may follow. */
const JSON_MEDIA_TYPES = ['application/json', 'application/graphql+json'];

/** `extensions.code` of these refusals; BAD_REQUEST is yoga's own for a malformed request. */
export const BodyErrorCode = {
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  BadRequest: 'BAD_REQUEST',
} as const;
type BodyErrorCode = (typeof BodyErrorCode)[keyof typeof BodyErrorCode];

/**
 * Answers with a GraphQL-shaped error. When what is left of the body may be longer than the
 * limit (`close`), the connection is closed once the answer is out, so none of it is read; a
 * short unread body (a declared length within the limit) is drained by Node as usual.
 */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: BodyErrorCode,
  message: string,
  close: boolean,
) {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  if (close) {
    res.setHeader('connection', 'close');
    res.once('finish', () => req.socket.destroy());
  }
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
    })
    .end(body);
}

const declaredLength = (req: IncomingMessage): number | undefined => {
  const header = req.headers['content-length'];
  return header === undefined ? undefined : Number(header);
};

/** True when the request says its body is longer than `maxBytes` (before any of it is read). */
export const declaresOversizedBody = (req: IncomingMessage, maxBytes: number): boolean =>
  (declaredLength(req) ?? 0) > maxBytes;

const tooLarge = (maxBytes: number) => `the request body is larger than ${maxBytes} bytes (MAX_REQUEST_BYTES)`;

/**
 * For every request, first: a declared body over `maxBytes` is refused with 413 at once.
 * Returns true when the request has been answered.
 */
export function refuseOversizedBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): boolean {
  if (declaresOversizedBody(req, maxBytes)) {
    refuse(req, res, 413, BodyErrorCode.PayloadTooLarge, tooLarge(maxBytes), true);
    return true;
  }
  return false;
}

/**
 * For a request whose body no handler reads (anything but a GraphQL POST): Node drains an unread
 * body after the answer, which is bounded for a declared length within the limit but not for a
 * chunked one, so that connection closes after the answer instead.
 */
export function closeAfterUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  if (declaredLength(req) === undefined && req.headers['transfer-encoding'] !== undefined) {
    res.setHeader('connection', 'close');
  }
}

/**
 * Reads a GraphQL POST's JSON body under `maxBytes` and hands it to yoga as `req.body`. Returns
 * false when the request has been answered instead: 415 (not JSON), 413 (too large), 400 (not a
 * JSON object), or nothing at all when the client went away.
 */
export async function readGraphqlBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<boolean> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!JSON_MEDIA_TYPES.includes(type)) {
    refuse(
      req,
      res,
      415,
      BodyErrorCode.UnsupportedMediaType,
      `a GraphQL POST must be JSON (content-type: application/json), not ${type || 'without a content type'}`,
      declaredLength(req) === undefined,
    );
    return false;
  }
  const read = await readAtMost(req, maxBytes);
  if (read === 'gone') return false;
  if (read === 'too large') {
    refuse(req, res, 413, BodyErrorCode.PayloadTooLarge, tooLarge(maxBytes), true);
    return false;
  }
  let body: unknown;
  try {
    body = JSON.parse(read.toString('utf8'));
  } catch {
    refuse(req, res, 400, BodyErrorCode.BadRequest, 'the request body is not valid JSON', false);
    return false;
  }
  // One operation, as an object with at least `query`: yoga takes an object with no keys (or an
  // array, a batch, which is off) as if no body had been given, and would read the spent stream.
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length === 0) {
    refuse(req, res, 400, BodyErrorCode.BadRequest, 'the request body must be a JSON object with a query', false);
    return false;
  }
  Object.assign(req, { body });
  return true;
}

/**
 * The body, or 'too large' as soon as more than `maxBytes` have come (the request is paused
 * there, so Node stops reading the socket), or 'gone' when the client left before its end.
 */
function readAtMost(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too large' | 'gone'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (outcome: Buffer | 'too large' | 'gone') => {
      req.off('data', onData).off('end', onEnd).off('close', onGone).off('error', onGone);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        done('too large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done(Buffer.concat(chunks, size));
    const onGone = () => done('gone');
    req.on('data', onData).once('end', onEnd).once('close', onGone).once('error', onGone);
  });
}
