// The event catalogue: every stream and the schema of every event on it.
// Producers and consumers import it; the bus validates payloads on publish.
// Payload fields are snake_case like the public contract.
import { z } from 'zod';

export const STREAMS = {
  users: 'events:users',
  swipes: 'events:swipes',
  matches: 'events:matches',
  media: 'events:media',
  chat: 'events:chat',
  reports: 'events:reports',
  telegram: 'events:telegram',
} as const;
export type StreamName = (typeof STREAMS)[keyof typeof STREAMS];

const uuid = z.string().uuid();
const isoDate = z.string();

/** A stored chat message, as the events about stored messages tell it. */
const createdMessage = z.object({
  message_id: uuid,
  conversation_id: uuid,
  seq: z.number().int().positive(),
  sender_id: uuid,
  recipient_ids: z.array(uuid),
  created_at: isoDate,
});

export const EVENTS = {
  /** A session was revoked (logout, refresh-token reuse, session delete, ban): sockets of it disconnect. */
  'session.revoked': {
    stream: STREAMS.users,
    schema: z.object({ session_id: uuid, user_id: uuid, reason: z.string() }),
  },
  /** A user was banned: every session revoked, profile hidden, matches ended. */
  'user.banned': {
    stream: STREAMS.users,
    schema: z.object({ user_id: uuid, reason: z.string().optional() }),
  },
  /** An admin warned a user after a report (the notifications worker tells them through the bot). */
  'user.warned': {
    stream: STREAMS.users,
    schema: z.object({ user_id: uuid, report_id: uuid.optional(), note: z.string().optional() }),
  },
  /** The profile and everything hanging off it must go (photos, files, matches). */
  'profile.deleted': {
    stream: STREAMS.users,
    schema: z.object({ user_id: uuid }),
  },
  'swipe.created': {
    stream: STREAMS.swipes,
    schema: z.object({
      swipe_id: z.union([uuid, z.number().int()]),
      swiper_id: uuid,
      target_id: uuid,
      action: z.enum(['like', 'pass', 'superlike']),
      created_at: isoDate,
    }),
  },
  'match.created': {
    stream: STREAMS.matches,
    schema: z.object({
      match_id: uuid,
      conversation_id: uuid,
      user_ids: z.tuple([uuid, uuid]),
      created_at: isoDate,
    }),
  },
  'match.removed': {
    stream: STREAMS.matches,
    schema: z.object({
      match_id: uuid,
      conversation_id: uuid.nullable(),
      user_ids: z.tuple([uuid, uuid]),
      reason: z.enum(['unmatch', 'block', 'deleted', 'banned']),
    }),
  },
  'media.uploaded': {
    stream: STREAMS.media,
    schema: z.object({ media_id: uuid, owner_id: uuid, storage_key: z.string(), mime: z.string() }),
  },
  'media.moderated': {
    stream: STREAMS.media,
    schema: z.object({
      media_id: uuid,
      owner_id: uuid,
      status: z.enum(['approved', 'rejected', 'review']),
      nsfw_score: z.number().nullable().optional(),
    }),
  },
  /**
   * Chat messages were stored by one group commit (whichever way they were sent),
   * in the order of the batch; for notifications. One event per batch, not per
   * message: the relay, the bus and the worker each handle a batch at once.
   */
  'messages.created': {
    stream: STREAMS.chat,
    // Its one reader, the notification worker, gathers messages for NOTIFY_GATHER_S
    // anyway (live delivery does not go through the bus): the relays' next poll
    // takes it, and a chat batch costs no relay round of its own.
    publishAtCommit: false,
    schema: z.object({ messages: z.array(createdMessage).min(1) }),
  },
  /**
   * One stored chat message: what versions before messages.created wrote, one
   * per message. Still read (an outbox or a stream may hold some during an
   * upgrade); nothing writes it any more.
   */
  'message.created': {
    stream: STREAMS.chat,
    publishAtCommit: false,
    schema: createdMessage,
  },
  /** An update Telegram sent to the bot's webhook (once per update_id); the bot worker answers it. */
  'telegram.update': {
    stream: STREAMS.telegram,
    schema: z.object({ update_id: z.number().int().nonnegative(), update: z.record(z.string(), z.unknown()) }),
  },
  'report.created': {
    stream: STREAMS.reports,
    schema: z.object({ report_id: uuid, reporter_id: uuid, target_id: uuid, reason: z.string() }),
  },
} as const;

export type EventType = keyof typeof EVENTS;
export type EventPayload<T extends EventType> = z.infer<(typeof EVENTS)[T]['schema']>;

/** What a consumer receives. `id` is the stream entry id (Redis) or an equivalent. */
export interface BusEvent<T extends EventType = EventType> {
  id: string;
  stream: StreamName;
  type: T;
  payload: EventPayload<T>;
  published_at: string;
  /** How many times this event has been handed to this group (1 on first delivery). */
  attempt: number;
}

export function streamOf(type: EventType): StreamName {
  return EVENTS[type].stream;
}

/**
 * Whether a commit that enqueued this event wakes the outbox relays of its
 * process (every event but those the catalogue marks `publishAtCommit: false`,
 * which wait for the relays' next poll, OUTBOX_POLL_MS at most).
 */
export function publishedAtCommit(type: EventType): boolean {
  const entry = EVENTS[type];
  return !('publishAtCommit' in entry) || entry.publishAtCommit !== false;
}
