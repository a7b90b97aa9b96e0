import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Platform } from '../../shared/platform.js';
import { startNotificationsWorker, type NotificationsWorker } from '../../workers/notifications/index.js';
import { testPlatform } from '../helpers/env.js';
import { createUser, type TestUser } from '../helpers/users.js';
import { closeSockets, openSocket } from '../helpers/sockets.js';
import { waitFor } from '../helpers/wait.js';
import { clientMsgId, startNode, type Node } from '../helpers/realtime.js';
import { createProfile } from '../helpers/profiles.js';
import { createMatch } from '../helpers/users.js';
import { FakeBotApi } from './fake-bot-api.js';

const GATHER_MS = 500;
const BACKOFF_MS = 100;
const TIMEOUT_MS = 400;

describe('offline notifications through the Telegram Bot API', () => {
  let bot: FakeBotApi;
  let platform: Platform;
  let node: Node;
  let worker: NotificationsWorker;
  /** Added to the worker's clock: moves it forward past quiet hours. */
  let clockOffset = 0;
  const workerOptions = {
    group: `notifications-${randomUUID().slice(0, 8)}`,
    gatherMs: GATHER_MS,
    intervalS: 300,
    now: () => Date.now() + clockOffset,
    bot: { backoffMs: BACKOFF_MS, maxBackoffMs: 2000, timeoutMs: TIMEOUT_MS, attempts: 3 },
    flush: { tickMs: 50 },
  };

  before(async () => {
    bot = await new FakeBotApi().start();
    platform = testPlatform({ TELEGRAM_API_URL: bot.url, WEBAPP_URL: 'https://app.example.com/webapp' }, 'notifications');
    // message.created leaves at the outbox relay's next poll (shared/events.ts): the tests time
    // the Bot API calls from the moment a message is sent, so the node's relay looks often.
    node = await startNode({ OUTBOX_POLL_MS: '50' });
    worker = startNotificationsWorker(platform, workerOptions);
    await worker.ready;
  });
  afterEach(() => {
    closeSockets();
    clockOffset = 0;
  });
  after(async () => {
    await worker.stop();
    await node.close();
    await bot.close();
    await platform.close();
  });

  const db = () => platform.db;
  const config = () => platform.config;

  async function person(name: string, settings: Record<string, unknown> = {}): Promise<TestUser> {
    const u = await createUser(db(), config(), { firstName: name });
    await createProfile(db(), u.id, { display_name: name });
    if (Object.keys(settings).length) await db()('profiles').where('user_id', u.id).update({ settings: JSON.stringify(settings) });
    return u;
  }

  async function pair(settingsOfB: Record<string, unknown> = {}) {
    const a = await person('Alice');
    const b = await person('Bob', settingsOfB);
    const { matchId, conversationId } = await createMatch(db(), a.id, b.id);
    return { a, b, matchId, conversationId };
  }

  async function send(from: TestUser, conversationId: string, body = 'hi') {
    const started = Date.now();
    const res = await node.api.post('/chat/messages', { conversation_id: conversationId, body, client_msg_id: clientMsgId() }, { token: from.token });
    expect(res.status).to.equal(201);
    return { ms: Date.now() - started, seq: res.body.message.seq as number };
  }

  /** Connects a device of the user and waits until the realtime tier counts them online. */
  async function goOnline(user: TestUser) {
    await openSocket(node.url, user.token);
    await waitFor('presence', async () => (await platform.presence.query([user.id])).get(user.id)?.online === true, 15_000);
  }

  /**
   * Runs `sends` with the worker's clock held back, so nothing comes due until
   * `expected` items are recorded for `userIds` (a loaded machine may be slower
   * than the gather window); then lets the clock go.
   */
  async function batched(sends: () => Promise<unknown>, userIds: string[], expected: number) {
    clockOffset = -60_000;
    await sends();
    await waitFor(`${expected} pending items`, async () => (await db()('notification_pending').whereIn('user_id', userIds)).length === expected, 15_000);
    clockOffset = 0;
  }

  const pendingOf = async (userId: string) => db()('notification_pending').where('user_id', userId);
  const stateOf = async (userId: string) => db()('notification_state').where('user_id', userId).first();
  // Generous: a message.created waits for the outbox relay's poll (up to OUTBOX_POLL_MS) before the gather window starts.
  const untilCalls = (chatId: number, n: number, ms = 15_000) => waitFor(`${n} bot calls for ${chatId}`, () => bot.callsFor(chatId).length >= n, ms);
  const untilSent = (userId: string) => waitFor('the send to be recorded', async () => (await stateOf(userId))?.last_sent_at, 15_000);

  /**
   * The positive signal before asserting that the worker sent nothing more: a
   * witness (an offline user messaged now) gets its bot message. By then the
   * worker has read the events published before, and the gather window of what
   * it recorded with them has passed.
   */
  async function witnessed() {
    const w = await pair();
    await send(w.a, w.conversationId, 'witness');
    await untilCalls(w.b.telegramId, 1);
  }

  it('sends an offline user ONE bot message for three messages within the interval, with a button that opens the Mini App', async () => {
    const { a, b, conversationId } = await pair();
    await batched(async () => {
      for (let i = 0; i < 3; i++) await send(a, conversationId, `secret body ${i}`);
    }, [b.id], 3);
    await untilCalls(b.telegramId, 1);
    await untilSent(b.id);
    await witnessed();
    const calls = bot.callsFor(b.telegramId);
    expect(calls).to.have.length(1);
    expect(calls[0].path).to.equal(`/bot${config().telegram.botToken}/sendMessage`);
    expect(calls[0].text).to.equal('💬 3 new messages from Alice');
    expect(calls[0].text).to.not.include('secret');
    // The button opens the conversation (startapp=c_<conversation_id>).
    expect(calls[0].reply_markup).to.deep.equal({ inline_keyboard: [[{ text: 'Open the app', web_app: { url: `https://app.example.com/webapp?startapp=c_${conversationId}` } }]] });
    expect(bot.callsFor(a.telegramId)).to.have.length(0);

    // A fourth message within the interval waits for its end.
    await send(a, conversationId, 'one more');
    await waitFor('the fourth message to be recorded', async () => (await pendingOf(b.id)).length === 1, 15_000);
    await witnessed();
    expect(bot.callsFor(b.telegramId)).to.have.length(1);
    const state = await stateOf(b.id);
    expect(state.due_at.getTime() - state.last_sent_at.getTime()).to.be.closeTo(300_000, 1000);
    expect(await pendingOf(b.id)).to.have.length(1);
  });

  it('sends nothing to a user who is online, and drops what was pending for one who came online before the send', async () => {
    const { a, b, conversationId } = await pair();
    await goOnline(b);
    for (let i = 0; i < 3; i++) await send(a, conversationId);
    await witnessed();
    expect(bot.callsFor(b.telegramId)).to.have.length(0);
    expect(await pendingOf(b.id)).to.have.length(0);

    // Recorded while offline, online by the time it is due.
    const c = await person('Carol');
    const d = await person('Dan');
    const m = await createMatch(db(), c.id, d.id);
    clockOffset = -60_000; // keeps the batch from coming due while Dan connects
    await send(c, m.conversationId);
    await waitFor('a pending item', async () => (await pendingOf(d.id)).length === 1, 15_000);
    await goOnline(d);
    clockOffset = 0;
    // Dropped by the flush that would have sent it, after it decided not to.
    await waitFor('the item to be dropped', async () => (await pendingOf(d.id)).length === 0, 15_000);
    expect(bot.callsFor(d.telegramId)).to.have.length(0);
    expect((await stateOf(d.id)).due_at).to.equal(null);
  });

  it('respects quiet hours in the user\'s time zone (the summary goes out when they end) and switched-off notifications', async () => {
    const zone = 'Asia/Tokyo';
    const tokyoNow = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date());
    const [h, m] = tokyoNow.split(':').map(Number);
    const hhmm = (mins: number) => `${String(Math.floor(((mins + 1440) % 1440) / 60)).padStart(2, '0')}:${String((mins + 1440) % 60).padStart(2, '0')}`;
    const quiet = { start: hhmm(h * 60 + m - 60), end: hhmm(h * 60 + m + 60) };
    const { a, b, conversationId } = await pair({ quiet_hours: quiet, timezone: zone });
    await batched(async () => {
      await send(a, conversationId);
      await send(a, conversationId);
    }, [b.id], 2);
    await waitFor('the send to be put off', async () => (await stateOf(b.id))?.due_at?.getTime() > Date.now() + 30 * 60_000, 15_000);
    expect(bot.callsFor(b.telegramId)).to.have.length(0);
    const due = (await stateOf(b.id)).due_at.getTime();
    expect(due).to.be.closeTo(Date.now() + 60 * 60_000, 2 * 60_000);

    clockOffset = due - Date.now() + 1000; // quiet hours are over
    await untilCalls(b.telegramId, 1);
    expect(bot.callsFor(b.telegramId)[0].text).to.equal('💬 2 new messages from Alice');

    // Switched off: all of them, or messages only.
    clockOffset = 0;
    const off = await pair({ notifications: false });
    const noMessages = await pair({ notifications: { messages: false, likes: true } });
    await send(off.a, off.conversationId);
    await send(noMessages.a, noMessages.conversationId);
    await platform.bus.publish('swipe.created', { swipe_id: Date.now(), swiper_id: off.a.id, target_id: off.b.id, action: 'like', created_at: new Date().toISOString() });
    await witnessed();
    expect(bot.callsFor(off.b.telegramId)).to.have.length(0);
    expect(bot.callsFor(noMessages.b.telegramId)).to.have.length(0);
  });

  it('retries a failing Bot API (HTTP 500, then a timeout) with growing backoff and delivers once it answers', async () => {
    const { a, b, conversationId } = await pair();
    bot.plan(b.telegramId, [500, 500, 'ok']);
    await send(a, conversationId);
    await untilCalls(b.telegramId, 3);
    const calls = bot.callsFor(b.telegramId);
    expect(calls.map((c) => c.answered)).to.deep.equal([500, 500, 'ok']);
    const [gap1, gap2] = [calls[1].at - calls[0].at, calls[2].at - calls[1].at];
    expect(gap1).to.be.at.least(BACKOFF_MS - 10);
    expect(gap2).to.be.at.least(2 * BACKOFF_MS - 10);
    expect(gap2).to.be.greaterThan(gap1);
    await waitFor('the send to be recorded', async () => (await stateOf(b.id))?.last_sent_at !== null, 15_000);
    expect(await pendingOf(b.id)).to.have.length(0);

    const c = await pair();
    bot.plan(c.b.telegramId, ['hang', 'ok']);
    await send(c.a, c.conversationId);
    await untilCalls(c.b.telegramId, 2);
    const [hung, ok] = bot.callsFor(c.b.telegramId);
    expect(ok.at - hung.at).to.be.at.least(TIMEOUT_MS + BACKOFF_MS - 20);
    await untilSent(c.b.id);
    await witnessed();
    expect(bot.callsFor(c.b.telegramId)).to.have.length(2);
  });

  it('never holds up chat: while the Bot API hangs, messages go through and other users are notified; the batch is retried later', async () => {
    // A worker of its own whose Bot API calls hang long enough that no loaded machine blurs the point.
    await worker.stop();
    const hangMs = 1500;
    const slow = startNotificationsWorker(platform, { ...workerOptions, group: `notifications-${randomUUID().slice(0, 8)}`, bot: { ...workerOptions.bot, timeoutMs: hangMs, attempts: 2 } });
    await slow.ready;
    try {
      const { a, b, conversationId } = await pair();
      bot.plan(b.telegramId, ['hang', 'hang']);
      await send(a, conversationId);
      await untilCalls(b.telegramId, 1);
      const hangingSince = bot.callsFor(b.telegramId)[0].at;
      // The worker waits on a call that only times out; chat goes on regardless.
      const sends = await Promise.all(Array.from({ length: 10 }, (_, i) => send(a, conversationId, `m${i}`)));
      expect(Date.now() - hangingSince).to.be.below(hangMs);
      expect(bot.callsFor(b.telegramId)).to.have.length(1);
      expect(sends.map((x) => x.seq).sort((x, y) => x - y)).to.deep.equal([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      // and other users' notifications go out meanwhile.
      const other = await pair();
      await send(other.a, other.conversationId);
      await untilCalls(other.b.telegramId, 1);
      expect(Date.now() - hangingSince).to.be.below(hangMs);

      // Every try of this round times out: the batch stays pending and is due again later.
      // (Expected about 2 × hangMs after the first call; the bound is generous for a loaded machine, and says what it saw.)
      await waitFor('a failed round', async () => (await stateOf(b.id))?.failures === 1, 15_000).catch(async (err) => {
        const calls = bot.callsFor(b.telegramId).map((c) => [c.answered, c.at - hangingSince]);
        throw new Error(`${err.message}; state ${JSON.stringify(await stateOf(b.id))}, calls ${JSON.stringify(calls)}`);
      });
      const state = await stateOf(b.id);
      expect(bot.callsFor(b.telegramId).map((c) => c.answered)).to.deep.equal(['hang', 'hang']);
      expect(state.due_at.getTime()).to.be.greaterThan(Date.now() + 10_000);
      expect((await pendingOf(b.id)).length).to.equal(11);
    } finally {
      await slow.stop();
      worker = startNotificationsWorker(platform, workerOptions);
      await worker.ready;
    }
  });

  it('shares the work between instances of the group: each offline user still gets exactly one message', async () => {
    const second = startNotificationsWorker(platform, workerOptions);
    await second.ready;
    try {
      const pairs = await Promise.all(Array.from({ length: 6 }, () => pair()));
      await batched(
        () =>
          Promise.all(
            pairs.map(async (p) => {
              for (let i = 0; i < 3; i++) await send(p.a, p.conversationId);
            }),
          ),
        pairs.map((p) => p.b.id),
        18,
      );
      for (const p of pairs) await untilCalls(p.b.telegramId, 1);
      for (const p of pairs) await untilSent(p.b.id);
      await witnessed();
      for (const p of pairs) {
        expect(bot.callsFor(p.b.telegramId).map((c) => c.text)).to.deep.equal(['💬 3 new messages from Alice']);
      }
    } finally {
      await second.stop();
    }
  });

  it('drops a batch the Bot API refuses for good (the user blocked the bot) without retrying', async () => {
    const { a, b, conversationId } = await pair();
    bot.plan(b.telegramId, [403]);
    await send(a, conversationId);
    await untilCalls(b.telegramId, 1);
    await waitFor('the batch to be dropped', async () => (await pendingOf(b.id)).length === 0, 15_000);
    await witnessed();
    expect(bot.callsFor(b.telegramId)).to.have.length(1);
    // The 403 marks them unreachable: what comes next is not sent until they write to the bot again.
    expect((await db()('users').where('id', b.id).first()).bot_unreachable_at).to.be.an.instanceOf(Date);
    await send(a, conversationId);
    await waitFor('the next message to be recorded', async () => (await pendingOf(b.id)).length === 1, 15_000);
    await waitFor('the next batch to be dropped unsent', async () => (await pendingOf(b.id)).length === 0, 10_000);
    await witnessed();
    expect(bot.callsFor(b.telegramId)).to.have.length(1);
  });

  it('still reads the one-message message.created events of earlier versions (an outbox or a stream may hold some during an upgrade)', async () => {
    const { a, b, conversationId } = await pair();
    await platform.bus.publish('message.created', {
      message_id: randomUUID(),
      conversation_id: conversationId,
      seq: 1,
      sender_id: a.id,
      recipient_ids: [b.id],
      created_at: new Date().toISOString(),
    });
    await untilCalls(b.telegramId, 1);
    expect(bot.callsFor(b.telegramId)[0].text).to.contain('new message from Alice');
  });

  it('writes in the recipient language (Russian), button included', async () => {
    const { a, b, conversationId } = await pair();
    await db()('users').where('id', b.id).update({ language_code: 'ru' });
    await send(a, conversationId);
    await untilCalls(b.telegramId, 1);
    const [call] = bot.callsFor(b.telegramId);
    expect(call.text).to.equal('💬 1 новое сообщение от: Alice');
    expect(call.reply_markup!.inline_keyboard[0][0].text).to.equal('Открыть приложение');
  });

  it('sends nothing to a user who did not allow the bot to write to them (allows_write_to_pm false)', async () => {
    const { a, b, conversationId } = await pair();
    await db()('users').where('id', b.id).update({ allows_write_to_pm: false });
    await send(a, conversationId);
    await waitFor('the message to be recorded', async () => (await pendingOf(b.id)).length === 1, 15_000);
    await waitFor('the batch to be dropped unsent', async () => (await pendingOf(b.id)).length === 0, 10_000);
    expect(bot.callsFor(b.telegramId)).to.have.length(0);
  });

  it('tells both users of a match and the target of a like; a like that became a match and a pass say nothing more', async () => {
    const a = await person('Anna');
    const b = await person('Ben');
    const c = await person('Cleo');
    const swipe = (swiper: TestUser, target: TestUser, action: 'like' | 'pass' | 'superlike') =>
      platform.bus.publish('swipe.created', { swipe_id: Math.floor(Math.random() * 1e12), swiper_id: swiper.id, target_id: target.id, action, created_at: new Date().toISOString() });
    const { matchId, conversationId } = await createMatch(db(), a.id, b.id);
    await batched(async () => {
      await swipe(a, b, 'like');
      await swipe(c, b, 'superlike');
      await swipe(c, a, 'pass');
      await platform.bus.publish('match.created', { match_id: matchId, conversation_id: conversationId, user_ids: [a.id, b.id], created_at: new Date().toISOString() });
    }, [a.id, b.id, c.id], 4);
    await untilCalls(a.telegramId, 1);
    await untilCalls(b.telegramId, 1);
    await untilSent(a.id);
    await untilSent(b.id);
    await witnessed();
    expect(bot.callsFor(a.telegramId).map((x) => x.text)).to.deep.equal(["🎉 It's a match with Ben!"]);
    // A match opens the match (startapp=m_<match_id>).
    expect(bot.callsFor(a.telegramId)[0].reply_markup).to.deep.equal({ inline_keyboard: [[{ text: 'Open the app', web_app: { url: `https://app.example.com/webapp?startapp=m_${matchId}` } }]] });
    expect(bot.callsFor(b.telegramId).map((x) => x.text)).to.deep.equal(["🎉 It's a match with Anna!\n⭐ Someone super-liked you"]);
    expect(bot.callsFor(c.telegramId)).to.have.length(0);
  });

  it('does not tell a user about messages they already read, and tells a warned user even while online', async () => {
    const { a, b, conversationId } = await pair();
    clockOffset = -60_000;
    const { seq } = await send(a, conversationId);
    await waitFor('a pending item', async () => (await pendingOf(b.id)).length === 1, 15_000);
    await db()('conversation_members').where({ conversation_id: conversationId, user_id: b.id }).update({ last_read_seq: seq });
    clockOffset = 0;
    await waitFor('the read message to be dropped', async () => (await pendingOf(b.id)).length === 0, 15_000);
    expect(bot.callsFor(b.telegramId)).to.have.length(0);

    const warned = await person('Wally');
    await goOnline(warned);
    await platform.bus.publish('user.warned', { user_id: warned.id, report_id: randomUUID(), note: 'no insults' });
    await untilCalls(warned.telegramId, 1);
    expect(bot.callsFor(warned.telegramId)[0].text).to.include('no insults');
  });
});
