// The rules of Stars payments. An invoice is made for a user, a product and
// its current price; Telegram asks (pre_checkout_query) before it charges,
// and the answer says yes only for an invoice of that user, not expired, at
// the current price. Credit comes only with successful_payment, once per
// telegram_payment_charge_id. A refund (an admin's) goes to Telegram first and
// then takes back what the purchase gave.
import type { Knex } from 'knex';
import type { Config } from '../../shared/config.js';
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Limiter, RateLimit } from '../../shared/rate-limit.js';
import { botCall, BotApiError } from './bot-api.js';
import { isProduct, PRODUCTS, SUBSCRIPTION_PERIOD_S, type ProductId } from './products.js';
import * as repo from './repo.js';

export interface PaymentsDeps {
  db: Knex;
  logger: Logger;
  config: Pick<Config, 'telegram' | 'payments'>;
  limiter: Limiter;
}

export interface PreCheckoutQuery {
  id: string;
  from: { id: number };
  currency: string;
  total_amount: number;
  invoice_payload: string;
}

export interface SuccessfulPayment {
  currency: string;
  total_amount: number;
  invoice_payload: string;
  telegram_payment_charge_id: string;
  subscription_expiration_date?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export class PaymentsService {
  /** Each invoice is a row and a Bot API call (the bot's own quota at Telegram): limited per user. */
  private readonly invoiceLimit: RateLimit;

  constructor(private readonly deps: PaymentsDeps) {
    this.invoiceLimit = deps.limiter('payments-invoices', deps.config.payments.invoicesPer10Min, 600);
  }

  async createInvoice(userId: string, product: ProductId) {
    await this.invoiceLimit.consume(userId);
    const p = PRODUCTS[product];
    const invoice = await repo.insertInvoice(this.deps.db, userId, product, p.price, this.deps.config.payments.invoiceTtlS);
    const url = await botCall<string>(this.deps.config.telegram, 'createInvoiceLink', {
      title: p.title,
      description: p.description,
      payload: invoice.id,
      currency: 'XTR',
      prices: [{ label: p.title, amount: p.price }],
      ...(product === 'premium_month' ? { subscription_period: SUBSCRIPTION_PERIOD_S } : {}),
    }).catch((err) => {
      this.deps.logger.warn({ err: (err as Error).message, product }, 'createInvoiceLink failed');
      throw err instanceof AppError ? err : AppError.unavailable('Telegram did not make the invoice; retry shortly');
    });
    return { invoice_id: invoice.id, product, price_xtr: p.price, url, expires_at: iso(invoice.expires_at)! };
  }

  /** Why Telegram must not charge for this query, or null when it may. */
  async preCheckoutProblem(q: PreCheckoutQuery): Promise<string | null> {
    if (q.currency !== 'XTR' || !UUID.test(q.invoice_payload)) return 'This invoice is not valid.';
    const invoice = await repo.invoiceFor(this.deps.db, q.invoice_payload);
    if (!invoice || Number(invoice.telegram_id) !== q.from.id) return 'This invoice is not valid.';
    if (invoice.expired) return 'This invoice has expired. Please open a new one in the app.';
    if (!isProduct(invoice.product)) return 'This product is no longer sold.';
    const price = PRODUCTS[invoice.product].price;
    if (invoice.price_xtr !== price || q.total_amount !== price) return 'The price has changed. Please open a new invoice in the app.';
    return null;
  }

  /** Answers a pre_checkout_query (Telegram waits 10 seconds at most). */
  async answerPreCheckout(q: PreCheckoutQuery): Promise<void> {
    const problem = await this.preCheckoutProblem(q);
    await botCall(this.deps.config.telegram, 'answerPreCheckoutQuery', { pre_checkout_query_id: q.id, ok: !problem, ...(problem ? { error_message: problem } : {}) });
    this.deps.logger.info({ invoice: q.invoice_payload, ok: !problem, problem }, 'pre-checkout answered');
  }

  /** Credits a successful payment once per charge id; false for a replay. */
  async recordPayment(telegramUserId: number, p: SuccessfulPayment): Promise<boolean> {
    const invoice = UUID.test(p.invoice_payload) ? await repo.invoiceFor(this.deps.db, p.invoice_payload) : undefined;
    if (!invoice || !isProduct(invoice.product)) {
      // Telegram charged for something this server never sold: kept for an admin to refund.
      this.deps.logger.error({ charge: p.telegram_payment_charge_id, payload: p.invoice_payload }, 'a payment for an unknown invoice');
    }
    const product = invoice?.product ?? 'unknown';
    const expires = p.subscription_expiration_date ? new Date(p.subscription_expiration_date * 1000) : null;
    return this.deps.db.transaction(async (trx) => {
      const fresh = await repo.insertPayment(trx, {
        telegram_payment_charge_id: p.telegram_payment_charge_id,
        invoice_id: invoice?.id ?? null,
        user_id: invoice?.user_id ?? null,
        telegram_user_id: String(telegramUserId),
        product,
        amount_xtr: p.total_amount,
        subscription_expires_at: expires,
      });
      if (fresh && invoice && isProduct(invoice.product)) await repo.grant(trx, invoice.user_id, invoice.product, expires);
      return fresh;
    });
  }

  async entitlements(userId: string) {
    const e = await repo.entitlementsOf(this.deps.db, userId);
    const now = Date.now();
    const live = (d: Date | null) => (d && new Date(d).getTime() > now ? iso(d) : null);
    // Expired entitlements read as none: nothing needs to sweep them.
    return { premium: live(e.premium_until) !== null, premium_until: live(e.premium_until), boost_until: live(e.boost_until), rewinds: e.rewinds, superlikes: e.superlikes };
  }

  async ledger(limit: number, before?: string) {
    const rows = await repo.ledger(this.deps.db, limit, before ? new Date(before) : undefined);
    return { payments: rows.map(view) };
  }

  async refund(adminId: string, chargeId: string) {
    return this.deps.db.transaction(async (trx) => {
      const payment = await repo.paymentForUpdate(trx, chargeId);
      if (!payment) throw AppError.notFound('No such payment');
      if (payment.refunded_at) throw AppError.conflict('This payment was refunded already');
      try {
        await botCall(this.deps.config.telegram, 'refundStarPayment', { user_id: Number(payment.telegram_user_id), telegram_payment_charge_id: chargeId });
      } catch (err) {
        // Refunded at Telegram before (a refund whose commit here failed): finish it.
        if (!(err instanceof BotApiError && /ALREADY_REFUNDED/i.test(err.message))) {
          this.deps.logger.warn({ err: (err as Error).message, charge: chargeId }, 'refundStarPayment failed');
          throw err instanceof BotApiError ? new AppError(502, 'bad_gateway', 'Telegram refused the refund') : err;
        }
      }
      if (payment.user_id && isProduct(payment.product)) await repo.revoke(trx, payment.user_id, payment.product);
      this.deps.logger.info({ charge: chargeId, admin_id: adminId }, 'payment refunded');
      return view(await repo.markRefunded(trx, chargeId, adminId));
    });
  }
}

function view(r: repo.PaymentRow) {
  return {
    telegram_payment_charge_id: r.telegram_payment_charge_id,
    user_id: r.user_id,
    product: r.product,
    amount_xtr: r.amount_xtr,
    subscription_expires_at: iso(r.subscription_expires_at),
    created_at: iso(r.created_at)!,
    refunded_at: iso(r.refunded_at),
  };
}
