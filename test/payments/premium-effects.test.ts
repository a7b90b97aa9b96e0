// What Stars purchases do in discovery: a boost or premium ranks the buyer
// higher in other people's candidates (never past their filters), and
// POST /discovery/rewind undoes the last pass for a bought rewind or free with
// premium. Purchases are credited and refunded the way the bot worker and the
// admin route do it (PaymentsService), the refund against the fake Bot API.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Platform } from '../../shared/platform.js';
import { createHttpApp } from '../../shared/http/app.js';
import { createDiscoveryRouter } from '../../api/discovery/index.js';
import { createPaymentsRouters, paymentsService } from '../../api/payments/index.js';
import { PRODUCTS, SUBSCRIPTION_PERIOD_S, type ProductId } from '../../api/payments/products.js';
import { insertInvoice } from '../../api/payments/repo.js';
import { LIKED_ME_BOOST, MAX_BOOST, PAID_BOOST } from '../../api/discovery/scoring.js';
import { testPlatform } from '../helpers/env.js';
import { client, errorCode, startHttp, type ApiResponse, type Running } from '../helpers/http.js';
import { createUser, type TestUser } from '../helpers/users.js';
import { FakeBotApi } from '../notifications/fake-bot-api.js';
import { fittingMan, makePeople, newSpot, type Person, type ProfileSpec } from '../discovery/fixtures.js';

const caller: ProfileSpec = { gender: 'woman', age: 30, looking_for: ['man'], age_min: 25, age_max: 35, max_distance_km: 50, at: [0, 0], interests: ['hiking', 'jazz'] };
const man = (extra: Partial<ProfileSpec> = {}): ProfileSpec => fittingMan({ at: [0, 5], interests: ['hiking', 'jazz'], ...extra });

interface Item {
  user_id: string;
  score: number;
  distance_km: number | null;
  liked_you?: boolean;
  score_breakdown?: { boost: number; score: number };
}

describe('premium effects: boosts in candidates, rewinds', function () {
  this.timeout(30_000);
  let bot: FakeBotApi;
  let platform: Platform;
  let http: Running;
  let api: ReturnType<typeof client>;
  let admin: TestUser;

  before(async () => {
    bot = await new FakeBotApi().start();
    // Development mode (no BOT_TOKEN): the score breakdown is shown, and the development token calls the fake Bot API.
    platform = testPlatform({ TELEGRAM_API_URL: bot.url });
    const app = createHttpApp({ service: 'test', logger: platform.logger, readiness: platform, routers: [createDiscoveryRouter(platform), ...createPaymentsRouters(platform)] });
    http = await startHttp(app.callback());
    api = client(http.url);
    admin = await createUser(platform.db, platform.config);
  });
  after(async () => {
    await http?.close();
    await bot?.close();
    await platform?.close();
  });

  const db = () => platform.db;
  const payments = () => paymentsService(platform);

  /** A purchase credited as the bot worker credits Telegram's successful_payment; the charge id, to refund it. */
  async function buy(user: TestUser, product: ProductId): Promise<string> {
    const { price } = PRODUCTS[product];
    const invoice = await insertInvoice(db(), user.id, product, price, 600);
    const charge = `charge-${randomUUID()}`;
    const expires = product === 'premium_month' ? { subscription_expiration_date: Math.floor(Date.now() / 1000) + SUBSCRIPTION_PERIOD_S } : {};
    const fresh = await payments().recordPayment(user.telegramId, { currency: 'XTR', total_amount: price, invoice_payload: invoice.id, telegram_payment_charge_id: charge, ...expires });
    expect(fresh).to.equal(true);
    return charge;
  }
  const refund = (charge: string) => payments().refund(admin.id, charge);
  const entitlements = async (user: TestUser) => (await api.get('/payments/entitlements', { token: user.token })).body as { premium: boolean; rewinds: number };
  const expire = (user: TestUser) =>
    db()('entitlements').where('user_id', user.id).update({ boost_until: new Date(Date.now() - 1000), premium_until: new Date(Date.now() - 1000) });

  async function candidates(user: TestUser): Promise<Item[]> {
    const res = await api.get('/discovery/candidates?limit=50&debug=true', { token: user.token });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.candidates;
  }
  const ids = async (user: TestUser) => (await candidates(user)).map((c) => c.user_id);
  /**
   * Two men who score the same for her; `first` is ahead on the tie-break
   * (user id, descending). Where she is: each coarse point is within a cell of
   * the exact one, so both are shown 1 km away (farther, the two could round apart).
   */
  async function equalPair() {
    const people = await makePeople(db(), platform.config, newSpot(), { me: caller, a: man({ at: [0, 0] }), b: man({ at: [0, 0] }) });
    const [first, second] = [people.a, people.b].sort((x, y) => (x.id < y.id ? 1 : -1));
    const before = await candidates(people.me);
    expect(before.map((c) => c.user_id)).to.deep.equal([first.id, second.id]);
    expect(before[0].score).to.equal(before[1].score);
    return { me: people.me, first, second, plainScore: before[0].score };
  }

  describe('boost', () => {
    for (const product of ['boost_30m', 'premium_month'] as const) {
      it(`ranks a user with ${product} above an otherwise equal one, by the capped multiplier`, async () => {
        const { me, first, second, plainScore } = await equalPair();
        await buy(second, product);
        const after = await candidates(me);
        expect(after.map((c) => c.user_id)).to.deep.equal([second.id, first.id]);
        expect(after[0].score_breakdown!.boost).to.equal(PAID_BOOST);
        // The TypeScript twin of the score (scoring.ts explainScore) agrees with the database's.
        expect(after[0].score_breakdown!.score).to.equal(after[0].score);
        expect(after[0].score).to.be.closeTo(plainScore * PAID_BOOST, 0.011);
        expect(after[1].score).to.equal(plainScore);
        expect(after[1].score_breakdown!.boost).to.equal(1);
      });
    }

    it('caps a paid boost on top of a like at MAX_BOOST', async () => {
      const people = await makePeople(db(), platform.config, newSpot(), { me: caller, liker: man(), superliker: man() });
      await db()('swipes').insert([
        { swiper_id: people.liker.id, target_id: people.me.id, action: 'like' },
        { swiper_id: people.superliker.id, target_id: people.me.id, action: 'superlike' },
      ]);
      await buy(people.liker, 'boost_30m');
      await buy(people.superliker, 'premium_month');
      const byId = new Map((await candidates(people.me)).map((c) => [c.user_id, c]));
      expect(byId.get(people.liker.id)!.score_breakdown!.boost).to.equal(Math.round(LIKED_ME_BOOST.like * PAID_BOOST * 100) / 100);
      expect(LIKED_ME_BOOST.superlike * PAID_BOOST).to.be.greaterThan(MAX_BOOST);
      expect(byId.get(people.superliker.id)!.score_breakdown!.boost).to.equal(MAX_BOOST);
      for (const c of byId.values()) expect(c.score_breakdown!.score).to.equal(c.score);
    });

    it('never brings in someone a hard filter leaves out', async () => {
      const spot = newSpot();
      const people = await makePeople(db(), platform.config, spot, {
        me: caller,
        fits: man(),
        too_old: man({ age: 50 }),
        wants_men: man({ looking_for: ['man'] }),
        too_far: man({ at: [0, 80] }),
        she_is_too_far_for_him: man({ max_distance_km: 2 }),
        hidden: man({ visibility: 'hidden' }),
        passed: man(),
        blocked: man(),
        banned: man(),
        woman: { ...caller, at: [0, 5] },
      });
      const { me } = people;
      await db()('swipes').insert({ swiper_id: me.id, target_id: people.passed.id, action: 'pass' });
      await db()('blocks').insert({ blocker_id: people.blocked.id, blocked_id: me.id });
      await db()('users').where('id', people.banned.id).update({ banned_at: new Date(), ban_reason: 'test' });
      for (const p of Object.values(people) as Person[]) if (p !== me) await buy(p, p.name === 'fits' ? 'boost_30m' : 'premium_month');
      expect(await ids(me)).to.deep.equal([people.fits.id]);
    });

    it('is gone once the boost or the subscription has expired', async () => {
      for (const product of ['boost_30m', 'premium_month'] as const) {
        const { me, first, second, plainScore } = await equalPair();
        await buy(second, product);
        expect(await ids(me)).to.deep.equal([second.id, first.id]);
        await expire(second);
        const after = await candidates(me);
        expect(after.map((c) => c.user_id), product).to.deep.equal([first.id, second.id]);
        expect(after[1].score).to.equal(plainScore);
      }
    });

    it('is gone once the purchase is refunded', async () => {
      for (const product of ['boost_30m', 'premium_month'] as const) {
        const { me, first, second } = await equalPair();
        const charge = await buy(second, product);
        expect(await ids(me)).to.deep.equal([second.id, first.id]);
        await refund(charge);
        expect(await ids(me), product).to.deep.equal([first.id, second.id]);
      }
    });
  });

  describe('POST /discovery/rewind', () => {
    /** Her and `n` men she passed on, in order (the last is her most recent swipe). */
    async function passedOn(n: number) {
      const specs: Record<string, ProfileSpec> = { me: caller };
      for (let i = 0; i < n; i++) specs[`m${i}`] = man({ at: [0, 2 + i] });
      const people = await makePeople(db(), platform.config, newSpot(), specs);
      const men = Array.from({ length: n }, (_, i) => people[`m${i}`]);
      const shown = new Map((await candidates(people.me)).map((c) => [c.user_id, c]));
      for (const m of men) expect((await api.post('/discovery/pass', { target_id: m.id }, { token: people.me.token })).status).to.equal(200);
      return { me: people.me, men, shown };
    }
    const rewind = (user: TestUser, body?: unknown) => api.post('/discovery/rewind', body, { token: user.token });
    const expectError = (res: ApiResponse, status: number, code: string) => {
      expect(res.status, JSON.stringify(res.body)).to.equal(status);
      expect(errorCode(res)).to.equal(code);
    };
    const swipesOf = async (user: TestUser) => (await db()('swipes').where('swiper_id', user.id).select('target_id')).map((r) => r.target_id as string);

    it('undoes the last pass for one bought rewind, answering the person as a candidate; they are in candidates again', async () => {
      const { me, men, shown } = await passedOn(2);
      await buy(me, 'rewind');
      expect((await entitlements(me)).rewinds).to.equal(1);
      expect(await ids(me)).to.deep.equal([]);

      const res = await rewind(me);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const { candidate } = res.body as { candidate: Item };
      const before = shown.get(men[1].id)!;
      // The same item as in the list she passed it in (no debug breakdown here).
      const { score_breakdown: _, ...listed } = before;
      expect(candidate).to.deep.equal(listed);
      expect((await entitlements(me)).rewinds).to.equal(0);
      expect(await swipesOf(me)).to.deep.equal([men[0].id]);
      expect(await ids(me)).to.deep.equal([men[1].id]);

      // The pass before it is hers to undo too, but the rewind is spent.
      expectError(await rewind(me), 402, 'payment_required');
      expect(await swipesOf(me)).to.deep.equal([men[0].id]);
      // And the person rewound can be swiped again.
      expect((await api.post('/discovery/like', { target_id: men[1].id }, { token: me.token })).status).to.equal(200);
    });

    it('is free with premium: credits are kept, pass after pass is undone', async () => {
      const { me, men } = await passedOn(3);
      await buy(me, 'rewind');
      await buy(me, 'premium_month');
      for (const m of [...men].reverse()) {
        const res = await rewind(me);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.candidate.user_id).to.equal(m.id);
      }
      expect(await entitlements(me)).to.include({ premium: true, rewinds: 1 });
      expect(await swipesOf(me)).to.deep.equal([]);
      expectError(await rewind(me), 409, 'nothing_to_rewind');
    });

    it('is 402 payment_required with no rewind and no premium: never bought, expired, refunded', async () => {
      const { me, men } = await passedOn(1);
      expectError(await rewind(me), 402, 'payment_required');
      await buy(me, 'premium_month');
      await expire(me);
      expectError(await rewind(me), 402, 'payment_required');
      const premium = await buy(me, 'premium_month');
      await refund(premium);
      expectError(await rewind(me), 402, 'payment_required');
      const credit = await buy(me, 'rewind');
      await refund(credit);
      expect((await entitlements(me)).rewinds).to.equal(0);
      expectError(await rewind(me), 402, 'payment_required');
      expect(await swipesOf(me)).to.deep.equal([men[0].id]);
    });

    it('is 409 nothing_to_rewind, spending nothing, when the last swipe is a like or superlike, there is none, it is old, or the profile is gone', async () => {
      const people = await makePeople(db(), platform.config, newSpot(), { me: caller, a: man(), b: man(), c: man(), d: man() });
      const { me } = people;
      await buy(me, 'rewind');
      expectError(await rewind(me), 409, 'nothing_to_rewind'); // no swipe at all
      await api.post('/discovery/pass', { target_id: people.a.id }, { token: me.token });
      await api.post('/discovery/like', { target_id: people.b.id }, { token: me.token });
      expectError(await rewind(me), 409, 'nothing_to_rewind'); // a like after the pass
      await api.post('/discovery/superlike', { target_id: people.c.id }, { token: me.token });
      expectError(await rewind(me), 409, 'nothing_to_rewind');
      await api.post('/discovery/pass', { target_id: people.d.id }, { token: me.token });
      await db()('swipes').where({ swiper_id: me.id, target_id: people.d.id }).update({ created_at: new Date(Date.now() - 25 * 3600_000) });
      expectError(await rewind(me), 409, 'nothing_to_rewind'); // older than 24 hours (and then no longer the last)
      await db()('swipes').where({ swiper_id: me.id, target_id: people.d.id }).update({ created_at: new Date() });
      await db()('profiles').where('user_id', people.d.id).update({ visibility: 'hidden' });
      expectError(await rewind(me), 409, 'nothing_to_rewind');
      expect((await entitlements(me)).rewinds).to.equal(1);
      expect(await swipesOf(me)).to.have.members([people.a.id, people.b.id, people.c.id, people.d.id]);
      await db()('profiles').where('user_id', people.d.id).update({ visibility: 'visible' });
      expect((await rewind(me)).status).to.equal(200);
    });

    it('spends one credit once among five concurrent rewinds, and undoes one pass', async () => {
      const { me, men } = await passedOn(5);
      await buy(me, 'rewind');
      const answers = await Promise.all(Array.from({ length: 5 }, () => rewind(me)));
      const ok = answers.filter((r) => r.status === 200);
      expect(ok, JSON.stringify(answers.map((r) => r.status))).to.have.length(1);
      expect(ok[0].body.candidate.user_id).to.equal(men[4].id);
      for (const r of answers.filter((a) => a.status !== 200)) expectError(r, 402, 'payment_required');
      expect((await entitlements(me)).rewinds).to.equal(0);
      expect(await swipesOf(me)).to.have.members(men.slice(0, 4).map((m) => m.id));
    });

    it('undoes a different pass for each of five concurrent rewinds with premium', async () => {
      const { me, men } = await passedOn(5);
      await buy(me, 'premium_month');
      const answers = await Promise.all(Array.from({ length: 5 }, () => rewind(me)));
      expect(answers.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200]);
      expect(answers.map((r) => r.body.candidate.user_id)).to.have.members(men.map((m) => m.id));
      expect(await swipesOf(me)).to.deep.equal([]);
    });

    it('refuses bad input and callers it cannot serve with a 4xx in the error shape', async () => {
      const { me } = await passedOn(1);
      await buy(me, 'rewind');
      expectError(await rewind(me, { target_id: randomUUID() }), 400, 'validation_failed');
      expectError(await rewind(me, [1]), 400, 'validation_failed');
      expectError(await api.request('POST', '/discovery/rewind', { token: me.token, rawBody: '{"x":', headers: { 'content-type': 'application/json' } }), 400, 'validation_failed');
      expectError(await api.request('POST', '/discovery/rewind', { rawBody: '' }), 401, 'unauthorized');
      expectError(await api.request('POST', '/discovery/rewind', { token: 'not-a-token' }), 401, 'unauthorized');
      const newbie = await createUser(db(), platform.config);
      expectError(await rewind(newbie), 409, 'conflict');
      expect((await entitlements(me)).rewinds).to.equal(1);
      // An empty object is no body at all.
      expect((await rewind(me, {})).status).to.equal(200);
    });

    it('is rate limited per user (RATE_LIMIT_REWINDS_PER_MIN) with 429 and Retry-After', async () => {
      const [user] = Object.values(await makePeople(db(), platform.config, newSpot(), { me: caller }));
      const limit = platform.config.discoveryLimits.rewindsPerMin;
      for (let i = 0; i < limit; i++) expectError(await rewind(user), 409, 'nothing_to_rewind');
      const res = await rewind(user);
      expectError(res, 429, 'rate_limited');
      expect(Number(res.headers.get('retry-after'))).to.be.greaterThan(0);
    });
  });
});
