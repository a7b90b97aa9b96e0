// The hard filters of GET /discovery/candidates, table-driven: one fixed
// cluster of people, and for each caller the exact set of candidates.
import { expect } from 'chai';
import type { Platform } from '../../shared/platform.js';
import { testPlatform } from '../helpers/env.js';
import { errorCode } from '../helpers/http.js';
import { fittingMan, makePeople, makePerson, newSpot, startDiscovery, type DiscoveryApp, type Person, type ProfileSpec } from './fixtures.js';

// A man of 30 near the spot who wants a woman of 25-35 within 50 km: fits alice.
const fitMan = fittingMan;

const PEOPLE: Record<string, ProfileSpec> = {
  // callers
  alice: { gender: 'woman', age: 30, looking_for: ['man'], age_min: 25, age_max: 35, max_distance_km: 50, at: [0, 0], goal: 'relationship' },
  bob: { gender: 'man', age: 28, looking_for: ['woman', 'nonbinary'], age_min: 22, age_max: 32, max_distance_km: 20, at: [0, 5] },
  cass: { gender: 'nonbinary', age: 40, looking_for: [], age_min: 30, age_max: 50, max_distance_km: 100, at: [0, 0] },
  dora: { gender: 'woman', age: 30, looking_for: ['man'], age_min: 25, age_max: 35, max_distance_km: 50, at: [0, 0], goal: 'casual', goals: ['casual'] },
  // the others
  m_fit: fitMan(),
  m_wants_men: fitMan({ looking_for: ['man'] }),
  m_too_old: fitMan({ age: 36, age_max: 40 }),
  m_too_young: fitMan({ age: 24, age_min: 20 }),
  m_wants_younger: fitMan({ age_min: 20, age_max: 28 }),
  m_wants_older: fitMan({ age_min: 32, age_max: 45 }),
  m_edge_age: fitMan({ age: 35, age_min: 30, age_max: 40 }),
  m_far: fitMan({ max_distance_km: 100, at: [60, 0] }),
  m_edge_distance: fitMan({ at: [45, 0] }),
  m_short_reach: fitMan({ max_distance_km: 5 }),
  m_hidden: fitMan({ visibility: 'hidden' }),
  m_paused: fitMan({ visibility: 'paused' }),
  m_blocked_by_alice: fitMan(),
  m_blocked_alice: fitMan(),
  m_passed_by_alice: fitMan(),
  m_liked_by_alice: fitMan(),
  m_liked_alice: fitMan(),
  m_deleted: fitMan(),
  m_banned: fitMan(),
  m_no_location: fitMan({ at: null }),
  m_wants_friends: fitMan({ goals: ['friendship'] }),
  m_goal_ok: fitMan({ age: 31, goal: 'casual', goals: ['relationship', 'casual'] }),
  m_for_cass: { gender: 'man', age: 42, looking_for: ['nonbinary'], age_min: 35, age_max: 50, max_distance_km: 100, at: [20, 0] },
  w_fit: { gender: 'woman', age: 30, looking_for: ['man'], age_min: 25, age_max: 35, max_distance_km: 50, at: [0, 10] },
  w_young: { gender: 'woman', age: 24, looking_for: ['man'], age_min: 20, age_max: 30, max_distance_km: 30, at: [0, 8] },
  w_beyond_bob: { gender: 'woman', age: 28, looking_for: ['man'], age_min: 20, age_max: 35, max_distance_km: 100, at: [0, 30] },
  w_short_reach: { gender: 'woman', age: 27, looking_for: ['man'], age_min: 20, age_max: 35, max_distance_km: 3, at: [0, 10] },
  w_for_cass: { gender: 'woman', age: 45, looking_for: ['nonbinary', 'man'], age_min: 35, age_max: 50, max_distance_km: 60, at: [10, 10] },
  nb_open: { gender: 'nonbinary', age: 35, looking_for: [], age_min: 30, age_max: 45, max_distance_km: 50, at: [0, 3] },
  nb_wants_women: { gender: 'nonbinary', age: 29, looking_for: ['woman'], age_min: 22, age_max: 35, max_distance_km: 50, at: [0, 6] },
};

const EXPECTED: { caller: string; candidates: string[]; why: string }[] = [
  {
    caller: 'alice',
    candidates: ['bob', 'm_fit', 'm_edge_age', 'm_edge_distance', 'm_liked_alice', 'm_goal_ok'],
    why: 'men who want a woman of her age within both distances; not hidden, paused, blocked either way, swiped, deleted, banned, unlocated, or wanting another goal',
  },
  { caller: 'bob', candidates: ['alice', 'w_fit', 'w_young'], why: 'women and nonbinary people of 22-32 who want men, within 20 km and their own reach' },
  { caller: 'cass', candidates: ['nb_open', 'm_for_cass', 'w_for_cass'], why: 'anyone (empty looking_for) of 30-50 who wants a nonbinary person of 40' },
  { caller: 'dora', candidates: ['m_goal_ok'], why: 'her goals filter keeps only men whose goal is casual' },
];

describe('discovery candidates: hard filters in both directions', () => {
  let platform: Platform;
  let app: DiscoveryApp;
  let people: Record<string, Person>;
  const nameOf = new Map<string, string>();

  before(async () => {
    platform = testPlatform();
    app = await startDiscovery(platform);
    const db = platform.db;
    people = await makePeople(db, platform.config, newSpot(), PEOPLE);
    for (const p of Object.values(people)) nameOf.set(p.id, p.name);
    const { alice } = people;
    await db('blocks').insert([
      { blocker_id: alice.id, blocked_id: people.m_blocked_by_alice.id },
      { blocker_id: people.m_blocked_alice.id, blocked_id: alice.id },
    ]);
    await db('swipes').insert([
      { swiper_id: alice.id, target_id: people.m_passed_by_alice.id, action: 'pass' },
      { swiper_id: alice.id, target_id: people.m_liked_by_alice.id, action: 'like' },
      { swiper_id: people.m_liked_alice.id, target_id: alice.id, action: 'like' },
    ]);
    await db('profiles').where('user_id', people.m_deleted.id).delete();
    await db('users').where('id', people.m_banned.id).update({ banned_at: new Date(), ban_reason: 'test' });
  });
  after(async () => {
    await app.close();
    await platform.close();
  });

  for (const row of EXPECTED) {
    it(`${row.caller} sees exactly: ${row.why}`, async () => {
      const res = await app.api.get('/discovery/candidates?limit=50', { token: people[row.caller].token });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const names = (res.body.candidates as { user_id: string }[]).map((c) => nameOf.get(c.user_id) ?? `unknown ${c.user_id}`);
      expect(names).to.have.members(row.candidates);
      expect(names).to.have.length(row.candidates.length);
    });
  }

  it('shows each candidate as a public profile with distance and score, nothing private', async () => {
    const res = await app.api.get('/discovery/candidates', { token: people.alice.token });
    const c = res.body.candidates.find((x: { user_id: string }) => x.user_id === people.m_fit.id);
    expect(c).to.include({ user_id: people.m_fit.id, display_name: 'm_fit', age: 30, gender: 'man' });
    // 10 km apart; each coarse point is within ~0.71 km of the exact one, so 9 to 11 whole km.
    expect(c.distance_km).to.be.oneOf([9, 10, 11]);
    expect(c.score).to.be.a('number').above(0);
    expect(c.photos).to.deep.equal([]);
    for (const secret of ['birthdate', 'lat', 'lon', 'settings', 'looking_for', 'age_min', 'max_distance_km', 'telegram_id', 'score_breakdown']) {
      expect(c).not.to.have.property(secret);
    }
  });

  it("shows a candidate's approved profile clip as video, and none while it is not approved", async () => {
    const sha = 'ab'.repeat(32);
    const file = (name: string) => ({ key: `av/ab/${sha}/${name}`, size: 1, sha256: sha });
    const [clip] = await platform
      .db('media')
      .insert({
        owner_id: people.bob.id,
        status: 'review',
        kind: 'video',
        mime: 'video/mp4',
        size: 1,
        sha256: sha,
        original_key: `originals/ab/${sha}.mp4`,
        variants: JSON.stringify({ v720: file('720.mp4'), v480: file('480.mp4'), poster: file('poster.webp') }),
        duration_s: 4.5,
        profile_video: true,
      })
      .returning('id');
    const bobSeen = async () => {
      const res = await app.api.get('/discovery/candidates?limit=50', { token: people.alice.token });
      return res.body.candidates.find((x: { user_id: string }) => x.user_id === people.bob.id);
    };
    try {
      expect((await bobSeen()).video).to.equal(null);
      await platform.db('media').where('id', clip.id).update({ status: 'approved' });
      expect((await bobSeen()).video).to.deep.equal({
        url_720: `/media/files/av/ab/${sha}/720.mp4`,
        url_480: `/media/files/av/ab/${sha}/480.mp4`,
        poster_url: `/media/files/av/ab/${sha}/poster.webp`,
        duration_s: 4.5,
      });
    } finally {
      await platform.db('media').where('id', clip.id).delete();
    }
  });

  it('leaves distance_km null for someone who hides their distance', async () => {
    const spot = newSpot();
    const me = await makePerson(platform.db, platform.config, spot, { gender: 'woman', age: 30, looking_for: ['man'] });
    const shy = await makePerson(platform.db, platform.config, spot, { gender: 'man', age: 30, at: [0, 4], settings: { show_distance: false } });
    const res = await app.api.get('/discovery/candidates', { token: me.token });
    expect(res.body.candidates.map((c: { user_id: string }) => c.user_id)).to.deep.equal([shy.id]);
    expect(res.body.candidates[0].distance_km).to.equal(null);
  });

  it('asks for a profile (409) and a location (409) before it can search', async () => {
    const spot = newSpot();
    const unlocated = await makePerson(platform.db, platform.config, spot, { gender: 'woman', age: 30, at: null });
    let res = await app.api.get('/discovery/candidates', { token: unlocated.token });
    expect(res.status).to.equal(409);
    expect(errorCode(res)).to.equal('conflict');
    res = await app.api.get('/discovery/candidates', { token: people.m_deleted.token });
    expect(res.status).to.equal(409);
    expect(res.body.error.message).to.match(/profile/);
  });

  it('refuses bad paging input and missing auth in the contract shape', async () => {
    for (const q of ['limit=0', 'limit=51', 'limit=abc', 'cursor=nonsense', 'limit=1&limit=2']) {
      const res = await app.api.get(`/discovery/candidates?${q}`, { token: people.alice.token });
      expect(res.status, q).to.equal(400);
      expect(errorCode(res)).to.equal('validation_failed');
    }
    const res = await app.api.get('/discovery/candidates');
    expect(res.status).to.equal(401);
    expect(errorCode(res)).to.equal('unauthorized');
  });
});
