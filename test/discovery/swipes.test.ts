// Swipes: like, pass, superlike; one swipe per target; daily quotas at the
// user's day boundary; bad input in the contract's error shape.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Platform } from '../../shared/platform.js';
import { STREAMS } from '../../shared/events.js';
import { dayWindow } from '../../api/discovery/quota.js';
import { testPlatform } from '../helpers/env.js';
import { errorCode } from '../helpers/http.js';
import { createUser } from '../helpers/users.js';
import { EventProbe, makePerson, newSpot, startDiscovery, waitFor, type DiscoveryApp, type Person, type ProfileSpec } from './fixtures.js';

const someone = (extra: Partial<ProfileSpec> = {}): ProfileSpec => ({ gender: 'woman', age: 30, at: [0, 1], ...extra });

describe('discovery swipes', () => {
  let platform: Platform;
  let app: DiscoveryApp;
  let probe: EventProbe;
  const spot = newSpot();
  const person = (extra: Partial<ProfileSpec> = {}) => makePerson(platform.db, platform.config, spot, someone(extra));

  before(async () => {
    platform = testPlatform({ LIKES_PER_DAY: '3', SUPERLIKES_PER_DAY: '1' });
    app = await startDiscovery(platform);
    probe = await new EventProbe(platform, [STREAMS.swipes]).start();
  });
  after(async () => {
    await probe.stop();
    await app.close();
    await platform.close();
  });

  it('stores a like and announces it on the swipes stream', async () => {
    const [me, her] = [await person(), await person()];
    const res = await app.api.post('/discovery/like', { target_id: her.id }, { token: me.token });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ action: 'like', target_id: her.id });
    const row = await platform.db('swipes').where({ swiper_id: me.id, target_id: her.id }).first();
    expect(row.action).to.equal('like');
    await waitFor(() => probe.of('swipe.created', (p) => p.swiper_id === me.id).length === 1, 5000, 'swipe.created');
    const [e] = probe.of('swipe.created', (p) => p.swiper_id === me.id);
    expect(e.payload).to.include({ swipe_id: row.id, target_id: her.id, action: 'like' });
  });

  it('takes pass and superlike the same way', async () => {
    const [me, a, b] = [await person(), await person(), await person()];
    expect((await app.api.post('/discovery/pass', { target_id: a.id }, { token: me.token })).body).to.deep.equal({ action: 'pass', target_id: a.id });
    expect((await app.api.post('/discovery/superlike', { target_id: b.id }, { token: me.token })).body).to.deep.equal({ action: 'superlike', target_id: b.id });
  });

  it('answers a second swipe on the same person with 409, whatever the action', async () => {
    const [me, her] = [await person(), await person()];
    expect((await app.api.post('/discovery/pass', { target_id: her.id }, { token: me.token })).status).to.equal(200);
    for (const action of ['pass', 'like', 'superlike']) {
      const res = await app.api.post(`/discovery/${action}`, { target_id: her.id }, { token: me.token });
      expect(res.status, action).to.equal(409);
      expect(errorCode(res)).to.equal('conflict');
    }
    expect(await platform.db('swipes').where({ swiper_id: me.id }).count<{ n: number }[]>({ n: '*' })).to.deep.equal([{ n: 1 }]);
  });

  it('refuses bad input with 4xx in the contract shape and stores nothing', async () => {
    const me = await person();
    const noProfile = await createUser(platform.db, platform.config);
    const hidden = await person({ visibility: 'hidden' });
    const blocker = await person();
    await platform.db('blocks').insert({ blocker_id: blocker.id, blocked_id: me.id });
    const cases: [string, unknown, number, string][] = [
      ['self', { target_id: me.id }, 400, 'validation_failed'],
      ['malformed id', { target_id: 'not-a-uuid' }, 400, 'validation_failed'],
      ['number id', { target_id: 42 }, 400, 'validation_failed'],
      ['missing id', {}, 400, 'validation_failed'],
      ['unknown target', { target_id: randomUUID() }, 404, 'not_found'],
      ['target without a profile', { target_id: noProfile.id }, 404, 'not_found'],
      ['hidden target', { target_id: hidden.id }, 404, 'not_found'],
      ['target who blocked me', { target_id: blocker.id }, 404, 'not_found'],
    ];
    for (const [what, body, status, code] of cases) {
      const res = await app.api.post('/discovery/like', body, { token: me.token });
      expect(res.status, what).to.equal(status);
      expect(errorCode(res), what).to.equal(code);
    }
    const raw = await app.api.request('POST', '/discovery/like', { token: me.token, rawBody: '{"target_id":', headers: { 'content-type': 'application/json' } });
    expect(raw.status).to.equal(400);
    expect(errorCode(raw)).to.equal('validation_failed');
    const anon = await app.api.post('/discovery/like', { target_id: hidden.id });
    expect(anon.status).to.equal(401);
    expect(await platform.db('swipes').where({ swiper_id: me.id })).to.have.length(0);
  });

  it('asks for the caller’s own profile first (409)', async () => {
    const ghost = await createUser(platform.db, platform.config);
    const her = await person();
    const res = await app.api.post('/discovery/like', { target_id: her.id }, { token: ghost.token });
    expect(res.status).to.equal(409);
    expect(errorCode(res)).to.equal('conflict');
  });

  describe('daily quotas (LIKES_PER_DAY=3, SUPERLIKES_PER_DAY=1)', () => {
    async function targets(n: number): Promise<Person[]> {
      const out = [];
      for (let i = 0; i < n; i++) out.push(await person());
      return out;
    }

    it('refuses the 4th like of the day with 429 quota_exceeded and Retry-After until midnight UTC', async () => {
      const me = await person();
      const t = await targets(5);
      for (let i = 0; i < 3; i++) expect((await app.api.post('/discovery/like', { target_id: t[i].id }, { token: me.token })).status).to.equal(200);
      const res = await app.api.post('/discovery/like', { target_id: t[3].id }, { token: me.token });
      expect(res.status).to.equal(429);
      expect(errorCode(res)).to.equal('quota_exceeded');
      const retry = Number(res.headers.get('retry-after'));
      const expected = Math.ceil((dayWindow(new Date(), null).end.getTime() - Date.now()) / 1000);
      expect(retry).to.be.within(expected - 5, expected + 1);
      expect(await platform.db('swipes').where({ swiper_id: me.id, target_id: t[3].id }).first()).to.equal(undefined);
      // Passes are not limited, and the superlike quota is separate.
      expect((await app.api.post('/discovery/pass', { target_id: t[3].id }, { token: me.token })).status).to.equal(200);
      expect((await app.api.post('/discovery/superlike', { target_id: t[4].id }, { token: me.token })).status).to.equal(200);
    });

    it('refuses the 2nd superlike of the day, likes still allowed', async () => {
      const me = await person();
      const t = await targets(3);
      expect((await app.api.post('/discovery/superlike', { target_id: t[0].id }, { token: me.token })).status).to.equal(200);
      const res = await app.api.post('/discovery/superlike', { target_id: t[1].id }, { token: me.token });
      expect(res.status).to.equal(429);
      expect(errorCode(res)).to.equal('quota_exceeded');
      expect(Number(res.headers.get('retry-after'))).to.be.within(1, 86_400);
      expect((await app.api.post('/discovery/like', { target_id: t[1].id }, { token: me.token })).status).to.equal(200);
    });

    it('counts only today: yesterday’s likes are forgotten', async () => {
      const me = await person();
      const t = await targets(4);
      for (let i = 0; i < 3; i++) await app.api.post('/discovery/like', { target_id: t[i].id }, { token: me.token });
      await platform.db('swipes').where({ swiper_id: me.id }).update({ created_at: new Date(dayWindow(new Date(), null).start.getTime() - 1000) });
      expect((await app.api.post('/discovery/like', { target_id: t[3].id }, { token: me.token })).status).to.equal(200);
    });

    it('uses the day of the user’s own time zone when settings.timezone is set', async () => {
      const tz = 'Pacific/Kiritimati'; // UTC+14: its midnight is never UTC's
      const me = await person({ settings: { timezone: tz } });
      const t = await targets(2);
      await app.api.post('/discovery/superlike', { target_id: t[0].id }, { token: me.token });
      const res = await app.api.post('/discovery/superlike', { target_id: t[1].id }, { token: me.token });
      expect(res.status).to.equal(429);
      const expected = Math.ceil((dayWindow(new Date(), tz).end.getTime() - Date.now()) / 1000);
      expect(Number(res.headers.get('retry-after'))).to.be.within(expected - 5, expected + 1);
    });

    it('holds under concurrent likes: exactly the quota gets through', async () => {
      const me = await person();
      const t = await targets(10);
      const res = await Promise.all(t.map((x) => app.api.post('/discovery/like', { target_id: x.id }, { token: me.token })));
      expect(res.filter((r) => r.status === 200)).to.have.length(3);
      expect(res.filter((r) => r.status === 429)).to.have.length(7);
      expect(await platform.db('swipes').where({ swiper_id: me.id })).to.have.length(3);
    });
  });
});

describe('discovery quota day boundaries', () => {
  it('is midnight to midnight UTC by default and for an unknown zone', () => {
    const now = new Date('2026-03-10T15:30:00Z');
    for (const tz of [null, undefined, '', 'Not/AZone', 42]) {
      const w = dayWindow(now, tz);
      expect(w.start.toISOString()).to.equal('2026-03-10T00:00:00.000Z');
      expect(w.end.toISOString()).to.equal('2026-03-11T00:00:00.000Z');
    }
  });

  it('follows the zone’s wall clock, across a DST change too', () => {
    // Berlin springs forward on 2026-03-29: that day has 23 hours.
    const w = dayWindow(new Date('2026-03-29T12:00:00Z'), 'Europe/Berlin');
    expect(w.start.toISOString()).to.equal('2026-03-28T23:00:00.000Z');
    expect(w.end.toISOString()).to.equal('2026-03-29T22:00:00.000Z');
    // Late evening UTC is already tomorrow in Tokyo.
    const t = dayWindow(new Date('2026-03-10T20:00:00Z'), 'Asia/Tokyo');
    expect(t.start.toISOString()).to.equal('2026-03-10T15:00:00.000Z');
    expect(t.end.toISOString()).to.equal('2026-03-11T15:00:00.000Z');
  });
});
