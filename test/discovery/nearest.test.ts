// Nearest-first candidates: the pool scored is the nearest people who pass
// every filter (whoever is nearer but filtered out takes no place in it),
// across every gender the caller wants and across the antimeridian; pages
// walk the pool once; and the query reads them nearest first from the index
// of the caller's pair of genders.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Platform } from '../../shared/platform.js';
import { GENDERS } from '../../shared/contract/profiles.js';
import type { Viewer } from '../../api/discovery/repo.js';
import { testPlatform } from '../helpers/env.js';
import { birthdateForAge } from '../helpers/profiles.js';
import { candidateScans, makePeople, newSpot, startDiscovery, type DiscoveryApp, type Person, type ProfileSpec, type Spot } from './fixtures.js';

const POOL = 4;

const me: ProfileSpec = { gender: 'woman', age: 30, looking_for: ['man', 'woman'], age_min: 25, age_max: 35, max_distance_km: 100, at: [0, 0], interests: ['jazz'] };
// Everyone fits her and wants her; `shares` more interests scores higher.
const fits = (gender: 'man' | 'woman', eastKm: number, extra: Partial<ProfileSpec> = {}): ProfileSpec => ({
  gender,
  age: 30,
  looking_for: ['woman'],
  age_min: 25,
  age_max: 35,
  max_distance_km: 100,
  at: [0, eastKm],
  interests: ['surf'],
  ...extra,
});
const shares = { interests: ['jazz'] };

describe('discovery candidates: nearest first', () => {
  let platform: Platform;
  let app: DiscoveryApp;

  before(async () => {
    platform = testPlatform();
    app = await startDiscovery(platform, { candidatePool: POOL });
  });
  after(async () => {
    await app.close();
    await platform.close();
  });

  async function candidates(people: Record<string, Person>, caller: Person, query = 'limit=50') {
    const names = new Map(Object.values(people).map((p) => [p.id, p.name]));
    const res = await app.api.get(`/discovery/candidates?${query}`, { token: caller.token });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return {
      names: (res.body.candidates as { user_id: string }[]).map((c) => names.get(c.user_id) ?? `unknown ${c.user_id}`),
      body: res.body as { candidates: { user_id: string; distance_km: number | null }[]; next_cursor: string | null },
    };
  }

  // 3 km apart: coarse points (each within ~0.71 km of the exact one) keep that order.
  it('scores the nearest people who pass every filter, of every gender wanted; the nearer filtered out take no place', async () => {
    const people = await makePeople(platform.db, platform.config, newSpot(), {
      me,
      // Nearer than all, each failing one filter: none of them may use up the pool.
      too_old: fits('man', 1, { age: 50, age_min: 40, age_max: 60 }),
      wants_men: fits('woman', 1, { looking_for: ['man'] }),
      nonbinary: { ...fits('man', 1), gender: 'nonbinary' },
      // (3.5 km on the ground, 2 to 5 whole km between coarse points: beyond his 1 km either way.)
      too_far_for_him: fits('man', 3.5, { max_distance_km: 1 }),
      hidden: fits('man', 1, { visibility: 'hidden' }),
      swiped: fits('woman', 1),
      blocked: fits('man', 1),
      m6: fits('man', 6),
      w9: fits('woman', 9),
      m12: fits('man', 12),
      w15: fits('woman', 15),
      // Beyond the pool, and better matches: left out until nearer ones are swiped.
      m18: fits('man', 18, shares),
      w21: fits('woman', 21, shares),
    });
    await platform.db('swipes').insert({ swiper_id: people.me.id, target_id: people.swiped.id, action: 'pass' });
    await platform.db('blocks').insert({ blocker_id: people.blocked.id, blocked_id: people.me.id });

    expect((await candidates(people, people.me)).names).to.have.members(['m6', 'w9', 'm12', 'w15']);
    for (const n of ['m6', 'w9']) await app.api.post('/discovery/pass', { target_id: people[n].id }, { token: people.me.token });
    // The two nearest gone, the next two come in, and they rank first (they share her interest).
    const after = await candidates(people, people.me);
    expect(after.names).to.have.members(['m12', 'w15', 'm18', 'w21']);
    expect(after.names.slice(0, 2)).to.have.members(['m18', 'w21']);
  });

  it('pages through the pool once, best first, and then stops', async () => {
    const people = await makePeople(platform.db, platform.config, newSpot(), {
      me,
      a: fits('man', 3),
      b: fits('woman', 6, shares),
      c: fits('man', 9, { interests: ['jazz', 'surf'] }),
      d: fits('woman', 12),
      e: fits('man', 15, shares),
    });
    const first = await candidates(people, people.me, 'limit=3');
    expect(first.body.next_cursor).to.be.a('string');
    const second = await candidates(people, people.me, `limit=3&cursor=${encodeURIComponent(first.body.next_cursor!)}`);
    expect(second.body.next_cursor).to.equal(null);
    expect([...first.names, ...second.names]).to.have.members(['a', 'b', 'c', 'd']);
    expect(first.names).to.have.length(3);
  });

  it('finds the nearest across the antimeridian', async () => {
    // Fiji's longitude: the caller 10 km west of the line, people on both sides.
    const spot: Spot = { lat: -17.8, lon: 180 - 10 / (111.195 * Math.cos((17.8 * Math.PI) / 180)) };
    const people = await makePeople(platform.db, platform.config, spot, {
      me,
      across_15: fits('man', 15),
      across_21: fits('woman', 21),
      west_18: fits('man', -18),
      west_24: fits('woman', -24),
      west_30: fits('man', -30),
      across_36: fits('woman', 36),
    });
    const east = (await platform.db('profiles').where('user_id', people.across_15.id).first('lon')).lon;
    expect(east, 'stored across the line').to.be.below(-179);
    const found = await candidates(people, people.me);
    expect(found.names).to.have.members(['across_15', 'west_18', 'across_21', 'west_24']);
    // Measured across the line too (coarse points: 14 to 16 whole km).
    expect(found.body.candidates.find((c) => c.user_id === people.across_15.id)?.distance_km).to.be.within(14, 16);
  });

  it('reads candidates nearest first from the index of the caller’s pair of genders', async () => {
    for (const mine of GENDERS) {
      for (const wanted of GENDERS) {
        const viewer: Viewer = {
          user_id: randomUUID(),
          gender: mine,
          birthdate: birthdateForAge(30),
          looking_for: [wanted],
          age_min: 25,
          age_max: 35,
          max_distance_km: 50,
          interests: [],
          goal: null,
          goals: null,
          settings: null,
          lat: 48.85,
          lon: 2.35,
        };
        const scans = (await candidateScans(platform.db, viewer)).filter((s) => s.index !== 'profiles_pkey');
        expect(scans, `${mine} wanting ${wanted}`).to.deep.equal([{ node: 'Index Only Scan', index: `profiles_nearby_${wanted}_for_${mine}_idx`, nearestFirst: true }]);
      }
    }
  });
});
