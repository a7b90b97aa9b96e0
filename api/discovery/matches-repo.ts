// The discovery service's queries for matches and safety: unmatch, block,
// report, the caller's matches with their last messages, and who liked them.
import type { Knex } from 'knex';
import { blockBetween } from '../../shared/blocks.js';
import { enqueue } from '../../shared/outbox/enqueue.js';

export interface EndedMatch {
  match_id: string;
  conversation_id: string | null;
  user_ids: [string, string];
}

export type EndReason = 'unmatch' | 'block' | 'deleted' | 'banned';

/**
 * Which of `member`'s live matches end: one by its id, the one with a peer, or
 * all of them (a user who is gone).
 */
export type EndScope = { matchId: string } | { peerId: string } | 'all';

/*
 * The one writer that ends matches. The schema gives matches two owners
 * (discovery and the matching worker): the worker makes them
 * (workers/matching/repo.ts makeMatchIfMutual), and ending them lives here,
 * beside unmatch and block, the acts that end most of them; the worker calls
 * this same function for users who are deleted or banned. So every ending
 * stamps the match the same way, closes its conversation, and enqueues its
 * match.removed in the same transaction (the outbox): no match ends without
 * its event, and no event leaves for an ending that rolled back.
 */
export async function endMatches(trx: Knex.Transaction, member: string, scope: EndScope, reason: EndReason): Promise<EndedMatch[]> {
  const q = trx('matches').whereNull('ended_at');
  if (scope !== 'all' && 'peerId' in scope) {
    // The shape of matches_pair_uniq, so the lookup uses it.
    q.whereRaw('LEAST(user_a, user_b) = LEAST(?::uuid, ?::uuid) AND GREATEST(user_a, user_b) = GREATEST(?::uuid, ?::uuid)', [
      member,
      scope.peerId,
      member,
      scope.peerId,
    ]);
  } else {
    q.andWhere((w) => w.where('user_a', member).orWhere('user_b', member));
    if (scope !== 'all') q.andWhere('id', scope.matchId);
  }
  const ended: { id: string; user_a: string; user_b: string }[] = await q
    .update({ ended_at: trx.fn.now(), ended_reason: reason, ended_by: member })
    .returning(['id', 'user_a', 'user_b']);
  if (!ended.length) return [];
  const closed: { id: string; match_id: string }[] = await trx('conversations')
    .whereIn('match_id', ended.map((m) => m.id))
    .update({ closed_at: trx.fn.now() })
    .returning(['id', 'match_id']);
  const conversationOf = new Map(closed.map((c) => [c.match_id, c.id]));
  const out: EndedMatch[] = ended.map((m) => ({ match_id: m.id, conversation_id: conversationOf.get(m.id) ?? null, user_ids: [m.user_a, m.user_b] }));
  await enqueue(trx, ...out.map((m) => ({ type: 'match.removed' as const, payload: { ...m, reason } })));
  return out;
}

export async function userExists(db: Knex, userId: string): Promise<boolean> {
  return !!(await db('users').where('id', userId).first('id'));
}

export async function insertBlock(trx: Knex.Transaction, blockerId: string, blockedId: string): Promise<void> {
  await trx('blocks').insert({ blocker_id: blockerId, blocked_id: blockedId }).onConflict(['blocker_id', 'blocked_id']).ignore();
}

export async function insertReport(
  db: Knex,
  r: { reporterId: string; targetId: string; reason: string; details: string | null },
): Promise<{ id: string; status: string; created_at: Date }> {
  const [row] = await db('reports')
    .insert({ reporter_id: r.reporterId, target_id: r.targetId, reason: r.reason, details: r.details })
    .returning(['id', 'status', 'created_at']);
  return row;
}

export interface MatchRow {
  match_id: string;
  conversation_id: string;
  peer_id: string;
  created_at: Date;
}

/** The caller's live matches, most recent activity first. */
export async function listLiveMatches(db: Knex, userId: string): Promise<MatchRow[]> {
  return db('matches as m')
    .join('conversations as c', 'c.match_id', 'm.id')
    .where((w) => w.where('m.user_a', userId).orWhere('m.user_b', userId))
    .whereNull('m.ended_at')
    .select(
      'm.id as match_id',
      'c.id as conversation_id',
      'm.created_at',
      db.raw('CASE WHEN m.user_a = ? THEN m.user_b ELSE m.user_a END AS peer_id', [userId]),
    )
    .orderByRaw('coalesce(c.last_message_at, m.created_at) DESC, m.id');
}

export interface LastMessage {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  body: string;
  created_at: Date;
}

/** The newest message of each conversation: one backward index step each (messages_conversation_seq_uniq). */
export async function lastMessages(db: Knex, conversationIds: string[]): Promise<Map<string, LastMessage>> {
  if (!conversationIds.length) return new Map();
  const res = await db.raw(
    `SELECT l.* FROM unnest(?::uuid[]) AS c(id)
     CROSS JOIN LATERAL (
       SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.body, m.created_at
       FROM messages m WHERE m.conversation_id = c.id ORDER BY m.seq DESC LIMIT 1
     ) l`,
    [conversationIds],
  );
  return new Map((res.rows as LastMessage[]).map((m) => [m.conversation_id, m]));
}

export interface LikeRow {
  swiper_id: string;
  action: 'like' | 'superlike';
  created_at: Date;
}

/**
 * Who swiped right on the caller and is still unanswered; hidden, paused, banned
 * and blocked people left out here, before the limit (an unanswered liker is no
 * match, so a paused one could be neither shown nor liked back).
 */
export async function listLikes(db: Knex, userId: string, limit: number): Promise<LikeRow[]> {
  return db('swipes as s')
    .join('profiles as p', 'p.user_id', 's.swiper_id')
    .join('users as u', 'u.id', 's.swiper_id')
    .where('s.target_id', userId)
    .whereIn('s.action', ['like', 'superlike'])
    .where('p.visibility', 'visible')
    .whereNull('u.banned_at')
    .whereNotExists(db('swipes as mine').select(db.raw('1')).where('mine.swiper_id', userId).andWhere('mine.target_id', db.ref('s.swiper_id')))
    .whereNotExists(blockBetween(db, userId, db.ref('s.swiper_id')))
    .select('s.swiper_id', 's.action', 's.created_at')
    .orderByRaw(`(s.action = 'superlike') DESC, s.created_at DESC, s.swiper_id`)
    .limit(limit);
}
