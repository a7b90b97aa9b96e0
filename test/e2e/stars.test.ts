// Buying with Telegram Stars in the Mini App, in Chromium against the
// all-in-one server and the fake Bot API: Settings → Buy → the server makes
// the invoice link → openInvoice → "paid" → the section shows the credit once
// Telegram's successful_payment reached the webhook.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { buildAllInOne, type AllInOne } from '../../allinone/app.js';
import { buildWeb } from '../../web/build.js';
import type { Platform } from '../../shared/platform.js';
import { request, startHttp, type Running } from '../helpers/http.js';
import { testPlatform, uniqueTelegramId } from '../helpers/env.js';
import { isolatedDatabase, type IsolatedDatabase } from '../helpers/database.js';
import { ADMIN_CAPABLE_ENV, signInitData } from '../helpers/telegram.js';
import { createUser } from '../helpers/users.js';
import { createProfile } from '../helpers/profiles.js';
import { FakeBotApi } from '../notifications/fake-bot-api.js';
import { accessibilityProblems, findChromium, launchChromium, phoneContext } from './browser.js';
import { TELEGRAM_SDK_STUB } from './telegram-stub.js';

const SECRET = 'e2e-stars-webhook-secret-0123456789';

describe('buying with Stars in the Mini App (Playwright + Chromium)', function () {
  this.timeout(120_000);
  const chromiumPath = findChromium();
  let platform: Platform;
  let aio: AllInOne;
  let http: Running;
  let browser: Browser;
  let bot: FakeBotApi;
  let dataDir: string;
  let database: IsolatedDatabase | undefined;
  const pageErrors: string[] = [];

  before(async function () {
    if (!chromiumPath) {
      // eslint-disable-next-line no-console
      console.log('      skipped: Chromium not found at /usr/bin/chromium (apt-get install chromium)');
      this.skip();
    }
    await buildWeb();
    bot = await new FakeBotApi().start();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'e2e-stars-'));
    database = await isolatedDatabase('e2e_stars');
    platform = testPlatform(
      { ...ADMIN_CAPABLE_ENV, DATABASE_URL: database.url, DATA_DIR: dataDir, NSFW_ENABLED: 'false', TELEGRAM_API_URL: bot.url, TELEGRAM_WEBHOOK_SECRET: SECRET },
      'e2e-stars',
    );
    aio = await buildAllInOne(platform);
    http = await startHttp(aio.callback);
    await aio.attach(http.server);
    browser = await launchChromium(chromiumPath!);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await aio?.stop();
    await http?.close();
    await bot?.close();
    await platform?.close();
    await database?.drop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('buys 5 superlikes: invoice, openInvoice, and the credit shows after the payment', async () => {
    const me = await createUser(platform.db, platform.config, { telegramId: uniqueTelegramId(), firstName: 'Stella' });
    await createProfile(platform.db, me.id, { display_name: 'Stella' });
    const ctx = await phoneContext(browser, { latitude: 52.5, longitude: 13.4 });
    await ctx.route('https://telegram.org/js/telegram-web-app.js', (route) => route.fulfill({ contentType: 'text/javascript', body: TELEGRAM_SDK_STUB }));
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const initData = signInitData({ id: me.telegramId, first_name: 'Stella' }, { botToken: platform.config.telegram.botToken });
    await page.goto(`${http.url}/#${new URLSearchParams({ tgWebAppData: initData, tgWebAppVersion: '8.0', tgWebAppPlatform: 'android' })}`);
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
    const res = await request(http.url, 'POST', '/telegram/webhook', {
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
    expect(pageErrors).to.deep.equal([]);
    await ctx.close();
  });
});
