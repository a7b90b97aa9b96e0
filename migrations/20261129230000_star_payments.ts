// Premium paid in Telegram Stars: invoices made for a user and a product at
// its price then, the payments ledger (one row per telegram_payment_charge_id,
// the key that makes a replayed successful_payment a no-op), and what each
// user is entitled to.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE star_invoices (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      product text NOT NULL,
      price_xtr integer NOT NULL CHECK (price_xtr > 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )`);
  await knex.raw('CREATE INDEX star_invoices_user ON star_invoices (user_id, created_at)');
  // Kept after a user is deleted (ON DELETE SET NULL): a ledger is not rewritten.
  await knex.raw(`
    CREATE TABLE star_payments (
      telegram_payment_charge_id text PRIMARY KEY,
      invoice_id uuid REFERENCES star_invoices(id) ON DELETE SET NULL,
      user_id uuid REFERENCES users(id) ON DELETE SET NULL,
      telegram_user_id bigint NOT NULL,
      product text NOT NULL,
      amount_xtr integer NOT NULL,
      subscription_expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      refunded_at timestamptz,
      refunded_by uuid REFERENCES users(id) ON DELETE SET NULL
    )`);
  await knex.raw('CREATE INDEX star_payments_created ON star_payments (created_at DESC)');
  await knex.raw(`
    CREATE TABLE entitlements (
      user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      premium_until timestamptz,
      boost_until timestamptz,
      rewinds integer NOT NULL DEFAULT 0 CHECK (rewinds >= 0)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS entitlements');
  await knex.raw('DROP TABLE IF EXISTS star_payments');
  await knex.raw('DROP TABLE IF EXISTS star_invoices');
}
