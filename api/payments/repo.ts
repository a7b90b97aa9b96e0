// The payments SQL: invoices, the ledger (star_payments) and entitlements.
// Superlikes bought in a pack go to superlike_credits, the balance that
// referrals add to and discovery spends past the daily quota.
import type { Knex } from 'knex';
import { BOOST_MS, SUBSCRIPTION_PERIOD_S, SUPERLIKES_PER_PACK, type ProductId } from './products.js';

export interface InvoiceRow {
  id: string;
  user_id: string;
  product: string;
  price_xtr: number;
  created_at: Date;
  expires_at: Date;
}

export interface PaymentRow {
  telegram_payment_charge_id: string;
  invoice_id: string | null;
  user_id: string | null;
  telegram_user_id: string;
  product: string;
  amount_xtr: number;
  subscription_expires_at: Date | null;
  created_at: Date;
  refunded_at: Date | null;
  refunded_by: string | null;
}

export async function insertInvoice(db: Knex, userId: string, product: ProductId, price: number, ttlS: number): Promise<InvoiceRow> {
  const [row] = await db('star_invoices')
    .insert({ user_id: userId, product, price_xtr: price, expires_at: db.raw('now() + make_interval(secs => ?)', [ttlS]) })
    .returning('*');
  return row;
}

/** The invoice with the Telegram id of its user (who alone may pay it). */
export async function invoiceFor(db: Knex, invoiceId: string): Promise<(InvoiceRow & { telegram_id: string; expired: boolean }) | undefined> {
  return db('star_invoices as i')
    .join('users as u', 'u.id', 'i.user_id')
    .where('i.id', invoiceId)
    .first('i.*', 'u.telegram_id', db.raw('i.expires_at <= now() AS expired'));
}

/** Adds a payment to the ledger; false when its charge id is there already (a replayed update). */
export async function insertPayment(trx: Knex.Transaction, p: Omit<PaymentRow, 'created_at' | 'refunded_at' | 'refunded_by'>): Promise<boolean> {
  const rows = await trx('star_payments').insert(p).onConflict('telegram_payment_charge_id').ignore().returning('telegram_payment_charge_id');
  return rows.length > 0;
}

async function ensureEntitlements(trx: Knex.Transaction, userId: string) {
  await trx('entitlements').insert({ user_id: userId }).onConflict('user_id').ignore();
}

/** What one purchase of `product` gives. */
export async function grant(trx: Knex.Transaction, userId: string, product: ProductId, subscriptionExpiresAt: Date | null): Promise<void> {
  if (product === 'superlikes_5') {
    await trx.raw(
      `INSERT INTO superlike_credits (user_id, balance) VALUES (?, ?)
       ON CONFLICT (user_id) DO UPDATE SET balance = superlike_credits.balance + EXCLUDED.balance`,
      [userId, SUPERLIKES_PER_PACK],
    );
    return;
  }
  await ensureEntitlements(trx, userId);
  const e = trx('entitlements').where('user_id', userId);
  if (product === 'rewind') await e.increment('rewinds', 1);
  else if (product === 'boost_30m') await e.update({ boost_until: trx.raw('GREATEST(boost_until, now()) + make_interval(secs => ?)', [BOOST_MS / 1000]) });
  else {
    // A renewal's successful_payment carries the new end; without one, a period from now (or from the current end).
    const until = subscriptionExpiresAt ? trx.raw('?::timestamptz', [subscriptionExpiresAt]) : trx.raw('GREATEST(premium_until, now()) + make_interval(secs => ?)', [SUBSCRIPTION_PERIOD_S]);
    await e.update({ premium_until: until });
  }
}

/** Takes back what a refunded purchase gave (as much of it as is left). */
export async function revoke(trx: Knex.Transaction, userId: string, product: ProductId): Promise<void> {
  if (product === 'superlikes_5') {
    await trx('superlike_credits').where('user_id', userId).update({ balance: trx.raw('GREATEST(balance - ?, 0)', [SUPERLIKES_PER_PACK]) });
    return;
  }
  const e = trx('entitlements').where('user_id', userId);
  if (product === 'rewind') await e.update({ rewinds: trx.raw('GREATEST(rewinds - 1, 0)') });
  else if (product === 'boost_30m') await e.update({ boost_until: null });
  else await e.update({ premium_until: null });
}

export async function paymentForUpdate(trx: Knex.Transaction, chargeId: string): Promise<PaymentRow | undefined> {
  return trx('star_payments').where('telegram_payment_charge_id', chargeId).forUpdate().first();
}

export async function markRefunded(trx: Knex.Transaction, chargeId: string, adminId: string): Promise<PaymentRow> {
  const [row] = await trx('star_payments').where('telegram_payment_charge_id', chargeId).update({ refunded_at: trx.fn.now(), refunded_by: adminId }).returning('*');
  return row;
}

export async function entitlementsOf(db: Knex, userId: string) {
  const e = await db('entitlements').where('user_id', userId).first('premium_until', 'boost_until', 'rewinds');
  const c = await db('superlike_credits').where('user_id', userId).first('balance');
  return { premium_until: e?.premium_until ?? null, boost_until: e?.boost_until ?? null, rewinds: e?.rewinds ?? 0, superlikes: c?.balance ?? 0 };
}

export async function ledger(db: Knex, limit: number, before?: Date): Promise<PaymentRow[]> {
  const q = db('star_payments').orderBy('created_at', 'desc').orderBy('telegram_payment_charge_id').limit(limit).select('*');
  if (before) q.where('created_at', '<', before);
  return q;
}
