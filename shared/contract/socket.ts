// The payloads of the socket events (realtime/events.ts types both ends from
// these; the AsyncAPI document is generated from them and the chat's request
// schemas in realtime/chat/schemas.ts).
import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { AttachmentRevealed, ChatMessage, MessageDeleted, MessageReported, ReactionSet } from './chat.js';
import { MediaStatus, PublicProfile } from './profiles.js';

export const PresenceState = z.object({
  online: z.boolean(),
  /** When the user was last seen online (now while online); null when never seen. */
  last_seen: Timestamp.nullable(),
});
export type PresenceState = z.infer<typeof PresenceState>;

/** A refused event: the contract's error shape under `ok: false`. */
/** A refused event. rate_limited carries details {retry_after_s}: wait that long before sending again. */
export const AckError = z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });
export type AckError = z.infer<typeof AckError>;

const ok = <T extends z.core.$ZodLooseShape>(fields: T) => z.object({ ok: z.literal(true), ...fields });

/** What each client event's ack carries on success. */
export const AckBodies = {
  'message:send': ok({ message: ChatMessage, duplicate: z.boolean() }),
  'message:read': ok({ conversation_id: Id, seq: z.number().int().min(0) }),
  'message:react': ok(ReactionSet.shape),
  'message:edit': ok({ message: ChatMessage }),
  'message:delete': ok(MessageDeleted.shape),
  'message:report': ok(MessageReported.shape),
  'message:reveal': ok(AttachmentRevealed.shape),
  'typing:start': ok({}),
  'typing:stop': ok({}),
  'presence:query': ok({ presence: z.record(z.string(), PresenceState) }),
  'auth:refresh': ok({ exp: z.number().int() }),
} as const;

/** The payload of each server event. */
export const ServerEventPayloads = {
  'message:new': z.object({ message: ChatMessage }),
  'message:read': z.object({ conversation_id: Id, user_id: Id, seq: z.number().int().min(0) }),
  /** user_id set (or removed: emoji null) their reaction; reactions: the counts now. */
  'message:reaction': z.object({ ...ReactionSet.shape, user_id: Id }),
  /** The message as it is now (body, edited_at, change_seq). */
  'message:edited': z.object({ message: ChatMessage }),
  /** scope everyone: the sender unsent it (to every member); me: the caller's other devices hide it. */
  'message:deleted': MessageDeleted,
  typing: z.object({ conversation_id: Id, user_id: Id, typing: z.boolean(), expires_in_ms: z.number().int().optional() }),
  presence: z.object({ user_id: Id, ...PresenceState.shape }),
  /** user: the peer's public view; null when it cannot be shown (match:new carries no distance). */
  'match:new': z.object({ match_id: Id, conversation_id: Id, user: PublicProfile.nullable() }),
  'match:removed': z.object({ match_id: Id, conversation_id: Id.nullable() }),
  'media:moderated': z.object({ id: Id, status: MediaStatus.exclude(['pending']) }),
  /** To admins' console sockets only: a media item was held for review (the console reloads its queue). */
  'admin:review': z.object({ id: Id }),
  /** The access token ran out without an `auth:refresh`; the server disconnects next. */
  'auth:expired': z.object({ reason: z.string() }),
} as const;

export const CONNECT_REFUSALS = {
  unauthorized: 'A missing, bad or revoked access token (err.message `unauthorized`).',
  token_expired: 'The access token ran out (err.message `unauthorized`): refresh it and connect again.',
  too_many_sockets: 'The user already holds SOCKETS_PER_USER sockets (err.message `rate_limited`).',
  too_many_connections: "The client's address (IPv6: its /64) already holds SOCKETS_PER_ADDRESS sockets (err.message `rate_limited`).",
} as const;
/** `err.data.code` of a refused connection (`connect_error`). */
export type ConnectRefusalCode = keyof typeof CONNECT_REFUSALS;
