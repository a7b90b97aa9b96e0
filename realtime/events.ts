// The socket contract of the realtime tier (API.md § Chat), typed on both ends
// like socket.io's typed-events: the server, the tests and the bundled web
// client import these types, so a renamed field breaks the build, not a user.
// Type-only apart from a few constants: safe to bundle into the browser.

// The payload shapes are zod schemas in shared/contract/socket.ts (one
// definition for the types here and the generated AsyncAPI document); these
// type-only imports vanish from the browser bundle.
import type { z } from 'zod';
import type { ChatMessage, PublicProfile } from '../shared/contract/index.js';
import type { AckBodies, AckError, ConnectRefusalCode, PresenceState, ServerEventPayloads } from '../shared/contract/socket.js';

/** Socket.IO path of the realtime tier (the gateway proxies it unchanged). */
export const SOCKET_PATH = '/chat/connect';
/** A `typing` event with `typing: true` expires by itself after this long. */
export const TYPING_TTL_MS = 6_000;
/** Body length in characters (Unicode code points). */
export const MAX_BODY_CHARS = 4_000;
export const MAX_CLIENT_MSG_ID_CHARS = 64;
/** The reactions a message can get (one per user per message). */
export const REACTIONS = ['❤️', '👍', '😂', '😮', '😢', '🔥', '👏', '🙏'] as const;
export type ReactionEmoji = (typeof REACTIONS)[number];
/** The sender may edit a text message for this long after sending it. */
export const EDIT_WINDOW_MS = 15 * 60_000;
/** A reply quotes this many characters of the original. */
export const QUOTE_CHARS = 100;
/** The most user ids one `presence:query` may ask about. */
export const MAX_PRESENCE_QUERY = 200;

export type { AckError, ChatMessage, ConnectRefusalCode, PresenceState };

export interface ConnectErrorData {
  code: ConnectRefusalCode;
}
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;
export type AckFn<T extends object = object> = (response: Ack<T>) => void;

export interface SendPayload {
  conversation_id: string;
  /** 1–4000 characters; optional when there is an attachment. */
  body?: string;
  client_msg_id: string;
  /** An approved photo or voice note of the sender's own (POST /media/upload). */
  attachment?: { media_id: string };
  /** The message this one answers. */
  reply_to_seq?: number;
  /** Send it although the ack was `needs_confirmation`. */
  confirm?: boolean;
}
/** `client_id` (optional): a retry with the same one applies once. */
export interface ReactPayload {
  conversation_id: string;
  seq: number;
  emoji: ReactionEmoji | null;
  client_id?: string;
}
export interface EditPayload {
  conversation_id: string;
  seq: number;
  body: string;
  client_id?: string;
  confirm?: boolean;
}
/** "Does this bother you?": report a peer's message (reason defaults to offensive_message). */
export interface ReportPayload {
  conversation_id: string;
  seq: number;
  reason?: string;
  details?: string;
}
/** scope `everyone` (the default): unsend while the peer has not read it; `me`: hide it from the caller's own history. */
export interface DeletePayload {
  conversation_id: string;
  seq: number;
  scope?: 'everyone' | 'me';
}
/** The original of a blurred photo in a message. */
export interface RevealPayload {
  conversation_id: string;
  seq: number;
}
export interface ReadPayload {
  conversation_id: string;
  seq: number;
}
export interface TypingPayload {
  conversation_id: string;
}

/** The success ack of a client event (its `ok: true` fields). */
type AckOf<E extends keyof typeof AckBodies> = Omit<z.infer<(typeof AckBodies)[E]>, 'ok'>;

/** Events a client emits. Every one takes an ack callback (the contract's `{ok, …}`). */
export interface ClientToServerEvents {
  'message:send': (payload: SendPayload, ack: AckFn<AckOf<'message:send'>>) => void;
  'message:read': (payload: ReadPayload, ack: AckFn<AckOf<'message:read'>>) => void;
  'message:react': (payload: ReactPayload, ack: AckFn<AckOf<'message:react'>>) => void;
  'message:edit': (payload: EditPayload, ack: AckFn<AckOf<'message:edit'>>) => void;
  'message:delete': (payload: DeletePayload, ack: AckFn<AckOf<'message:delete'>>) => void;
  'message:report': (payload: ReportPayload, ack: AckFn<AckOf<'message:report'>>) => void;
  'message:reveal': (payload: RevealPayload, ack: AckFn<AckOf<'message:reveal'>>) => void;
  'typing:start': (payload: TypingPayload, ack?: AckFn) => void;
  'typing:stop': (payload: TypingPayload, ack?: AckFn) => void;
  'presence:query': (payload: { user_ids: string[] }, ack: AckFn<AckOf<'presence:query'>>) => void;
  /** Hands the socket a fresh access token (same user) before the current one expires. */
  'auth:refresh': (payload: { token: string }, ack: AckFn<AckOf<'auth:refresh'>>) => void;
}

/** The peer of a match:new: the public view (its distance_km is null). */
export type MatchUser = PublicProfile;

type Payload<E extends keyof typeof ServerEventPayloads> = z.infer<(typeof ServerEventPayloads)[E]>;

/** Events the server emits. Room broadcasts may carry a trailing recovery offset argument. */
export interface ServerToClientEvents {
  'message:new': (payload: Payload<'message:new'>) => void;
  'message:read': (payload: Payload<'message:read'>) => void;
  'message:reaction': (payload: Payload<'message:reaction'>) => void;
  'message:edited': (payload: Payload<'message:edited'>) => void;
  'message:deleted': (payload: Payload<'message:deleted'>) => void;
  typing: (payload: Payload<'typing'>) => void;
  presence: (payload: Payload<'presence'>) => void;
  'match:new': (payload: Payload<'match:new'>) => void;
  'match:removed': (payload: Payload<'match:removed'>) => void;
  'media:moderated': (payload: Payload<'media:moderated'>) => void;
  'admin:review': (payload: Payload<'admin:review'>) => void;
  /** The access token ran out without an `auth:refresh`; the server disconnects next. */
  'auth:expired': (payload: Payload<'auth:expired'>) => void;
}

/** What the server keeps on each socket (`socket.data`). */
export interface SocketData {
  userId: string;
  sessionId: string;
  /** Token expiry, seconds since the epoch. */
  exp: number;
  /** An admin's console socket (asked for at connect, checked then): in the admins' room. */
  admin?: boolean;
}
