// The matching worker's queries. It writes matches, conversations and
// conversation_members (shared with discovery's unmatch/block); it reads
// swipes, blocks, profiles and users.
import type { Knex } from 'knex';
import { isUniqueViolation } from '../../shared/db.js';

export interface MatchRecord {
  match_id: string;
  conversation_id: string | null;
  user_ids: [string, string];
  created_at: Date;
  ended_at: Date | null;
}

export type MakeMatchResult = { outcome: 'created'; match: MatchRecord } | { outcome: 'exists'; match: MatchRecord } | { outcome: 'not_mutual' };

/**
 * Makes the match of a pair that swiped right on each other, with its
 * conversation and both memberships, in one transaction. Exactly once per pair:
 * concurrent or repeated calls race on matches_pair_uniq and all but one see
 * the match that won. Nothing is made unless both right-swipes still stand,
 * neither has blocked the other, and both still have a profile and no ban.
 */
export async function makeMatchIfMutual(db: Knex, swiperId: string, targetId: string): Promise<MakeMatchResult> {
  try {
    const created = await db.transaction(async (trx) => {
      const mutual = await trx.raw(
        `SELECT 1
         WHERE (SELECT count(*) FROM swipes
                 WHERE ((swiper_id = :a AND target_id = :b) OR (swiper_id = :b AND target_id = :a))
                   AND action IN ('like', 'superlike')) = 2
           AND (SELECT count(*) FROM profiles p JOIN users u ON u.id = p.user_id
                 WHERE p.user_id IN (:a, :b) AND u.banned_at IS NULL) = 2
           AND NOT EXISTS (SELECT 1 FROM blocks
                 WHERE (blocker_id = :a AND blocked_id = :b) OR (blocker_id = :b AND blocked_id = :a))`,
        { a: swiperId, b: targetId },
      );
      if (!mutual.rows.length) return null;
      const [m] = await trx('matches')
        .insert({ user_a: trx.raw('LEAST(?::uuid, ?::uuid)', [swiperId, targetId]), user_b: trx.raw('GREATEST(?::uuid, ?::uuid)', [swiperId, targetId]) })
        .returning(['id', 'user_a', 'user_b', 'created_at']);
      const [c] = await trx('conversations').insert({ match_id: m.id }).returning(['id']);
      await trx('conversation_members').insert([
        { conversation_id: c.id, user_id: m.user_a },
        { conversation_id: c.id, user_id: m.user_b },
      ]);
      return { match_id: m.id, conversation_id: c.id, user_ids: [m.user_a, m.user_b], created_at: m.created_at, ended_at: null } as MatchRecord;
    });
    return created ? { outcome: 'created', match: created } : { outcome: 'not_mutual' };
  } catch (err) {
    if (!isUniqueViolation(err, 'matches_pair_uniq')) throw err;
    const match = await findMatchOfPair(db, swiperId, targetId);
    if (!match) throw err; // cannot happen: the row that won is committed
    return { outcome: 'exists', match };
  }
}

export async function findMatchOfPair(db: Knex, a: string, b: string): Promise<MatchRecord | undefined> {
  const row = await db('matches as m')
    .leftJoin('conversations as c', 'c.match_id', 'm.id')
    // The shape of matches_pair_uniq, so the lookup uses it.
    .whereRaw('LEAST(m.user_a, m.user_b) = LEAST(?::uuid, ?::uuid) AND GREATEST(m.user_a, m.user_b) = GREATEST(?::uuid, ?::uuid)', [a, b, a, b])
    .first('m.id', 'c.id as conversation_id', 'm.user_a', 'm.user_b', 'm.created_at', 'm.ended_at');
  return row && toRecord(row);
}

function toRecord(r: { id: string; conversation_id: string | null; user_a: string; user_b: string; created_at: Date; ended_at: Date | null }): MatchRecord {
  return { match_id: r.id, conversation_id: r.conversation_id, user_ids: [r.user_a, r.user_b], created_at: r.created_at, ended_at: r.ended_at };
}

export type GoneReason = 'deleted' | 'banned';

/** Ends every live match of a user who is gone and closes their conversations, in one transaction. */
export async function endMatchesOf(db: Knex, userId: string, reason: GoneReason): Promise<MatchRecord[]> {
  return db.transaction(async (trx) => {
    const ended = await trx('matches')
      .where((w) => w.where('user_a', userId).orWhere('user_b', userId))
      .whereNull('ended_at')
      .update({ ended_at: trx.fn.now(), ended_reason: reason, ended_by: userId })
      .returning(['id', 'user_a', 'user_b', 'created_at', 'ended_at']);
    if (!ended.length) return [];
    const closed: { id: string; match_id: string }[] = await trx('conversations')
      .whereIn('match_id', ended.map((m) => m.id))
      .update({ closed_at: trx.fn.now() })
      .returning(['id', 'match_id']);
    const conv = new Map(closed.map((c) => [c.match_id, c.id]));
    return ended.map((m) => toRecord({ ...m, conversation_id: conv.get(m.id) ?? null }));
  });
}

/** Matches that were ended because of this user for this reason (re-announced on a redelivered event). */
export async function matchesEndedBecauseOf(db: Knex, userId: string, reason: GoneReason): Promise<MatchRecord[]> {
  const rows = await db('matches as m')
    .leftJoin('conversations as c', 'c.match_id', 'm.id')
    .where((w) => w.where('m.user_a', userId).orWhere('m.user_b', userId))
    .andWhere({ 'm.ended_reason': reason, 'm.ended_by': userId })
    .select('m.id', 'c.id as conversation_id', 'm.user_a', 'm.user_b', 'm.created_at', 'm.ended_at');
  return rows.map(toRecord);
}

export interface LikeWithoutMatch {
  id: number;
  swiper_id: string;
  target_id: string;
  action: 'like' | 'superlike';
  created_at: Date;
}

/**
 * Mutual likes that have no match (live or ended) and no block either way:
 * the later like of each such pair, made in [since, now - grace], oldest
 * first. Its swipe.created was lost, or is still on its way (hence the grace).
 * `upper` is the end of the window on the database clock: the next call can
 * start there. Uses swipes_created_at_brin, swipes_pair_uniq, matches_pair_uniq.
 */
export async function likesWithoutMatch(
  db: Knex,
  window: { since: Date | null; lookbackS: number; graceS: number },
  limit: number,
): Promise<{ upper: Date; likes: LikeWithoutMatch[] }> {
  const { rows } = await db.raw(
    `WITH bounds AS (
       SELECT now() - make_interval(secs => :grace) AS upper,
              COALESCE(:since::timestamptz, now() - make_interval(secs => :lookback)) AS lower
     )
     SELECT b.upper, s.id, s.swiper_id, s.target_id, s.action, s.created_at
       FROM bounds b
       LEFT JOIN LATERAL (
         SELECT s.* FROM swipes s
          WHERE s.created_at >= b.lower AND s.created_at <= b.upper
            AND s.action IN ('like', 'superlike')
            AND EXISTS (SELECT 1 FROM swipes r
                         WHERE r.swiper_id = s.target_id AND r.target_id = s.swiper_id
                           AND r.action IN ('like', 'superlike')
                           AND (r.created_at, r.id) < (s.created_at, s.id))
            AND NOT EXISTS (SELECT 1 FROM matches m
                             WHERE LEAST(m.user_a, m.user_b) = LEAST(s.swiper_id, s.target_id)
                               AND GREATEST(m.user_a, m.user_b) = GREATEST(s.swiper_id, s.target_id))
            AND NOT EXISTS (SELECT 1 FROM blocks k
                             WHERE (k.blocker_id = s.swiper_id AND k.blocked_id = s.target_id)
                                OR (k.blocker_id = s.target_id AND k.blocked_id = s.swiper_id))
          ORDER BY s.created_at
          LIMIT :limit
       ) s ON true`,
    { grace: window.graceS, since: window.since, lookback: window.lookbackS, limit },
  );
  const found = rows as (LikeWithoutMatch & { upper: Date; id: number | null })[];
  return { upper: found[0].upper, likes: found.filter((r) => r.id !== null).map(({ upper: _u, ...like }) => like) };
}
