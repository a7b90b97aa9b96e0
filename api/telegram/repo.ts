// The Telegram side's SQL: the updates seen (by update_id), referrals and the
// bonus superlikes they give.
import type { Knex } from 'knex';

/**
 * Forgets update ids older than `keepS` (Telegram redelivers an update for 24
 * hours at most): the table stays small. Returns how many went.
 */
export async function pruneUpdates(db: Knex, keepS: number): Promise<number> {
  return db('telegram_updates').where('received_at', '<', db.raw('now() - make_interval(secs => ?)', [keepS])).delete();
}

/** Records an update once; false when it was seen before (a redelivery). */
export async function recordUpdate(trx: Knex.Transaction, updateId: number): Promise<boolean> {
  const rows = await trx('telegram_updates').insert({ update_id: updateId }).onConflict('update_id').ignore().returning('update_id');
  return rows.length > 0;
}

export type ReferralOutcome = 'credited' | 'over_cap' | 'already_referred' | 'no_inviter' | 'self';

/**
 * Records that `inviteeId` came through `inviterId`'s link, once per invitee
 * (its primary key). Within the inviter's cap per rolling 24 hours both get a
 * superlike; past it the referral is recorded and earns nothing.
 */
export async function refer(db: Knex, inviterId: string, inviteeId: string, perDay: number): Promise<ReferralOutcome> {
  if (inviterId === inviteeId) return 'self';
  return db.transaction(async (trx) => {
    // The inviter's row lock serialises their referrals, so the count below cannot be raced past the cap.
    const inviter = await trx('users').where('id', inviterId).whereNull('banned_at').forUpdate().first('id');
    if (!inviter) return 'no_inviter';
    const [{ n }] = await trx('referrals')
      .where('inviter_id', inviterId)
      .where('credited', true)
      .where('created_at', '>', trx.raw("now() - interval '24 hours'"))
      .count({ n: '*' });
    const credited = Number(n) < perDay;
    const inserted = await trx('referrals')
      .insert({ invitee_id: inviteeId, inviter_id: inviterId, credited })
      .onConflict('invitee_id')
      .ignore()
      .returning('invitee_id');
    if (!inserted.length) return 'already_referred';
    if (!credited) return 'over_cap';
    await trx.raw(
      `INSERT INTO superlike_credits (user_id, balance) SELECT unnest(?::uuid[]), 1
       ON CONFLICT (user_id) DO UPDATE SET balance = superlike_credits.balance + 1`,
      [[inviterId, inviteeId]],
    );
    return 'credited';
  });
}
