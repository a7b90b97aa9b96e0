// The notifications worker's SQL. It owns notification_pending and
// notification_state; it reads users, profiles, matches, conversations,
// conversation_members and blocks. Times are handed in (the worker's clock),
// never taken from now() in SQL, so the schedule follows one clock.
import type { Knex } from 'knex';
import { blockedEitherWaySql } from '../../shared/blocks.js';

export type ItemKind = 'message' | 'match' | 'like' | 'superlike' | 'warning';

export interface PendingItem {
  kind: ItemKind;
  ref_id: string;
  actor_id: string | null;
  conversation_id: string | null;
  seq: number | null;
  note: string | null;
}

export interface Recipient {
  id: string;
  telegram_id: number;
  banned_at: Date | null;
  settings: Record<string, unknown> | null;
  /** null: never said (users from before it was recorded are written to). */
  allows_write_to_pm: boolean | null;
  /** Set when the Bot API last answered 403 (the user blocked the bot). */
  bot_unreachable_at: Date | null;
  /** Telegram's IETF tag for the user's app language (the bot's messages follow it). */
  language_code: string | null;
}

export async function recipients(db: Knex, userIds: string[]): Promise<Map<string, Recipient>> {
  if (!userIds.length) return new Map();
  const rows: Recipient[] = await db('users as u')
    .leftJoin('profiles as p', 'p.user_id', 'u.id')
    .whereIn('u.id', userIds)
    .select('u.id', 'u.telegram_id', 'u.banned_at', 'p.settings', 'u.allows_write_to_pm', 'u.bot_unreachable_at', 'u.language_code');
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Records one thing to tell a user about and makes sure a send is scheduled:
 * at `dueAt`, or when the interval since the last bot message ends if that is
 * later. An already scheduled send keeps its time (the thing joins that batch).
 */
export async function addPending(db: Knex, userId: string, item: PendingItem, dueAt: Date, intervalS: number): Promise<void> {
  // One statement (one round trip, atomic by itself): a redelivered event inserts no item and so touches no state.
  await db.raw(
    `WITH added AS (
       INSERT INTO notification_pending (user_id, kind, ref_id, actor_id, conversation_id, seq, note)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id, kind, ref_id) DO NOTHING
       RETURNING user_id)
     INSERT INTO notification_state AS s (user_id, due_at) SELECT user_id, ?::timestamptz FROM added
     ON CONFLICT (user_id) DO UPDATE
       SET due_at = COALESCE(s.due_at, GREATEST(EXCLUDED.due_at, s.last_sent_at + make_interval(secs => ?)))`,
    [userId, item.kind, item.ref_id, item.actor_id, item.conversation_id, item.seq, item.note, dueAt, intervalS],
  );
}

export interface Claimed {
  user_id: string;
  last_sent_at: Date | null;
  failures: number;
}

/**
 * Takes up to `limit` users whose send is due and leases them until
 * `leaseUntil`: another instance skips them meanwhile, and if this one dies
 * they come due again when the lease ends.
 */
export async function claimDue(db: Knex, now: Date, leaseUntil: Date, limit: number): Promise<Claimed[]> {
  const r = await db.raw(
    `UPDATE notification_state s SET due_at = ?
      WHERE s.user_id IN (SELECT user_id FROM notification_state
                           WHERE due_at <= ? ORDER BY due_at LIMIT ? FOR UPDATE SKIP LOCKED)
      RETURNING s.user_id, s.last_sent_at, s.failures`,
    [leaseUntil, now, limit],
  );
  return r.rows;
}

export async function pendingOf(db: Knex, userId: string): Promise<PendingItem[]> {
  return db('notification_pending')
    .where('user_id', userId)
    .orderBy('created_at')
    .select('kind', 'ref_id', 'actor_id', 'conversation_id', 'seq', 'note');
}

/**
 * The items that no longer need telling: messages the user has read (or whose
 * conversation closed), matches that ended, likes from someone they are now
 * matched with (the match says it), and anything from a user who is banned or
 * blocked either way.
 */
export async function staleItems(db: Knex, userId: string, items: PendingItem[]): Promise<Set<string>> {
  if (!items.length) return new Set();
  const r = await db.raw(
    `SELECT i.kind || ':' || i.ref_id AS key
       FROM notification_pending i
       LEFT JOIN users a ON a.id = i.actor_id
      WHERE i.user_id = :user
        AND (
          a.banned_at IS NOT NULL
          OR ${blockedEitherWaySql(':user', 'i.actor_id')}
          OR (i.kind = 'message' AND (
                EXISTS (SELECT 1 FROM conversation_members cm
                         WHERE cm.conversation_id = i.conversation_id AND cm.user_id = :user AND cm.last_read_seq >= i.seq)
                OR EXISTS (SELECT 1 FROM conversations c WHERE c.id = i.conversation_id AND c.closed_at IS NOT NULL)))
          OR (i.kind = 'match' AND EXISTS (SELECT 1 FROM matches m WHERE m.id::text = i.ref_id AND m.ended_at IS NOT NULL))
          OR (i.kind IN ('like', 'superlike') AND EXISTS (
                SELECT 1 FROM matches m
                 WHERE LEAST(m.user_a, m.user_b) = LEAST(:user::uuid, i.actor_id)
                   AND GREATEST(m.user_a, m.user_b) = GREATEST(:user::uuid, i.actor_id)))
        )`,
    { user: userId },
  );
  return new Set(r.rows.map((x: { key: string }) => x.key));
}

export async function displayNames(db: Knex, userIds: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(userIds)];
  if (!ids.length) return new Map();
  const rows: { user_id: string; display_name: string }[] = await db('profiles').whereIn('user_id', ids).select('user_id', 'display_name');
  return new Map(rows.map((r) => [r.user_id, r.display_name]));
}

/** Forgets the given items (sent or no longer worth sending). */
async function removeItems(db: Knex, userId: string, items: PendingItem[]): Promise<void> {
  if (!items.length) return;
  await db('notification_pending')
    .where('user_id', userId)
    .whereIn(
      ['kind', 'ref_id'],
      items.map((i) => [i.kind, i.ref_id]),
    )
    .delete();
}

/**
 * Ends a flush (sent, or nothing worth sending, or given up): the handled
 * items are gone, the failure count starts over, and anything that arrived
 * meanwhile is due at `nextDue` (the end of the interval when a message went out).
 */
export async function finish(
  db: Knex,
  userId: string,
  handled: PendingItem[],
  o: { sentAt: Date | null; nextDue: Date },
): Promise<void> {
  await db.transaction(async (trx) => {
    // Lock first: an event recorded for this user meanwhile either commits
    // before (and the EXISTS below, a later statement, sees its item) or waits
    // for this commit and then schedules its item itself.
    await trx('notification_state').where('user_id', userId).forUpdate().first('user_id');
    await removeItems(trx, userId, handled);
    await trx.raw(
      `UPDATE notification_state
          SET due_at = CASE WHEN EXISTS (SELECT 1 FROM notification_pending WHERE user_id = :user) THEN :next::timestamptz ELSE NULL END,
              last_sent_at = COALESCE(:sent::timestamptz, last_sent_at),
              failures = 0
        WHERE user_id = :user`,
      { user: userId, next: o.nextDue, sent: o.sentAt },
    );
  });
}

/** Keeps the items and looks again at `dueAt` (quiet hours, a failed send); `failures` counts failed sends in a row. */
export async function postpone(db: Knex, userId: string, dueAt: Date, failures?: number): Promise<void> {
  await db('notification_state')
    .where('user_id', userId)
    .update({ due_at: dueAt, ...(failures === undefined ? {} : { failures }) });
}

/** The Bot API answered 403 for this user (they blocked the bot): nothing more is sent until they write to it again. */
export async function markUnreachable(db: Knex, userId: string): Promise<void> {
  await db('users').where('id', userId).whereNull('bot_unreachable_at').update({ bot_unreachable_at: db.fn.now() });
}
