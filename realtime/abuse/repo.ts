// The reads the chat abuse controls need (all index-backed, and only made
// when a send could be affected).
import type { Knex } from 'knex';

export async function conversationLastSeq(db: Knex, conversationId: string): Promise<number | undefined> {
  const row = await db('conversations').select('last_seq').where('id', conversationId).first();
  return row?.last_seq as number | undefined;
}

/** How many different people reported the user in the window (reports not dismissed). */
export async function recentReporterCount(db: Knex, userId: string, days: number): Promise<number> {
  const row = await db('reports')
    .countDistinct<{ n: number }>({ n: 'reporter_id' })
    .where('target_id', userId)
    .whereNot('status', 'dismissed')
    .andWhere('created_at', '>', db.raw(`now() - make_interval(days => ?)`, [days]))
    .first();
  return Number(row?.n ?? 0);
}

export async function hasSentIn(db: Knex, conversationId: string, senderId: string): Promise<boolean> {
  const row = await db('messages').select(db.raw('1')).where({ conversation_id: conversationId, sender_id: senderId }).first();
  return Boolean(row);
}

/** The sender's openers (seq 1) of other conversations in the last `days` days, newest first (partial index messages_openers). */
export async function recentOpeners(db: Knex, senderId: string, exceptConversationId: string, days: number, limit: number): Promise<string[]> {
  const rows = await db('messages')
    .select('body')
    .where({ sender_id: senderId, seq: 1 })
    .whereNot('conversation_id', exceptConversationId)
    .whereNotNull('body')
    .andWhere('created_at', '>', db.raw(`now() - make_interval(days => ?)`, [days]))
    .orderBy('created_at', 'desc')
    .limit(limit);
  return rows.map((r: { body: string }) => r.body);
}

export interface MessageReport {
  reporterId: string;
  targetId: string;
  messageId: string;
  reason: string;
  details: string | null;
  evidence: Record<string, unknown>;
  /** The message's photo or voice note, kept as evidence while the report is open. */
  evidenceMediaId: string | null;
  priority: number;
}

/** Files the report once per reporter and message; returns its id and whether it was there already. */
export async function reportMessage(db: Knex, r: MessageReport): Promise<{ id: string; duplicate: boolean }> {
  const { rows } = await db.raw(
    `INSERT INTO reports (reporter_id, target_id, reason, details, message_id, evidence, evidence_media_id, priority)
     VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?)
     ON CONFLICT (reporter_id, message_id) WHERE message_id IS NOT NULL DO NOTHING
     RETURNING id`,
    [r.reporterId, r.targetId, r.reason, r.details, r.messageId, JSON.stringify(r.evidence), r.evidenceMediaId, r.priority],
  );
  if (rows[0]) return { id: rows[0].id as string, duplicate: false };
  const existing = await db('reports').select('id').where({ reporter_id: r.reporterId, message_id: r.messageId }).first();
  return { id: existing.id as string, duplicate: true };
}
