// Premium in Stars end to end against the fake Bot API: invoice, pre-checkout
// (answered from the webhook), successful_payment (credited once), refund.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Platform } from '../../shared/platform.js';
import { createHttpApp } from '../../shared/http/app.js';
import { createTelegramRouter } from '../../api/telegram/index.js';
import { createPaymentsRouters } from '../../api/payments/index.js';
import { PRODUCTS, SUBSCRIPTION_PERIOD_S } from '../../api/payments/products.js';
import { startBotWorker, type BotWorker } from '../../workers/bot/index.js';
import { testPlatform, uniqueTelegramId } from '../helpers/env.js';
import { client, startHttp, type Running } from '../helpers/http.js';
import { ADMIN_CAPABLE_ENV } from '../helpers/telegram.js';
import { createUser, type TestUser } from '../helpers/users.js';
import { waitFor } from '../helpers/wait.js';
import { FakeBotApi } from '../notifications/fake-bot-api.js';

const SECRET = 'payments-test-secret-0123456789';

describe('premium in Telegram Stars', function () {
  this.timeout(30_000);
  let bot: FakeBotApi;
  let platform: Platform;
  let http: Running;
  let worker: BotWorker;
  let api: ReturnType<typeof client>;
  let admin: TestUser;
  const adminTelegramId = uniqueTelegramId();
  let nextUpdate = Math.floor(Math.random() * 1e9);

  before(async () => {
    bot = await new FakeBotApi().start();
    platform = testPlatform(
      { ...ADMIN_CAPABLE_ENV, TELEGRAM_API_URL: bot.url, TELEGRAM_WEBHOOK_SECRET: SECRET, ADMIN_TELEGRAM_IDS: String(adminTelegramId), STARS_INVOICE_TTL_S: '600' },
      'payments',
    );
    const app = createHttpApp({ service: 'test', logger: platform.logger, readiness: {}, routers: [createTelegramRouter(platform), ...createPaymentsRouters(platform)] });
    http = await startHttp(app.callback());
    api = client(http.url);
    worker = startBotWorker(platform, { group: `bot-${randomUUID().slice(0, 8)}` });
    await worker.ready;
    admin = await createUser(platform.db, platform.config, { telegramId: adminTelegramId });
  });
  after(async () => {
    await worker?.stop();
    await http?.close();
    await bot?.close();
    await platform?.close();
  });

  const db = () => platform.db;
  const hook = (update: Record<string, unknown>) =>
    api.post('/telegram/webhook', { update_id: ++nextUpdate, ...update }, { headers: { 'x-telegram-bot-api-secret-token': SECRET } });

  async function invoice(user: TestUser, product: keyof typeof PRODUCTS) {
    const res = await api.post('/payments/invoice', { product }, { token: user.token });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { invoice_id: string; url: string; price_xtr: number };
  }

  /** Telegram's pre-checkout query for an invoice; resolves with the answer the webhook gave. */
  async function preCheckout(user: TestUser, invoiceId: string, amount: number) {
    const id = randomUUID();
    const res = await hook({ pre_checkout_query: { id, from: { id: user.telegramId, is_bot: false, first_name: 'P' }, currency: 'XTR', total_amount: amount, invoice_payload: invoiceId } });
    expect(res.status).to.equal(200);
    // Answered before the webhook returned: the call is there already.
    const call = bot.calls.find((c) => c.path.endsWith('/answerPreCheckoutQuery') && c.body.pre_checkout_query_id === id);
    expect(call, 'answered within the webhook call').to.not.equal(undefined);
    return call!.body as { ok: boolean; error_message?: string };
  }

  function paymentUpdate(user: TestUser, invoiceId: string, amount: number, charge: string, extra: Record<string, unknown> = {}) {
    return {
      message: {
        message_id: 1,
        date: Math.floor(Date.now() / 1000),
        chat: { id: user.telegramId, type: 'private' },
        from: { id: user.telegramId, is_bot: false, first_name: 'P' },
        successful_payment: { currency: 'XTR', total_amount: amount, invoice_payload: invoiceId, telegram_payment_charge_id: charge, provider_payment_charge_id: '', ...extra },
      },
    };
  }

  const entitlements = async (user: TestUser) => (await api.get('/payments/entitlements', { token: user.token })).body;

  it('makes an invoice link in XTR at the current price (a subscription with its period)', async () => {
    const user = await createUser(db(), platform.config);
    const inv = await invoice(user, 'superlikes_5');
    expect(inv.price_xtr).to.equal(PRODUCTS.superlikes_5.price);
    const call = bot.calls.find((c) => c.path.endsWith('/createInvoiceLink') && c.body.payload === inv.invoice_id)!;
    expect(inv.url).to.match(/^https:\/\/t\.me\/\$/);
    expect(call.body).to.include({ currency: 'XTR' });
    expect(call.body.prices).to.deep.equal([{ label: PRODUCTS.superlikes_5.title, amount: PRODUCTS.superlikes_5.price }]);
    expect(call.body).to.not.have.property('subscription_period');
    const sub = await invoice(user, 'premium_month');
    expect(bot.calls.find((c) => c.body.payload === sub.invoice_id)!.body.subscription_period).to.equal(SUBSCRIPTION_PERIOD_S);
    expect((await api.post('/payments/invoice', { product: 'gold' }, { token: user.token })).status).to.equal(400);
    expect((await api.post('/payments/invoice', { product: 'rewind' })).status).to.equal(401);
  });

  it('limits invoices per user (RATE_LIMIT_INVOICES_PER_10MIN) with 429 rate_limited and Retry-After, before any row or Bot API call; others go on', async () => {
    const [user, other] = [await createUser(db(), platform.config), await createUser(db(), platform.config)];
    const allowed = platform.config.payments.invoicesPer10Min;
    for (let i = 0; i < allowed; i++) await invoice(user, 'rewind');
    const callsBefore = bot.calls.filter((c) => c.path.endsWith('/createInvoiceLink')).length;
    const refused = await api.post('/payments/invoice', { product: 'rewind' }, { token: user.token });
    expect(refused.status, JSON.stringify(refused.body)).to.equal(429);
    expect(refused.body.error.code).to.equal('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 600);
    expect(bot.calls.filter((c) => c.path.endsWith('/createInvoiceLink')).length).to.equal(callsBefore);
    expect(await db()('star_invoices').where('user_id', user.id)).to.have.length(allowed);
    await invoice(other, 'rewind');
  });

  it('pays: pre-checkout says yes, successful_payment credits once, a replay changes nothing', async () => {
    const user = await createUser(db(), platform.config);
    const inv = await invoice(user, 'superlikes_5');
    expect(await preCheckout(user, inv.invoice_id, inv.price_xtr)).to.include({ ok: true });
    const charge = `charge-${randomUUID()}`;
    const update = paymentUpdate(user, inv.invoice_id, inv.price_xtr, charge);
    await hook(update);
    await waitFor('credited', async () => (await entitlements(user)).superlikes === 5);
    // The same payment again, as a new update (a replay) and as the same update (a redelivery).
    await hook(update);
    await api.post('/telegram/webhook', { update_id: nextUpdate, ...update }, { headers: { 'x-telegram-bot-api-secret-token': SECRET } });
    // A second, different purchase is the positive signal that the replays were handled.
    const inv2 = await invoice(user, 'rewind');
    await hook(paymentUpdate(user, inv2.invoice_id, inv2.price_xtr, `charge-${randomUUID()}`));
    await waitFor('rewind credited', async () => (await entitlements(user)).rewinds === 1);
    expect((await entitlements(user)).superlikes).to.equal(5);
    expect(await db()('star_payments').where('telegram_payment_charge_id', charge)).to.have.length(1);
  });

  it('refuses at pre-checkout a stale price, an expired invoice, another user and a wrong amount', async () => {
    const user = await createUser(db(), platform.config);
    const other = await createUser(db(), platform.config);
    const stale = await invoice(user, 'boost_30m');
    await db()('star_invoices').where('id', stale.invoice_id).update({ price_xtr: PRODUCTS.boost_30m.price - 5 }); // made before a price change
    const a = await preCheckout(user, stale.invoice_id, PRODUCTS.boost_30m.price - 5);
    expect(a.ok).to.equal(false);
    expect(a.error_message).to.match(/price/);
    const expired = await invoice(user, 'boost_30m');
    await db()('star_invoices').where('id', expired.invoice_id).update({ expires_at: new Date(Date.now() - 1000) });
    expect((await preCheckout(user, expired.invoice_id, expired.price_xtr)).error_message).to.match(/expired/);
    const fresh = await invoice(user, 'boost_30m');
    expect((await preCheckout(other, fresh.invoice_id, fresh.price_xtr)).ok).to.equal(false);
    expect((await preCheckout(user, fresh.invoice_id, fresh.price_xtr + 1)).ok).to.equal(false);
    expect((await preCheckout(user, 'not-an-invoice', fresh.price_xtr)).ok).to.equal(false);
    expect((await preCheckout(user, fresh.invoice_id, fresh.price_xtr)).ok).to.equal(true);
  });

  it('a subscription gives premium until Telegram says it ends; expired, it reads as none', async () => {
    const user = await createUser(db(), platform.config);
    const inv = await invoice(user, 'premium_month');
    const ends = Math.floor(Date.now() / 1000) + SUBSCRIPTION_PERIOD_S;
    await hook(paymentUpdate(user, inv.invoice_id, inv.price_xtr, `charge-${randomUUID()}`, { subscription_expiration_date: ends, is_recurring: true, is_first_recurring: true }));
    await waitFor('premium', async () => (await entitlements(user)).premium === true);
    expect(new Date((await entitlements(user)).premium_until).getTime()).to.equal(ends * 1000);
    await db()('entitlements').where('user_id', user.id).update({ premium_until: new Date(Date.now() - 1000) });
    expect(await entitlements(user)).to.include({ premium: false, premium_until: null });
  });

  it('refunds through the admin route: refundStarPayment, entitlements taken back, once; the ledger shows it', async () => {
    const user = await createUser(db(), platform.config);
    const inv = await invoice(user, 'superlikes_5');
    const charge = `charge-${randomUUID()}`;
    await hook(paymentUpdate(user, inv.invoice_id, inv.price_xtr, charge));
    await waitFor('credited', async () => (await entitlements(user)).superlikes === 5);

    expect((await api.post(`/admin/payments/${charge}/refund`, {}, { token: user.token })).status).to.equal(403);
    const res = await api.post(`/admin/payments/${charge}/refund`, {}, { token: admin.token });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.refunded_at).to.be.a('string');
    const call = bot.calls.find((c) => c.path.endsWith('/refundStarPayment') && c.body.telegram_payment_charge_id === charge)!;
    expect(call.body.user_id).to.equal(user.telegramId);
    expect((await entitlements(user)).superlikes).to.equal(0);
    expect((await api.post(`/admin/payments/${charge}/refund`, {}, { token: admin.token })).status).to.equal(409);
    expect((await api.post(`/admin/payments/nope/refund`, {}, { token: admin.token })).status).to.equal(404);

    const ledger = await api.get('/admin/payments?limit=200', { token: admin.token });
    expect(ledger.status).to.equal(200);
    const row = ledger.body.payments.find((p: { telegram_payment_charge_id: string }) => p.telegram_payment_charge_id === charge);
    expect(row).to.include({ user_id: user.id, product: 'superlikes_5', amount_xtr: inv.price_xtr });
    expect(row.refunded_at).to.be.a('string');
    expect((await api.get('/admin/payments', { token: user.token })).status).to.equal(403);
  });

  it('keeps the entitlements when Telegram refuses the refund', async () => {
    const user = await createUser(db(), platform.config);
    const inv = await invoice(user, 'rewind');
    const charge = `charge-${randomUUID()}`;
    await hook(paymentUpdate(user, inv.invoice_id, inv.price_xtr, charge));
    await waitFor('credited', async () => (await entitlements(user)).rewinds === 1);
    bot.plan(user.telegramId, [500]);
    const res = await api.post(`/admin/payments/${charge}/refund`, {}, { token: admin.token });
    expect(res.status).to.equal(502);
    expect((await entitlements(user)).rewinds).to.equal(1);
    expect((await db()('star_payments').where('telegram_payment_charge_id', charge).first()).refunded_at).to.equal(null);
  });
});
