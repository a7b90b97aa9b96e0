// The gateway's routing table: which service answers which public path.
// Matching is by path prefix on whole segments (`/authx` is not `/auth`), after
// dropping the contract's `/api/v1` prefix, so the services see the paths they
// declare. Anything not listed here is the gateway's own (health, metrics,
// the web client, or a 404 in the contract's shape).

// Socket.IO's path comes from the socket contract itself (constants only, no runtime imports).
import { SOCKET_PATH } from '../../realtime/events.js';

export type ServiceName = 'auth' | 'profile' | 'discovery' | 'media' | 'realtime' | 'admin';

export interface Route {
  service: ServiceName;
  /** The path and query to send upstream (the `/api/v1` prefix removed). */
  url: string;
  /** True for the Socket.IO endpoint (long-polling and WebSocket). */
  socket: boolean;
}

const API_PREFIX = '/api/v1';

// Photos live under /profiles in the contract but belong to the media service.
const PROFILE_PHOTOS = /^\/profiles\/[^/]+\/photos(?:\/|$)/;

const PREFIXES: ReadonlyArray<[prefix: string, service: ServiceName]> = [
  ['/auth', 'auth'],
  ['/profiles', 'profile'],
  ['/discovery', 'discovery'],
  ['/media', 'media'],
  ['/chat', 'realtime'],
  ['/admin', 'admin'],
  // The bot's webhook and Stars payments live in the admin service (api/admin/main.ts).
  ['/telegram', 'admin'],
  ['/payments', 'admin'],
];

function underPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Splits a request URL into path and query without trusting it to be absolute. */
function splitUrl(rawUrl: string): { path: string; query: string } {
  const q = rawUrl.indexOf('?');
  return q === -1 ? { path: rawUrl, query: '' } : { path: rawUrl.slice(0, q), query: rawUrl.slice(q) };
}

/** The service for a request URL, or undefined when the gateway answers itself. */
export function resolveRoute(rawUrl: string): Route | undefined {
  let { path, query } = splitUrl(rawUrl || '/');
  if (underPrefix(path, API_PREFIX)) path = path.slice(API_PREFIX.length) || '/';
  // Refuse dot segments and encoded slashes rather than guess how a service would read them.
  if (/(^|\/)\.\.?(\/|$)/.test(path) || /%2f|%5c/i.test(path)) return undefined;
  for (const [prefix, service] of PREFIXES) {
    if (!underPrefix(path, prefix)) continue;
    const routed: ServiceName = service === 'profile' && PROFILE_PHOTOS.test(path) ? 'media' : service;
    return { service: routed, url: path + query, socket: underPrefix(path, SOCKET_PATH) };
  }
  return undefined;
}
