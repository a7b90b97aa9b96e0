// The bot worker's SQL: users as the bot meets them, referrals and the bonus
// superlikes they give.
import type { Knex } from 'knex';

export interface TelegramFrom {
  id: number;
  first_name?: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface BotUser {
  id: string;
  language_code: string | null;
  /** Made within the referral window (a referral counts only for a new user). */
  is_recent: boolean;
}

/**
 * The user who wrote to the bot, made if the bot meets them first (login
 * fills in the rest). They wrote first, so the bot may write back: whatever
 * made them unreachable before is over.
 */
export async function upsertFromTelegram(db: Knex, from: TelegramFrom, recentS: number): Promise<BotUser> {
  const r = await db.raw(
    `INSERT INTO users (telegram_id, first_name, last_name, username, language_code, allows_write_to_pm)
     VALUES (?, ?, ?, ?, ?, true)
     ON CONFLICT (telegram_id) DO UPDATE SET allows_write_to_pm = true, bot_unreachable_at = NULL,
       language_code = COALESCE(EXCLUDED.language_code, users.language_code)
     RETURNING id, language_code, created_at > now() - make_interval(secs => ?) AS is_recent`,
    [from.id, (from.first_name ?? '').slice(0, 256), from.last_name?.slice(0, 256) ?? null, from.username?.slice(0, 64) ?? null, from.language_code?.slice(0, 16) ?? null, recentS],
  );
  return r.rows[0];
}

export async function setReachable(db: Knex, telegramId: number, reachable: boolean): Promise<void> {
  await db('users')
    .where('telegram_id', telegramId)
    .update(reachable ? { bot_unreachable_at: null } : { bot_unreachable_at: db.fn.now() });
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
