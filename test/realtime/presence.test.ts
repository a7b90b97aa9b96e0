import { expect } from 'chai';
import { createMatch, createUser, matchedPair, newSession, type TestUser } from '../helpers/users.js';
import { collect, emitAck, nextEvent, openSocket, untilCount, type ClientSocket } from '../helpers/sockets.js';
import { waitFor } from '../helpers/wait.js';
import { FAST_TIMINGS, startProcessNode, twoNodes } from '../helpers/realtime.js';
import { redisTopologies } from '../helpers/redis-topology.js';

const timings = FAST_TIMINGS;

// On a Redis server and on a Redis Cluster (test/helpers/redis-topology.ts).
for (const topology of redisTopologies()) {
  describe(`realtime presence (two nodes, ${topology.name})`, () => {
    topology.use();
    const { n1, n2, db, config } = twoNodes(() => topology.env(), { presence: timings });

    /**
     * Another match of `peer`, online on n1 (announced on `peerSocket`). Closed at the
     * same moment as a user's socket, its offline announcement marks the end of the grace period.
     */
    async function onlineTwinOf(peer: TestUser, peerSocket: ClientSocket) {
      const twin = await createUser(db(), config());
      await createMatch(db(), peer.id, twin.id);
      const online = nextEvent(peerSocket, 'presence', { filter: (p) => p.user_id === twin.id && p.online });
      const socket = await openSocket(n1.url, twin.token);
      await online;
      return { userId: twin.id, close: () => socket.close() };
    }

    it('tells matched users on another node when a user comes online and, after the last device and the grace period, goes offline', async () => {
      const { a, b } = await matchedPair(db(), config());
      const stranger = await createUser(db(), config());
      const sb = await openSocket(n2.url, b.token);
      const ss = await openSocket(n2.url, stranger.token);
      const seenByB = collect(sb, 'presence');
      const seenByStranger = collect(ss, 'presence');

      const sa = await openSocket(n1.url, a.token);
      const online = await nextEvent(sb, 'presence', { filter: (p) => p.user_id === a.id });
      expect(online.online).to.equal(true);

      // A second device, then the first leaves: still online, nothing announced
      // (by the time a twin who left at the same moment is announced offline).
      const a2 = await newSession(db(), config(), a.id);
      const sa2 = await openSocket(n2.url, a2.token);
      const twin = await onlineTwinOf(b, sb);
      sa.close();
      twin.close();
      await nextEvent(sb, 'presence', { filter: (p) => p.user_id === twin.userId && !p.online, timeoutMs: 3000 });
      expect(seenByB.filter((p) => p.user_id === a.id)).to.have.length(1);

      const leftAt = Date.now();
      sa2.close();
      const offline = await nextEvent(sb, 'presence', { filter: (p) => p.user_id === a.id && !p.online, timeoutMs: 3000 });
      expect(Date.now() - leftAt).to.be.at.least(timings.graceMs - 50);
      expect(offline.last_seen).to.be.a('string');
      expect(seenByStranger.filter((p) => p.user_id === a.id)).to.have.length(0);
    });

    it('does not flicker when a user reconnects within the grace period', async () => {
      const { a, b } = await matchedPair(db(), config());
      const sb = await openSocket(n2.url, b.token);
      const seen = collect(sb, 'presence');
      const sa = await openSocket(n1.url, a.token);
      await untilCount(seen, 1);
      const twin = await onlineTwinOf(b, sb);
      sa.close();
      twin.close();
      await openSocket(n2.url, a.token);
      await nextEvent(sb, 'presence', { filter: (p) => p.user_id === twin.userId && !p.online, timeoutMs: 3000 });
      expect(seen.filter((p) => p.user_id === a.id).map((p) => p.online)).to.deep.equal([true]);
    });

    it('answers presence:query for matched users only', async () => {
      const { a, b } = await matchedPair(db(), config());
      const c = await createUser(db(), config()); // matched with a, offline
      await createMatch(db(), a.id, c.id);
      const stranger = await createUser(db(), config()); // online, not matched
      await openSocket(n2.url, b.token);
      await openSocket(n2.url, stranger.token);
      const sa = await openSocket(n1.url, a.token);
      const r = await waitFor('b to be online', async () => {
        const answer = await emitAck(sa, 'presence:query', { user_ids: [b.id, c.id, stranger.id] });
        return answer.presence?.[b.id]?.online && answer;
      });
      expect(r.ok).to.equal(true);
      expect(r.presence[b.id].online).to.equal(true);
      expect(r.presence[c.id]).to.deep.equal({ online: false, last_seen: null });
      expect(r.presence[stranger.id]).to.deep.equal({ online: false, last_seen: null });
      expect((await emitAck(sa, 'presence:query', { user_ids: ['x'] })).error.code).to.equal('validation_failed');
    });

    it('takes the users of a killed node offline within the TTL, announced by a surviving node', async function () {
      this.timeout(20_000);
      const { a, b } = await matchedPair(db(), config());
      const doomed = await startProcessNode(topology.env());
      try {
        const sb = await openSocket(n1.url, b.token);
        const seen = collect(sb, 'presence');
        await openSocket(doomed.url, a.token);
        await nextEvent(sb, 'presence', { filter: (p) => p.user_id === a.id && p.online, timeoutMs: 3000 }).catch(() => undefined);
        expect(seen.some((p) => p.user_id === a.id && p.online)).to.equal(true);
        const killedAt = Date.now();
        doomed.child.kill('SIGKILL');
        const offline = await nextEvent(sb, 'presence', { filter: (p) => p.user_id === a.id && !p.online, timeoutMs: 8000 });
        expect(offline.online).to.equal(false);
        expect(Date.now() - killedAt).to.be.below(timings.ttlMs + 1500);
      } finally {
        doomed.child.kill('SIGKILL');
      }
    });
  });
}
