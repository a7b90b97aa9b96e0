// One behaviour suite, run against both socket-slot stores: Redis (counted
// across every realtime node) and memory (the all-in-one process without
// Redis). "Two nodes" are two stores on two connections over the same keys in
// Redis, and the one store of the process in memory. What only Redis does
// (slots of a node that died lapse) has its own block below. The Redis store
// runs on a Redis server and on a Redis Cluster (test/helpers/redis-topology.ts).
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { MemorySlotStore, RedisSlotStore, type Slot, type SlotStore } from '../../realtime/socket-slots.js';
import { deleteByPrefix, quit } from '../../shared/redis.js';
import { testEnv } from '../helpers/env.js';
import { redisTopologies, standaloneTopology, type RedisTopology } from '../helpers/redis-topology.js';
import { waitFor } from '../helpers/wait.js';

const limits = { perUser: 2, perAddress: 3 };

interface Harness {
  nodes: [SlotStore, SlotStore];
  close(): Promise<void>;
}

function inRedis(topology: RedisTopology, ttlMs = 30_000): Harness {
  const prefix = `${testEnv.redisPrefix}slots-${randomBytes(3).toString('hex')}:`;
  const conns = [topology.client(), topology.client()];
  return {
    nodes: [new RedisSlotStore(conns[0], prefix, ttlMs), new RedisSlotStore(conns[1], prefix, ttlMs)],
    async close() {
      await deleteByPrefix(conns[0], prefix);
      await Promise.all(conns.map(quit));
    },
  };
}

function inMemory(): Harness {
  const store = new MemorySlotStore();
  return { nodes: [store, store], close: async () => {} };
}

const slot = (userId: string, address = `addr-${randomUUID()}`, node = 'n1'): Slot => ({ userId, address, member: `${node}:${randomUUID()}` });

function behaviourSuite(name: string, make: () => Harness, use = () => {}) {
  describe(`socket slot store behaviour: ${name}`, () => {
    use();
    let h: Harness;
    let a: SlotStore;
    let b: SlotStore;

    beforeEach(() => {
      h = make();
      [a, b] = h.nodes;
    });
    afterEach(() => h.close());

    it('gives a user their limit of slots across nodes, then refuses the user', async () => {
      const u = randomUUID();
      expect(await a.acquire(slot(u), limits)).to.equal(null);
      expect(await b.acquire(slot(u, undefined, 'n2'), limits)).to.equal(null);
      expect(await a.acquire(slot(u), limits)).to.equal('user');
      expect(await b.acquire(slot(randomUUID()), limits), 'another user').to.equal(null);
    });

    it('counts one address across its users, then refuses the address', async () => {
      const address = `addr-${randomUUID()}`;
      for (let i = 0; i < limits.perAddress; i++) expect(await (i % 2 ? b : a).acquire(slot(randomUUID(), address), limits)).to.equal(null);
      expect(await a.acquire(slot(randomUUID(), address), limits)).to.equal('address');
    });

    it('refuses the user first when both are full, and takes nothing for a refused slot', async () => {
      const u = randomUUID();
      const address = `addr-${randomUUID()}`;
      const neighbour = slot(randomUUID(), address);
      await a.acquire(slot(u, address), limits);
      await a.acquire(slot(u, address), limits);
      await a.acquire(neighbour, limits);
      expect(await b.acquire(slot(u, address), limits)).to.equal('user');
      // The refused one did not count against the address: a slot given back makes room for exactly one.
      await a.release(neighbour);
      expect(await b.acquire(slot(randomUUID(), address), limits)).to.equal(null);
      expect(await b.acquire(slot(randomUUID(), address), limits)).to.equal('address');
    });

    it('frees a slot given back on any node; giving it back twice frees nothing more', async () => {
      const u = randomUUID();
      const address = `addr-${randomUUID()}`;
      const first = slot(u, address);
      await a.acquire(first, limits);
      await a.acquire(slot(u, address), limits);
      await b.release(first);
      await b.release(first);
      expect(await b.acquire(slot(u, address), limits)).to.equal(null);
      expect(await a.acquire(slot(u, address), limits)).to.equal('user');
    });

    it('keeps renewed slots counted', async () => {
      const u = randomUUID();
      const held = [slot(u), slot(u)];
      for (const s of held) await a.acquire(s, limits);
      await a.renew(held);
      await a.renew([]);
      expect(await b.acquire(slot(u), limits)).to.equal('user');
    });
  });
}

for (const topology of redisTopologies()) behaviourSuite(topology.name, () => inRedis(topology), topology.use);
behaviourSuite('memory', inMemory);

describe('socket slot store in Redis: a node that stops renewing', () => {
  let h: Harness;
  const TTL_MS = 300;

  beforeEach(() => {
    h = inRedis(standaloneTopology, TTL_MS);
  });
  afterEach(() => h.close());

  it('loses its slots after the TTL, and a renewal puts back those that lapsed', async () => {
    const [dead, alive] = h.nodes;
    const u = randomUUID();
    const orphan = slot(u, undefined, 'dead');
    await dead.acquire(orphan, limits);
    await dead.acquire(slot(u, undefined, 'dead'), limits);
    expect(await alive.acquire(slot(u, undefined, 'alive'), limits)).to.equal('user');
    const mine = slot(u, undefined, 'alive');
    await waitFor('the dead node\'s slots to lapse', async () => (await alive.acquire(mine, limits)) === null, { timeoutMs: 5000, everyMs: 50 });
    // The "dead" node was only stalled: its heartbeat brings its slot back, and the user is full again.
    await dead.renew([orphan]);
    expect(await alive.acquire(slot(u, undefined, 'alive'), limits)).to.equal('user');
  });
});
