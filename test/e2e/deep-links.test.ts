// A bot notification's button opens the exact screen: the Mini App reads the
// start parameter at launch (in init data from a t.me/…?startapp= link, or as
// ?startapp= on the WebApp URL of a web_app button) and goes there, from a
// cold start, in Chromium against the all-in-one server.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { uniqueTelegramId } from '../helpers/env.js';
import { createMatch, createUser } from '../helpers/users.js';
import { createProfile } from '../helpers/profiles.js';
import { e2eApp } from './fixture.js';

describe('deep links from bot notifications (Playwright + Chromium)', function () {
  this.timeout(120_000);
  const e2e = e2eApp({ name: 'e2e-links', env: { RATE_LIMIT_AUTH_PER_MIN: '1000' } });
  let me: { telegramId: number };
  let myId: string;
  /** The URL of the last launch (Telegram opens the same one again). */
  let launchUrl = '';
  let matchId: string;
  let conversationId: string;

  before(async () => {
    const mine = await createUser(e2e.platform.db, e2e.platform.config, { telegramId: uniqueTelegramId(), firstName: 'Tess' });
    const peer = await createUser(e2e.platform.db, e2e.platform.config, { firstName: 'Paula' });
    await createProfile(e2e.platform.db, mine.id, { display_name: 'Tess' });
    await createProfile(e2e.platform.db, peer.id, { display_name: 'Paula' });
    ({ matchId, conversationId } = await createMatch(e2e.platform.db, mine.id, peer.id));
    me = mine;
    myId = mine.id;
  });

  /** A cold start in Telegram: a fresh browser context launched with these parameters. */
  async function launch(opts: { startParam?: string; query?: string }): Promise<Page> {
    const ctx = await e2e.phone({ latitude: 52.5, longitude: 13.4 });
    await e2e.telegramStub(ctx);
    const page = await e2e.page(ctx);
    const initData = e2e.initData({ id: me.telegramId, first_name: 'Tess' }, opts.startParam ? { start_param: opts.startParam } : undefined);
    const params = new URLSearchParams({ tgWebAppData: initData, tgWebAppVersion: '8.0', tgWebAppPlatform: 'android' });
    launchUrl = `${e2e.http.url}/${opts.query ?? ''}#${params.toString()}`;
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
      const other = await createUser(e2e.platform.db, e2e.platform.config, { firstName: 'Olga' });
      await createProfile(e2e.platform.db, other.id, { display_name: 'Olga' });
      const m = await createMatch(e2e.platform.db, myId, other.id);
      await e2e.platform.bus.publish('match.created', { match_id: m.matchId, conversation_id: m.conversationId, user_ids: [myId, other.id], created_at: new Date().toISOString() });
    };
    await newMatch();
    await page.getByRole('dialog').getByText("It's a match!").waitFor();
    await page.waitForFunction(() => (window as unknown as { __tgCalls: string[] }).__tgCalls.includes('requestWriteAccess'));
    // Another launch on the same device, another match: not asked again.
    const again = await e2e.page(page.context());
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
