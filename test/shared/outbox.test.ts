// The transactional outbox (shared/outbox/): an event exists exactly when the
// change it announces commits, reaches the bus at once, and is published even
// when the bus or the process fails between the commit and the publish.
// On a database of its own with a Redis prefix of its own: one database, one bus.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { createPlatform, type Platform } from '../../shared/platform.js';
import type { Logger } from '../../shared/logger.js';
import { enqueue } from '../../shared/outbox/enqueue.js';
import { STREAMS, type BusEvent } from '../../shared/events.js';
import { testConfig, testEnv } from '../helpers/env.js';
import { isolatedDatabase, outboxDrained, unpublishedOutboxRows, type IsolatedDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/wait.js';
import { capturingLogger, type LogLine } from '../helpers/logs.js';
import { redisOf } from '../helpers/redis.js';
import { deleteByPrefix } from '../../shared/redis.js';
import { TcpHop } from '../helpers/tcp-hop.js';

/** Each event is a profile.deleted of a fresh id: the id says which commit it came from. */
function commit(db: Knex, ...ids: string[]) {
  return db.transaction((trx) => enqueue(trx, ...ids.map((user_id) => ({ type: 'profile.deleted' as const, payload: { user_id } }))));
}

/** Records what reaches the bus from now on. */
async function listen(p: Platform, startFrom: '$' | '0' = '$') {
  const got: BusEvent[] = [];
  const consumer = p.bus.consume({ group: `probe-${randomUUID().slice(0, 8)}`, streams: [STREAMS.users], startFrom, handler: async (e) => void got.push(e) });
  await consumer.ready;
  const ids = () => got.map((e) => (e.payload as { user_id: string }).user_id);
  return { got, ids, count: (id: string) => ids().filter((x) => x === id).length };
}

describe('outbox: events leave with their commit', function () {
  this.timeout(30_000);
  let database: IsolatedDatabase;
  let prefix: string;
  const opened: Platform[] = [];

  before(async () => {
    database = await isolatedDatabase('outbox');
    prefix = `${testEnv.redisPrefix}outbox-${randomUUID().slice(0, 6)}:`;
  });
  afterEach(async () => {
    for (const p of opened.splice(0)) await p.close();
  });
  after(() => database.drop());

  /** A platform on the suite's database; its relay runs unless `relay: false` (a process about to die, or one that only listens). */
  function platform(env: Record<string, string | undefined> = {}, relay = true, logger?: Logger): Platform {
    const p = createPlatform(testConfig({ DATABASE_URL: database.url, REDIS_PREFIX: prefix, OUTBOX_POLL_MS: '100', ...env }), 'outbox-test', { logger });
    opened.push(p);
    if (relay) p.relay.start();
    return p;
  }
  /** The relay marks its rows published in the transaction that claimed them, just after publishing them. */

  for (const mode of [
    { name: 'Redis Streams bus', env: {} },
    { name: 'in-memory bus (all-in-one mode)', env: { REDIS_URL: undefined } },
  ]) {
    describe(mode.name, () => {
      it('publishes at the commit, without waiting for the poll', async () => {
        const p = platform({ ...mode.env, OUTBOX_POLL_MS: '60000' });
        const bus = await listen(p);
        await outboxDrained(p.db, 5000); // the relay's first round is over: what follows is woken by the commit
        const id = randomUUID();
        const t0 = Date.now();
        await commit(p.db, id);
        await waitFor('the event', () => bus.count(id) === 1, 5000);
        expect(Date.now() - t0, 'ms from the commit to the consumer').to.be.below(1000);
      });

      it("keeps a transaction's events in order, a run of one type sharing a row", async () => {
        const p = platform(mode.env, false);
        const bus = await listen(p);
        const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
        const deleted = (user_id: string) => ({ type: 'profile.deleted' as const, payload: { user_id } });
        await p.db.transaction((trx) => enqueue(trx, deleted(a), deleted(b), { type: 'user.banned', payload: { user_id: c } }, deleted(d)));
        expect(await unpublishedOutboxRows(p.db), 'rows: [a, b], [c], [d]').to.equal(3);
        p.relay.start();
        await waitFor('the four events', () => bus.got.length === 4, 5000);
        expect(bus.got.map((e) => [e.type, (e.payload as { user_id: string }).user_id])).to.deep.equal([
          ['profile.deleted', a],
          ['profile.deleted', b],
          ['user.banned', c],
          ['profile.deleted', d],
        ]);
        await outboxDrained(p.db, 5000);
      });

      it('emits nothing for a transaction that rolls back', async () => {
        const p = platform(mode.env);
        const bus = await listen(p);
        const [rolledBack, committed] = [randomUUID(), randomUUID()];
        const refused = await p.db
          .transaction(async (trx) => {
            await enqueue(trx, { type: 'profile.deleted', payload: { user_id: rolledBack } });
            throw new Error('the change fails after its event was enqueued');
          })
          .catch((err: Error) => err.message);
        expect(refused).to.match(/the change fails/);
        await commit(p.db, committed);
        // Rows go out in id order: once the later commit's event is here, the earlier one would have been too.
        await waitFor('the committed event', () => bus.count(committed) === 1, 5000);
        expect(bus.ids()).to.deep.equal([committed]);
        await outboxDrained(p.db, 5000);
      });

      it('publishes on restart what a process committed and died before publishing (kill between commit and publish)', async () => {
        const dead = platform(mode.env, false);
        const ids = [randomUUID(), randomUUID(), randomUUID()];
        await commit(dead.db, ids[0], ids[1]);
        await commit(dead.db, ids[2]);
        // The first commit's two events of one type share a row.
        expect(await unpublishedOutboxRows(dead.db)).to.equal(2);
        await dead.close();

        const restarted = platform(mode.env, false);
        const bus = await listen(restarted);
        restarted.relay.start();
        await waitFor('the three events', () => bus.got.length === 3, 5000);
        expect(bus.ids(), 'in commit order').to.deep.equal(ids);
        await outboxDrained(restarted.db, 5000);
      });
    });
  }

  it('keeps a committed event while Redis is down and publishes it once Redis is back', async () => {
    const hop = TcpHop.to(testEnv.redisUrl);
    await hop.up();
    try {
      const logs: LogLine[] = [];
      const writer = platform({ REDIS_URL: `redis://127.0.0.1:${hop.port}`, OUTBOX_PUBLISH_TIMEOUT_MS: '300' }, true, capturingLogger(logs));
      const bus = await listen(platform({}, false));
      await hop.down();
      const id = randomUUID();
      await commit(writer.db, id); // the change itself does not need the bus
      await waitFor('a relay round to fail', () => logs.some((l) => /outbox relay could not publish/.test(l.msg)), 5000);
      expect(await unpublishedOutboxRows(writer.db), 'still in the outbox').to.equal(1);
      await hop.up();
      // At least once: a publish the relay gave up on may still be sent from the client's offline queue.
      await waitFor('the event once Redis is back', () => bus.count(id) >= 1, 15_000);
      await outboxDrained(writer.db, 5000);
    } finally {
      await hop.down();
    }
  });

  it('publishes again what Redis lost when it came back empty, once, from the relay that noticed', async () => {
    const [a, b] = [platform(), platform()];
    const before = await listen(a);
    const id = randomUUID();
    await commit(a.db, id);
    await waitFor('the event', () => before.count(id) === 1, 5000);
    await outboxDrained(a.db, 5000);
    // Redis restarts with no data: the stream (with an entry a consumer might not have handled) and the groups are gone.
    await deleteByPrefix(redisOf(a.config), prefix);
    const after = await listen(b, '0');
    await waitFor('the event published again into the new generation', () => after.count(id) >= 1, 10_000);
    const sentinel = randomUUID();
    await commit(b.db, sentinel);
    await waitFor('a later event', () => after.count(sentinel) === 1, 5000);
    expect(after.count(id), 'published again by one relay only').to.equal(1);
  });

  it('prunes published rows older than OUTBOX_RETENTION_S, and keeps none with 0', async () => {
    const p = platform({ OUTBOX_RETENTION_S: '1' });
    const id = randomUUID();
    await commit(p.db, id);
    await waitFor('the published row pruned', async () => Number((await p.db('outbox').count({ n: '*' }))[0].n) === 0, 10_000);
    const q = platform({ OUTBOX_RETENTION_S: '0' });
    const bus = await listen(q);
    const other = randomUUID();
    await commit(q.db, other);
    await waitFor('the event', () => bus.count(other) === 1, 5000);
    await waitFor('no row kept', async () => Number((await q.db('outbox').count({ n: '*' }))[0].n) === 0, 5000);
  });

  it('shares the work between two relays (SKIP LOCKED) and publishes each event once', async () => {
    const [a, b] = [platform(), platform()];
    const bus = await listen(platform({}, false));
    const ids = Array.from({ length: 400 }, () => randomUUID());
    // 40 transactions of 10 from both processes at once: each wakes its own relay.
    await Promise.all(Array.from({ length: 40 }, (_, i) => commit((i % 2 ? a : b).db, ...ids.slice(i * 10, i * 10 + 10))));
    await waitFor('all 400 events', () => ids.every((id) => bus.count(id) >= 1), 15_000);
    const sentinel = randomUUID();
    await commit(a.db, sentinel);
    await waitFor('a later event', () => bus.count(sentinel) === 1, 5000);
    expect(ids.filter((id) => bus.count(id) !== 1), 'events published more than once').to.deep.equal([]);
    await outboxDrained(a.db, 5000);
  });
});
