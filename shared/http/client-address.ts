// The one place that decides who a request or socket comes from. A client's
// address is the TCP peer, unless the peer is a configured proxy hop: then it
// is the entry that the last trusted hop appended to X-Forwarded-For. Nothing
// a client writes in a header is believed beyond that (issue 13 §3).
import type http from 'node:http';
import net from 'node:net';

/** Strips what proxies and dual-stack sockets wrap around an address: `::ffff:`, `[v6]:port`, `v4:port`, a zone. */
function normalizeIp(raw: string): string {
  let ip = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed) ip = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(ip)) ip = ip.slice(0, ip.indexOf(':'));
  ip = ip.split('%')[0];
  if (ip.toLowerCase().startsWith('::ffff:') && net.isIPv4(ip.slice(7))) ip = ip.slice(7);
  return ip.toLowerCase();
}

/**
 * The client's address: the peer when `trustedHops` is 0, else the entry that
 * the `trustedHops`-th proxy (counting from this process) appended. An entry
 * that is not an address (`unknown`, garbage) leaves the peer as the answer.
 */
export function clientAddress(req: Pick<http.IncomingMessage, 'headers' | 'socket'>, trustedHops: number): string {
  const peer = normalizeIp(req.socket.remoteAddress ?? '');
  if (trustedHops <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const chain = (Array.isArray(header) ? header.join(',') : header ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const all = [...chain, peer];
  const picked = normalizeIp(all[Math.max(0, all.length - 1 - trustedHops)]);
  return net.isIP(picked) ? picked : peer;
}

/**
 * The key a per-address limit counts under: an IPv4 address as it is, an IPv6
 * address by its /64 (one customer's prefix; a host picks any address in it).
 */
export function addressKey(ip: string): string {
  const plain = normalizeIp(ip);
  if (net.isIPv6(plain)) {
    const groups = expandIpv6(plain);
    if (groups) return `${groups.slice(0, 4).join(':')}::/64`;
  }
  return plain || 'unknown';
}

/** The eight groups of an IPv6 address (a trailing dotted quad becomes two), without leading zeros. */
function expandIpv6(ip: string): string[] | null {
  let text = ip;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad[1].split('.').map(Number);
    text = text.slice(0, quad.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const a = head ? head.split(':') : [];
  const b = tail ? tail.split(':') : [];
  const groups = tail !== undefined ? [...a, ...Array<string>(8 - a.length - b.length).fill('0'), ...b] : a;
  if (groups.length !== 8) return null;
  return groups.map((g) => parseInt(g || '0', 16).toString(16));
}
