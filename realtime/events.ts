// The socket contract of the realtime tier (API.md § Chat), typed on both ends
// like socket.io's typed-events: the server, the tests and the bundled web
// client import these types, so a renamed field breaks the build, not a user.
// Type-only apart from a few constants: safe to bundle into the browser.

/** Socket.IO path of the realtime tier (the gateway proxies it unchanged). */
export const SOCKET_PATH = '/chat/connect';
/** A `typing` event with `typing: true` expires by itself after this long. */
export const TYPING_TTL_MS = 6_000;
/** Body length in characters (Unicode code points). */
export const MAX_BODY_CHARS = 4_000;
export const MAX_CLIENT_MSG_ID_CHARS = 64;
/** The most user ids one `presence:query` may ask about. */
export const MAX_PRESENCE_QUERY = 200;

export interface ChatMessage {
  id: string;
  conversation_id: string;
  /** 1, 2, 3 … per conversation, no gaps. */
  seq: number;
  sender_id: string;
  body: string;
  client_msg_id: string;
  created_at: string;
}

/**
 * A refused event. `rate_limited` (too many events on the connection, or
 * too many still in progress, or the per-user message/typing limits) carries
 * `details: {retry_after_s}`: wait that long before sending again.
 */
export interface AckError {
  ok: false;
  error: { code: string; message: string; details?: unknown };
}

/** `err.data.code` of a refused connection (`connect_error`). */
export type ConnectRefusalCode =
  /** A missing, bad or revoked access token (err.message `unauthorized`). */
  | 'unauthorized'
  /** The access token ran out (err.message `unauthorized`): refresh it and connect again. */
  | 'token_expired'
  /** The user already holds SOCKETS_PER_USER sockets (err.message `rate_limited`). */
  | 'too_many_sockets'
  /** The client's address (IPv6: its /64) already holds SOCKETS_PER_ADDRESS sockets (err.message `rate_limited`). */
  | 'too_many_connections';
export interface ConnectErrorData {
  code: ConnectRefusalCode;
}
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;
export type AckFn<T extends object = object> = (response: Ack<T>) => void;

export interface SendPayload {
  conversation_id: string;
  body: string;
  client_msg_id: string;
}
export interface ReadPayload {
  conversation_id: string;
  seq: number;
}
export interface TypingPayload {
  conversation_id: string;
}
export interface PresenceState {
  online: boolean;
  /** When the user was last seen online (now while online); null when never seen. */
  last_seen: string | null;
}

/** Events a client emits. Every one takes an ack callback (the contract's `{ok, …}`). */
export interface ClientToServerEvents {
  'message:send': (payload: SendPayload, ack: AckFn<{ message: ChatMessage; duplicate: boolean }>) => void;
  'message:read': (payload: ReadPayload, ack: AckFn<{ conversation_id: string; seq: number }>) => void;
  'typing:start': (payload: TypingPayload, ack?: AckFn) => void;
  'typing:stop': (payload: TypingPayload, ack?: AckFn) => void;
  'presence:query': (payload: { user_ids: string[] }, ack: AckFn<{ presence: Record<string, PresenceState> }>) => void;
  /** Hands the socket a fresh access token (same user) before the current one expires. */
  'auth:refresh': (payload: { token: string }, ack: AckFn<{ exp: number }>) => void;
}

export interface MatchUser {
  user_id: string;
  display_name: string;
  age: number | null;
  gender: string;
  bio: string;
  interests: string[];
  photos: { id: string; position: number; urls: Record<string, string | null> }[];
  /** Whole km between coarse points; null when not shown (match:new carries none). */
  distance_km: number | null;
}

/** Events the server emits. Room broadcasts may carry a trailing recovery offset argument. */
export interface ServerToClientEvents {
  'message:new': (payload: { message: ChatMessage }) => void;
  'message:read': (payload: { conversation_id: string; user_id: string; seq: number }) => void;
  typing: (payload: { conversation_id: string; user_id: string; typing: boolean; expires_in_ms?: number }) => void;
  presence: (payload: { user_id: string } & PresenceState) => void;
  'match:new': (payload: { match_id: string; conversation_id: string; user: MatchUser | null }) => void;
  'match:removed': (payload: { match_id: string; conversation_id: string | null }) => void;
  'media:moderated': (payload: { id: string; status: 'approved' | 'rejected' | 'review' }) => void;
  /** The access token ran out without an `auth:refresh`; the server disconnects next. */
  'auth:expired': (payload: { reason: string }) => void;
}

/** What the server keeps on each socket (`socket.data`). */
export interface SocketData {
  userId: string;
  sessionId: string;
  /** Token expiry, seconds since the epoch. */
  exp: number;
}
