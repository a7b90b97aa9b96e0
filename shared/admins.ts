// Who is an admin, the one rule behind every admin route and the admins' live
// room on the realtime tier: a user whose Telegram id is in ADMIN_TELEGRAM_IDS
// (never in development mode) and who is not banned.
import type { Knex } from 'knex';
import type { Config } from './config.js';

export async function isAdmin(db: Knex, config: Pick<Config, 'telegram'>, userId: string): Promise<boolean> {
  // No query at all where there are no admins.
  if (!config.telegram.adminIds.length) return false;
  const user = await db('users').where('id', userId).first('telegram_id', 'banned_at');
  return !!user && !user.banned_at && config.telegram.adminIds.map(String).includes(String(user.telegram_id));
}
