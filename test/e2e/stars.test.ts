// Buying with Telegram Stars in the Mini App, in Chromium against the
// all-in-one server and the fake Bot API: Settings → Buy → the server makes
// the invoice link → openInvoice → "paid" → the section shows the credit once
// Telegram's successful_payment reached the webhook.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { request } from '../helpers/http.js';
import { uniqueTelegramId } from '../helpers/env.js';
import { ADMIN_CAPABLE_ENV } from '../helpers/telegram.js';
import { createUser } from '../helpers/users.js';
import { createProfile } from '../helpers/profiles.js';
import { FakeBotApi } from '../notifications/fake-bot-api.js';
import { accessibilityProblems } from './browser.js';
import { e2eApp } from './fixture.js';

const SECRET = 'e2e-stars-webhook-secret-0123456789';

describe('buying with Stars in the Mini App (Playwright + Chromium)', function () {
  this.timeout(120_000);
  let bot: FakeBotApi;
  // Before the app: its Bot API URL goes into the app's env.
  before(async () => {
    bot = await new FakeBotApi().start();
  });
  const e2e = e2eApp({ name: 'e2e-stars', env: () => ({ ...ADMIN_CAPABLE_ENV, TELEGRAM_API_URL: bot.url, TELEGRAM_WEBHOOK_SECRET: SECRET }) });
  after(async () => {
    await bot?.close();
  });

  it('buys 5 superlikes: invoice, openInvoice, and the credit shows after the payment', async () => {
    const me = await createUser(e2e.platform.db, e2e.platform.config, { telegramId: uniqueTelegramId(), firstName: 'Stella' });
    await createProfile(e2e.platform.db, me.id, { display_name: 'Stella' });
    const ctx = await e2e.phone({ latitude: 52.5, longitude: 13.4 });
    await e2e.telegramStub(ctx);
    const page = await e2e.page(ctx);
    const initData = e2e.initData({ id: me.telegramId, first_name: 'Stella' });
    await page.goto(`${e2e.http.url}/#${new URLSearchParams({ tgWebAppData: initData, tgWebAppVersion: '8.0', tgWebAppPlatform: 'android' })}`);
    await page.waitForFunction(() => location.hash === '#/discover');
    await page.evaluate(() => (location.hash = '#/settings'));
    await page.locator('#entitlements').getByText('Superlikes: 0').waitFor();
    expect(await accessibilityProblems(page), 'accessibility problems on settings with Premium').to.deep.equal([]);

    await page.getByRole('button', { name: 'Buy: 5 superlikes' }).click();
    await page.waitForFunction(() => (window as unknown as { __tgCalls: string[] }).__tgCalls.some((c) => c.startsWith('openInvoice:')));
    const made = bot.calls.find((c) => c.path.endsWith('/createInvoiceLink'))!;
    const opened = await page.evaluate(() => (window as unknown as { __tgCalls: string[] }).__tgCalls.find((c) => c.startsWith('openInvoice:')));
    expect(opened).to.equal(`openInvoice:https://t.me/$invoice-${bot.calls.indexOf(made) + 1}`);
    // The sheet says paid; Telegram's successful_payment reaches the webhook a moment later.
    await page.evaluate(() => (window as unknown as { __tgSettleInvoice(s: string): void }).__tgSettleInvoice('paid'));
    const res = await request(e2e.http.url, 'POST', '/telegram/webhook', {
      headers: { 'x-telegram-bot-api-secret-token': SECRET },
      body: {
        update_id: Math.floor(Math.random() * 1e9),
        message: {
          message_id: 9,
          date: Math.floor(Date.now() / 1000),
          chat: { id: me.telegramId, type: 'private' },
          from: { id: me.telegramId, is_bot: false, first_name: 'Stella' },
          successful_payment: { currency: 'XTR', total_amount: 50, invoice_payload: made.body.payload, telegram_payment_charge_id: `e2e-${randomUUID()}`, provider_payment_charge_id: '' },
        },
      },
    });
    expect(res.status).to.equal(200);
    await page.locator('#entitlements').getByText('Superlikes: 5').waitFor({ timeout: 30_000 });
    expect(e2e.pageErrors).to.deep.equal([]);
    await ctx.close();
  });
});
