// The moderator console (/admin/) in Chromium against the all-in-one app:
// approve by keyboard, reject with a reason, review a report and ban (after
// the confirmation that says what a ban does), the audit log shows all
// three, and a non-admin gets the 403 screen. axe-core checks each screen.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildAllInOne, type AllInOne } from '../../allinone/app.js';
import type { Platform } from '../../shared/platform.js';
import { startHttp, type Running } from '../helpers/http.js';
import { testPlatform, uniqueTelegramId } from '../helpers/env.js';
import { isolatedDatabase, type IsolatedDatabase } from '../helpers/database.js';
import { ADMIN_CAPABLE_ENV, signInitData } from '../helpers/telegram.js';
import { createUser, type TestUser } from '../helpers/users.js';
import { accessibilityProblems, findChromium, launchChromium, screenshot } from './browser.js';
import { createPhoto, createReport } from '../admin/fixtures.js';
import sharp from 'sharp';
import { createStorage } from '../../shared/storage/index.js';
import { watchResponses } from '../contract/response-check.js';

describe('moderator console in a browser (/admin/)', function () {
  this.timeout(90_000);
  const chromiumPath = findChromium();
  let platform: Platform;
  let aio: AllInOne;
  let http: Running;
  let browser: Browser;
  let dataDir: string;
  let database: IsolatedDatabase | undefined;
  const adminTelegramId = uniqueTelegramId();

  before(async function () {
    if (!chromiumPath) {
      // eslint-disable-next-line no-console
      console.log('      skipped: Chromium not found at /usr/bin/chromium (apt-get install chromium)');
      this.skip();
    }
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'e2e-admin-'));
    // A database of its own: the queue it counts is the whole review queue, which other tests fill too.
    database = await isolatedDatabase('e2e_admin');
    platform = testPlatform(
      { ...ADMIN_CAPABLE_ENV, DATABASE_URL: database.url, ADMIN_TELEGRAM_IDS: String(adminTelegramId), DATA_DIR: dataDir, NSFW_ENABLED: 'false', RATE_LIMIT_AUTH_PER_MIN: '1000' },
      'e2e-admin',
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
    await platform?.close();
    await database?.drop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  const contractBreaks: string[] = [];
  afterEach(() => {
    expect(contractBreaks, 'responses that break docs/openapi.json').to.deep.equal([]);
  });

  async function open(telegramId: number, name: string): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
    watchResponses(ctx, new URL(http.url).origin, contractBreaks);
    const page = await ctx.newPage();
    const initData = signInitData({ id: telegramId, first_name: name }, { botToken: ADMIN_CAPABLE_ENV.BOT_TOKEN });
    await page.goto(`${http.url}/admin#tgWebAppData=${encodeURIComponent(initData)}`);
    return page;
  }

  async function expectAccessible(page: Page, screen: string) {
    expect(await accessibilityProblems(page), `axe-core on the ${screen} screen`).to.deep.equal([]);
  }

  it('serves the page shell to anyone, and its data calls answer 403 to a non-admin', async () => {
    for (const address of ['/admin/', '/admin']) {
      const shell = await fetch(`${http.url}${address}`);
      expect(shell.status, address).to.equal(200);
      expect(shell.headers.get('content-type')).to.match(/^text\/html/);
      expect(shell.headers.get('content-security-policy')).to.contain("script-src 'self'");
    }
    // Its data calls keep the admin rule: no token 401, a non-admin's token 403.
    expect((await fetch(`${http.url}/admin/queue`)).status).to.equal(401);
    const page = await open(uniqueTelegramId(), 'Mallory');
    await page.getByRole('heading', { name: '403: admins only' }).waitFor();
    expect(await page.locator('#tabs').isVisible()).to.equal(false);
    await expectAccessible(page, '403');
    await page.context().close();
  });

  it('approves by keyboard, rejects with a reason, bans from a report, and the audit log shows all three', async () => {
    const db = platform.db;
    await createUser(db, platform.config, { telegramId: adminTelegramId, firstName: 'Admin' });
    const owner: TestUser = await createUser(db, platform.config, { firstName: 'Olga' });
    const reporter = await createUser(db, platform.config, { firstName: 'Rita' });
    const offender = await createUser(db, platform.config, { firstName: 'Otto' });
    await db('profiles').insert([
      { user_id: owner.id, display_name: 'Olga', birthdate: '1990-01-01', gender: 'woman' },
      { user_id: offender.id, display_name: 'Otto', birthdate: '1990-01-01', gender: 'man' },
    ]);
    // The riskier photo first in priority: it is the one selected when the console opens.
    const first = await createPhoto(db, owner.id, { nsfw_score: 0.75 });
    const second = await createPhoto(db, owner.id, { nsfw_score: 0.5 });
    const reportId = await createReport(db, reporter.id, offender.id, 'harassment');
    // Their medium variants stored, as the moderation worker leaves them (served only through the admin route while in review).
    const storage = createStorage(platform.config);
    for (const id of [first, second]) {
      const { variants } = await db('media').where('id', id).first('variants');
      const webp = await sharp({ create: { width: 72, height: 96, channels: 3, background: '#c86' } }).webp().toBuffer();
      await storage.put(variants.medium.key, webp, 'image/webp');
    }

    const page = await open(adminTelegramId, 'Admin');
    await page.getByRole('heading', { name: 'Media in review (2)' }).waitFor();
    // The photo in review is shown: fetched with the admin's token from the admin route, never a public URL.
    const firstImage = page.locator(`.card[data-id="${first}"] img`);
    await page.waitForFunction((el) => el instanceof HTMLImageElement && el.complete && el.naturalWidth > 0, await firstImage.elementHandle(), { timeout: 15_000 });
    expect(await firstImage.getAttribute('src')).to.match(/^blob:/);
    expect(await firstImage.evaluate((el: HTMLImageElement) => el.naturalWidth)).to.equal(72);
    await expectAccessible(page, 'queue');
    await screenshot(page, 'admin-queue');

    // Approve the selected (first) photo with the A key.
    expect(await page.locator('.card[aria-current="true"]').getAttribute('data-id')).to.equal(first);
    await page.keyboard.press('a');
    await page.getByRole('heading', { name: 'Media in review (1)' }).waitFor();
    expect((await db('media').where('id', first).first()).status).to.equal('approved');

    // Reject the next with R, giving a reason in the dialog.
    await page.keyboard.press('r');
    const dialog = page.getByRole('dialog', { name: 'Reject this photo' });
    await dialog.waitFor();
    await expectAccessible(page, 'reject dialog');
    await dialog.getByLabel('Reason').fill('nudity');
    await dialog.getByLabel('Reason').press('Enter');
    await page.getByRole('heading', { name: 'Media in review (0)' }).waitFor();
    const rejected = await db('media').where('id', second).first();
    expect(rejected.status).to.equal('rejected');
    expect(rejected.reject_reason).to.equal('nudity');

    // The report, with its decisions; Ban asks first and says what it does.
    await page.getByRole('button', { name: 'Reports' }).click();
    const report = page.getByRole('region', { name: 'Report: harassment' });
    await report.waitFor();
    await expectAccessible(page, 'reports');
    await report.getByRole('button', { name: 'Ban' }).click();
    const ban = page.getByRole('dialog', { name: 'Ban this user?' });
    await ban.waitFor();
    expect(await ban.textContent()).to.contain('revoke every session').and.contain('hide their profile');
    await expectAccessible(page, 'ban confirmation');
    await ban.getByRole('button', { name: 'Confirm ban' }).click();
    await page.getByText('No open reports.').waitFor();
    expect((await db('users').where('id', offender.id).first()).banned_at).to.be.an.instanceOf(Date);
    expect((await db('reports').where('id', reportId).first()).status).to.equal('banned');

    // The bans list has the new ban.
    await page.getByRole('button', { name: 'Bans' }).click();
    await page.getByRole('heading', { name: 'Bans (1)' }).waitFor();
    expect(await page.locator('tbody').textContent()).to.contain(offender.id);
    await expectAccessible(page, 'bans');

    // The audit log shows the three decisions; a search by action narrows it.
    await page.getByRole('button', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const log = await page.locator('tbody').textContent();
    for (const action of ['media.approve', 'media.reject', 'report.ban']) expect(log).to.contain(action);
    await expectAccessible(page, 'audit log');
    await page.getByLabel('Action').selectOption('media.reject');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    expect(await page.locator('tbody').textContent()).to.contain(second);
    await screenshot(page, 'admin-audit');
    await page.context().close();
  });

  it('keeps up live: a photo held for review appears without a reload (admin:review on the socket)', async () => {
    const db = platform.db;
    const owner = await createUser(db, platform.config, { firstName: 'Vera' });
    await db('profiles').insert({ user_id: owner.id, display_name: 'Vera', birthdate: '1990-01-01', gender: 'woman' });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
    watchResponses(ctx, new URL(http.url).origin, contractBreaks);
    // The fallback poll switched off, so only the live event can bring the new photo in.
    await ctx.addInitScript(() => {
      const every = window.setInterval.bind(window);
      window.setInterval = ((fn: TimerHandler, ms?: number, ...rest: unknown[]) => (ms === 10_000 ? 0 : every(fn, ms, ...rest))) as typeof window.setInterval;
    });
    const page = await ctx.newPage();
    const initData = signInitData({ id: adminTelegramId, first_name: 'Admin' }, { botToken: ADMIN_CAPABLE_ENV.BOT_TOKEN });
    await page.goto(`${http.url}/admin#tgWebAppData=${encodeURIComponent(initData)}`);
    await page.getByRole('heading', { name: 'Media in review (0)' }).waitFor();
    await page.locator('body[data-live="true"]').waitFor();

    // As the moderation worker leaves a photo it is unsure of: stored, held for review, announced.
    const media = await createPhoto(db, owner.id, { nsfw_score: 0.6 });
    await platform.bus.publish('media.moderated', { media_id: media, owner_id: owner.id, status: 'review', nsfw_score: 0.6 });
    await page.getByRole('heading', { name: 'Media in review (1)' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('.card').getAttribute('data-id')).to.equal(media);
    await ctx.close();
  });
});
