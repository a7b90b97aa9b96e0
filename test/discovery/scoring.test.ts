// Ranking of candidates: the reciprocal score, its explanation, the popularity
// cap, and pagination that never repeats anyone.
import { expect } from 'chai';
import type { Platform } from '../../shared/platform.js';
import { LIKED_ME_BOOST, activityFactor, ageFit, distanceFit, harmonicMean } from '../../api/discovery/scoring.js';
import { testPlatform } from '../helpers/env.js';
import { errorCode } from '../helpers/http.js';
import { fittingMan, makePeople, newSpot, startDiscovery, type DiscoveryApp, type ProfileSpec } from './fixtures.js';

const caller: ProfileSpec = {
  gender: 'woman',
  age: 30,
  looking_for: ['man'],
  age_min: 25,
  age_max: 35,
  max_distance_km: 50,
  at: [0, 0],
  interests: ['hiking', 'jazz', 'chess'],
};
const man = (extra: Partial<ProfileSpec> = {}): ProfileSpec => fittingMan({ interests: ['hiking', 'jazz', 'chess'], ...extra });

describe('discovery candidates: reciprocal score and ranking', () => {
  let platform: Platform;
  let app: DiscoveryApp;

  before(async () => {
    platform = testPlatform();
    app = await startDiscovery(platform, { impressionCap: 2 });
  });
  after(async () => {
    await app.close();
    await platform.close();
  });

  async function ranking(specs: Record<string, ProfileSpec>, query = '') {
    const people = await makePeople(platform.db, platform.config, newSpot(), specs);
    const res = await app.api.get(`/discovery/candidates?limit=50${query}`, { token: people.me.token });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const names = new Map(Object.values(people).map((p) => [p.id, p.name]));
    const list = res.body.candidates.map((c: { user_id: string }) => ({ ...c, name: names.get(c.user_id) }));
    return { people, list, names: list.map((c: { name: string }) => c.name) as string[], body: res.body };
  }

  it('ranks someone who fits both ways above someone who fits only one way', async () => {
    const { names, list } = await ranking({
      me: caller,
      // Fits her a little less (32, not 30) but she is at the centre of his range and they share every interest.
      both_ways: man({ age: 32, age_min: 25, age_max: 35 }),
      // Ideal for her (30, every interest of hers), but she is at the very edge of his range
      // and covers a third of his interests.
      one_way: man({ age_min: 30, age_max: 60, interests: ['hiking', 'jazz', 'chess', 'surf', 'wine', 'film', 'yoga', 'cats', 'sushi'] }),
    });
    expect(names).to.deep.equal(['both_ways', 'one_way']);
    expect(list[0].score).to.be.greaterThan(list[1].score);
  });

  it('ranks the nearer one first when all else is equal', async () => {
    const { names } = await ranking({ me: caller, far: man({ at: [0, 30] }), near: man({ at: [0, 3] }), middle: man({ at: [0, 12] }) });
    expect(names).to.deep.equal(['near', 'middle', 'far']);
  });

  it('boosts someone who already liked the caller, more for a superlike', async () => {
    const specs = { me: caller, plain: man({ at: [0, 5] }), liker: man({ at: [0, 5] }), superliker: man({ at: [0, 5] }) };
    const people = await makePeople(platform.db, platform.config, newSpot(), specs);
    await platform.db('swipes').insert([
      { swiper_id: people.liker.id, target_id: people.me.id, action: 'like' },
      { swiper_id: people.superliker.id, target_id: people.me.id, action: 'superlike' },
    ]);
    const res = await app.api.get('/discovery/candidates?debug=true', { token: people.me.token });
    const byId = new Map(res.body.candidates.map((c: { user_id: string; score: number }) => [c.user_id, c]));
    const breakdown = (n: string) => (byId.get(people[n].id) as { score_breakdown: { boost: number } }).score_breakdown;
    expect(res.body.candidates.map((c: { user_id: string }) => c.user_id)).to.deep.equal([people.superliker.id, people.liker.id, people.plain.id]);
    expect(breakdown('plain').boost).to.equal(1);
    expect(breakdown('liker').boost).to.equal(LIKED_ME_BOOST.like);
    expect(breakdown('superliker').boost).to.equal(LIKED_ME_BOOST.superlike);
    expect((byId.get(people.liker.id) as { liked_you?: boolean }).liked_you).to.equal(true);
  });

  it('ranks a long-inactive person below an active one', async () => {
    const { names } = await ranking({ me: caller, dormant: man({ inactiveDays: 40 }), active: man() });
    expect(names).to.deep.equal(['active', 'dormant']);
  });

  it('explains the score in development mode, matching what the database ranked by', async () => {
    const { list } = await ranking({ me: caller, a: man({ age: 33, interests: ['jazz', 'surf'], at: [0, 20] }), b: man({ age: 27, max_distance_km: 30 }) }, '&debug=true');
    for (const c of list) {
      const b = c.score_breakdown;
      expect(b, 'breakdown').to.be.an('object');
      expect(b.score).to.equal(c.score);
      // Every part is shown to two decimals, like the score (the totals to their rounding).
      expect(b.reciprocal).to.be.closeTo(harmonicMean(b.fit_me_to_them.total, b.fit_them_to_me.total), 0.011);
      expect(b.activity).to.be.closeTo(activityFactor(0), 0.005);
      expect(b.boost).to.equal(1);
    }
    const a = list.find((c: { name: string }) => c.name === 'a');
    const ab = a.score_breakdown;
    expect(ab.fit_me_to_them.interests).to.equal(0.33); // jazz, of her three
    expect(ab.fit_them_to_me.interests).to.equal(0.5); // jazz, of his two
    expect(ab.fit_me_to_them.age).to.be.closeTo(ageFit(33, 25, 35), 0.005);
    // From the distance as shown (whole km between coarse points), not the exact 20 km.
    expect(ab.fit_me_to_them.distance).to.be.closeTo(distanceFit(a.distance_km, 50), 0.005);
  });

  it('keeps the breakdown out of production mode', async () => {
    const prod = testPlatform({ BOT_TOKEN: '123456:abcdef', JWT_SECRET: 'production-secret-of-this-test' });
    const prodApp = await startDiscovery(prod);
    try {
      const people = await makePeople(prod.db, prod.config, newSpot(), { me: caller, a: man() });
      const res = await prodApp.api.get('/discovery/candidates?debug=true', { token: people.me.token });
      expect(res.status).to.equal(200);
      expect(res.body.candidates[0]).not.to.have.property('score_breakdown');
    } finally {
      await prodApp.close();
      await prod.close();
    }
  });

  it('pages through every candidate once, best first, and then stops', async () => {
    const specs: Record<string, ProfileSpec> = { me: caller };
    for (let i = 0; i < 25; i++) specs[`m${i}`] = man({ at: [i % 7, (i * 3) % 11], age: 26 + (i % 9) });
    const people = await makePeople(platform.db, platform.config, newSpot(), specs);
    const seen: string[] = [];
    const scores: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await app.api.get(`/discovery/candidates?limit=10${q}`, { token: people.me.token });
      expect(res.status).to.equal(200);
      seen.push(...res.body.candidates.map((c: { user_id: string }) => c.user_id));
      scores.push(...res.body.candidates.map((c: { score: number }) => c.score));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).to.equal(3);
    expect(new Set(seen).size).to.equal(seen.length);
    expect(seen).to.have.length(25);
    expect(scores).to.deep.equal([...scores].sort((x, y) => y - x));
  });

  it('caps how often one profile is shown per day, except to people it liked', async () => {
    const spot = newSpot();
    const callers = await makePeople(platform.db, platform.config, spot, { c1: caller, c2: caller, c3: caller, c4: caller });
    const star = await makePeople(platform.db, platform.config, spot, { star: man({ at: [0, 2] }) });
    await platform.db('swipes').insert({ swiper_id: star.star.id, target_id: callers.c4.id, action: 'like' });
    const sees = async (token: string) =>
      (await app.api.get('/discovery/candidates', { token })).body.candidates.map((c: { user_id: string }) => c.user_id) as string[];
    // The cap in this app is 2 showings a day.
    expect(await sees(callers.c1.token)).to.include(star.star.id);
    expect(await sees(callers.c2.token)).to.include(star.star.id);
    expect(await sees(callers.c3.token)).not.to.include(star.star.id);
    expect(await sees(callers.c4.token)).to.include(star.star.id);
  });

  it('scores the nearest people who pass the filters first; farther ones come as those are swiped', async () => {
    const small = await startDiscovery(platform, { candidatePool: 3 });
    try {
      // The farther ones would score higher (shared interests) if they were in the pool.
      const far = { interests: ['hiking', 'jazz', 'chess'] };
      const near = { interests: ['surf'] };
      const people = await makePeople(platform.db, platform.config, newSpot(), {
        me: caller,
        n1: man({ ...near, at: [0, 1] }),
        n2: man({ ...near, at: [0, 2] }),
        n3: man({ ...near, at: [0, 3] }),
        f1: man({ ...far, at: [0, 20] }),
        f2: man({ ...far, at: [0, 21] }),
      });
      const names = new Map(Object.values(people).map((p) => [p.id, p.name]));
      const page = async () =>
        ((await small.api.get('/discovery/candidates', { token: people.me.token })).body.candidates as { user_id: string }[]).map((c) => names.get(c.user_id));
      expect(await page()).to.have.members(['n1', 'n2', 'n3']);
      for (const n of ['n1', 'n2', 'n3']) await small.api.post('/discovery/pass', { target_id: people[n].id }, { token: people.me.token });
      // (A km apart, which coarse points may show either way round.)
      expect(await page()).to.have.members(['f1', 'f2']);
    } finally {
      await small.close();
    }
  });

  it('refuses a cursor that was tampered with', async () => {
    const bad = Buffer.from(JSON.stringify({ s: 'x', u: 'y', t: 1 })).toString('base64url');
    const { people } = await ranking({ me: caller });
    const res = await app.api.get(`/discovery/candidates?cursor=${bad}`, { token: people.me.token });
    expect(res.status).to.equal(400);
    expect(errorCode(res)).to.equal('validation_failed');
    expect(res.body.error.details[0].field).to.equal('cursor');
  });
});
