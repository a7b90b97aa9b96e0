import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { deleteByPrefix } from '../../shared/redis.js';
import type { Platform } from '../../shared/platform.js';
import { testEnv, testPlatform } from '../helpers/env.js';
import { createUser } from '../helpers/users.js';

describe('session revocations', () => {
  let platform: Platform;
  let prefix: string;

  before(() => {
    prefix = `${testEnv.redisPrefix}rev-${randomBytes(3).toString('hex')}:`;
    platform = testPlatform({ REDIS_PREFIX: prefix });
  });
  after(() => platform.close());

  async function revokedSession() {
    const u = await createUser(platform.db, platform.config);
    await platform.db('sessions').where('id', u.sessionId).update({ revoked_at: platform.db.fn.now(), revoke_reason: 'logout' });
    await platform.revocations.revoke([u.sessionId]);
    return u;
  }

  it('refuses a revoked session and accepts a live one', async () => {
    const revoked = await revokedSession();
    const live = await createUser(platform.db, platform.config);
    expect(await platform.revocations.isRevoked(revoked.sessionId)).to.equal(true);
    expect(await platform.revocations.isRevoked(live.sessionId)).to.equal(false);
  });

  it('still refuses a revoked session after Redis comes back empty (rebuilt from the sessions table)', async () => {
    const revoked = await revokedSession();
    const live = await createUser(platform.db, platform.config);
    await deleteByPrefix(platform.redis!, prefix); // what a restart without persistence does
    expect(await platform.revocations.isRevoked(revoked.sessionId)).to.equal(true);
    expect(await platform.revocations.isRevoked(live.sessionId)).to.equal(false);
    // The rebuilt entry lasts as long as the session's access tokens can, no longer.
    const until = Number(await platform.redis!.zscore(`${prefix}revoked:sessions`, revoked.sessionId));
    expect(until - Date.now()).to.be.within(1, platform.config.jwt.accessTtlS * 1000);
  });

  it('does not bring back revocations older than an access token can live', async () => {
    const u = await createUser(platform.db, platform.config);
    const long = new Date(Date.now() - (platform.config.jwt.accessTtlS + 60) * 1000);
    await platform.db('sessions').where('id', u.sessionId).update({ revoked_at: long });
    await deleteByPrefix(platform.redis!, prefix);
    expect(await platform.revocations.isRevoked(u.sessionId)).to.equal(false);
  });
});
