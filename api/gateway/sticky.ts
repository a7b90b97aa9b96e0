// Sticky routing for Socket.IO's HTTP long-polling across several realtime
// instances. An Engine.IO session lives in the memory of the instance that
// made it, so every poll (and the WebSocket upgrade) of that session must reach
// that instance. The realtime tier prefixes each Engine.IO session id with
// the tag of its instance: `<tag>.<rest>`, a tag unique across machines
// (realtime/registry.ts). The gateway reads the tag from the `sid` query
// parameter and looks it up among the instances it knows (upstreams.ts); the
// client never chooses a host. A request without a sid (a new handshake, a
// WebSocket-only client, the chat REST fallback) goes to the least loaded
// healthy instance.
import { TAG_PATTERN } from '../../realtime/registry.js';
import type { RealtimePool, Upstream } from './upstreams.js';

/** The instance tag in an Engine.IO session id, if it has one. */
export function sessionTag(sid: string): string | undefined {
  const dot = sid.indexOf('.');
  if (dot <= 0) return undefined;
  const tag = sid.slice(0, dot);
  return TAG_PATTERN.test(tag) ? tag : undefined;
}

/** The `sid` query parameter of a request URL. */
export function sessionIdOf(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('sid') ?? undefined;
}

export type RealtimeChoice =
  | { kind: 'sticky'; upstream: Upstream }
  | { kind: 'any'; upstream: Upstream }
  /** The session's instance is not (or no longer) known: the client must start over. */
  | { kind: 'gone' }
  /** No instance is up. */
  | { kind: 'none' };

/** Where a request to the realtime tier goes. */
export async function chooseRealtime(pool: RealtimePool, url: string, socket: boolean): Promise<RealtimeChoice> {
  const sid = socket ? sessionIdOf(url) : undefined;
  if (sid !== undefined) {
    const tag = sessionTag(sid);
    if (tag !== undefined) {
      const upstream = await pool.resolveTag(tag);
      return upstream ? { kind: 'sticky', upstream } : { kind: 'gone' };
    }
    // An untagged session id: right when there is a single instance, a fresh handshake otherwise.
  }
  // Without a sid on the socket path: a handshake, which the pool counts against the instance.
  const upstream = pool.pick(undefined, socket);
  return upstream ? { kind: 'any', upstream } : { kind: 'none' };
}
