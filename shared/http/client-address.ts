// The one place that decides who a request or socket comes from. A client's
// address is the TCP peer, unless the peer is a configured proxy hop: then it
// is the entry that the last trusted hop appended to X-Forwarded-For. Nothing
// a client writes in a header is believed beyond that (issue 13 §3).
import type http from 'node:http';
import net from 'node:net';

function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/**
 * The client's address: the peer when `trustedHops` is 0, else the entry that
 * the `trustedHops`-th proxy (counting from this process) appended.
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
  if (net.isIPv6(ip)) {
    const full = expandIpv6(ip);
    return full ? `${full.slice(0, 4).join(':')}::/64` : ip;
  }
  return ip || 'unknown';
}

function expandIpv6(ip: string): string[] | null {
  const [head, tail] = ip.split('%')[0].split('::');
  const a = head ? head.split(':') : [];
  const b = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  if (b.length && b[b.length - 1].includes('.')) return null; // embedded IPv4: rare, keep whole
  const groups = tail !== undefined ? [...a, ...Array(8 - a.length - b.length).fill('0'), ...b] : a;
  if (groups.length !== 8) return null;
  return groups.map((g) => parseInt(g || '0', 16).toString(16));
}
