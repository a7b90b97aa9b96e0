// A bot notification's button opens the exact screen: the Mini App reads the
// start parameter at launch (in init data from a t.me/…?startapp= link, or as
// ?startapp= on the WebApp URL of a web_app button) and goes there, from a
// cold start, in Chromium against the all-in-one server.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildAllInOne, type AllInOne } from '../../allinone/app.js';
import { buildWeb } from '../../web/build.js';
import type { Platform } from '../../shared/platform.js';
import { startHttp, type Running } from '../helpers/http.js';
import { testPlatform, uniqueTelegramId } from '../helpers/env.js';
import { isolatedDatabase, type IsolatedDatabase } from '../helpers/database.js';
import { signInitData } from '../helpers/telegram.js';
import { createMatch, createUser } from '../helpers/users.js';
import { createProfile } from '../helpers/profiles.js';
import { findChromium, launchChromium, phoneContext } from './browser.js';
import { TELEGRAM_SDK_STUB } from './telegram-stub.js';

describe('deep links from bot notifications (Playwright + Chromium)', function () {
  this.timeout(120_000);
  const chromiumPath = findChromium();
  let platform: Platform;
  let aio: AllInOne;
  let http: Running;
  let browser: Browser;
  let dataDir: string;
  let database: IsolatedDatabase | undefined;
  const pageErrors: string[] = [];
  let me: { telegramId: number };
  let myId: string;
  /** The URL of the last launch (Telegram opens the same one again). */
  let launchUrl = '';
  let matchId: string;
  let conversationId: string;

  before(async function () {
    if (!chromiumPath) {
      // eslint-disable-next-line no-console
      console.log('      skipped: Chromium not found at /usr/bin/chromium (apt-get install chromium)');
      this.skip();
    }
    await buildWeb();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'e2e-links-'));
    database = await isolatedDatabase('e2e_links');
    platform = testPlatform({ DATABASE_URL: database.url, DATA_DIR: dataDir, NSFW_ENABLED: 'false', RATE_LIMIT_AUTH_PER_MIN: '1000' }, 'e2e-links');
    aio = await buildAllInOne(platform);
    http = await startHttp(aio.callback);
    await aio.attach(http.server);
    browser = await launchChromium(chromiumPath!);
    const mine = await createUser(platform.db, platform.config, { telegramId: uniqueTelegramId(), firstName: 'Tess' });
    const peer = await createUser(platform.db, platform.config, { firstName: 'Paula' });
    await createProfile(platform.db, mine.id, { display_name: 'Tess' });
    await createProfile(platform.db, peer.id, { display_name: 'Paula' });
    ({ matchId, conversationId } = await createMatch(platform.db, mine.id, peer.id));
    me = mine;
    myId = mine.id;
  });
  afterEach(() => {
    expect(pageErrors, 'errors thrown in the page').to.deep.equal([]);
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await aio?.stop();
    await http?.close();
    await platform?.close();
    await database?.drop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  /** A cold start in Telegram: a fresh browser context launched with these parameters. */
  async function launch(opts: { startParam?: string; query?: string }): Promise<Page> {
    const ctx = await phoneContext(browser, { latitude: 52.5, longitude: 13.4 });
    await ctx.route('https://telegram.org/js/telegram-web-app.js', (route) => route.fulfill({ contentType: 'text/javascript', body: TELEGRAM_SDK_STUB }));
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const initData = signInitData(
      { id: me.telegramId, first_name: 'Tess' },
      { botToken: platform.config.telegram.botToken, ...(opts.startParam ? { extra: { start_param: opts.startParam } } : {}) },
    );
    const params = new URLSearchParams({ tgWebAppData: initData, tgWebAppVersion: '8.0', tgWebAppPlatform: 'android' });
    launchUrl = `${http.url}/${opts.query ?? ''}#${params.toString()}`;
    await page.goto(launchUrl);
    return page;
  }

  const chatOpen = (page: Page) => page.waitForFunction((id) => location.hash === `#/chat/${id}` && document.getElementById('title')?.textContent === 'Paula', conversationId);

  it('startapp=c_<conversation_id> opens that conversation', async () => {
    const page = await launch({ startParam: `c_${conversationId}` });
    await chatOpen(page);
    await page.context().close();
  });

  it('startapp=m_<match_id> opens the conversation of that match', async () => {
    const page = await launch({ startParam: `m_${matchId}` });
    await chatOpen(page);
    await page.context().close();
  });

  it('asks for permission to message at the first match, once per device', async () => {
    const page = await launch({});
    await page.waitForFunction(() => location.hash === '#/discover');
    const calls = () => page.evaluate(() => (window as unknown as { __tgCalls: string[] }).__tgCalls.filter((c) => c === 'requestWriteAccess').length);
    const newMatch = async () => {
      const other = await createUser(platform.db, platform.config, { firstName: 'Olga' });
      await createProfile(platform.db, other.id, { display_name: 'Olga' });
      const m = await createMatch(platform.db, myId, other.id);
      await platform.bus.publish('match.created', { match_id: m.matchId, conversation_id: m.conversationId, user_ids: [myId, other.id], created_at: new Date().toISOString() });
    };
    await newMatch();
    await page.getByRole('dialog').getByText("It's a match!").waitFor();
    await page.waitForFunction(() => (window as unknown as { __tgCalls: string[] }).__tgCalls.includes('requestWriteAccess'));
    // Another launch on the same device, another match: not asked again.
    const again = await page.context().newPage();
    again.on('pageerror', (err) => pageErrors.push(err.message));
    await again.goto(launchUrl);
    await again.waitForFunction(() => location.hash === '#/discover');
    await newMatch();
    await again.getByRole('dialog').getByText("It's a match!").waitFor();
    expect(await again.evaluate(() => (window as unknown as { __tgCalls: string[] }).__tgCalls.includes('requestWriteAccess'))).to.equal(false);
    expect(await calls()).to.equal(1);
    await page.context().close();
  });

  it("a web_app button's ?startapp= opens the conversation too; without a parameter the app opens as usual", async () => {
    const page = await launch({ query: `?startapp=c_${conversationId}` });
    await chatOpen(page);
    await page.context().close();
    const plain = await launch({});
    await plain.waitForFunction(() => location.hash === '#/discover');
    await plain.context().close();
  });
});
