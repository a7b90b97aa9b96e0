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
