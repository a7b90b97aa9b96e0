// Session revocations: one behaviour suite over both lists (Redis, and this
// process's memory in the all-in-one mode; Redis as a server and as a Redis
// Cluster), then what only the Redis copy needs (coming back empty).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { deleteByPrefix, quit, type RedisClient } from '../../shared/redis.js';
import type { Knex } from 'knex';
import type { Platform } from '../../shared/platform.js';
import { MemoryRevocations, RedisRevocations, type SessionRevocations } from '../../shared/revocation.js';
import { testEnv, testPlatform } from '../helpers/env.js';
import { createUser } from '../helpers/users.js';
import { redisOf } from '../helpers/redis.js';
import { redisTopologies } from '../helpers/redis-topology.js';
import { waitFor } from '../helpers/wait.js';

/** A list as a process starts with it (`ttlS`: how long an access token lives). */
type Make = (db: Knex, ttlS: number) => SessionRevocations;

function behaviourSuite(name: string, make: Make, use = () => {}) {
  describe(`session revocations behaviour: ${name}`, () => {
    use();
    let platform: Platform;

    before(() => {
      platform = testPlatform({}, 'revocations');
    });
    after(() => platform.close());

    const ttlS = () => platform.config.jwt.accessTtlS;

    /** A session the sessions table says was revoked `agoS` seconds ago (what auth writes before revoke()). */
    async function revokedInTable(agoS = 0) {
      const u = await createUser(platform.db, platform.config);
      await platform.db('sessions').where('id', u.sessionId).update({ revoked_at: new Date(Date.now() - agoS * 1000), revoke_reason: 'logout' });
      return u;
    }

    it('refuses a revoked session and accepts a live one', async () => {
      const list = make(platform.db, ttlS());
      const revoked = await revokedInTable();
      await list.revoke([revoked.sessionId]);
      const live = await createUser(platform.db, platform.config);
      expect(await list.isRevoked(revoked.sessionId)).to.equal(true);
      expect(await list.isRevoked(live.sessionId)).to.equal(false);
    });

    it('refuses, after a restart, a session revoked before it (read back from the sessions table)', async () => {
      const revoked = await revokedInTable(5);
      const restarted = make(platform.db, ttlS());
      expect(await restarted.isRevoked(revoked.sessionId)).to.equal(true);
    });

    it('forgets a revocation once no access token of the session can be alive', async () => {
      const shortLived = make(platform.db, 1);
      const u = await createUser(platform.db, platform.config);
      await shortLived.revoke([u.sessionId]);
      expect(await shortLived.isRevoked(u.sessionId)).to.equal(true);
      await waitFor('the revocation to end', async () => !(await shortLived.isRevoked(u.sessionId)), { timeoutMs: 3000, everyMs: 100 });
    });

    it('does not read back revocations older than an access token can live', async () => {
      const old = await revokedInTable(ttlS() + 60);
      expect(await make(platform.db, ttlS()).isRevoked(old.sessionId)).to.equal(false);
    });
  });
}

describe('session revocations over both lists', () => {
  const conns: RedisClient[] = [];
  after(() => Promise.all(conns.map(quit)));
  for (const topology of redisTopologies()) {
    behaviourSuite(
      topology.name,
      (db, ttlS) => {
        const c = topology.client();
        conns.push(c);
        // A prefix of its own: a fresh list is a Redis that has never seen a revocation.
        return new RedisRevocations(c, `${testEnv.redisPrefix}rev-${randomBytes(3).toString('hex')}:`, ttlS, db);
      },
      topology.use,
    );
  }
  behaviourSuite('memory', (db, ttlS) => new MemoryRevocations(ttlS, db));
});

for (const topology of redisTopologies()) {
  describe(`session revocations in Redis: a Redis that comes back empty (${topology.name})`, () => {
    topology.use();
    let platform: Platform;
    let prefix: string;

    before(() => {
      prefix = `${testEnv.redisPrefix}rev-${randomBytes(3).toString('hex')}:`;
      platform = testPlatform({ ...topology.env(), REDIS_PREFIX: prefix });
    });
    after(() => platform.close());

    async function revokedSession() {
      const u = await createUser(platform.db, platform.config);
      await platform.db('sessions').where('id', u.sessionId).update({ revoked_at: platform.db.fn.now(), revoke_reason: 'logout' });
      await platform.revocations.revoke([u.sessionId]);
      return u;
    }

    it('still refuses a revoked session after Redis comes back empty (rebuilt from the sessions table)', async () => {
      const revoked = await revokedSession();
      const live = await createUser(platform.db, platform.config);
      await deleteByPrefix(redisOf(platform.config), prefix); // what a restart without persistence does
      expect(await platform.revocations.isRevoked(revoked.sessionId)).to.equal(true);
      expect(await platform.revocations.isRevoked(live.sessionId)).to.equal(false);
      // The rebuilt entry lasts as long as the session's access tokens can, no longer.
      const until = Number(await redisOf(platform.config).zscore(`${prefix}revoked:sessions`, revoked.sessionId));
      expect(until - Date.now()).to.be.within(1, platform.config.jwt.accessTtlS * 1000);
    });

    it('does not bring back revocations older than an access token can live', async () => {
      const u = await createUser(platform.db, platform.config);
      const long = new Date(Date.now() - (platform.config.jwt.accessTtlS + 60) * 1000);
      await platform.db('sessions').where('id', u.sessionId).update({ revoked_at: long });
      await deleteByPrefix(redisOf(platform.config), prefix);
      expect(await platform.revocations.isRevoked(u.sessionId)).to.equal(false);
    });
  });
}
