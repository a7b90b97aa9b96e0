// Every SQL statement of the chat. The send path is raw SQL over unnest()
// arrays on purpose: one statement (one round trip) for a whole
// group-commit batch, whatever its size (see writer.ts).
import type { Knex } from 'knex';
import { blockedEitherWaySql } from '../../shared/blocks.js';
import type { ChatMessage } from '../events.js';

interface MessageRow {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  body: string;
  client_msg_id: string;
  created_at: Date;
}

const MESSAGE_COLUMNS = 'id, conversation_id, seq, sender_id, body, client_msg_id, created_at';

export function toMessage(r: MessageRow): ChatMessage {
  return {
    id: r.id,
    conversation_id: r.conversation_id,
    seq: r.seq,
    sender_id: r.sender_id,
    body: r.body,
    client_msg_id: r.client_msg_id,
    created_at: r.created_at.toISOString(),
  };
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
  body: string;
  clientMsgId: string;
}

export interface SendBatchResult {
  /** The batch's conversations that exist: members and liveness. */
  conversations: Map<string, SendTarget>;
  /** Messages stored earlier under the batch's (sender_id, client_msg_id) pairs. */
  stored: ChatMessage[];
  /** Messages stored now. */
  inserted: ChatMessage[];
}

type JsonMessage = Omit<MessageRow, 'created_at'> & { created_at: string };
const fromJson = (m: JsonMessage) => toMessage({ ...m, created_at: new Date(m.created_at) });

const SEND_BATCH_SQL = `WITH input AS (
       SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[])
         WITH ORDINALITY AS r(conversation_id, sender_id, body, client_msg_id, ord)
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
       INSERT INTO messages (conversation_id, seq, sender_id, body, client_msg_id)
       SELECT a.conversation_id, b.last_seq - b.n + row_number() OVER (PARTITION BY a.conversation_id ORDER BY a.ord),
              a.sender_id, a.body, a.client_msg_id
         FROM accepted a JOIN bumped b ON b.id = a.conversation_id
        ORDER BY a.ord
       RETURNING ${MESSAGE_COLUMNS}
     )
     SELECT (SELECT COALESCE(json_agg(conv), '[]') FROM conv) AS conversations,
            (SELECT COALESCE(json_agg(stored), '[]') FROM stored) AS stored,
            (SELECT COALESCE(json_agg(inserted), '[]') FROM inserted) AS inserted`;

/**
 * A whole group-commit batch in ONE statement, so one round trip (the writer
 * commits it with the batch's outbox events):
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
  // were small would keep scanning them once they are not.
  const ids = rows.map((r) => r.conversationId);
  const { rows: out } = await db.raw(SEND_BATCH_SQL, [ids, rows.map((r) => r.senderId), rows.map((r) => r.body), rows.map((r) => r.clientMsgId), ids]);
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
  last_read_seq: number;
  peer_ids: string[];
}

/** The caller's view of one conversation; undefined when it does not exist or the caller is not a member. */
export async function conversationAccess(db: Knex, conversationId: string, userId: string): Promise<ConversationAccess | undefined> {
  const { rows } = await db.raw(
    `SELECT c.id, c.last_seq, me.last_read_seq,
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
  return (rows as (Omit<ConversationRow, 'last'> & { last: (Omit<MessageRow, 'created_at'> & { created_at: string }) | null })[]).map((r) => ({
    ...r,
    last: r.last ? { ...r.last, created_at: new Date(r.last.created_at) } : null,
  }));
}

/** A page of messages in ascending seq; one more than `limit` is read to tell whether there are more. */
export async function listMessages(
  db: Knex,
  conversationId: string,
  q: { beforeSeq?: number; afterSeq?: number; limit: number },
): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
  const query = db<MessageRow>('messages').select(MESSAGE_COLUMNS.split(', ')).where('conversation_id', conversationId);
  if (q.beforeSeq !== undefined) query.andWhere('seq', '<', q.beforeSeq);
  if (q.afterSeq !== undefined) query.andWhere('seq', '>', q.afterSeq);
  // Forward paging (after_seq) reads oldest first; otherwise the newest page below before_seq.
  const forward = q.afterSeq !== undefined;
  const rows = (await query.orderBy('seq', forward ? 'asc' : 'desc').limit(q.limit + 1)) as unknown as MessageRow[];
  const hasMore = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  if (!forward) page.reverse();
  return { messages: page.map(toMessage), hasMore };
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
