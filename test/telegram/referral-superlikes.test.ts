// A superlike earned by a referral is spent once the daily superlike quota is used up.
import { expect } from 'chai';
import type { Platform } from '../../shared/platform.js';
import { testPlatform } from '../helpers/env.js';
import { errorCode } from '../helpers/http.js';
import { makePerson, newSpot, startDiscovery, type DiscoveryApp, type ProfileSpec } from '../discovery/fixtures.js';

describe('referral superlikes', () => {
  let platform: Platform;
  let app: DiscoveryApp;
  const spot = newSpot();
  const person = (extra: Partial<ProfileSpec> = {}) => makePerson(platform.db, platform.config, spot, { gender: 'woman', age: 30, at: [0, 1], ...extra });

  before(async () => {
    platform = testPlatform({ SUPERLIKES_PER_DAY: '1' });
    app = await startDiscovery(platform);
  });
  after(async () => {
    await app.close();
    await platform.close();
  });

  it('spends a bonus superlike past the daily quota, once, and then refuses as before', async () => {
    const me = await person();
    const [a, b, c] = [await person(), await person(), await person()];
    await platform.db('superlike_credits').insert({ user_id: me.id, balance: 1 });
    const superlike = (target: string) => app.api.post('/discovery/superlike', { target_id: target }, { token: me.token });
    expect((await superlike(a.id)).status).to.equal(200); // the daily one
    expect((await superlike(b.id)).status).to.equal(200); // the bonus
    expect((await platform.db('superlike_credits').where('user_id', me.id).first()).balance).to.equal(0);
    const res = await superlike(c.id);
    expect(res.status).to.equal(429);
    expect(errorCode(res)).to.equal('quota_exceeded');
  });
});
