import type { IncomingMessage } from 'node:http';
import { BlockList, isIP, isIPv4 } from 'node:net';
import { z } from 'zod';

/**
 * Who the client is, as far as the network tells: the socket's peer, or an address from
 * `X-Forwarded-For` when the gateway runs behind proxies it was told to trust (`TRUST_PROXY`).
 * `X-Forwarded-For` is written by whoever sends the request, so it is believed only as far as
 * the proxies that appended to it are trusted; anything left of them may be made up.
 */
export type TrustProxy =
  | { kind: 'none' }
  /** This many proxies stand in front of the gateway, each appending the address it saw. */
  | { kind: 'hops'; hops: number }
  /** The proxies' own addresses (or subnets): every hop from one of them is believed. */
  | { kind: 'addresses'; list: BlockList; text: string };

/**
 * `TRUST_PROXY`: unset (or `0`) = the socket's peer is the client; a hop count `N` = the N-th
 * address from the right of `X-Forwarded-For`; a comma-separated list of addresses and CIDR
 * subnets (`10.0.0.1,10.1.0.0/16,::1`) = the right-most address not in the list.
 */
export const trustProxyEnv = () =>
  z
    .string()
    .optional()
    .transform((text, ctx): TrustProxy => {
      const parsed = parseTrustProxy(text);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    });

/** The setting, or what is wrong with it. */
export function parseTrustProxy(text: string | undefined): TrustProxy | string {
  const value = text?.trim() ?? '';
  if (value === '' || value === '0') return { kind: 'none' };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops <= 100 ? { kind: 'hops', hops } : `"${value}" is more hops than any real chain of proxies`;
  }
  const list = new BlockList();
  for (const entry of value.split(',').map((part) => part.trim())) {
    const [address = '', bits, ...rest] = entry.split('/');
    const family = isIP(address);
    const prefix = Number(bits);
    if (family === 0 || rest.length > 0) return `"${entry}" is not an address or a subnet such as 10.0.0.0/8`;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else if (Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 4 ? 32 : 128))
      list.addSubnet(address, prefix, type);
    else return `"${entry}" has a bad prefix length`;
  }
  return { kind: 'addresses', list, text: value };
}

/** `::ffff:10.0.0.1` (an IPv4 client of a dual-stack socket) is 10.0.0.1; no zone id. */
function normalise(address: string): string {
  const plain = address.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
  return mapped ? mapped[1]! : plain;
}

/** One `X-Forwarded-For` entry as an address: bare, `1.2.3.4:port` or `[::1]:port`; else undefined. */
function forwardedAddress(entry: string): string | undefined {
  const text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  const withPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(text);
  const address = bracketed?.[1] ?? withPort?.[1] ?? text;
  return isIP(address) ? normalise(address) : undefined;
}

const isTrusted = (list: BlockList, address: string) => list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');

/**
 * The client's address for a request (HTTP or a WebSocket upgrade). Walks from the socket's peer
 * leftwards through `X-Forwarded-For` while the hop is trusted; an entry that is not an address
 * stops the walk at the hop that wrote it.
 */
export function clientAddressOf(request: IncomingMessage, trust: TrustProxy): string {
  const peer = normalise(request.socket.remoteAddress ?? 'unknown');
  if (trust.kind === 'none') return peer;
  const header = request.headers['x-forwarded-for'];
  if (!header) return peer;
  const forwarded = (Array.isArray(header) ? header.join(',') : header).split(',');
  // The chain from the gateway outwards: the socket's peer, then X-Forwarded-For from the right.
  const chain = [peer];
  for (let i = forwarded.length - 1; i >= 0; i--) {
    const address = forwardedAddress(forwarded[i]!);
    if (address === undefined) break;
    chain.push(address);
  }
  if (trust.kind === 'hops') return chain[Math.min(trust.hops, chain.length - 1)]!;
  let index = 0;
  while (index < chain.length - 1 && isTrusted(trust.list, chain[index]!)) index++;
  return chain[index]!;
}

/**
 * The key a per-address limit counts under. An IPv6 client usually holds a whole /64 (and can
 * pick any address in it), so IPv6 addresses count per /64; IPv4 addresses count one by one.
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // A dotted IPv4 ending (64:ff9b::1.2.3.4) fills the last two groups.
  const rightGroups = right.length + (right.at(-1)?.includes('.') ? 1 : 0);
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(Math.max(0, 8 - left.length - rightGroups)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => (Number.parseInt(group, 16) || 0).toString(16))
    .join(':')}::/64`;
}
