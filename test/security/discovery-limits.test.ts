// Issue 13 §4, discovery: every costly action has a limit. A candidate showing
// counts once per viewer and day and candidate requests are rate limited, so
// nobody can hide people by asking again and again; swipe quotas run over a
// rolling 24 hours that no time zone moves; reports are only about someone
// the reporter has met, are rate limited, and one reporter alone cannot
// throttle anyone's new conversations.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createHttpApp } from '../../shared/http/app.js';
import type { Platform } from '../../shared/platform.js';
import { createDiscoveryRouter } from '../../api/discovery/index.js';
import { IMPRESSION_CAP_PER_DAY } from '../../api/discovery/scoring.js';
import { createProfileRouter } from '../../api/profile/index.js';
import { testPlatform } from '../helpers/env.js';
import { client, errorCode, startHttp, type ApiResponse, type Running } from '../helpers/http.js';
import { createMatch, matchedPair } from '../helpers/users.js';
import { makePerson, newSpot, type Person, type ProfileSpec, type Spot } from '../discovery/fixtures.js';
import { clientMsgId, startNode, type Node } from '../helpers/realtime.js';

const woman = (extra: Partial<ProfileSpec> = {}): ProfileSpec => ({ gender: 'woman', age: 30, looking_for: ['man'], at: [0, 0], ...extra });
const man = (extra: Partial<ProfileSpec> = {}): ProfileSpec => ({ gender: 'man', age: 31, looking_for: ['woman'], at: [0, 3], ...extra });
const ids = (res: ApiResponse) => (res.body.candidates as { user_id: string }[]).map((c) => c.user_id);

function expectRefused(res: ApiResponse, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(errorCode(res)).to.equal(code);
}

/** Discovery and profile on one server, as a client reaches them through the gateway. */
async function startApp(platform: Platform) {
  const app = createHttpApp({
    service: 'discovery',
    logger: platform.logger,
    readiness: platform,
    routers: [createDiscoveryRouter(platform), createProfileRouter(platform)],
  });
  const running: Running = await startHttp(app.callback());
  return { api: client(running.url), close: () => running.close() };
}

describe('discovery limits (issue 13 §4)', function () {
  this.timeout(60_000);
  let platform: Platform;
  let app: Awaited<ReturnType<typeof startApp>>;
  const person = (spot: Spot, spec: ProfileSpec): Promise<Person> => makePerson(platform.db, platform.config, spot, spec);

  before(async () => {
    platform = testPlatform({
      // Raised so the hiding attack below is not stopped by the request limit alone.
      RATE_LIMIT_CANDIDATES_PER_MIN: '100000',
      SUPERLIKES_PER_DAY: '1',
      RATE_LIMIT_REPORTS_PER_DAY: '5',
    });
    app = await startApp(platform);
  });
  after(async () => {
    await app?.close();
    await platform?.close();
  });

  describe('candidates', () => {
    it('counts a showing once per viewer and day: requesting the same page hundreds of times hides nobody', async () => {
      const spot = newSpot();
      const attacker = await person(spot, woman());
      const chosen: Person[] = [];
      for (let i = 1; i <= 5; i++) chosen.push(await person(spot, man({ at: [0, i] })));

      // More requests than the popularity cap has showings, some of them at once.
      for (let sent = 0; sent < IMPRESSION_CAP_PER_DAY + 20; sent += 20) {
        const batch = await Promise.all(Array.from({ length: 20 }, () => app.api.get('/discovery/candidates', { token: attacker.token })));
        for (const res of batch) expect(res.status).to.equal(200);
      }

      const other = await person(spot, woman());
      const res = await app.api.get('/discovery/candidates?debug=1', { token: other.token });
      expect(res.status).to.equal(200);
      expect(ids(res)).to.have.members(chosen.map((p) => p.id));
      // Shown to one viewer today, however often that viewer asked.
      for (const c of res.body.candidates) expect(c.score_breakdown.impressions_today).to.equal(1);
    });

    it('limits candidate requests per user with 429 rate_limited and Retry-After; other users go on', async () => {
      const limited = testPlatform({ RATE_LIMIT_CANDIDATES_PER_MIN: '5' });
      const small = await startApp(limited);
      try {
        const spot = newSpot();
        const [me, other] = [await person(spot, woman()), await person(spot, woman())];
        for (let i = 0; i < 5; i++) expect((await small.api.get('/discovery/candidates', { token: me.token })).status).to.equal(200);
        const refused = await small.api.get('/discovery/candidates', { token: me.token });
        expectRefused(refused, 429, 'rate_limited');
        expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
        expect((await small.api.get('/discovery/candidates', { token: other.token })).status).to.equal(200);
      } finally {
        await small.close();
        await limited.close();
      }
    });
  });

  describe('swipe quotas', () => {
    /** An Etc/GMT zone whose wall clock now shows 00:xx: its midnight came within the last hour. */
    function zoneJustPastMidnight(): string {
      const h = new Date().getUTCHours();
      const east = h <= 12 ? -h : 24 - h; // local hour = (h + east) mod 24 = 0, east within -12..+11
      // Etc/GMT names count the other way: Etc/GMT-3 is UTC+3.
      return east === 0 ? 'Etc/GMT' : `Etc/GMT${east > 0 ? '-' : '+'}${Math.abs(east)}`;
    }

    it('keeps a used quota when the user changes settings.timezone to where a new day has begun', async () => {
      const spot = newSpot();
      const me = await person(spot, woman({ settings: { timezone: 'UTC' } }));
      const [first, second] = [await person(spot, man()), await person(spot, man())];
      expect((await app.api.post('/discovery/superlike', { target_id: first.id }, { token: me.token })).status).to.equal(200);
      // That superlike was two hours ago; in the new zone it was yesterday.
      await platform.db('swipes').where({ swiper_id: me.id }).update({ created_at: new Date(Date.now() - 2 * 3600_000) });
      const moved = await app.api.put('/profiles/me', { settings: { timezone: zoneJustPastMidnight() } }, { token: me.token });
      expect(moved.status, JSON.stringify(moved.body)).to.equal(200);

      const res = await app.api.post('/discovery/superlike', { target_id: second.id }, { token: me.token });
      expectRefused(res, 429, 'quota_exceeded');
      // Free again when the superlike is 24 hours old, not at anyone's midnight.
      expect(Number(res.headers.get('retry-after'))).to.be.within(22 * 3600 - 10, 22 * 3600 + 1);
    });
  });

  describe('reports', () => {
    it('answers a report about someone the reporter never met exactly like one about an unknown id, and stores neither', async () => {
      const me = await person(newSpot(), woman());
      const stranger = await person(newSpot(), man());
      const aboutStranger = await app.api.post('/discovery/report', { target_id: stranger.id, reason: 'spam' }, { token: me.token });
      const aboutNobody = await app.api.post('/discovery/report', { target_id: randomUUID(), reason: 'spam' }, { token: me.token });
      expectRefused(aboutStranger, 404, 'not_found');
      expectRefused(aboutNobody, 404, 'not_found');
      expect(aboutStranger.body.error.message).to.equal(aboutNobody.body.error.message);
      expect(await platform.db('reports').where({ reporter_id: me.id })).to.have.length(0);
    });

    it('takes a report about someone met: shown as a candidate, who liked the reporter, or a match (ended too)', async () => {
      const spot = newSpot();
      const me = await person(spot, woman());
      const [shown, liker, exMatch] = [await person(spot, man()), await person(newSpot(), man()), await person(newSpot(), man())];
      // Before being shown, the candidate is a stranger like any other.
      expectRefused(await app.api.post('/discovery/report', { target_id: shown.id, reason: 'spam' }, { token: me.token }), 404, 'not_found');
      expect(ids(await app.api.get('/discovery/candidates', { token: me.token }))).to.include(shown.id);
      await platform.db('swipes').insert({ swiper_id: liker.id, target_id: me.id, action: 'like' });
      const { matchId } = await createMatch(platform.db, me.id, exMatch.id);
      await platform.db('matches').where('id', matchId).update({ ended_at: new Date(), ended_reason: 'unmatch', ended_by: exMatch.id });

      for (const [what, target] of [['shown', shown], ['liker', liker], ['ex-match', exMatch]] as const) {
        const res = await app.api.post('/discovery/report', { target_id: target.id, reason: 'spam' }, { token: me.token });
        expect(res.status, what).to.equal(202);
      }
    });

    it('limits reports per reporter (RATE_LIMIT_REPORTS_PER_DAY=5) with 429 rate_limited and Retry-After; other reporters go on', async () => {
      const me = await person(newSpot(), woman());
      const matched: Person[] = [];
      for (let i = 0; i < 6; i++) {
        const p = await person(newSpot(), man());
        await createMatch(platform.db, me.id, p.id);
        matched.push(p);
      }
      for (const p of matched.slice(0, 5)) {
        expect((await app.api.post('/discovery/report', { target_id: p.id, reason: 'spam' }, { token: me.token })).status).to.equal(202);
      }
      const refused = await app.api.post('/discovery/report', { target_id: matched[5].id, reason: 'spam' }, { token: me.token });
      expectRefused(refused, 429, 'rate_limited');
      expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 86_400);
      expect(await platform.db('reports').where({ reporter_id: me.id })).to.have.length(5);

      const other = await person(newSpot(), woman());
      await createMatch(platform.db, other.id, matched[5].id);
      expect((await app.api.post('/discovery/report', { target_id: matched[5].id, reason: 'spam' }, { token: other.token })).status).to.equal(202);
    });
  });

  describe('the new-conversation throttle of reported users', () => {
    let node: Node;
    before(async () => {
      // Its openers repeat on purpose ('hello'): the unique-opener rule is another test's.
      node = await startNode({ REPORTED_NEW_CONVERSATIONS_PER_DAY: '1', CHAT_OPENER_WINDOW_DAYS: '0' });
    });
    after(() => node?.close());

    const db = () => node.platform.db;
    const send = (token: string, conversationId: string, body: string) =>
      node.api.post('/chat/messages', { conversation_id: conversationId, body, client_msg_id: clientMsgId() }, { token });

    /** A user with two fresh conversations, reported by the given number of people (`reports` reports in all). */
    async function reportedUser(reporters: number, reports: number) {
      const first = await matchedPair(db(), node.platform.config);
      const second = await matchedPair(db(), node.platform.config);
      const { conversationId } = await createMatch(db(), first.a.id, second.b.id);
      const by = [first.b, second.b, second.a].slice(0, reporters);
      await db()('reports').insert(Array.from({ length: reports }, (_, i) => ({ reporter_id: by[i % reporters].id, target_id: first.a.id, reason: 'spam' })));
      return { user: first.a, conversations: [first.conversationId, conversationId] };
    }

    it('holds only once two different people reported the user: one reporter alone, however many reports, throttles nobody', async () => {
      const byOne = await reportedUser(1, 3);
      for (const c of byOne.conversations) expect((await send(byOne.user.token, c, 'hello')).status).to.equal(201);

      const byTwo = await reportedUser(2, 2);
      expect((await send(byTwo.user.token, byTwo.conversations[0], 'hello')).status).to.equal(201);
      const refused = await send(byTwo.user.token, byTwo.conversations[1], 'hello');
      expectRefused(refused, 429, 'rate_limited');
      expect(refused.headers.get('retry-after')).to.match(/^\d+$/);
    });
  });
});
