import { request as httpRequest } from 'node:http';

/**
 * A POST of `query` whose Authorization header carries `value`'s bytes as they are (UTF-8, not
 * ASCII): Node sends a header's characters as bytes (latin1), so the value goes as its UTF-8
 * bytes read as latin1.
 */
export function postWithRawAuthorization(port: number, value: string, query = '{ me { id } }') {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: Buffer.from(value, 'utf8').toString('latin1') },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query }));
  });
}
