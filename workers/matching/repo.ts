// The matching worker's queries. It makes matches, conversations and
// conversation_members, and ends matches through discovery's writer
// (endMatches); it reads swipes, blocks, profiles and users.
import type { Knex } from 'knex';
import { isUniqueViolation } from '../../shared/db.js';
import { blockedEitherWaySql } from '../../shared/blocks.js';
import { endMatches, type EndedMatch, type EndReason } from '../../api/discovery/matches-repo.js';

export interface MatchRecord {
  match_id: string;
  conversation_id: string | null;
  user_ids: [string, string];
  created_at: Date;
  ended_at: Date | null;
}

/** A match just made: it always has its conversation. */
export type NewMatch = MatchRecord & { conversation_id: string };

export type MakeMatchResult = { outcome: 'created'; match: NewMatch } | { outcome: 'exists'; match: MatchRecord } | { outcome: 'not_mutual' };

/**
 * Makes the match of a pair that swiped right on each other, with its
 * conversation and both memberships, in one transaction. Exactly once per pair:
 * concurrent or repeated calls race on matches_pair_uniq and all but one see
 * the match that won. Nothing is made unless both right-swipes still stand,
 * neither has blocked the other, and both still have a profile and no ban.
 * `announce` runs in the match's transaction (its events commit with it).
 */
export async function makeMatchIfMutual(
  db: Knex,
  swiperId: string,
  targetId: string,
  announce: (trx: Knex.Transaction, match: NewMatch) => Promise<void>,
): Promise<MakeMatchResult> {
  try {
    const created = await db.transaction(async (trx) => {
      const mutual = await trx.raw(
        `SELECT 1
         WHERE (SELECT count(*) FROM swipes
                 WHERE ((swiper_id = :a AND target_id = :b) OR (swiper_id = :b AND target_id = :a))
                   AND action IN ('like', 'superlike')) = 2
           AND (SELECT count(*) FROM profiles p JOIN users u ON u.id = p.user_id
                 WHERE p.user_id IN (:a, :b) AND u.banned_at IS NULL) = 2
           AND NOT ${blockedEitherWaySql(':a', ':b')}`,
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
      const match: NewMatch = { match_id: m.id, conversation_id: c.id, user_ids: [m.user_a, m.user_b], created_at: m.created_at, ended_at: null };
      await announce(trx, match);
      return match;
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

export type GoneReason = Extract<EndReason, 'deleted' | 'banned'>;

/**
 * Ends every live match of a user who is gone, closes their conversations and
 * enqueues a match.removed for each, in one transaction: through discovery's
 * endMatches, the one writer of endings (see there why it lives there).
 */
export async function endMatchesOf(db: Knex, userId: string, reason: GoneReason): Promise<EndedMatch[]> {
  return db.transaction((trx) => endMatches(trx, userId, 'all', reason));
}
