// Every SQL statement of the chat. The send path is raw SQL over unnest()
// arrays on purpose: one statement (one round trip) for a whole
// group-commit batch, whatever its size (see writer.ts).
import type { Knex } from 'knex';
import { blockedEitherWaySql } from '../../shared/blocks.js';
import { isoTimestampSql } from '../../shared/db.js';
import { QUOTE_CHARS, type ChatMessage } from '../events.js';
import { markSentInChatSql, releaseFromChat } from '../../shared/media-attachment.js';
import { enqueueInStatement } from '../../shared/outbox/enqueue.js';

interface MessageRow {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  body: string | null;
  client_msg_id: string;
  created_at: Date;
  reply_to_seq?: number | null;
  edited_at?: Date | null;
  deleted_at?: Date | null;
  change_seq?: number;
  flagged?: boolean;
  /** A photo or voice note (shared/media-attachment.ts), and whether it arrives blurred. */
  attachment_media_id?: string | null;
  attachment_blurred?: boolean;
  // Joined in by the reads that show a message to someone:
  /** The quoted original of a reply. */
  q_sender_id?: string | null;
  q_body?: string | null;
  q_deleted?: boolean | null;
  /** Reaction counts by emoji (null: none). */
  reactions?: Record<string, number> | null;
  /** The viewer's own reaction, and whether they deleted it for themselves. */
  my_reaction?: string | null;
  hidden?: boolean;
}

const MESSAGE_COLUMNS =
  'id, conversation_id, seq, sender_id, body, client_msg_id, created_at, reply_to_seq, edited_at, deleted_at, change_seq, flagged, attachment_media_id, attachment_blurred';

/** What a message's attachment is, for the service to show (realtime/chat/attachments.ts). */
export interface AttachmentRef {
  mediaId: string;
  blurred: boolean;
}
// Kept beside the message rather than in it: the contract's message never
// shows the media id (a recipient must not reach the media by id).
const attachmentRefs = new WeakMap<ChatMessage, AttachmentRef>();
export const attachmentRefOf = (m: ChatMessage): AttachmentRef | undefined => attachmentRefs.get(m);

/** The contract's message: the optional fields only when they say something. */
export function toMessage(r: MessageRow): ChatMessage {
  const deleted = Boolean(r.deleted_at) || Boolean(r.hidden);
  const m: ChatMessage = {
    id: r.id,
    conversation_id: r.conversation_id,
    seq: r.seq,
    sender_id: r.sender_id,
    body: deleted ? null : r.body,
    client_msg_id: r.client_msg_id,
    created_at: r.created_at.toISOString(),
  };
  if (r.reply_to_seq && r.q_sender_id) {
    m.reply_to = { seq: r.reply_to_seq, sender_id: r.q_sender_id, body: r.q_deleted ? null : (r.q_body ?? null), deleted: Boolean(r.q_deleted) };
  }
  if (deleted) m.deleted = true;
  else {
    if (r.edited_at) m.edited_at = r.edited_at.toISOString();
    if (r.reactions && Object.keys(r.reactions).length) m.reactions = r.reactions;
    if (r.my_reaction) m.my_reaction = r.my_reaction as ChatMessage['my_reaction'];
    if (r.flagged) m.flagged = true;
  }
  if (r.change_seq) m.change_seq = r.change_seq;
  if (!deleted && r.attachment_media_id) attachmentRefs.set(m, { mediaId: r.attachment_media_id, blurred: Boolean(r.attachment_blurred) });
  return m;
}

// "Live" everywhere below: the conversation is open, its match has not ended,
// and neither member blocks the other.
const BLOCKED_BETWEEN_MATCH_USERS = blockedEitherWaySql('m.user_a', 'm.user_b');

export interface SendTarget {
  id: string;
  live: boolean;
  members: string[];
}

export interface SendRow {
  conversationId: string;
  senderId: string;
  /** null: an attachment without text. */
  body: string | null;
  clientMsgId: string;
  replyToSeq?: number;
  /** The filter flagged it and the sender confirmed. */
  flagged?: boolean;
  attachment?: AttachmentRef;
}

export interface SendBatchResult {
  /** The batch's conversations that exist: members and liveness. */
  conversations: Map<string, SendTarget>;
  /** Messages stored earlier under the batch's (sender_id, client_msg_id) pairs. */
  stored: ChatMessage[];
  /** Messages stored now. */
  inserted: ChatMessage[];
}

type JsonMessage = Omit<MessageRow, 'created_at' | 'edited_at' | 'deleted_at'> & { created_at: string; edited_at?: string | null; deleted_at?: string | null };
const rowFromJson = (m: JsonMessage): MessageRow => ({
  ...m,
  created_at: new Date(m.created_at),
  edited_at: m.edited_at ? new Date(m.edited_at) : null,
  deleted_at: m.deleted_at ? new Date(m.deleted_at) : null,
});
const fromJson = (m: JsonMessage) => toMessage(rowFromJson(m));

// The quote of a reply, joined to a message row `x`.
const QUOTE_JOIN = `LEFT JOIN messages q ON q.conversation_id = x.conversation_id AND q.seq = x.reply_to_seq`;
const QUOTE_COLUMNS = `q.sender_id AS q_sender_id, left(q.body, ${QUOTE_CHARS}) AS q_body, (q.deleted_at IS NOT NULL) AS q_deleted`;

const SEND_BATCH_SQL = `WITH input AS (
       SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::int[], ?::bool[], ?::uuid[], ?::bool[])
         WITH ORDINALITY AS r(conversation_id, sender_id, body, client_msg_id, reply_to_seq, flagged, attachment_media_id, attachment_blurred, ord)
     ), conv AS (
       SELECT c.id,
              (c.closed_at IS NULL AND m.ended_at IS NULL AND NOT ${BLOCKED_BETWEEN_MATCH_USERS}) AS live,
              ARRAY(SELECT cm.user_id FROM conversation_members cm WHERE cm.conversation_id = c.id) AS members
         FROM conversations c JOIN matches m ON m.id = c.match_id
        WHERE c.id = ANY(?::uuid[])
     ), stored AS (
       -- One unique-index probe per send, whatever the statistics say about the table.
       SELECT s.* FROM input i CROSS JOIN LATERAL (
         SELECT ${MESSAGE_COLUMNS} FROM messages m
          WHERE m.sender_id = i.sender_id AND m.client_msg_id = i.client_msg_id) s
     ), accepted AS (
       SELECT DISTINCT ON (i.sender_id, i.client_msg_id) i.*
         FROM input i JOIN conv c ON c.id = i.conversation_id
        WHERE c.live AND i.sender_id = ANY(c.members)
          AND NOT EXISTS (SELECT 1 FROM stored s WHERE s.sender_id = i.sender_id AND s.client_msg_id = i.client_msg_id)
        ORDER BY i.sender_id, i.client_msg_id, i.ord
     ), counts AS (
       SELECT conversation_id AS id, count(*)::int AS n FROM accepted GROUP BY conversation_id
     ), locked AS (
       SELECT id FROM conversations WHERE id = ANY(ARRAY(SELECT id FROM counts)) ORDER BY id FOR UPDATE
     ), bumped AS (
       UPDATE conversations c SET last_seq = c.last_seq + counts.n, last_message_at = now()
         FROM locked JOIN counts USING (id)
        WHERE c.id = locked.id
       RETURNING c.id, c.last_seq, counts.n
     ), inserted AS (
       INSERT INTO messages (conversation_id, seq, sender_id, body, client_msg_id, reply_to_seq, flagged, attachment_media_id, attachment_blurred)
       SELECT a.conversation_id, b.last_seq - b.n + row_number() OVER (PARTITION BY a.conversation_id ORDER BY a.ord),
              a.sender_id, a.body, a.client_msg_id, a.reply_to_seq, a.flagged,
              -- A media item its owner deleted since the check: the message goes without it (no FK failure for the batch).
              (SELECT md.id FROM media md WHERE md.id = a.attachment_media_id), a.attachment_blurred
         FROM accepted a JOIN bumped b ON b.id = a.conversation_id
        ORDER BY a.ord
       RETURNING ${MESSAGE_COLUMNS}
     ), sent_media AS (
       -- Sent media is attached from now on: the expiry sweep of unattached uploads leaves it alone.
       ${markSentInChatSql('ARRAY(SELECT attachment_media_id FROM inserted WHERE attachment_media_id IS NOT NULL)')}
     ), events AS (
       -- The batch's messages.created event (one for the batch), in the same statement (so in the same commit) as its messages.
       ${enqueueInStatement(
         'messages.created',
         `SELECT jsonb_build_object('messages', jsonb_agg(jsonb_build_object(
                   'message_id', i.id, 'conversation_id', i.conversation_id, 'seq', i.seq, 'sender_id', i.sender_id,
                   'recipient_ids', to_jsonb(ARRAY(SELECT u FROM unnest(c.members) u WHERE u <> i.sender_id)),
                   'created_at', ${isoTimestampSql('i.created_at')}) ORDER BY i.conversation_id, i.seq)) AS payload,
                 1 AS ord
            FROM inserted i JOIN conv c ON c.id = i.conversation_id
          HAVING count(*) > 0`,
       )}
     )
     SELECT (SELECT COALESCE(json_agg(conv), '[]') FROM conv) AS conversations,
            (SELECT COALESCE(json_agg(y), '[]') FROM (SELECT x.*, ${QUOTE_COLUMNS} FROM stored x ${QUOTE_JOIN}) y) AS stored,
            -- A reply's original was committed before it (the service checked reply_to_seq against last_seq).
            (SELECT COALESCE(json_agg(y), '[]') FROM (SELECT x.*, ${QUOTE_COLUMNS} FROM inserted x ${QUOTE_JOIN}) y) AS inserted`;

/**
 * A whole group-commit batch in ONE statement, so one round trip and one
 * commit, its outbox events and the attaching of its media included:
 * - reads each conversation's members and liveness, and the messages already
 *   stored under the batch's (sender_id, client_msg_id) pairs;
 * - accepts the first send of each pair whose sender is a member of a live
 *   conversation and that is not stored yet;
 * - locks those conversations in id order (the FOR UPDATE CTE sorts before it
 *   locks, and is evaluated once; concurrent batches on any node never deadlock), takes n
 *   seqs per conversation with UPDATE … SET last_seq = last_seq + n RETURNING,
 *   and inserts the n messages with exactly those seqs: the statement is atomic,
 *   so seqs stay gapless.
 * A resend racing its original in another batch trips the unique index and fails
 * the statement; the writer then retries send by send (see writer.ts).
 */
export async function sendBatch(db: Knex, rows: SendRow[]): Promise<SendBatchResult> {
  // Planned each time on purpose: a cached generic plan made while the tables
  // were small would keep scanning them once they are not. Measured: as a named
  // prepared statement (plan_cache_mode auto or forced generic), a message at
  // 100 msg/s took 8–13 ms of PostgreSQL CPU once `npx tsx bench/realtime.ts`
  // had filled the table, against about 4.5 ms planned each time, although
  // preparing saved a quarter of a one-message commit's CPU on a fresh database.
  const ids = rows.map((r) => r.conversationId);
  const { rows: out } = await db.raw(SEND_BATCH_SQL, [
    ids,
    rows.map((r) => r.senderId),
    rows.map((r) => r.body),
    rows.map((r) => r.clientMsgId),
    rows.map((r) => r.replyToSeq ?? null),
    rows.map((r) => r.flagged ?? false),
    rows.map((r) => r.attachment?.mediaId ?? null),
    rows.map((r) => r.attachment?.blurred ?? false),
    ids,
  ] as unknown as readonly Knex.RawBinding[]);
  const r = out[0] as { conversations: SendTarget[]; stored: JsonMessage[]; inserted: JsonMessage[] };
  return {
    conversations: new Map(r.conversations.map((c) => [c.id, c])),
    stored: r.stored.map(fromJson),
    inserted: r.inserted.map(fromJson),
  };
}

export interface ConversationAccess {
  id: string;
  live: boolean;
  last_seq: number;
  last_change_seq: number;
  last_read_seq: number;
  peer_ids: string[];
}

/** The caller's view of one conversation; undefined when it does not exist or the caller is not a member. */
export async function conversationAccess(db: Knex, conversationId: string, userId: string): Promise<ConversationAccess | undefined> {
  const { rows } = await db.raw(
    `SELECT c.id, c.last_seq, c.last_change_seq, me.last_read_seq,
            (c.closed_at IS NULL AND m.ended_at IS NULL AND NOT ${BLOCKED_BETWEEN_MATCH_USERS}) AS live,
            ARRAY(SELECT cm.user_id FROM conversation_members cm
                   WHERE cm.conversation_id = c.id AND cm.user_id <> me.user_id)::text[] AS peer_ids
       FROM conversations c
       JOIN matches m ON m.id = c.match_id
       JOIN conversation_members me ON me.conversation_id = c.id AND me.user_id = ?
      WHERE c.id = ?`,
    [userId, conversationId],
  );
  return rows[0] as ConversationAccess | undefined;
}

/** Moves the read position forward (never back, never past last_seq); returns the position after. */
export async function advanceReadPosition(db: Knex, conversationId: string, userId: string, seq: number): Promise<{ seq: number; advanced: boolean }> {
  const { rows } = await db.raw(
    `WITH target AS (
       SELECT LEAST(?::int, c.last_seq) AS seq FROM conversations c WHERE c.id = ?
     ), moved AS (
       UPDATE conversation_members cm SET last_read_seq = target.seq
         FROM target
        WHERE cm.conversation_id = ? AND cm.user_id = ? AND cm.last_read_seq < target.seq
        RETURNING cm.last_read_seq
     )
     SELECT (SELECT last_read_seq FROM moved) AS moved_to,
            (SELECT last_read_seq FROM conversation_members WHERE conversation_id = ? AND user_id = ?) AS current`,
    [seq, conversationId, conversationId, userId, conversationId, userId],
  );
  const r = rows[0] as { moved_to: number | null; current: number };
  return r.moved_to !== null ? { seq: r.moved_to, advanced: true } : { seq: r.current, advanced: false };
}

export interface ConversationRow {
  conversation_id: string;
  match_id: string;
  peer_id: string;
  last_read_seq: number;
  unread_count: number;
  created_at: Date;
  last_message_at: Date | null;
  last: MessageRow | null;
}

/** The caller's live conversations, most recently active first. */
export async function listConversations(db: Knex, userId: string, limit: number): Promise<ConversationRow[]> {
  const { rows } = await db.raw(
    `SELECT c.id AS conversation_id, c.match_id, peer.user_id AS peer_id, me.last_read_seq,
            c.created_at, c.last_message_at,
            (SELECT count(*) FROM messages x
              WHERE x.conversation_id = c.id AND x.seq > me.last_read_seq AND x.sender_id <> me.user_id)::int AS unread_count,
            (SELECT row_to_json(lm) FROM (SELECT ${MESSAGE_COLUMNS} FROM messages
              WHERE conversation_id = c.id AND seq = c.last_seq) lm) AS last
       FROM conversation_members me
       JOIN conversations c ON c.id = me.conversation_id
       JOIN matches m ON m.id = c.match_id
       JOIN conversation_members peer ON peer.conversation_id = c.id AND peer.user_id <> me.user_id
      WHERE me.user_id = ?
        AND c.closed_at IS NULL AND m.ended_at IS NULL
        AND NOT ${BLOCKED_BETWEEN_MATCH_USERS}
      ORDER BY COALESCE(c.last_message_at, c.created_at) DESC, c.id
      LIMIT ?`,
    [userId, limit],
  );
  return (rows as (Omit<ConversationRow, 'last'> & { last: JsonMessage | null })[]).map((r) => ({ ...r, last: r.last ? rowFromJson(r.last) : null }));
}

// How a viewer sees messages: the quote of a reply, the reaction counts, their
// own reaction, and whether they deleted it for themselves. The two reaction
// subqueries are primary-key probes per message of the page.
const VIEW_SQL = `SELECT x.id, x.conversation_id, x.seq, x.sender_id, x.body, x.client_msg_id, x.created_at,
         x.reply_to_seq, x.edited_at, x.deleted_at, x.change_seq, x.flagged, x.attachment_media_id, x.attachment_blurred, ${QUOTE_COLUMNS},
         (SELECT json_object_agg(emoji, n) FROM (SELECT emoji, count(*)::int AS n FROM message_reactions r
           WHERE r.message_id = x.id GROUP BY emoji) rc) AS reactions,
         (SELECT emoji FROM message_reactions r WHERE r.message_id = x.id AND r.user_id = :viewer) AS my_reaction,
         EXISTS (SELECT 1 FROM message_hidden h WHERE h.message_id = x.id AND h.user_id = :viewer) AS hidden
    FROM messages x ${QUOTE_JOIN}
   WHERE x.conversation_id = :conversation`;

/**
 * A page of messages as `viewerId` sees them, in ascending seq (one more than
 * `limit` is read to tell whether there are more); with `eventsAfter`, the
 * messages changed after that change cursor, in ascending change_seq.
 */
export async function listMessages(
  db: Knex,
  conversationId: string,
  viewerId: string,
  q: { beforeSeq?: number; afterSeq?: number; eventsAfter?: number; limit: number },
): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
  const b: Record<string, unknown> = { viewer: viewerId, conversation: conversationId, limit: q.limit + 1 };
  let where = '';
  let order: string;
  if (q.eventsAfter !== undefined) {
    where = ' AND x.change_seq > :events_after';
    b.events_after = q.eventsAfter;
    order = 'x.change_seq ASC';
  } else {
    if (q.beforeSeq !== undefined) (where += ' AND x.seq < :before'), (b.before = q.beforeSeq);
    if (q.afterSeq !== undefined) (where += ' AND x.seq > :after'), (b.after = q.afterSeq);
    // Forward paging (after_seq) reads oldest first; otherwise the newest page below before_seq.
    order = q.afterSeq !== undefined ? 'x.seq ASC' : 'x.seq DESC';
  }
  const { rows } = await db.raw(`${VIEW_SQL}${where} ORDER BY ${order} LIMIT :limit`, b);
  const hasMore = rows.length > q.limit;
  const page = (rows as MessageRow[]).slice(0, q.limit);
  if (order === 'x.seq DESC') page.reverse();
  return { messages: page.map(toMessage), hasMore };
}

/** One message as `viewerId` sees it. */
export async function viewMessage(db: Knex, conversationId: string, seq: number, viewerId: string): Promise<ChatMessage | undefined> {
  const { rows } = await db.raw(`${VIEW_SQL} AND x.seq = :seq`, { viewer: viewerId, conversation: conversationId, seq });
  return rows[0] ? toMessage(rows[0] as MessageRow) : undefined;
}

// ------------------------------------------------------------ message actions
// Each runs in the service's transaction: the message row is locked first,
// then the conversation's change cursor (always in that order: no deadlock
// between actions; sends never lock an existing message).

export interface LockedMessage {
  id: string;
  sender_id: string;
  body: string | null;
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
  change_seq: number;
  flagged: boolean;
}

export async function lockMessage(trx: Knex, conversationId: string, seq: number): Promise<LockedMessage | undefined> {
  return trx('messages')
    .select('id', 'sender_id', 'body', 'created_at', 'edited_at', 'deleted_at', 'change_seq', 'flagged')
    .where({ conversation_id: conversationId, seq })
    .forUpdate()
    .first();
}

/** Takes the conversation's next change cursor and stamps the message with it. */
export async function stampChange(trx: Knex, conversationId: string, messageId: string): Promise<number> {
  const { rows } = await trx.raw(
    `WITH c AS (UPDATE conversations SET last_change_seq = last_change_seq + 1 WHERE id = ? RETURNING last_change_seq)
     UPDATE messages SET change_seq = c.last_change_seq FROM c WHERE messages.id = ? RETURNING messages.change_seq`,
    [conversationId, messageId],
  );
  return (rows[0] as { change_seq: number }).change_seq;
}

/** flagged: the new text was flagged and confirmed (a message once flagged stays counted). */
export async function editMessage(trx: Knex, messageId: string, body: string, flagged: boolean): Promise<void> {
  await trx('messages')
    .where('id', messageId)
    .update({ body, edited_at: trx.fn.now(), ...(flagged ? { flagged: true } : {}) });
}

/**
 * Records an edit's or reaction's retry key; false when it was applied before
 * (a retry). Keys last a day: the same statement drops the user's older ones
 * (a walk of the primary key's user_id prefix), so the table stays small.
 */
export async function claimActionKey(trx: Knex, userId: string, clientId: string): Promise<boolean> {
  const { rows } = await trx.raw(
    `WITH expired AS (
       DELETE FROM message_action_keys WHERE user_id = ? AND created_at < now() - interval '1 day' AND client_id <> ?
     )
     INSERT INTO message_action_keys (user_id, client_id) VALUES (?, ?)
     ON CONFLICT (user_id, client_id) DO UPDATE SET created_at = now()
       WHERE message_action_keys.created_at < now() - interval '1 day'
     RETURNING user_id`,
    [userId, clientId, userId, clientId],
  );
  return rows.length > 0;
}

/** Removes the body and the attachment from the message (and its reactions); the row keeps its seq as a placeholder. */
export async function unsendMessage(trx: Knex, messageId: string): Promise<void> {
  // The attachment's signed URLs stop working with it (shared/chat-attachments.ts checks deleted_at too),
  // and the media goes with the expiry sweep once no other message carries it.
  const before = await trx('messages').select('attachment_media_id').where('id', messageId).first();
  await trx('messages').where('id', messageId).update({ body: null, deleted_at: trx.fn.now(), attachment_media_id: null, attachment_blurred: false });
  if (before?.attachment_media_id) await releaseFromChat(trx, before.attachment_media_id);
  await trx('message_reactions').where('message_id', messageId).delete();
}

/** True when the message was not hidden for the user yet. */
export async function hideMessage(trx: Knex, messageId: string, userId: string): Promise<boolean> {
  const rows = await trx('message_hidden').insert({ message_id: messageId, user_id: userId }).onConflict(['message_id', 'user_id']).ignore().returning('message_id');
  return rows.length > 0;
}

/** Whether any other member has read up to `seq`. */
export async function readByPeer(trx: Knex, conversationId: string, userId: string, seq: number): Promise<boolean> {
  const row = await trx('conversation_members').select(trx.raw('1')).where('conversation_id', conversationId).whereNot('user_id', userId).andWhere('last_read_seq', '>=', seq).first();
  return Boolean(row);
}

export async function reactionOf(trx: Knex, messageId: string, userId: string): Promise<string | undefined> {
  const row = await trx('message_reactions').select('emoji').where({ message_id: messageId, user_id: userId }).first();
  return row?.emoji as string | undefined;
}

export async function setReaction(trx: Knex, messageId: string, userId: string, emoji: string | null): Promise<void> {
  if (emoji === null) {
    await trx('message_reactions').where({ message_id: messageId, user_id: userId }).delete();
    return;
  }
  await trx('message_reactions')
    .insert({ message_id: messageId, user_id: userId, emoji })
    .onConflict(['message_id', 'user_id'])
    .merge({ emoji, created_at: trx.fn.now() });
}

export async function reactionCounts(db: Knex, messageId: string): Promise<Record<string, number>> {
  const rows = (await db('message_reactions').select('emoji').count<{ emoji: string; n: string }[]>({ n: '*' }).where('message_id', messageId).groupBy('emoji')) as unknown as {
    emoji: string;
    n: string | number;
  }[];
  return Object.fromEntries(rows.map((r) => [r.emoji, Number(r.n)]));
}

/** Users the given user has a live match with (no block either way): who sees their presence. */
export async function matchedUserIds(db: Knex, userId: string): Promise<string[]> {
  const { rows } = await db.raw(
    `SELECT CASE WHEN m.user_a = ? THEN m.user_b ELSE m.user_a END AS id
       FROM matches m
      WHERE (m.user_a = ? OR m.user_b = ?) AND m.ended_at IS NULL
        AND NOT ${BLOCKED_BETWEEN_MATCH_USERS}`,
    [userId, userId, userId],
  );
  return (rows as { id: string }[]).map((r) => r.id);
}

/** The subset of `candidates` the user has a live match with. */
export async function filterMatched(db: Knex, userId: string, candidates: string[]): Promise<Set<string>> {
  if (!candidates.length) return new Set();
  const { rows } = await db.raw(
    `SELECT CASE WHEN m.user_a = ? THEN m.user_b ELSE m.user_a END AS id
       FROM matches m
      WHERE ((m.user_a = ? AND m.user_b = ANY(?::uuid[])) OR (m.user_b = ? AND m.user_a = ANY(?::uuid[])))
        AND m.ended_at IS NULL
        AND NOT ${BLOCKED_BETWEEN_MATCH_USERS}`,
    [userId, userId, candidates, userId, candidates],
  );
  return new Set((rows as { id: string }[]).map((r) => r.id));
}
