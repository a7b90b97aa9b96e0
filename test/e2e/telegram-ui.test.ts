// The Mini App uses Telegram's own UI, in Chromium against the all-in-one
// server with the SDK stub (test/e2e/telegram-stub.ts) recording the calls:
// the MainButton does each screen's primary action, the BackButton leaves a
// chat, swipes and matches are felt (haptics), a theme change restyles the
// app at once, the deck keeps Telegram's vertical swipes off, and a chat's
// other text waits in CloudStorage. Outside Telegram, and in a Telegram too
// old for a feature, the app falls back without an error.
import { expect } from 'chai';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { uniqueTelegramId } from '../helpers/env.js';
import { ADMIN_CAPABLE_ENV } from '../helpers/telegram.js';
import { createMatch, createUser, type TestUser } from '../helpers/users.js';
import { createProfile } from '../helpers/profiles.js';
import { request } from '../helpers/http.js';
import { clientMsgId } from '../helpers/realtime.js';
import { waitFor } from '../helpers/wait.js';
import { FakeBotApi } from '../notifications/fake-bot-api.js';
import { e2eApp } from './fixture.js';

/** The stub's test hooks on window. */
interface Tg {
  __tgCalls: string[];
  __tgMainButton(): { text: string; visible: boolean; handlers: number; active: boolean; progress: boolean };
  __tgPressMain(): void;
  __tgPressBack(): void;
  __tgBackHandlers(): number;
  __tgSetTheme(params: Record<string, string>, scheme?: string): void;
  Telegram: { WebApp: { isVerticalSwipesEnabled: boolean } };
}

const HERE = { latitude: 52.5, longitude: 13.4 };

describe('Telegram UI in the Mini App (Playwright + Chromium)', function () {
  this.timeout(120_000);
  let bot: FakeBotApi;
  // Before the app: its Bot API URL goes into the app's env (Premium makes invoice links there).
  before(async () => {
    bot = await new FakeBotApi().start();
  });
  const e2e = e2eApp({ name: 'e2e-tg-ui', env: () => ({ ...ADMIN_CAPABLE_ENV, TELEGRAM_API_URL: bot.url, RATE_LIMIT_AUTH_PER_MIN: '1000' }) });
  after(async () => {
    await bot?.close();
  });

  /** A user with a profile near HERE who appears in the others' decks. */
  async function person(name: string): Promise<TestUser> {
    const user = await createUser(e2e.platform.db, e2e.platform.config, { telegramId: uniqueTelegramId(), firstName: name });
    await createProfile(e2e.platform.db, user.id, { display_name: name, gender: 'woman', looking_for: ['woman'], lat: 52.5, lon: 13.4, max_distance_km: 100 });
    return user;
  }

  /** Telegram opens the Mini App for `user` (a fresh device unless `ctx` is given). */
  async function launch(user: TestUser, name: string, opts: { version?: string; theme?: Record<string, string> } = {}): Promise<{ page: Page; ctx: BrowserContext; cloud: Map<string, string> }> {
    const ctx = await e2e.phone(HERE);
    const { cloud } = await e2e.telegramStub(ctx);
    const page = await e2e.page(ctx);
    const params = new URLSearchParams({ tgWebAppData: e2e.initData({ id: user.telegramId, first_name: name }), tgWebAppVersion: opts.version ?? '8.0', tgWebAppPlatform: 'android' });
    if (opts.theme) params.set('tgWebAppThemeParams', JSON.stringify(opts.theme));
    await page.goto(`${e2e.http.url}/#${params}`);
    return { page, ctx, cloud };
  }

  const calls = (page: Page) => page.evaluate(() => (window as unknown as Tg).__tgCalls.slice());
  const mainButton = (page: Page) => page.evaluate(() => (window as unknown as Tg).__tgMainButton());
  /** Waits until the MainButton shows `text` (null: hidden); it never has more than one handler. */
  async function mainButtonIs(page: Page, text: string | null) {
    await page.waitForFunction((t) => {
      const m = (window as unknown as Tg).__tgMainButton();
      return t === null ? !m.visible : m.visible && m.text === t;
    }, text);
    expect((await mainButton(page)).handlers, `MainButton handlers with ${text ?? 'none'}`).to.equal(text === null ? 0 : 1);
  }
  const go = (page: Page, route: string) => page.evaluate((r) => (location.hash = `#/${r}`), route);
  const heading = (page: Page, name: string) => page.getByRole('heading', { name, level: 1 }).waitFor();
  /** The card on top of the deck: its user's id. */
  const topCard = (page: Page) => page.locator('article.candidate').getAttribute('data-user-id');

  it("MainButton does each screen's primary action: Like, Save changes, Send (only with text), Buy Premium; none on Settings", async () => {
    const me = await person('Mia');
    await person('Nora');
    const { conversationId } = await createMatch(e2e.platform.db, me.id, (await person('Olive')).id);
    const { page, ctx } = await launch(me, 'Mia');

    // Discover: Like, and pressing it likes the card on top.
    await heading(page, 'Discover');
    await page.locator('article.candidate').waitFor();
    await mainButtonIs(page, 'Like');
    const first = await topCard(page);
    await page.evaluate(() => (window as unknown as Tg).__tgPressMain());
    const liked = await waitFor('the like of the first card', () => e2e.platform.db('swipes').where({ swiper_id: me.id, target_id: first! }).first('action'));
    expect(liked.action).to.equal('like');

    // Profile: Save changes submits the form.
    await go(page, 'profile');
    await heading(page, 'My profile');
    await mainButtonIs(page, 'Save changes');
    await page.getByLabel('About me').fill('Saved with the MainButton');
    await page.evaluate(() => (window as unknown as Tg).__tgPressMain());
    await page.locator('#view').getByText('Saved.', { exact: true }).waitFor();
    expect((await e2e.platform.db('profiles').where({ user_id: me.id }).first('bio')).bio).to.equal('Saved with the MainButton');

    // Settings: no primary action.
    await go(page, 'settings');
    await heading(page, 'Settings');
    await mainButtonIs(page, null);

    // Chat: Send appears with text, sends it, and goes away.
    await go(page, `chat/${conversationId}`);
    await heading(page, 'Olive');
    await mainButtonIs(page, null);
    await page.getByLabel('Message', { exact: true }).fill('Sent by the MainButton');
    await mainButtonIs(page, 'Send');
    await page.evaluate(() => (window as unknown as Tg).__tgPressMain());
    await page.locator('.msg.mine').getByText('Sent by the MainButton').waitFor();
    await mainButtonIs(page, null);
    await waitFor('the message stored', () => e2e.platform.db('messages').where({ conversation_id: conversationId, body: 'Sent by the MainButton' }).first());
    // Editing it: the MainButton saves the edit.
    await page.locator('.msg.mine', { hasText: 'Sent by the MainButton' }).getByRole('button', { name: 'Message actions' }).click();
    await page.getByRole('dialog', { name: 'Message actions' }).getByRole('button', { name: 'Edit', exact: true }).click();
    await mainButtonIs(page, 'Save');
    await page.getByLabel('Message', { exact: true }).fill('Edited with the MainButton');
    await page.evaluate(() => (window as unknown as Tg).__tgPressMain());
    await waitFor('the edit stored', () => e2e.platform.db('messages').where({ conversation_id: conversationId, body: 'Edited with the MainButton' }).first());
    await mainButtonIs(page, null);

    // Premium: Buy Premium opens Telegram's payment sheet for a Premium invoice.
    await go(page, 'premium');
    await heading(page, 'Premium');
    await mainButtonIs(page, 'Buy Premium');
    await page.evaluate(() => (window as unknown as Tg).__tgPressMain());
    await page.waitForFunction(() => (window as unknown as Tg).__tgCalls.some((c) => c.startsWith('openInvoice:')));
    const made = bot.calls.find((c) => c.path.endsWith('/createInvoiceLink'));
    expect(JSON.stringify(made?.body)).to.match(/premium/i);
    await ctx.close();
  });

  it("while the MainButton's action is in flight it shows progress and takes no second tap; the progress goes after a success and after a failure", async () => {
    const me = await person('Uma');
    await person('Vera');
    await person('Wren');
    const { page, ctx } = await launch(me, 'Uma');
    await heading(page, 'Discover');
    await page.locator('article.candidate').waitFor();
    await mainButtonIs(page, 'Like');
    // Each like waits until the test lets it through (or fails it).
    const likes: Route[] = [];
    await ctx.route('**/discovery/like', (route) => void likes.push(route));
    const press = () => page.evaluate(() => (window as unknown as Tg).__tgPressMain());
    const progressIs = (on: boolean) =>
      page.waitForFunction((p) => {
        const m = (window as unknown as Tg).__tgMainButton();
        return m.progress === p && m.active === !p;
      }, on);
    const progressCalls = async () => (await calls(page)).filter((c) => /^MainButton\.(showProgress|hideProgress|enable|disable)$/.test(c));

    // A slow like: progress and a disabled button while it is on its way; a second tap does nothing.
    const first = (await topCard(page))!;
    await press();
    await waitFor('the like on its way', () => likes.length === 1);
    await progressIs(true);
    await press();
    await likes[0].continue();
    await page.locator(`article.candidate[data-user-id="${first}"]`).waitFor({ state: 'detached' });
    await progressIs(false);
    expect(likes, 'like requests').to.have.length(1);
    expect((await calls(page)).filter((c) => c === 'impact:medium'), 'likes made').to.have.length(1);
    expect(await e2e.platform.db('swipes').where({ swiper_id: me.id }).select('target_id')).to.deep.equal([{ target_id: first }]);
    expect(await progressCalls()).to.deep.equal(['MainButton.showProgress', 'MainButton.disable', 'MainButton.hideProgress', 'MainButton.enable']);

    // A like that fails: the progress goes too, and the button works again.
    await page.locator('article.candidate').waitFor();
    const second = (await topCard(page))!;
    await press();
    await waitFor('the second like on its way', () => likes.length === 2);
    await progressIs(true);
    await likes[1].abort('connectionfailed');
    await page.locator('.deck-message').getByText('No connection').waitFor();
    await progressIs(false);
    expect(await topCard(page)).to.equal(second);
    await ctx.unroute('**/discovery/like');
    await press();
    await waitFor('the second card liked', () => e2e.platform.db('swipes').where({ swiper_id: me.id, target_id: second }).first());
    await ctx.close();
  });

  it('BackButton shows in a chat and returns to the matches list, with one handler however often it is used', async () => {
    const me = await person('Bea');
    const { conversationId } = await createMatch(e2e.platform.db, me.id, (await person('Cleo')).id);
    const { page, ctx } = await launch(me, 'Bea');
    await heading(page, 'Discover');
    expect(await page.evaluate(() => (window as unknown as Tg).__tgBackHandlers())).to.equal(0);
    for (let round = 0; round < 2; round++) {
      await go(page, 'matches');
      await heading(page, 'Matches');
      await page.locator(`a[data-conversation-id="${conversationId}"]`).click();
      await heading(page, 'Cleo');
      expect((await calls(page)).at(-1)).to.equal('BackButton.show');
      expect(await page.locator('#back').isHidden(), "the page's own back button").to.equal(true);
      expect(await page.evaluate(() => (window as unknown as Tg).__tgBackHandlers())).to.equal(1);
      await page.evaluate(() => (window as unknown as Tg).__tgPressBack());
      await heading(page, 'Matches');
      expect((await calls(page)).at(-1)).to.equal('BackButton.hide');
      expect(await page.evaluate(() => (window as unknown as Tg).__tgBackHandlers())).to.equal(0);
    }
    await ctx.close();
  });

  it('a pass and a like are felt (impactOccurred), and so is a match (notificationOccurred success)', async () => {
    const me = await person('Dana');
    const eve = await person('Eve');
    // Eve likes Dana first: Dana's like makes the match.
    expect((await request(e2e.http.url, 'POST', '/discovery/like', { token: eve.token, body: { target_id: me.id } })).status).to.equal(200);
    const { page, ctx } = await launch(me, 'Dana');
    await heading(page, 'Discover');
    let passed = 0;
    for (let i = 0; i < 30; i++) {
      await page.locator('article.candidate').waitFor();
      const id = await topCard(page);
      const name = await page.locator('#cand-name').textContent();
      if (id === eve.id) {
        await page.getByRole('button', { name: `Like ${name}`, exact: true }).click();
        break;
      }
      await page.getByRole('button', { name: `Pass ${name}`, exact: true }).click();
      await page.locator(`article.candidate[data-user-id="${id}"]`).waitFor({ state: 'detached' });
      passed++;
    }
    await page.getByRole('dialog', { name: "It's a match!" }).waitFor();
    await page.waitForFunction(() => (window as unknown as Tg).__tgCalls.includes('haptic:success'));
    const seen = await calls(page);
    expect(seen.filter((c) => c === 'impact:medium')).to.have.length(1);
    expect(seen.filter((c) => c === 'impact:light')).to.have.length(passed);
    expect(seen.indexOf('impact:medium')).to.be.below(seen.indexOf('haptic:success'));
    // While the dialog is up the MainButton opens the chat (not the deck's Like underneath).
    await mainButtonIs(page, 'Send a message');
    await page.evaluate(() => (window as unknown as Tg).__tgPressMain());
    await heading(page, 'Eve');
    await mainButtonIs(page, null);
    await ctx.close();
  });

  it("a theme change from Telegram restyles the app at once (the CSS variables follow themeParams)", async () => {
    const me = await person('Fay');
    const { page, ctx } = await launch(me, 'Fay', { theme: { bg_color: '#212121', text_color: '#ffffff', button_color: '#8774e1' } });
    await heading(page, 'Discover');
    const style = () =>
      page.evaluate(() => ({
        body: getComputedStyle(document.body).backgroundColor,
        bg: document.documentElement.style.getPropertyValue('--tg-theme-bg-color'),
        button: document.documentElement.style.getPropertyValue('--tg-theme-button-color'),
        scheme: document.documentElement.style.colorScheme,
      }));
    expect(await style()).to.deep.include({ body: 'rgb(33, 33, 33)', bg: '#212121', button: '#8774e1' });
    await page.evaluate(() => (window as unknown as Tg).__tgSetTheme({ bg_color: '#fafafa', text_color: '#101010' }, 'light'));
    // The new colours now; a colour the new theme lacks goes back to the stylesheet's default.
    expect(await style()).to.deep.equal({ body: 'rgb(250, 250, 250)', bg: '#fafafa', button: '', scheme: 'light' });
    await ctx.close();
  });

  it("Telegram's vertical swipes are off while the deck is shown and back on elsewhere", async () => {
    const me = await person('Gia');
    const { page, ctx } = await launch(me, 'Gia');
    const enabled = () => page.evaluate(() => (window as unknown as Tg).Telegram.WebApp.isVerticalSwipesEnabled);
    await heading(page, 'Discover');
    expect(await enabled()).to.equal(false);
    await go(page, 'matches');
    await heading(page, 'Matches');
    expect(await enabled()).to.equal(true);
    await go(page, 'discover');
    await heading(page, 'Discover');
    expect(await enabled()).to.equal(false);
    await go(page, 'settings');
    await heading(page, 'Settings');
    expect(await enabled()).to.equal(true);
    const swipeCalls = (await calls(page)).filter((c) => c.endsWith('VerticalSwipes'));
    expect(swipeCalls).to.deep.equal(['disableVerticalSwipes', 'enableVerticalSwipes', 'disableVerticalSwipes', 'enableVerticalSwipes']);
    await ctx.close();
  });

  it('a draft typed in a chat is kept in CloudStorage, comes back after a reload, and is gone once sent', async () => {
    const me = await person('Hana');
    const { conversationId } = await createMatch(e2e.platform.db, me.id, (await person('Ines')).id);
    const key = `draft_${me.id}_${conversationId}`;
    const { page, ctx, cloud } = await launch(me, 'Hana');
    await heading(page, 'Discover');
    await go(page, `chat/${conversationId}`);
    await heading(page, 'Ines');
    await page.getByLabel('Message', { exact: true }).fill('Half a thought');
    await waitFor('the draft in CloudStorage', () => cloud.get(key) === 'Half a thought');
    expect(key).to.match(/^[A-Za-z0-9_-]{1,128}$/);

    await page.reload();
    await heading(page, 'Ines');
    await page.waitForFunction(() => (document.getElementById('composer') as HTMLTextAreaElement | null)?.value === 'Half a thought');
    await mainButtonIs(page, 'Send');
    expect(await calls(page)).to.include(`CloudStorage.getItem:${key}`);

    await page.getByLabel('Message', { exact: true }).press('Enter');
    await page.locator('.msg.mine').getByText('Half a thought').waitFor();
    await waitFor('the draft removed', () => !cloud.has(key));
    expect(await page.getByLabel('Message', { exact: true }).inputValue()).to.equal('');
    await ctx.close();
  });

  it('a draft keeps the message it replies to: back with the text after leaving the chat or a reload, only while that message is there, and gone once sent or cancelled', async () => {
    const me = await person('Pia');
    const quinn = await person('Quinn');
    const { conversationId } = await createMatch(e2e.platform.db, me.id, quinn.id);
    const say = async (body: string) => {
      const res = await request<{ message: { seq: number } }>(e2e.http.url, 'POST', '/chat/messages', { token: quinn.token, body: { conversation_id: conversationId, body, client_msg_id: clientMsgId('draft') } });
      expect(res.status).to.equal(201);
      return res.body.message.seq;
    };
    const asked = await say(`Coffee on Sunday? ${clientMsgId('q')}`);
    const other = await say('A line Quinn takes back');
    const key = `draft_${me.id}_${conversationId}`;
    /** The stored draft when it carries a reply (then it is JSON); null for none or plain text. */
    const kept = () => {
      const value = cloud.get(key);
      return value?.startsWith('{') ? (JSON.parse(value) as { text: string; reply?: { seq: number } }) : null;
    };
    const { page, ctx, cloud } = await launch(me, 'Pia');
    await heading(page, 'Discover');
    const composer = page.getByLabel('Message', { exact: true });
    const bar = page.locator('.compose-context');
    const composerIs = (text: string) => page.waitForFunction((t) => (document.getElementById('composer') as HTMLTextAreaElement | null)?.value === t, text);
    const replyTo = async (body: string) => {
      await page.locator('.msg.theirs', { hasText: body }).getByRole('button', { name: 'Message actions' }).click();
      await page.getByRole('dialog', { name: 'Message actions' }).getByRole('button', { name: 'Reply', exact: true }).click();
      await bar.getByText('Replying to Quinn').waitFor();
    };

    await go(page, `chat/${conversationId}`);
    await heading(page, 'Quinn');
    await replyTo('Coffee on Sunday?');
    await composer.fill('Sunday works');
    await waitFor('the draft with its reply in CloudStorage', () => kept()?.reply?.seq === asked && kept()?.text === 'Sunday works');

    // Leaving the chat and coming back, and a reload: the text and the reply bar.
    for (const away of ['leave', 'reload']) {
      if (away === 'leave') {
        await go(page, 'matches');
        await heading(page, 'Matches');
        await go(page, `chat/${conversationId}`);
      } else await page.reload();
      await heading(page, 'Quinn');
      await composerIs('Sunday works');
      await bar.getByText('Replying to Quinn').waitFor();
      await bar.getByText('Coffee on Sunday?').waitFor();
    }

    // Sent: it answers that message, and the draft (with its reply) is gone.
    await composer.press('Enter');
    const sent = await waitFor('the reply stored', () => e2e.platform.db('messages').where({ conversation_id: conversationId, body: 'Sunday works' }).first('reply_to_seq'));
    expect(sent.reply_to_seq).to.equal(asked);
    await waitFor('the draft removed', () => !cloud.has(key));
    await bar.waitFor({ state: 'hidden' });

    // Cancelling the reply keeps the text alone, as plain text.
    await replyTo('A line Quinn takes back');
    await composer.fill('About that line');
    await waitFor('the draft with its reply', () => kept()?.reply?.seq === other);
    await page.getByRole('button', { name: 'Cancel reply' }).click();
    await waitFor('the draft without its reply', () => cloud.get(key) === 'About that line');

    // A reply to a message deleted meanwhile (here for Pia, on another device) is dropped quietly; the text stays.
    await replyTo('A line Quinn takes back');
    await waitFor('the draft with its reply', () => kept()?.reply?.seq === other);
    await go(page, 'matches');
    await heading(page, 'Matches');
    expect((await request(e2e.http.url, 'DELETE', `/chat/messages/${conversationId}/${other}?scope=me`, { token: me.token })).status).to.equal(200);
    await go(page, `chat/${conversationId}`);
    await heading(page, 'Quinn');
    await composerIs('About that line');
    await waitFor('the draft without the reply to the deleted message', () => cloud.get(key) === 'About that line');
    expect(await bar.isHidden()).to.equal(true);

    // A draft stored before replies were kept (plain text) still comes back.
    await go(page, 'matches');
    await heading(page, 'Matches');
    cloud.set(key, 'An older draft');
    await go(page, `chat/${conversationId}`);
    await heading(page, 'Quinn');
    await composerIs('An older draft');
    expect(await bar.isHidden()).to.equal(true);
    await ctx.close();
  });

  it('in a Telegram too old for CloudStorage and the BackButton (6.0) the draft goes to localStorage and the page has its own back button, without errors', async () => {
    const me = await person('Jo');
    const { conversationId } = await createMatch(e2e.platform.db, me.id, (await person('Kim')).id);
    const { page, ctx, cloud } = await launch(me, 'Jo', { version: '6.0' });
    await heading(page, 'Discover');
    await go(page, `chat/${conversationId}`);
    await heading(page, 'Kim');
    expect(await page.locator('#back').isVisible()).to.equal(true);
    await page.getByLabel('Message', { exact: true }).fill('Kept on this device');
    const stored = `tgd.store.draft_${me.id}_${conversationId}`;
    await page.waitForFunction((k) => localStorage.getItem(k) === 'Kept on this device', stored);
    await page.reload();
    await heading(page, 'Kim');
    await page.waitForFunction(() => (document.getElementById('composer') as HTMLTextAreaElement | null)?.value === 'Kept on this device');
    expect(cloud.size).to.equal(0);
    expect((await calls(page)).filter((c) => c.startsWith('CloudStorage'))).to.deep.equal([]);
    await page.locator('#back').click();
    await heading(page, 'Matches');
    await ctx.close();
  });

  it('Rewind brings the last passed card back; without a rewind it offers Premium, and with nothing to undo it says so', async () => {
    const me = await person('Nia');
    await person('Orla');
    const { page, ctx } = await launch(me, 'Nia');
    await heading(page, 'Discover');
    await page.locator('article.candidate').waitFor();
    const passed = (await topCard(page))!;
    const name = (await page.locator('#cand-name').textContent())!;
    await page.getByRole('button', { name: `Pass ${name}`, exact: true }).click();
    await page.locator(`article.candidate[data-user-id="${passed}"]`).waitFor({ state: 'detached' });

    // No premium, no bought rewind: 402, and the way to Premium (whose BackButton returns to the deck).
    await page.getByRole('button', { name: 'Rewind', exact: true }).click();
    await page.locator('.deck-message').getByText('Rewinds come with Premium.').waitFor();
    await page.locator('.deck-message').getByRole('link', { name: 'Get Premium' }).click();
    await heading(page, 'Premium');
    await mainButtonIs(page, 'Buy Premium');
    // The deck's page of candidates is held back until the rewind has answered: the card it brought back stays on top.
    const pages: Route[] = [];
    await ctx.route('**/discovery/candidates*', (route) => void pages.push(route));
    await page.evaluate(() => (window as unknown as Tg).__tgPressBack());
    await heading(page, 'Discover');

    // With rewinds bought: the passed card is on top again (even when the deck had run out).
    await e2e.platform.db('entitlements').insert({ user_id: me.id, rewinds: 2 });
    await page.getByRole('button', { name: 'Rewind', exact: true }).click();
    await page.waitForFunction((id) => document.querySelector('article.candidate')?.getAttribute('data-user-id') === id, passed);
    await waitFor('the page of candidates the deck asked for', () => pages.length > 0);
    // Each render makes a new card element: a mark on this one goes when the page has been rendered.
    await page.locator('article.candidate').evaluate((el) => el.setAttribute('data-before-page', ''));
    await ctx.unroute('**/discovery/candidates*');
    // As the page was made before the rewind: without the passed card.
    for (const route of pages) {
      const res = await route.fetch();
      const body = (await res.json()) as { candidates: { user_id: string }[] };
      await route.fulfill({ response: res, json: { ...body, candidates: body.candidates.filter((c) => c.user_id !== passed) } });
    }
    await page.locator('article.candidate[data-before-page]').waitFor({ state: 'detached' });
    expect(await page.locator('article.candidate').getAttribute('data-user-id')).to.equal(passed);
    await mainButtonIs(page, 'Like');
    expect(await e2e.platform.db('swipes').where({ swiper_id: me.id, target_id: passed }).first()).to.equal(undefined);

    // A like is never undone: nothing to rewind.
    await page.getByRole('button', { name: `Like ${name}`, exact: true }).click();
    await page.locator(`article.candidate[data-user-id="${passed}"]`).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Rewind', exact: true }).click();
    await page.locator('.deck-message').getByText('Nothing to rewind.').waitFor();
    await ctx.close();
  });

  it('outside Telegram (no SDK) the Telegram features stay out of the way: drafts in localStorage, no errors', async () => {
    const me = await person('Lea');
    const { conversationId } = await createMatch(e2e.platform.db, me.id, (await person('Maren')).id);
    const ctx = await e2e.desktop();
    await e2e.withSession(ctx, me, 'Lea');
    const page = await e2e.page(ctx);
    await page.goto(`${e2e.http.url}/#/discover`);
    await heading(page, 'Discover');
    await page.locator('article.candidate').waitFor();
    await page.getByRole('button', { name: /^Pass / }).click();
    await go(page, `chat/${conversationId}`);
    await heading(page, 'Maren');
    await page.getByLabel('Message', { exact: true }).fill('Typed in a browser');
    await page.waitForFunction((k) => localStorage.getItem(k) === 'Typed in a browser', `tgd.store.draft_${me.id}_${conversationId}`);
    await page.reload();
    await heading(page, 'Maren');
    await page.waitForFunction(() => (document.getElementById('composer') as HTMLTextAreaElement | null)?.value === 'Typed in a browser');
    expect(await page.evaluate(() => 'Telegram' in window)).to.equal(false);
    await ctx.close();
  });
});
