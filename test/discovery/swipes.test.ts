// Swipes: like, pass, superlike; one swipe per target; quotas over a rolling
// 24 hours; bad input in the contract's error shape.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Platform } from '../../shared/platform.js';
import { STREAMS } from '../../shared/events.js';
import { testPlatform } from '../helpers/env.js';
import { errorCode } from '../helpers/http.js';
import { createUser } from '../helpers/users.js';
import { waitFor } from '../helpers/wait.js';
import { EventProbe, makePerson, newSpot, startDiscovery, type DiscoveryApp, type Person, type ProfileSpec } from './fixtures.js';

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
    await waitFor('swipe.created', () => probe.of('swipe.created', (p) => p.swiper_id === me.id).length === 1, 5000);
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
    const paused = await person({ visibility: 'paused' });
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
      ['paused target (out of discovery, like hidden)', { target_id: paused.id }, 404, 'not_found'],
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

  describe('quotas per rolling 24 hours (LIKES_PER_DAY=3, SUPERLIKES_PER_DAY=1)', () => {
    async function targets(n: number): Promise<Person[]> {
      const out = [];
      for (let i = 0; i < n; i++) out.push(await person());
      return out;
    }

    it('refuses the 4th like within 24 hours with 429 quota_exceeded and Retry-After until the first leaves the window', async () => {
      const me = await person();
      const t = await targets(5);
      for (let i = 0; i < 3; i++) expect((await app.api.post('/discovery/like', { target_id: t[i].id }, { token: me.token })).status).to.equal(200);
      const res = await app.api.post('/discovery/like', { target_id: t[3].id }, { token: me.token });
      expect(res.status).to.equal(429);
      expect(errorCode(res)).to.equal('quota_exceeded');
      const retry = Number(res.headers.get('retry-after'));
      expect(retry).to.be.within(86_400 - 10, 86_400);
      expect(await platform.db('swipes').where({ swiper_id: me.id, target_id: t[3].id }).first()).to.equal(undefined);
      // Passes are not limited, and the superlike quota is separate.
      expect((await app.api.post('/discovery/pass', { target_id: t[3].id }, { token: me.token })).status).to.equal(200);
      expect((await app.api.post('/discovery/superlike', { target_id: t[4].id }, { token: me.token })).status).to.equal(200);
    });

    it('refuses the 2nd superlike within 24 hours, likes still allowed', async () => {
      const me = await person();
      const t = await targets(3);
      expect((await app.api.post('/discovery/superlike', { target_id: t[0].id }, { token: me.token })).status).to.equal(200);
      const res = await app.api.post('/discovery/superlike', { target_id: t[1].id }, { token: me.token });
      expect(res.status).to.equal(429);
      expect(errorCode(res)).to.equal('quota_exceeded');
      expect(Number(res.headers.get('retry-after'))).to.be.within(1, 86_400);
      expect((await app.api.post('/discovery/like', { target_id: t[1].id }, { token: me.token })).status).to.equal(200);
    });

    it('forgets likes older than 24 hours', async () => {
      const me = await person();
      const t = await targets(4);
      for (let i = 0; i < 3; i++) await app.api.post('/discovery/like', { target_id: t[i].id }, { token: me.token });
      await platform.db('swipes').where({ swiper_id: me.id }).update({ created_at: new Date(Date.now() - 86_400_000 - 1000) });
      expect((await app.api.post('/discovery/like', { target_id: t[3].id }, { token: me.token })).status).to.equal(200);
    });

    it('frees a slot when the oldest like in the window turns 24 hours old: Retry-After says when', async () => {
      const me = await person();
      const t = await targets(4);
      for (let i = 0; i < 3; i++) expect((await app.api.post('/discovery/like', { target_id: t[i].id }, { token: me.token })).status).to.equal(200);
      await platform.db('swipes').where({ swiper_id: me.id, target_id: t[0].id }).update({ created_at: new Date(Date.now() - 23 * 3600_000) });
      const res = await app.api.post('/discovery/like', { target_id: t[3].id }, { token: me.token });
      expect(res.status).to.equal(429);
      expect(Number(res.headers.get('retry-after'))).to.be.within(3600 - 10, 3600 + 1);
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
