// The moderator console (/admin/) in Chromium against the all-in-one app:
// approve by keyboard, reject with a reason, review a report and ban (after
// the confirmation that says what a ban does), the audit log shows all
// three, and a non-admin gets the 403 screen; sign-in in a plain browser by
// the Telegram login link, a report shown with the conversation before it,
// and a queue card with its owner's report history. axe-core checks each screen.
import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import { uniqueTelegramId } from '../helpers/env.js';
import { ADMIN_CAPABLE_ENV, signLoginWidget } from '../helpers/telegram.js';
import { createMatch, createUser, type TestUser } from '../helpers/users.js';
import { clientMsgId } from '../helpers/realtime.js';
import { accessibilityProblems, screenshot } from './browser.js';
import { e2eApp } from './fixture.js';
import { createPhoto, createReport } from '../admin/fixtures.js';
import sharp from 'sharp';
import { createStorage } from '../../shared/storage/index.js';

describe('moderator console in a browser (/admin/)', function () {
  this.timeout(90_000);
  const adminTelegramId = uniqueTelegramId();
  // An admin who signs in only by the login link (no user row before it).
  const linkAdminTelegramId = uniqueTelegramId();
  const BOT_USERNAME = 'dating_console_test_bot';
  // A database of its own (every e2e suite has one): the queue it counts is the whole review queue, which other tests fill too.
  const e2e = e2eApp({
    name: 'e2e-admin',
    buildWeb: false,
    env: { ...ADMIN_CAPABLE_ENV, ADMIN_TELEGRAM_IDS: `${adminTelegramId},${linkAdminTelegramId}`, RATE_LIMIT_AUTH_PER_MIN: '1000', BOT_USERNAME },
  });

  /** The console signed in by init data; `prepare` runs on the context before the page opens. */
  async function open(telegramId: number, name: string, prepare?: (ctx: BrowserContext) => Promise<unknown>): Promise<Page> {
    const ctx = await e2e.desktop();
    await prepare?.(ctx);
    const page = await ctx.newPage();
    const initData = e2e.initData({ id: telegramId, first_name: name });
    await page.goto(`${e2e.http.url}/admin#tgWebAppData=${encodeURIComponent(initData)}`);
    return page;
  }

  async function expectAccessible(page: Page, screen: string) {
    expect(await accessibilityProblems(page), `axe-core on the ${screen} screen`).to.deep.equal([]);
  }

  it('serves the page shell to anyone, and its data calls answer 403 to a non-admin', async () => {
    for (const address of ['/admin/', '/admin']) {
      const shell = await fetch(`${e2e.http.url}${address}`);
      expect(shell.status, address).to.equal(200);
      expect(shell.headers.get('content-type')).to.match(/^text\/html/);
      expect(shell.headers.get('content-security-policy')).to.contain("script-src 'self'");
    }
    // Its data calls keep the admin rule: no token 401, a non-admin's token 403.
    expect((await fetch(`${e2e.http.url}/admin/queue`)).status).to.equal(401);
    const page = await open(uniqueTelegramId(), 'Mallory');
    await page.getByRole('heading', { name: '403: admins only' }).waitFor();
    expect(await page.locator('#tabs').isVisible()).to.equal(false);
    await expectAccessible(page, '403');
    await page.context().close();
  });

  it('approves by keyboard, rejects with a reason, bans from a report, and the audit log shows all three', async () => {
    const db = e2e.platform.db;
    await createUser(db, e2e.platform.config, { telegramId: adminTelegramId, firstName: 'Admin' });
    const owner: TestUser = await createUser(db, e2e.platform.config, { firstName: 'Olga' });
    const reporter = await createUser(db, e2e.platform.config, { firstName: 'Rita' });
    const offender = await createUser(db, e2e.platform.config, { firstName: 'Otto' });
    await db('profiles').insert([
      { user_id: owner.id, display_name: 'Olga', birthdate: '1990-01-01', gender: 'woman' },
      { user_id: offender.id, display_name: 'Otto', birthdate: '1990-01-01', gender: 'man' },
    ]);
    // The riskier photo first in priority: it is the one selected when the console opens.
    const first = await createPhoto(db, owner.id, { nsfw_score: 0.75 });
    const second = await createPhoto(db, owner.id, { nsfw_score: 0.5 });
    const reportId = await createReport(db, reporter.id, offender.id, 'harassment');
    // Their medium variants stored, as the moderation worker leaves them (served only through the admin route while in review).
    const storage = createStorage(e2e.platform.config);
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
    const db = e2e.platform.db;
    const owner = await createUser(db, e2e.platform.config, { firstName: 'Vera' });
    await db('profiles').insert({ user_id: owner.id, display_name: 'Vera', birthdate: '1990-01-01', gender: 'woman' });
    // The fallback poll switched off, so only the live event can bring the new photo in.
    const page = await open(adminTelegramId, 'Admin', (ctx) =>
      ctx.addInitScript(() => {
        const every = window.setInterval.bind(window);
        window.setInterval = ((fn: TimerHandler, ms?: number, ...rest: unknown[]) => (ms === 10_000 ? 0 : every(fn, ms, ...rest))) as typeof window.setInterval;
      }),
    );
    await page.getByRole('heading', { name: 'Media in review (0)' }).waitFor();
    await page.locator('body[data-live="true"]').waitFor();

    // As the moderation worker leaves a photo it is unsure of: stored, held for review, announced.
    const media = await createPhoto(db, owner.id, { nsfw_score: 0.6 });
    await e2e.platform.bus.publish('media.moderated', { media_id: media, owner_id: owner.id, status: 'review', nsfw_score: 0.6 });
    await page.getByRole('heading', { name: 'Media in review (1)' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('.card').getAttribute('data-id')).to.equal(media);
    await page.context().close();
  });

  it('signs an admin in from a plain browser by the Telegram login link (no Mini App, no SDK), and refuses a stale link', async () => {
    const ctx = await e2e.desktop();
    // Telegram's widget script, offline: a stand-in that marks where the button would be.
    const widgetRequests: string[] = [];
    await ctx.route('https://telegram.org/js/telegram-widget.js*', (route) => {
      widgetRequests.push(route.request().url());
      return route.fulfill({ contentType: 'text/javascript', body: 'document.currentScript.insertAdjacentHTML("afterend", "<p id=tg-login-button>Log in with Telegram</p>")' });
    });
    const page = await e2e.page(ctx);
    const shell = await page.goto(`${e2e.http.url}/admin`);
    // With BOT_USERNAME configured the page may load Telegram's widget and its frame, nothing else.
    expect(shell!.headers()['content-security-policy']).to.contain("script-src 'self' https://telegram.org").and.contain('frame-src https://oauth.telegram.org');
    await page.getByRole('heading', { name: 'Sign in through Telegram' }).waitFor();
    expect(await page.evaluate(() => 'Telegram' in window)).to.equal(false);
    const widget = page.locator('script[data-telegram-login]');
    expect(await widget.getAttribute('data-telegram-login')).to.equal(BOT_USERNAME);
    expect(await widget.getAttribute('data-auth-url')).to.equal(`${e2e.http.url}/admin`);
    await page.locator('#tg-login-button').waitFor();
    expect(widgetRequests).to.have.length(1);
    await expectAccessible(page, 'sign-in');

    // Telegram sends the browser back with the signed fields in the query (login link redirect).
    const botToken = e2e.platform.config.telegram.botToken;
    const stale = signLoginWidget({ id: linkAdminTelegramId, first_name: 'Wanda' }, { botToken, authDate: Math.floor(Date.now() / 1000) - 2 * 86_400 });
    await page.goto(`${e2e.http.url}/admin?${new URLSearchParams(stale)}`);
    await page.getByText('The Telegram login link has expired or is not valid').waitFor();
    await page.getByRole('heading', { name: 'Sign in through Telegram' }).waitFor();
    expect(new URL(page.url()).search).to.equal('');

    const fields = signLoginWidget({ id: linkAdminTelegramId, first_name: 'Wanda', username: 'wanda_admin', photo_url: 'https://t.me/i/userpic/320/wanda.jpg' }, { botToken });
    await page.goto(`${e2e.http.url}/admin?${new URLSearchParams(fields)}`);
    await page.getByRole('heading', { name: /^Media in review/ }).waitFor();
    expect(await page.locator('#tabs').isVisible()).to.equal(true);
    // The signed fields are a credential: out of the address bar once used.
    expect(new URL(page.url()).search).to.equal('');
    const user = await e2e.platform.db('users').where('telegram_id', linkAdminTelegramId).first();
    expect(user).to.include({ first_name: 'Wanda', username: 'wanda_admin' });
    expect(await e2e.platform.db('sessions').where('user_id', user.id)).to.have.length(1);
    // The admin data calls work with the session the link opened.
    await page.getByRole('button', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await ctx.close();
  });

  it('shows a report with the conversation before it as the reporter saw it, and the owner\'s report history in the queue card', async () => {
    const db = e2e.platform.db;
    const api = e2e.http.url;
    const rita = await createUser(db, e2e.platform.config, { firstName: 'Rita' });
    const otto = await createUser(db, e2e.platform.config, { firstName: 'Otto' });
    const bob = await createUser(db, e2e.platform.config, { firstName: 'Bob' });
    await db('profiles').insert({ user_id: otto.id, display_name: 'Otto K', birthdate: '1990-01-01', gender: 'man' });
    const { conversationId } = await createMatch(db, rita.id, otto.id);
    const send = async (from: TestUser, body: string) => {
      const res = await fetch(`${api}/chat/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${from.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ conversation_id: conversationId, body, client_msg_id: clientMsgId() }),
      });
      expect(res.status).to.equal(201);
      return ((await res.json()) as { message: { seq: number } }).message.seq;
    };
    const call = (method: string, path: string, token: string, body?: unknown) =>
      fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    await send(otto, `Hi Rita, nice profile ${clientMsgId('e2e')}`);
    await send(rita, 'Thanks, hello!');
    const hidden = await send(otto, 'A line Rita deleted for herself');
    await send(otto, 'You will regret ignoring me');
    const reported = await send(otto, 'Answer me now or else');
    expect((await call('DELETE', `/chat/messages/${conversationId}/${hidden}?scope=me`, rita.token)).status).to.equal(200);
    expect((await call('POST', `/chat/messages/${conversationId}/${reported}/report`, rita.token, { reason: 'threats' })).status).to.equal(201);
    // An older report against Otto, already dismissed, for the history.
    const old = await createReport(db, bob.id, otto.id, 'spam', new Date(Date.now() - 86_400_000));
    await db('reports').where('id', old).update({ status: 'dismissed', reviewed_at: new Date() });
    // Otto's photo waits for review: its card carries his report history.
    const photo = await createPhoto(db, otto.id, { nsfw_score: 0.9 });

    const page = await open(adminTelegramId, 'Admin');
    const card = page.locator(`.card[data-id="${photo}"]`);
    await card.waitFor();
    await card.getByText('Report history of Otto K (2)').click();
    const history = card.getByRole('list', { name: 'Reports against Otto K' });
    await history.waitFor();
    const items = await history.getByRole('listitem').allTextContents();
    expect(items).to.have.length(2);
    expect(items[0]).to.contain('threats').and.contain('open').and.contain(`reporter ${rita.id.slice(0, 8)}`).and.contain('about a message');
    expect(items[1]).to.contain('spam').and.contain('dismissed');
    await expectAccessible(page, 'queue with a report history');

    await page.getByRole('button', { name: 'Reports' }).click();
    const report = page.getByRole('region', { name: 'Report: threats' });
    await report.waitFor();
    const excerpt = report.getByRole('list', { name: 'Messages up to the reported one' });
    await excerpt.getByRole('listitem').nth(3).waitFor();
    const lines = await excerpt.getByRole('listitem').allTextContents();
    expect(lines).to.have.length(4);
    expect(lines[0]).to.match(/^Reported user/).and.contain('Hi Rita, nice profile');
    expect(lines[1]).to.match(/^Reporter/).and.contain('Thanks, hello!');
    expect(lines[2]).to.match(/^Reported user/).and.contain('You will regret ignoring me');
    expect(lines[3]).to.contain('reported message').and.contain('Answer me now or else');
    expect(lines.join()).not.to.contain('deleted for herself');
    await expectAccessible(page, 'report with its conversation');
    await screenshot(page, 'admin-report-excerpt');
    await page.context().close();
  });
});
