// The bot worker's SQL: users as the bot meets them (referrals are api/telegram/repo.ts).
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
