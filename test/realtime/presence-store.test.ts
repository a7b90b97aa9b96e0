// One behaviour suite, run against both presence stores: Redis (shared by every
// realtime node and read by the notification worker) and memory (the all-in-one
// process without Redis). "Two nodes" are two stores on two connections over
// the same keys in Redis, and the one store of the process in memory. The Redis
// store runs on a Redis server and on a Redis Cluster (test/helpers/redis-topology.ts).
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { MemoryPresenceStore } from '../../realtime/presence/memory-store.js';
import { RedisPresenceStore } from '../../realtime/presence/redis-store.js';
import { onlineAmong, type Device, type PresenceStore } from '../../realtime/presence/store.js';
import { deleteByPrefix, quit } from '../../shared/redis.js';
import { testEnv } from '../helpers/env.js';
import { redisTopologies, type RedisTopology } from '../helpers/redis-topology.js';
import { sleep, waitFor } from '../helpers/wait.js';

const TTL_MS = 400;
const GRACE_MS = 200;

interface Harness {
  /** Two nodes' views of the same presence. */
  nodes: [PresenceStore, PresenceStore];
  close(): Promise<void>;
}

function inRedis(topology: RedisTopology): Harness {
  const prefix = `${testEnv.redisPrefix}presence-${randomBytes(3).toString('hex')}:`;
  const conns = [topology.client(), topology.client()];
  return {
    nodes: [new RedisPresenceStore(conns[0], prefix), new RedisPresenceStore(conns[1], prefix)],
    async close() {
      await deleteByPrefix(conns[0], prefix);
      await Promise.all(conns.map(quit));
    },
  };
}

function inMemory(): Harness {
  const store = new MemoryPresenceStore();
  return { nodes: [store, store], close: async () => {} };
}

function behaviourSuite(name: string, make: () => Harness, use = () => {}) {
  describe(`presence store behaviour: ${name}`, () => {
    use();
    let h: Harness;
    let a: PresenceStore;
    let b: PresenceStore;

    beforeEach(() => {
      h = make();
      [a, b] = h.nodes;
    });
    afterEach(() => h.close());

    const device = (userId: string, node = 'n1'): Device => ({ userId, deviceKey: `${node}:${randomUUID()}` });

    /** Sweeps from both nodes at once until `userId` is reported; returns every report of it seen meanwhile. */
    async function untilOffline(userId: string) {
      const reports: { userId: string; lastSeen: number }[] = [];
      await waitFor(`${userId} reported offline`, async () => {
        const [x, y] = await Promise.all([a.sweep(), b.sweep()]);
        reports.push(...[...x, ...y].filter((r) => r.userId === userId));
        return reports.length > 0;
      }, { timeoutMs: 5000, everyMs: 20 });
      return reports;
    }

    it('brings a user online with their first device only, on any node', async () => {
      const u = randomUUID();
      const phone = device(u, 'n1');
      expect(await a.connect([phone], TTL_MS)).to.deep.equal([u]);
      expect(await b.connect([device(u, 'n2')], TTL_MS)).to.deep.equal([]);
      expect(await a.connect([phone], TTL_MS), 'a renewal').to.deep.equal([]);
      expect(await onlineAmong(b, [u, randomUUID()])).to.deep.equal(new Set([u]));
    });

    it('answers never seen for unknown users, and last seen for those who left', async () => {
      const u = randomUUID();
      expect((await a.query([u])).get(u)).to.deep.equal({ online: false, lastSeen: null });
      const d = device(u);
      await a.connect([d], TTL_MS);
      expect((await b.query([u])).get(u)).to.deep.equal({ online: true, lastSeen: null });
      const left = Date.now();
      await a.disconnect(d, GRACE_MS);
      await untilOffline(u);
      const r = (await b.query([u])).get(u)!;
      expect(r.online).to.equal(false);
      expect(r.lastSeen).to.be.closeTo(left, 100);
    });

    it('keeps a user online while another device stays, and through the grace period after the last one left', async () => {
      const u = randomUUID();
      const [phone, laptop] = [device(u, 'n1'), device(u, 'n2')];
      await a.connect([phone], TTL_MS);
      await b.connect([laptop], TTL_MS);
      await a.disconnect(phone, GRACE_MS);
      expect((await a.sweep()).map((r) => r.userId)).to.not.include(u);
      expect(await onlineAmong(a, [u])).to.deep.equal(new Set([u]));
      const left = Date.now();
      await b.disconnect(laptop, GRACE_MS);
      expect(await onlineAmong(a, [u]), 'within the grace period').to.deep.equal(new Set([u]));
      const reports = await untilOffline(u);
      expect(Date.now() - left).to.be.at.least(GRACE_MS - 50);
      expect(reports, 'reported once across both nodes').to.have.length(1);
      expect(reports[0].lastSeen).to.be.closeTo(left, 100);
      expect([...(await a.sweep()), ...(await b.sweep())].map((r) => r.userId), 'and never again').to.not.include(u);
      expect(await onlineAmong(b, [u])).to.deep.equal(new Set());
    });

    it('does not take a user offline who came back within the grace period', async () => {
      const u = randomUUID();
      const first = device(u, 'n1');
      await a.connect([first], TTL_MS);
      await a.disconnect(first, GRACE_MS);
      const again = device(u, 'n2');
      expect(await b.connect([again], TTL_MS), 'no second "came online"').to.deep.equal([]);
      await sleep(GRACE_MS + 50);
      const left = Date.now();
      await b.disconnect(again, GRACE_MS);
      const reports = await untilOffline(u);
      expect(reports).to.have.length(1);
      expect(reports[0].lastSeen, 'the last device left now, not at the first leave').to.be.closeTo(left, 100);
    });

    it('takes offline a user whose device is not renewed within the TTL (its node died)', async () => {
      const u = randomUUID();
      const connected = Date.now();
      await a.connect([device(u)], TTL_MS);
      const reports = await untilOffline(u);
      expect(reports).to.have.length(1);
      expect(reports[0].lastSeen).to.be.at.least(connected + TTL_MS - 50);
    });

    it('keeps a renewed device online past the TTL, and lets it lapse once renewals stop', async () => {
      const u = randomUUID();
      const d = device(u);
      await a.connect([d], TTL_MS);
      const until = Date.now() + 2 * TTL_MS;
      while (Date.now() < until) {
        await sleep(TTL_MS / 4);
        expect(await a.connect([d], TTL_MS), 'a renewal').to.deep.equal([]);
        expect((await b.sweep()).map((r) => r.userId)).to.not.include(u);
        expect(await onlineAmong(b, [u])).to.deep.equal(new Set([u]));
      }
      const stopped = Date.now();
      await untilOffline(u);
      expect(Date.now() - stopped).to.be.at.least(TTL_MS - 50);
    });

    it('brings back online a user who went offline', async () => {
      const u = randomUUID();
      const d = device(u);
      await a.connect([d], TTL_MS);
      await a.disconnect(d, GRACE_MS);
      await untilOffline(u);
      expect(await b.connect([device(u)], TTL_MS)).to.deep.equal([u]);
      expect(await onlineAmong(a, [u])).to.deep.equal(new Set([u]));
    });

    it('registers many devices in one call (a heartbeat of a busy node)', async () => {
      const devices = Array.from({ length: 1200 }, () => device(randomUUID()));
      const came = await a.connect(devices, TTL_MS);
      expect(new Set(came)).to.deep.equal(new Set(devices.map((d) => d.userId)));
      expect(await a.connect(devices, TTL_MS)).to.deep.equal([]);
      expect((await b.query(devices.map((d) => d.userId))).size).to.equal(devices.length);
    });
  });
}

for (const topology of redisTopologies()) behaviourSuite(topology.name, () => inRedis(topology), topology.use);
behaviourSuite('memory', inMemory);
