// The all-in-one mode runs discovery and matching on the embedded PostgreSQL
// (PGlite) and the in-memory bus: every query of both must work there too.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createPlatform, type Platform } from '../../shared/platform.js';
import { migrateLatest } from '../../shared/db.js';
import { createLogger } from '../../shared/logger.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../shared/embedded-postgres.js';
import { startMatchingWorker, type MatchingWorker } from '../../workers/matching/index.js';
import { testConfig } from '../helpers/env.js';
import { createMatch, createUser } from '../helpers/users.js';
import { sendBatch } from '../../realtime/chat/repo.js';
import { waitFor } from '../helpers/wait.js';
import { candidateScans, makePerson, newSpot, startDiscovery, type DiscoveryApp } from './fixtures.js';
import { findViewer } from '../../api/discovery/repo.js';

describe('discovery and matching on the embedded PostgreSQL (PGlite)', function () {
  this.timeout(60_000);
  let dir: string;
  let embedded: EmbeddedPostgres;
  let platform: Platform;
  let app: DiscoveryApp;
  let worker: MatchingWorker;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'discovery-pglite-'));
    const config = testConfig({ REDIS_URL: undefined, LIKES_PER_DAY: '2' });
    embedded = await startEmbeddedPostgres(dir, createLogger(config, 'discovery-pglite'));
    platform = createPlatform(config, 'discovery-pglite', { databaseUrl: embedded.url, databasePoolMax: 1 }); // as allinone/main.ts
    await migrateLatest(platform.db);
    platform.relay.start(); // as the all-in-one process does: events reach the memory bus through the outbox
    app = await startDiscovery(platform);
    worker = startMatchingWorker(platform);
    await worker.ready;
  });
  after(async () => {
    await worker?.stop();
    await app?.close();
    await platform?.close();
    await embedded?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('finds candidates, swipes within quota, matches, lists, blocks, reports and ends matches of a deleted profile', async () => {
    const spot = newSpot();
    const mk = (gender: 'man' | 'woman', at: [number, number]) =>
      makePerson(platform.db, platform.config, spot, { gender, age: 30, at, interests: ['jazz'], settings: { timezone: 'Europe/Berlin' } });
    const [ann, ben, carl, dan] = [await mk('woman', [0, 0]), await mk('man', [0, 3]), await mk('man', [0, 9]), await mk('man', [0, 12])];

    const cands = await app.api.get('/discovery/candidates?debug=1', { token: ann.token });
    expect(cands.status, JSON.stringify(cands.body)).to.equal(200);
    expect(cands.body.candidates.map((c: { user_id: string }) => c.user_id)).to.deep.equal([ben.id, carl.id, dan.id]);
    expect(cands.body.candidates[0].score_breakdown.score).to.equal(cands.body.candidates[0].score);
    const page2 = await app.api.get('/discovery/candidates?limit=1&cursor=' + encodeURIComponent((await app.api.get('/discovery/candidates?limit=1', { token: ann.token })).body.next_cursor), { token: ann.token });
    expect(page2.body.candidates.map((c: { user_id: string }) => c.user_id)).to.deep.equal([carl.id]);

    expect((await app.api.post('/discovery/like', { target_id: ben.id }, { token: ann.token })).status).to.equal(200);
    expect((await app.api.post('/discovery/superlike', { target_id: ann.id }, { token: ben.token })).status).to.equal(200);
    expect((await app.api.post('/discovery/like', { target_id: carl.id }, { token: ann.token })).status).to.equal(200);
    const over = await app.api.post('/discovery/like', { target_id: dan.id }, { token: ann.token });
    expect(over.status).to.equal(429);
    expect(over.body.error.code).to.equal('quota_exceeded');

    await waitFor('the match', async () => (await app.api.get('/discovery/matches', { token: ann.token })).body.matches.length === 1, 10_000);
    const [match] = (await app.api.get('/discovery/matches', { token: ben.token })).body.matches;
    expect(match.user.user_id).to.equal(ann.id);
    expect(match.last_message).to.equal(null);
    expect((await app.api.get('/discovery/likes', { token: carl.token })).body.likes.map((l: { user_id: string }) => l.user_id)).to.deep.equal([ann.id]);

    expect((await app.api.post('/discovery/block', { target_id: carl.id }, { token: ann.token })).status).to.equal(204);
    expect((await app.api.post('/discovery/report', { target_id: carl.id, reason: 'spam' }, { token: ann.token })).status).to.equal(202);
    expect((await app.api.del(`/discovery/matches/${match.match_id}`, { token: ben.token })).status).to.equal(204);

    const other = await createMatch(platform.db, dan.id, carl.id);
    await platform.bus.publish('profile.deleted', { user_id: dan.id });
    await waitFor('the ended match', async () => !!(await platform.db('matches').where('id', other.matchId).first()).ended_at, 10_000);
  });

  it("stores chat messages with the chat's one-statement group commit there too", async () => {
    const ann = await createUser(platform.db, platform.config);
    const bob = await createUser(platform.db, platform.config);
    const { conversationId } = await createMatch(platform.db, ann.id, bob.id);
    const send = (senderId: string, body: string, clientMsgId: string) => ({ conversationId, senderId, body, clientMsgId });
    const first = await sendBatch(platform.db, [send(ann.id, 'hello', 'c1'), send(bob.id, 'hi', 'c2')]);
    expect(first.inserted.map((m) => [m.seq, m.body])).to.deep.equal([[1, 'hello'], [2, 'hi']]);
    // A resend is the message stored before.
    for (let i = 3; i <= 10; i++) expect((await sendBatch(platform.db, [send(ann.id, `m${i}`, `c${i}`)])).inserted[0].seq).to.equal(i);
    const again = await sendBatch(platform.db, [send(ann.id, 'hello', 'c1')]);
    expect(again.inserted).to.deep.equal([]);
    expect(again.stored.map((m) => m.seq)).to.deep.equal([1]);
    expect(await platform.db('messages').where('conversation_id', conversationId).count<{ n: number }[]>({ n: '*' })).to.deep.equal([{ n: 10 }]);
  });

  it('reads candidates nearest first from the GiST index there too (core PostgreSQL, no extension)', async () => {
    const me = await makePerson(platform.db, platform.config, newSpot(), { gender: 'woman', age: 30, looking_for: ['man'] });
    const scans = await candidateScans(platform.db, (await findViewer(platform.db, me.id))!);
    expect(scans.filter((s) => s.index !== 'profiles_pkey')).to.deep.equal([{ node: 'Index Only Scan', index: 'profiles_nearby_man_for_woman_idx', nearestFirst: true }]);
  });
});
