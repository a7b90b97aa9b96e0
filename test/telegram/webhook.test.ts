import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Platform } from '../../shared/platform.js';
import { createHttpApp } from '../../shared/http/app.js';
import { createTelegramRouter } from '../../api/telegram/index.js';
import { startBotWorker, type BotWorker } from '../../workers/bot/index.js';
import { ALLOWED_UPDATES, setWebhook } from '../../workers/bot/set-webhook.js';
import { pruneUpdates } from '../../api/telegram/repo.js';
import { testPlatform, uniqueTelegramId } from '../helpers/env.js';
import { request, startHttp, type Running } from '../helpers/http.js';
import { createUser } from '../helpers/users.js';
import { waitFor } from '../helpers/wait.js';
import { FakeBotApi } from '../notifications/fake-bot-api.js';

const SECRET = 'webhook-test-secret-0123456789';
const WEBAPP = 'https://app.example.com/webapp';

describe('the Telegram bot webhook', function () {
  this.timeout(30_000);
  let bot: FakeBotApi;
  let platform: Platform;
  let http: Running;
  let worker: BotWorker;
  let nextUpdate = Math.floor(Math.random() * 1e9);

  before(async () => {
    bot = await new FakeBotApi().start();
    platform = testPlatform(
      { TELEGRAM_API_URL: bot.url, WEBAPP_URL: WEBAPP, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_WEBHOOK_URL: 'https://example.com/telegram/webhook', REFERRALS_PER_DAY: '2' },
      'telegram',
    );
    const app = createHttpApp({ service: 'test', logger: platform.logger, readiness: {}, routers: [createTelegramRouter(platform)] });
    http = await startHttp(app.callback());
    worker = startBotWorker(platform, { group: `bot-${randomUUID().slice(0, 8)}`, bot: { backoffMs: 50, maxBackoffMs: 500, timeoutMs: 2000, attempts: 2 } });
    await worker.ready;
  });
  after(async () => {
    await worker?.stop();
    await http?.close();
    await bot?.close();
    await platform?.close();
  });

  const db = () => platform.db;
  /** Posts as Telegram would; `secret` null: no header at all. */
  const post = (update: unknown, secret: string | null = SECRET) =>
    request(http.url, 'POST', '/telegram/webhook', { body: update, headers: secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret } });

  function startUpdate(telegramId: number, text: string, updateId = ++nextUpdate, languageCode = 'en') {
    return {
      update_id: updateId,
      message: {
        message_id: 1,
        date: Math.floor(Date.now() / 1000),
        text,
        chat: { id: telegramId, type: 'private' },
        from: { id: telegramId, is_bot: false, first_name: 'Tess', language_code: languageCode },
      },
    };
  }

  /** Sends /start and waits for the bot's answer to that chat (the `n`th). */
  async function start(telegramId: number, text: string, n = 1, languageCode = 'en') {
    const res = await post(startUpdate(telegramId, text, undefined, languageCode));
    expect(res.status).to.equal(200);
    await waitFor(`reply ${n} to ${telegramId}`, () => bot.callsFor(telegramId).length >= n);
    return bot.callsFor(telegramId)[n - 1];
  }

  const balance = async (userId: string) => Number((await db()('superlike_credits').where('user_id', userId).first('balance'))?.balance ?? 0);
  const userOf = (telegramId: number) => db()('users').where('telegram_id', telegramId).first();
  const codeOf = (userId: string) => `r_${userId.replaceAll('-', '')}`;

  describe('authentication', () => {
    it('refuses an update without the secret header, or with a wrong one, and records nothing', async () => {
      const update = startUpdate(uniqueTelegramId(), '/start');
      for (const secret of [null, '', 'wrong', `${SECRET}x`, SECRET.slice(0, -1)]) {
        const res = await post(update, secret);
        expect(res.status, String(secret)).to.equal(401);
        expect(res.body.error.code).to.equal('unauthorized');
      }
      expect(await db()('telegram_updates').where('update_id', update.update_id).first()).to.equal(undefined);
    });

    it('answers 404 when no secret is configured (the webhook is off)', async () => {
      const off = testPlatform({ TELEGRAM_WEBHOOK_SECRET: undefined }, 'telegram-off');
      const app = createHttpApp({ service: 'test', logger: off.logger, readiness: {}, routers: [createTelegramRouter(off)] });
      const running = await startHttp(app.callback());
      try {
        const res = await request(running.url, 'POST', '/telegram/webhook', { body: { update_id: 1 }, headers: { 'x-telegram-bot-api-secret-token': '' } });
        expect(res.status).to.equal(404);
      } finally {
        await running.close();
        await off.close();
      }
    });
  });

  describe('/start', () => {
    it('is answered with a button that opens the Mini App, in the user language', async () => {
      const id = uniqueTelegramId();
      const call = await start(id, '/start');
      expect(call.path).to.match(/\/sendMessage$/);
      expect(call.text).to.match(/Welcome/);
      expect(call.reply_markup!.inline_keyboard[0][0]).to.deep.equal({ text: 'Open the app', web_app: { url: WEBAPP } });
      const ru = await start(uniqueTelegramId(), '/start', 1, 'ru');
      expect(ru.text).to.match(/Добро пожаловать/);
      expect(ru.reply_markup!.inline_keyboard[0][0].text).to.equal('Открыть приложение');
      const user = await userOf(id);
      expect(user.allows_write_to_pm).to.equal(true);
    });

    it('opens the screen a c_/m_ start parameter names', async () => {
      const conversation = randomUUID();
      const call = await start(uniqueTelegramId(), `/start c_${conversation}`);
      const url = new URL((call.reply_markup!.inline_keyboard[0][0] as { web_app: { url: string } }).web_app.url);
      expect(url.searchParams.get('startapp')).to.equal(`c_${conversation}`);
    });

    it('takes a duplicate update once: one row, one reply', async () => {
      const id = uniqueTelegramId();
      const update = startUpdate(id, '/start');
      const answers = await Promise.all([post(update), post(update), post(update)]);
      expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200]);
      expect((await post(update)).status).to.equal(200); // and again later
      // A later, different update from the same chat is answered after the duplicates would have been.
      await start(id, '/start', 2);
      expect(bot.callsFor(id)).to.have.length(2);
      expect(await db()('telegram_updates').where('update_id', update.update_id)).to.have.length(1);
    });

    it('forgets update ids after the keep time (the table stays small), and only those', async () => {
      const old = ++nextUpdate;
      const recent = ++nextUpdate;
      await db()('telegram_updates').insert([
        { update_id: old, received_at: new Date(Date.now() - 8 * 86_400_000) },
        { update_id: recent, received_at: new Date(Date.now() - 86_400_000) },
      ]);
      expect(await pruneUpdates(db(), 7 * 86_400)).to.be.at.least(1);
      expect((await db()('telegram_updates').whereIn('update_id', [old, recent])).map((r) => Number(r.update_id))).to.deep.equal([recent]);
    });

    it('marks a user who blocked the bot unreachable (a 403 from the Bot API)', async () => {
      const id = uniqueTelegramId();
      bot.plan(id, [403]);
      await post(startUpdate(id, '/start'));
      await waitFor('unreachable', async () => (await userOf(id))?.bot_unreachable_at);
      // Writing to the bot again makes them reachable.
      await start(id, '/start', 2);
      expect((await userOf(id)).bot_unreachable_at).to.equal(null);
    });

    it('follows my_chat_member: kicked is unreachable, member again is reachable', async () => {
      const id = uniqueTelegramId();
      await start(id, '/start');
      const member = (status: string) => ({
        update_id: ++nextUpdate,
        my_chat_member: { chat: { id, type: 'private' }, from: { id, is_bot: false, first_name: 'T' }, date: 1, old_chat_member: {}, new_chat_member: { status } },
      });
      await post(member('kicked'));
      await waitFor('unreachable', async () => (await userOf(id)).bot_unreachable_at);
      await post(member('member'));
      await waitFor('reachable', async () => (await userOf(id)).bot_unreachable_at === null);
    });
  });

  describe('referrals', () => {
    it('gives the inviter and a new user one superlike each', async () => {
      const inviter = await createUser(db(), platform.config);
      const id = uniqueTelegramId();
      const call = await start(id, `/start ${codeOf(inviter.id)}`);
      expect(call.text).to.match(/superlike/);
      const invitee = await userOf(id);
      expect(await balance(inviter.id)).to.equal(1);
      expect(await balance(invitee.id)).to.equal(1);
    });

    it('counts once per new user: a replayed link and another inviter change nothing', async () => {
      const [inviter, other] = [await createUser(db(), platform.config), await createUser(db(), platform.config)];
      const id = uniqueTelegramId();
      await start(id, `/start ${codeOf(inviter.id)}`);
      await start(id, `/start ${codeOf(inviter.id)}`, 2);
      const third = await start(id, `/start ${codeOf(other.id)}`, 3);
      expect(third.text).not.to.match(/superlike/);
      const invitee = await userOf(id);
      expect(await balance(inviter.id)).to.equal(1);
      expect(await balance(other.id)).to.equal(0);
      expect(await balance(invitee.id)).to.equal(1);
    });

    it('never rewards a self-invite', async () => {
      const id = uniqueTelegramId();
      await start(id, '/start');
      const me = await userOf(id);
      const call = await start(id, `/start ${codeOf(me.id)}`, 2);
      expect(call.text).not.to.match(/superlike/);
      expect(await balance(me.id)).to.equal(0);
      expect(await db()('referrals').where('invitee_id', me.id)).to.have.length(0);
    });

    it('does not reward inviting someone who has used the app for a while', async () => {
      const inviter = await createUser(db(), platform.config);
      const old = await createUser(db(), platform.config);
      await db()('users').where('id', old.id).update({ created_at: new Date(Date.now() - 3 * 86_400_000) });
      await start(old.telegramId, `/start ${codeOf(inviter.id)}`);
      expect(await balance(inviter.id)).to.equal(0);
      expect(await balance(old.id)).to.equal(0);
    });

    it('caps the rewarded referrals of one inviter per day (REFERRALS_PER_DAY), even when they arrive at once', async () => {
      const inviter = await createUser(db(), platform.config);
      const ids = Array.from({ length: 5 }, () => uniqueTelegramId());
      await Promise.all(ids.map((id) => post(startUpdate(id, `/start ${codeOf(inviter.id)}`))));
      await waitFor('all answered', () => ids.every((id) => bot.callsFor(id).length === 1));
      expect(await balance(inviter.id)).to.equal(2);
      const invitees = await Promise.all(ids.map(async (id) => balance((await userOf(id)).id)));
      expect(invitees.reduce((a, b) => a + b, 0)).to.equal(2);
      expect(await db()('referrals').where('inviter_id', inviter.id)).to.have.length(5);
    });

    it('ignores a code of nobody, or of a banned user', async () => {
      const banned = await createUser(db(), platform.config);
      await db()('users').where('id', banned.id).update({ banned_at: new Date() });
      const id = uniqueTelegramId();
      await start(id, `/start ${codeOf(randomUUID())}`);
      await start(id, `/start ${codeOf(banned.id)}`, 2);
      expect(await balance((await userOf(id)).id)).to.equal(0);
      expect(await balance(banned.id)).to.equal(0);
    });
  });

  it('npm run bot:set-webhook registers the URL, the secret and allowed_updates', async () => {
    await setWebhook(platform.config.telegram);
    const call = bot.calls.find((c) => c.path.endsWith('/setWebhook'))!;
    expect(call.body).to.include({ url: 'https://example.com/telegram/webhook', secret_token: SECRET });
    expect(call.body.allowed_updates).to.deep.equal([...ALLOWED_UPDATES]);
  });
});
