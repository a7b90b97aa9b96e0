// One behaviour suite, run against both implementations of the event bus, the
// Redis one on a Redis server and on a Redis Cluster (test/helpers/redis-topology.ts).
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { createLogger } from '../../shared/logger.js';
import { MemoryBus, RedisStreamsBus, sleep, type EventBus, type Consumer } from '../../shared/bus/index.js';
import type { BusEvent } from '../../shared/events.js';
import { testConfig, testEnv } from '../helpers/env.js';
import { redisTopologies } from '../helpers/redis-topology.js';
import { quit } from '../../shared/redis.js';
import { waitFor } from '../helpers/wait.js';

const logger = createLogger(testConfig(), 'bus-test');
const defaults = { maxAttempts: 3, visibilityTimeoutMs: 150, streamMaxLen: 1000 };

function profileDeleted() {
  return { user_id: randomUUID() };
}

interface Harness {
  bus: EventBus;
  close(): Promise<void>;
}

function behaviourSuite(name: string, make: () => Harness, use = () => {}) {
  describe(`event bus behaviour: ${name}`, () => {
    use();
    let h: Harness;
    let consumers: Consumer[];
    // Each test uses its own group names so leftovers of one test never reach another.
    let g: (n: string) => string;

    beforeEach(() => {
      h = make();
      consumers = [];
      const tag = randomUUID().slice(0, 8);
      g = (n) => `${n}-${tag}`;
    });
    afterEach(async () => {
      await Promise.all(consumers.map((c) => c.stop({ abandon: true })));
      await h.close();
    });

    function consume(group: string, handler: (e: BusEvent) => Promise<void>, extra: Partial<Parameters<EventBus['consume']>[0]> = {}) {
      const c = h.bus.consume({ group, streams: ['events:users'], handler, startFrom: '$', ...extra });
      consumers.push(c);
      return c;
    }

    /**
     * The positive signal before asserting that an event was not delivered again:
     * a witness published later to the same group fails its first attempt and
     * comes back, so the group has reclaimed what was left pending since. Handlers
     * of the group call handles() first and leave the witness to it.
     */
    function reclaimWitness() {
      const payload = profileDeleted();
      let attempts = 0;
      return {
        handles(e: BusEvent): boolean {
          if ((e.payload as { user_id?: string }).user_id !== payload.user_id) return false;
          attempts = e.attempt;
          if (e.attempt === 1) throw new Error('the witness fails once');
          return true;
        },
        async seenAgain() {
          await h.bus.publish('profile.deleted', payload);
          await waitFor('the witness to be reclaimed', () => attempts >= 2, 5000);
        },
      };
    }

    it('delivers a published event to exactly one consumer of a group', async () => {
      const seen: string[] = [];
      const payload = profileDeleted();
      const mine = (e: BusEvent) => (e.payload as { user_id: string }).user_id === payload.user_id;
      const witness = reclaimWitness();
      const a = consume(g('workers'), async (e) => void (!witness.handles(e) && mine(e) && seen.push('a')));
      const b = consume(g('workers'), async (e) => void (!witness.handles(e) && mine(e) && seen.push('b')));
      await Promise.all([a.ready, b.ready]);
      await h.bus.publish('profile.deleted', payload);
      await waitFor('delivery', () => seen.length >= 1, 5000);
      await witness.seenAgain();
      expect(seen).to.have.length(1);
    });

    it('delivers the events of every stream a consumer reads (streams that may live on different shards)', async () => {
      const seen: string[] = [];
      const user = profileDeleted();
      const match = { match_id: randomUUID(), conversation_id: randomUUID(), user_ids: [randomUUID(), randomUUID()] as [string, string], reason: 'unmatch' as const };
      const c = consume(g('both'), async (e) => void seen.push(e.type), { streams: ['events:users', 'events:matches'] });
      await c.ready;
      await h.bus.publish('match.removed', match);
      await h.bus.publish('profile.deleted', user);
      await waitFor('both events', () => seen.length >= 2, 5000);
      expect(seen.sort()).to.deep.equal(['match.removed', 'profile.deleted']);
    });

    it('gives each group its own copy', async () => {
      const seen: string[] = [];
      const a = consume(g('one'), async () => void seen.push('one'));
      const b = consume(g('two'), async () => void seen.push('two'));
      await Promise.all([a.ready, b.ready]);
      await h.bus.publish('profile.deleted', profileDeleted());
      await waitFor('both groups', () => seen.length >= 2, 5000);
      expect(seen.sort()).to.deep.equal(['one', 'two']);
    });

    it('retries a failing handler and dead-letters the event after maxAttempts with the error', async () => {
      const payload = profileDeleted();
      const attempts: number[] = [];
      const c = consume(g('flaky'), async (e) => {
        attempts.push(e.attempt);
        throw new Error(`boom ${e.attempt}`);
      });
      await c.ready;
      await h.bus.publish('profile.deleted', payload);
      await waitFor('dead letter', async () => (await h.bus.deadLetters(50)).some((d) => (d.payload as { user_id?: string })?.user_id === payload.user_id), 8000);
      const dl = (await h.bus.deadLetters(50)).find((d) => (d.payload as { user_id?: string })?.user_id === payload.user_id)!;
      expect(attempts).to.deep.equal([1, 2, 3]);
      expect(dl.error).to.contain('boom 3');
      expect(dl.attempts).to.equal(3);
      expect(dl.type).to.equal('profile.deleted');
      expect(dl.group).to.equal(g('flaky'));
    });

    it('succeeds on a retry without dead-lettering', async () => {
      let calls = 0;
      let done = false;
      const payload = profileDeleted();
      const c = consume(g('retry'), async () => {
        calls++;
        if (calls === 1) throw new Error('transient');
        done = true;
      });
      await c.ready;
      await h.bus.publish('profile.deleted', payload);
      await waitFor('retry', () => done, 5000);
      expect(calls).to.equal(2);
      const dead = await h.bus.deadLetters(50);
      expect(dead.some((d) => (d.payload as { user_id?: string })?.user_id === payload.user_id)).to.equal(false);
    });

    it('reclaims the event of a consumer that died mid-handle and processes it elsewhere', async () => {
      const group = g('reclaim');
      let startedOnA = false;
      const a = consume(group, async () => {
        startedOnA = true;
        await new Promise(() => {}); // hangs: the process "dies" below
      });
      await a.ready;
      await h.bus.publish('profile.deleted', profileDeleted());
      await waitFor('A to start', () => startedOnA, 5000);
      await a.stop({ abandon: true });
      let handledByB: BusEvent | undefined;
      consume(group, async (e) => {
        handledByB = e;
      });
      await waitFor('B to reclaim', () => handledByB !== undefined, 5000);
      expect(handledByB!.attempt).to.equal(2);
    });

    it('does not ack before the handler resolves, and finishes the event in hand on a graceful stop', async () => {
      const group = g('graceful');
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const order: string[] = [];
      let started = false;
      const a = consume(group, async () => {
        started = true;
        await gate;
        order.push('handler finished');
      });
      await a.ready;
      await h.bus.publish('profile.deleted', profileDeleted());
      await waitFor('start', () => started, 5000);
      const stopping = a.stop().then(() => order.push('stopped'));
      await sleep(100); // time for a stop that does not wait to return
      release();
      await stopping;
      expect(order).to.deep.equal(['handler finished', 'stopped']);
      // Acked: a new consumer of the group gets nothing, even after the visibility timeout.
      let redelivered = false;
      const witness = reclaimWitness();
      consume(group, async (e) => {
        if (!witness.handles(e)) redelivered = true;
      });
      await witness.seenAgain();
      expect(redelivered).to.equal(false);
    });

    it('keeps a slow handler’s event (claims are refreshed while it runs)', async () => {
      const group = g('slow');
      const handledBy: string[] = [];
      const slow = async (who: string) => {
        handledBy.push(who);
        await sleep(defaults.visibilityTimeoutMs * 4);
      };
      const witness = reclaimWitness();
      const a = consume(group, async (e) => void (witness.handles(e) || (await slow('a'))));
      const b = consume(group, async (e) => void (witness.handles(e) || (await slow('b'))));
      await Promise.all([a.ready, b.ready]);
      await h.bus.publish('profile.deleted', profileDeleted());
      await waitFor('the slow handler to start', () => handledBy.length === 1, 5000);
      // Reclaimed while the slow handler runs: its event, idle as long, would have gone too without the refreshed claim.
      await witness.seenAgain();
      expect(handledBy).to.have.length(1);
    });

    it('rejects a payload that does not match the catalogue', async () => {
      let err: unknown;
      try {
        await h.bus.publish('profile.deleted', { user_id: 'not-a-uuid' });
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(Error);
    });
  });
}

behaviourSuite('in-memory', () => {
  const bus = new MemoryBus({ logger, defaults });
  return { bus, close: () => bus.close() };
});

for (const topology of redisTopologies()) {
  behaviourSuite(
    `Redis Streams on ${topology.name}`,
    () => {
      const redis = topology.client();
      const bus = new RedisStreamsBus(redis, { prefix: `${testEnv.redisPrefix}bus:${randomUUID().slice(0, 8)}:`, logger, defaults });
      return {
        bus,
        async close() {
          await bus.close();
          await quit(redis);
        },
      };
    },
    topology.use,
  );
}

describe('event bus on Redis: a killed process', () => {
  it('has its in-flight event reclaimed by another process’s consumer', async function () {
    this.timeout(30_000);
    const prefix = `${testEnv.redisPrefix}bus-kill:`;
    const group = `kill-${randomUUID().slice(0, 8)}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hanging-consumer.ts'], {
      env: { ...process.env, BUS_TEST_REDIS_URL: testEnv.redisUrl, BUS_TEST_PREFIX: prefix, BUS_TEST_GROUP: group },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await waitFor('child ready', () => out.includes('ready'), 20_000);
    const redis = new Redis(testEnv.redisUrl);
    const bus = new RedisStreamsBus(redis, { prefix, logger, defaults });
    try {
      const payload = profileDeleted();
      await bus.publish('profile.deleted', payload);
      await waitFor('child to take the event', () => out.includes('handling'), 10_000);
      child.kill('SIGKILL');
      let got: BusEvent | undefined;
      const c = bus.consume({ group, streams: ['events:users'], handler: async (e) => void (got = e) });
      await waitFor('reclaim', () => got !== undefined, 10_000);
      expect((got!.payload as { user_id: string }).user_id).to.equal(payload.user_id);
      await c.stop();
    } finally {
      child.kill('SIGKILL');
      await bus.close();
      await redis.quit();
    }
  });
});
