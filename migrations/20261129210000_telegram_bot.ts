// The bot's side of Telegram: updates seen (the webhook is idempotent by
// update_id), whether the bot may write to a user, referrals and the bonus
// superlikes they give.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Telegram redelivers an update it got no 2xx for; the key makes a replay a no-op.
  // Kept a week (Telegram keeps an undelivered update 24 hours).
  await knex.raw(`
    CREATE TABLE telegram_updates (
      update_id bigint PRIMARY KEY,
      received_at timestamptz NOT NULL DEFAULT now()
    )`);
  await knex.raw('CREATE INDEX telegram_updates_received_at ON telegram_updates USING brin (received_at)');
  await knex.raw(`
    ALTER TABLE users
      ADD COLUMN allows_write_to_pm boolean,
      ADD COLUMN bot_unreachable_at timestamptz`);
  // One row per invited user (the key): a referral counts once per new user, whoever invites.
  await knex.raw(`
    CREATE TABLE referrals (
      invitee_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      inviter_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      credited boolean NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (invitee_id <> inviter_id)
    )`);
  await knex.raw('CREATE INDEX referrals_inviter_created ON referrals (inviter_id, created_at)');
  await knex.raw(`
    CREATE TABLE superlike_credits (
      user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      balance integer NOT NULL DEFAULT 0 CHECK (balance >= 0)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS superlike_credits');
  await knex.raw('DROP TABLE IF EXISTS referrals');
  await knex.raw('ALTER TABLE users DROP COLUMN IF EXISTS allows_write_to_pm, DROP COLUMN IF EXISTS bot_unreachable_at');
  await knex.raw('DROP TABLE IF EXISTS telegram_updates');
}
