// The matching worker's repair sweep: a mutual like whose swipe.created never
// reached the worker (the bus was down when it was published, or Redis came
// back without the stream) still ends in exactly one match; nothing else is
// touched. Runs on a database of its own: the sweep looks at every like.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Platform } from '../../shared/platform.js';
import { STREAMS } from '../../shared/events.js';
import { startMatchingWorker, type MatchingWorker } from '../../workers/matching/index.js';
import { testEnv, testPlatform } from '../helpers/env.js';
import { ownDatabase, type OwnDatabase } from '../helpers/own-database.js';
import { createMatch } from '../helpers/users.js';
import { EventProbe, makePerson, newSpot, waitFor, type Person } from '../discovery/fixtures.js';

describe('matching worker: repair sweep of lost swipe events', function () {
  this.timeout(30_000);
  let database: OwnDatabase;
  let platform: Platform;
  let worker: MatchingWorker | undefined;
  let probe: EventProbe;
  const spot = newSpot();

  before(async () => {
    database = await ownDatabase('repair_matching');
    platform = testPlatform({ DATABASE_URL: database.url, REDIS_PREFIX: `${testEnv.redisPrefix}repair-matching:` });
    probe = await new EventProbe(platform, [STREAMS.matches]).start();
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });
  after(async () => {
    await probe.stop();
    await platform.close();
    await database.drop();
  });

  const person = (gender: 'man' | 'woman') => makePerson(platform.db, platform.config, spot, { gender, age: 30, at: [0, 1] });
  /** Likes written as discovery writes them, with no event published (the event was lost). */
  const likeSilently = (from: Person, to: Person, action = 'like') => platform.db('swipes').insert({ swiper_id: from.id, target_id: to.id, action });
  const matchesOf = async (a: Person, b: Person) =>
    Number(
      (
        await platform
          .db('matches')
          .whereRaw('LEAST(user_a, user_b) = LEAST(?::uuid, ?::uuid) AND GREATEST(user_a, user_b) = GREATEST(?::uuid, ?::uuid)', [a.id, b.id, a.id, b.id])
          .count({ n: '*' })
      )[0].n,
    );
  const start = (repair: { everyMs: number; graceMs: number }) => {
    worker = startMatchingWorker(platform, { group: `repair-${randomUUID().slice(0, 8)}`, startFrom: '$', repair });
    return worker.ready;
  };

  it('matches a mutual like whose event was lost, announces it once, and leaves blocked, one-sided and matched pairs alone', async () => {
    const [ann, bob, cat, dan, eve, fay, gus, hal] = await Promise.all([
      person('woman'), person('man'), person('woman'), person('man'), person('woman'), person('man'), person('woman'), person('man'),
    ]);
    await likeSilently(ann, bob);
    await likeSilently(bob, ann, 'superlike');
    await likeSilently(cat, dan);
    await likeSilently(dan, cat);
    await platform.db('blocks').insert({ blocker_id: dan.id, blocked_id: cat.id });
    await likeSilently(eve, fay);
    await likeSilently(fay, eve);
    await createMatch(platform.db, eve.id, fay.id);
    await likeSilently(gus, hal);

    await start({ everyMs: 100, graceMs: 0 });
    await waitFor(async () => (await matchesOf(ann, bob)) === 1, 10_000, 'the repaired match');
    await new Promise((r) => setTimeout(r, 500)); // several more rounds
    expect(await matchesOf(ann, bob)).to.equal(1);
    expect(await matchesOf(cat, dan)).to.equal(0);
    expect(await matchesOf(eve, fay)).to.equal(1);
    expect(await matchesOf(gus, hal)).to.equal(0);
    await waitFor(() => probe.of('match.created', (p) => p.user_ids.includes(ann.id)).length > 0, 5000, 'match.created');
    expect(probe.of('match.created', (p) => p.user_ids.includes(ann.id))).to.have.length(1);
    expect(probe.of('match.created', (p) => p.user_ids.includes(eve.id) || p.user_ids.includes(cat.id))).to.have.length(0);
  });

  it('leaves a like younger than the grace period to its own event', async () => {
    const [ivy, jon] = await Promise.all([person('woman'), person('man')]);
    await likeSilently(ivy, jon);
    await likeSilently(jon, ivy);
    await start({ everyMs: 100, graceMs: 60_000 });
    await new Promise((r) => setTimeout(r, 700)); // the first round runs after 100 ms, then more
    expect(await matchesOf(ivy, jon)).to.equal(0);
  });
});
