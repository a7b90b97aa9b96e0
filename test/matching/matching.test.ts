// The matching worker: mutual likes make exactly one match and conversation
// (concurrent likes, two worker instances, replays, redeliveries), and users
// who leave (profile deleted, banned) take their matches with them. Swipes go
// through the discovery API, so their events leave through the outbox.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Platform } from '../../shared/platform.js';
import { STREAMS, type BusEvent } from '../../shared/events.js';
import { matchingHandler } from '../../workers/matching/handler.js';
import { startMatchingWorker, type MatchingWorker } from '../../workers/matching/index.js';
import { testPlatform } from '../helpers/env.js';
import { isolatedDatabase, type IsolatedDatabase } from '../helpers/database.js';
import { createMatch } from '../helpers/users.js';
import { waitFor } from '../helpers/wait.js';
import { redisOf } from '../helpers/redis.js';
import { EventProbe, makePerson, newSpot, startDiscovery, type DiscoveryApp, type Person } from '../discovery/fixtures.js';

function modes() {
  return [
    { name: 'Redis Streams bus, two worker instances', memory: false, workers: 2, pairs: 50 },
    // The same behaviour with fewer pairs: the acceptance run above is the load case. A
    // database of its own: one database, one bus (the outbox relays of the run's database publish to Redis).
    { name: 'in-memory bus (all-in-one mode)', memory: true, workers: 1, pairs: 20 },
  ];
}

for (const mode of modes()) {
  describe(`matching worker: ${mode.name}`, function () {
    this.timeout(60_000);
    let platform: Platform;
    const extraPlatforms: Platform[] = [];
    let app: DiscoveryApp;
    let workers: MatchingWorker[];
    let probe: EventProbe;
    let database: IsolatedDatabase | undefined;
    const make = () => (database ? testPlatform({ REDIS_URL: undefined, DATABASE_URL: database.url }) : testPlatform());
    const group = `matching-test-${randomUUID().slice(0, 8)}`;
    const spot = newSpot();
    const PAIRS = mode.pairs;

    before(async () => {
      if (mode.memory) database = await isolatedDatabase('matching_memory');
      platform = make();
      app = await startDiscovery(platform);
      workers = [];
      for (let i = 0; i < mode.workers; i++) {
        // Each extra instance is its own process in production: its own pool and bus connection.
        const p = i === 0 ? platform : make();
        if (i > 0) extraPlatforms.push(p);
        workers.push(startMatchingWorker(p, { group, startFrom: '$', consumer: `w${i}` }));
      }
      await Promise.all(workers.map((w) => w.ready));
      probe = await new EventProbe(platform, [STREAMS.matches]).start();
    });
    after(async () => {
      await Promise.all(workers.map((w) => w.stop()));
      await probe.stop();
      await app.close();
      for (const p of extraPlatforms) await p.close();
      await platform.close();
      await database?.drop();
    });

    const person = (gender: 'man' | 'woman') => makePerson(platform.db, platform.config, spot, { gender, age: 30, at: [0, 1] });

    /** Until every event published so far has been handled by the worker group. */
    async function drained() {
      if (platform.mode === 'redis') {
        await waitFor(
          'the worker group to drain',
          async () => {
            for (const s of [STREAMS.swipes, STREAMS.users]) {
              const groups = (await redisOf(platform.config).xinfo('GROUPS', `${platform.config.redisPrefix}${s}`)) as unknown[][];
              const mine = groups.map((g) => Object.fromEntries(chunk(g))).find((g) => g.name === group);
              if (!mine || Number(mine.pending) !== 0 || Number(mine.lag) !== 0) return false;
            }
            return true;
          },
          15_000,
        );
      } else {
        // One in-memory consumer handles events in order: once a later mutual pair is matched, all before it were handled.
        const [a, b] = [await person('woman'), await person('man')];
        await likeEachOtherDirectly(a, b);
        await waitFor('the sentinel match', async () => (await matchesAmong([a.id, b.id])).length === 1, 15_000);
      }
    }

    async function likeEachOtherDirectly(a: Person, b: Person) {
      for (const [x, y] of [
        [a, b],
        [b, a],
      ]) {
        const [s] = await platform.db('swipes').insert({ swiper_id: x.id, target_id: y.id, action: 'like' }).returning(['id', 'created_at']);
        await platform.bus.publish('swipe.created', { swipe_id: s.id, swiper_id: x.id, target_id: y.id, action: 'like', created_at: s.created_at.toISOString() });
      }
    }

    function matchesAmong(ids: string[]) {
      return platform.db('matches').whereIn('user_a', ids).orWhereIn('user_b', ids).select('*');
    }

    describe('mutual likes', () => {
      let pairs: [Person, Person][];
      let ids: string[];

      before(async () => {
        pairs = [];
        for (let i = 0; i < PAIRS; i++) pairs.push([await person('woman'), await person('man')]);
        ids = pairs.flat().map((p) => p.id);
      });

      it(`turns ${PAIRS} pairs liking each other at the same moment through HTTP into exactly ${PAIRS} matches and conversations`, async () => {
        const likes = pairs.flatMap(([w, m]) => [
          app.api.post('/discovery/like', { target_id: m.id }, { token: w.token }),
          app.api.post('/discovery/superlike', { target_id: w.id }, { token: m.token }),
        ]);
        const res = await Promise.all(likes);
        expect(res.map((r) => r.status)).to.deep.equal(res.map(() => 200));

        const mine = (p: { user_ids: string[] }) => ids.includes(p.user_ids[0]);
        await waitFor(`${PAIRS} match.created events`, () => probe.of('match.created', mine).length >= PAIRS, 20_000);
        await drained();

        const matches = await matchesAmong(ids);
        expect(matches).to.have.length(PAIRS);
        for (const [w, m] of pairs) {
          const found = matches.filter((x) => [x.user_a, x.user_b].sort().join() === [w.id, m.id].sort().join());
          expect(found, 'one match per pair').to.have.length(1);
          expect(found[0].user_a < found[0].user_b).to.equal(true);
        }
        const conversations = await platform.db('conversations').whereIn('match_id', matches.map((m) => m.id));
        expect(conversations).to.have.length(PAIRS);
        const members = await platform.db('conversation_members').whereIn('conversation_id', conversations.map((c) => c.id));
        expect(members).to.have.length(2 * PAIRS);
        for (const c of conversations) {
          const m = matches.find((x) => x.id === c.match_id)!;
          expect(members.filter((x) => x.conversation_id === c.id).map((x) => x.user_id).sort()).to.deep.equal([m.user_a, m.user_b].sort());
        }

        const events = probe.of('match.created', mine);
        expect(events, 'one match.created per match').to.have.length(PAIRS);
        for (const e of events) {
          const m = matches.find((x) => x.id === e.payload.match_id)!;
          expect(e.payload.user_ids).to.deep.equal([m.user_a, m.user_b]);
          expect(e.payload.conversation_id).to.equal(conversations.find((c) => c.match_id === m.id)!.id);
        }
      });

      it('changes nothing when every swipe event is replayed', async () => {
        const before = await matchesAmong(ids);
        const convBefore = await platform.db('conversations').whereIn('match_id', before.map((m) => m.id)).count<{ n: number }[]>({ n: '*' });
        const eventsBefore = probe.of('match.created').length;
        const swipes = await platform.db('swipes').whereIn('swiper_id', ids);
        expect(swipes).to.have.length(2 * PAIRS);
        for (const s of swipes) {
          await platform.bus.publish('swipe.created', {
            swipe_id: s.id,
            swiper_id: s.swiper_id,
            target_id: s.target_id,
            action: s.action,
            created_at: s.created_at.toISOString(),
          });
        }
        await drained();
        const after = await matchesAmong(ids);
        expect(after.map((m) => m.id).sort()).to.deep.equal(before.map((m) => m.id).sort());
        expect(await platform.db('conversations').whereIn('match_id', after.map((m) => m.id)).count<{ n: number }[]>({ n: '*' })).to.deep.equal(convBefore);
        // Only the drain's own sentinel match (in-memory mode) may have been announced since.
        const mine = probe.of('match.created').slice(eventsBefore).filter((e) => ids.includes(e.payload.user_ids[0]) || ids.includes(e.payload.user_ids[1]));
        expect(mine).to.have.length(0);
      });

      it('announces nothing more when a swipe event comes back after a failed attempt: the match.created committed with the match', async () => {
        const [w, m] = pairs[0];
        const swipe = await platform.db('swipes').where({ swiper_id: w.id, target_id: m.id }).first();
        const match = (await matchesAmong([w.id]))[0];
        const handle = matchingHandler(platform);
        const event = (attempt: number): BusEvent => ({
          id: `0-${attempt}`,
          stream: STREAMS.swipes,
          type: 'swipe.created',
          payload: { swipe_id: swipe.id, swiper_id: w.id, target_id: m.id, action: 'like', created_at: swipe.created_at.toISOString() },
          published_at: new Date().toISOString(),
          attempt,
        });
        const count = () => probe.of('match.created', (p) => p.match_id === match.id).length;
        expect(count(), 'announced once when it was made').to.equal(1);
        await handle(event(1));
        await handle(event(3));
        await drained();
        expect(count()).to.equal(1);
        expect(await matchesAmong([w.id])).to.have.length(1);
      });
    });

    it('makes no match for a like answered by a pass, nor across a block', async () => {
      const [a, b, c, d] = [await person('woman'), await person('man'), await person('woman'), await person('man')];
      expect((await app.api.post('/discovery/like', { target_id: b.id }, { token: a.token })).status).to.equal(200);
      expect((await app.api.post('/discovery/pass', { target_id: a.id }, { token: b.token })).status).to.equal(200);
      // c likes d, then blocks d; d's like arrives afterwards (inserted directly: the API would refuse a blocked target).
      expect((await app.api.post('/discovery/like', { target_id: d.id }, { token: c.token })).status).to.equal(200);
      expect((await app.api.post('/discovery/block', { target_id: d.id }, { token: c.token })).status).to.equal(204);
      const [s] = await platform.db('swipes').insert({ swiper_id: d.id, target_id: c.id, action: 'like' }).returning(['id', 'created_at']);
      await platform.bus.publish('swipe.created', { swipe_id: s.id, swiper_id: d.id, target_id: c.id, action: 'like', created_at: s.created_at.toISOString() });
      await drained();
      expect(await matchesAmong([a.id, b.id, c.id, d.id])).to.have.length(0);
    });

    for (const [type, reason] of [
      ['profile.deleted', 'deleted'],
      ['user.banned', 'banned'],
    ] as const) {
      it(`on ${type} ends the user's live matches, closes their chats and announces match.removed, once`, async () => {
        const [gone, p1, p2, p3] = [await person('woman'), await person('man'), await person('man'), await person('man')];
        const live1 = await createMatch(platform.db, gone.id, p1.id);
        const live2 = await createMatch(platform.db, p2.id, gone.id);
        const old = await createMatch(platform.db, gone.id, p3.id);
        await platform.db('matches').where('id', old.matchId).update({ ended_at: new Date(), ended_reason: 'unmatch', ended_by: p3.id });
        const other = await createMatch(platform.db, p1.id, p2.id);

        if (type === 'profile.deleted') await platform.bus.publish(type, { user_id: gone.id });
        else await platform.bus.publish(type, { user_id: gone.id, reason: 'spam' });
        const removed = () => probe.of('match.removed', (p) => p.user_ids.includes(gone.id));
        await waitFor('two match.removed', () => removed().length === 2, 10_000);
        expect(removed().map((e) => e.payload.match_id).sort()).to.deep.equal([live1.matchId, live2.matchId].sort());
        for (const e of removed()) {
          expect(e.payload.reason).to.equal(reason);
          expect(e.payload.conversation_id).to.equal(e.payload.match_id === live1.matchId ? live1.conversationId : live2.conversationId);
        }
        const rows = await platform.db('matches').whereIn('id', [live1.matchId, live2.matchId, old.matchId, other.matchId]);
        const byId = new Map(rows.map((r) => [r.id, r]));
        for (const id of [live1.matchId, live2.matchId]) {
          expect(byId.get(id).ended_at).to.be.instanceOf(Date);
          expect(byId.get(id).ended_reason).to.equal(reason);
        }
        expect(byId.get(old.matchId).ended_reason).to.equal('unmatch');
        expect(byId.get(other.matchId).ended_at).to.equal(null);
        const convs = await platform.db('conversations').whereIn('id', [live1.conversationId, live2.conversationId, other.conversationId]);
        expect(convs.filter((c) => c.closed_at).map((c) => c.id).sort()).to.deep.equal([live1.conversationId, live2.conversationId].sort());

        // The same event again (a replay): nothing more happens, nothing more is announced.
        if (type === 'profile.deleted') await platform.bus.publish(type, { user_id: gone.id });
        else await platform.bus.publish(type, { user_id: gone.id, reason: 'spam' });
        await drained();
        expect(removed()).to.have.length(2);
      });
    }
  });
}

function chunk(a: unknown[]): [unknown, unknown][] {
  const out: [unknown, unknown][] = [];
  for (let i = 0; i < a.length; i += 2) out.push([a[i], a[i + 1]]);
  return out;
}
