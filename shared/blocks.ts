// "Blocked either way", the one rule behind every place where two people stop
// seeing each other: candidates, profile views, likes, matches, media, chat,
// match creation and notifications. A block is one row (blocker, blocked) and
// hides each of the pair from the other, so every check is symmetric; it is
// written once here, as one relation, and every query reads it through the
// helpers below (raw SQL for the hot queries, a knex subquery elsewhere).
import type { Knex } from 'knex';

/*
 * Every block seen from both of its sides: a row (user_id, other_id) exists
 * exactly when one of the two has blocked the other. A UNION ALL in FROM, not
 * a view, so no migration owns the rule and the planner flattens it into its
 * two branches and pushes the conditions into each: a pair check is two probes
 * of the primary key (blocker_id, blocked_id), and the list of one user's
 * blocked people is the primary key by blocker_id plus blocks_blocked_id_index,
 * exactly what the queries spelled out by hand before.
 */
const BLOCKED_EITHER_WAY = `(SELECT blocker_id AS user_id, blocked_id AS other_id FROM blocks
   UNION ALL SELECT blocked_id, blocker_id FROM blocks)`;

/**
 * Raw SQL: true when the users in the SQL expressions `a` and `b` (columns or
 * bindings, each used once) are blocked either way.
 */
export function blockedEitherWaySql(a: string, b: string): string {
  return `EXISTS (SELECT 1 FROM ${BLOCKED_EITHER_WAY} bew WHERE bew.user_id = ${a} AND bew.other_id = ${b})`;
}

/**
 * Raw SQL: the ids of everyone blocked either way with the user in the SQL
 * expression `user` (used once). Meant for `NOT IN (…)`: PostgreSQL hashes the
 * set once and probes it per row inside a scan, with no join node.
 */
export function blockedWithSql(user: string): string {
  return `SELECT bew.other_id FROM ${BLOCKED_EITHER_WAY} bew WHERE bew.user_id = ${user}`;
}

/** A user id value, or a column of the outer query (`db.ref('p.user_id')`). */
export type UserRef = string | Knex.Ref<string, Record<string, string>>;

/**
 * A subquery for `whereNotExists` / `whereExists`: a block either way between
 * `a` and `b`.
 */
export function blockBetween(db: Knex, a: UserRef, b: UserRef): Knex.QueryBuilder {
  return db
    .select(db.raw('1'))
    .from(db.raw(`${BLOCKED_EITHER_WAY} AS bew`))
    .where('bew.user_id', a)
    .andWhere('bew.other_id', b);
}

/** Whether `a` and `b` are blocked either way. */
export async function isBlockedEitherWay(db: Knex, a: string, b: string): Promise<boolean> {
  return (await blockBetween(db, a, b).first()) !== undefined;
}
