import { expect } from 'chai';
import { createMatch, createUser, matchedPair, newSession } from '../helpers/users.js';
import { closeSockets, collect, emitAck, nextEvent, openSocket, untilCount } from '../helpers/sockets.js';
import { clientMsgId, sentinelMessage, startNode, twoNodes } from '../helpers/realtime.js';
import { redisTopologies } from '../helpers/redis-topology.js';

// On a Redis server with the Redis Streams adapter, and on a Redis Cluster with the sharded pub/sub one.
for (const topology of redisTopologies()) {
  describe(`realtime chat over sockets (two nodes, ${topology.name})`, () => {
    topology.use();
    // These tests send up to 100 events at once on one socket; the per-socket limits have their own tests.
    const roomy = { SOCKET_EVENTS_BURST: '1000', SOCKET_MAX_INFLIGHT: '1000' };
    const { n1, n2, db, config } = twoNodes(() => ({ ...roomy, ...topology.env() }));
    const count = async (conversationId: string) => Number((await db()('messages').where({ conversation_id: conversationId }).count('* as n'))[0].n);

    it('delivers a message once to the peer on another node and once to the sender\'s other device, acks the stored message, and dedupes a resend', async () => {
      const { a, b, conversationId } = await matchedPair(db(), config());
      const a2 = await newSession(db(), config(), a.id);
      const sa = await openSocket(n1.url, a.token);
      const sa2 = await openSocket(n2.url, a2.token);
      const sb = await openSocket(n2.url, b.token);
      const gotB = collect(sb, 'message:new');
      const gotA2 = collect(sa2, 'message:new');
      const echoA = collect(sa, 'message:new');

      const cmid = clientMsgId();
      const ack = await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'hello 👋', client_msg_id: cmid });
      expect(ack.ok).to.equal(true);
      expect(ack.duplicate).to.equal(false);
      const stored = await db()('messages').where({ conversation_id: conversationId }).first();
      expect(ack.message).to.deep.equal({
        id: stored.id,
        conversation_id: conversationId,
        seq: 1,
        sender_id: a.id,
        body: 'hello 👋',
        client_msg_id: cmid,
        created_at: stored.created_at.toISOString(),
      });

      await untilCount(gotB, 1);
      await untilCount(gotA2, 1);
      expect(gotB[0].message).to.deep.equal(ack.message);
      expect(gotA2[0].message).to.deep.equal(ack.message);

      const again = await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'hello 👋', client_msg_id: cmid });
      expect(again.ok).to.equal(true);
      expect(again.duplicate).to.equal(true);
      expect(again.message).to.deep.equal(ack.message);

      expect(await count(conversationId)).to.equal(1);
      // Later messages from A's other device and from B: by then any duplicate or echo would have arrived.
      const fromA2 = await sentinelMessage(sa2, conversationId, [sb, sa]);
      const fromB = await sentinelMessage(sb, conversationId, [sa2, sa]);
      expect(gotB.map((p) => p.message.id)).to.deep.equal([ack.message.id, fromA2.id]);
      expect(gotA2.map((p) => p.message.id)).to.deep.equal([ack.message.id, fromB.id]);
      expect(echoA.map((p) => p.message.id)).to.deep.equal([fromA2.id, fromB.id]);
    });

    it('gives 200 concurrent messages from both users seq 1..200 with no gap or duplicate, stored and as received', async () => {
      const { a, b, conversationId } = await matchedPair(db(), config());
      const a2 = await newSession(db(), config(), a.id);
      const sa = await openSocket(n1.url, a.token);
      const sb = await openSocket(n2.url, b.token);
      const observer = await openSocket(n2.url, a2.token); // A's other device sees every message
      const seen = collect(observer, 'message:new');
      const seenByB = collect(sb, 'message:new');

      const sends = [];
      for (let i = 0; i < 100; i++) {
        // Not `a55`: the offensive-language filter reads leetspeak (a55 is ass) and would ask "are you sure?".
        sends.push(emitAck(sa, 'message:send', { conversation_id: conversationId, body: `a-${i}`, client_msg_id: clientMsgId('a') }));
        sends.push(emitAck(sb, 'message:send', { conversation_id: conversationId, body: `b-${i}`, client_msg_id: clientMsgId('b') }));
      }
      const acks = await Promise.all(sends);
      expect(acks.filter((r) => !r.ok).slice(0, 3)).to.deep.equal([]);
      const range = Array.from({ length: 200 }, (_, i) => i + 1);
      expect(acks.map((r) => r.message.seq).sort((x, y) => x - y)).to.deep.equal(range);

      const rows = await db()('messages').where({ conversation_id: conversationId }).orderBy('seq').select('seq');
      expect(rows.map((r) => r.seq)).to.deep.equal(range);
      expect((await db()('conversations').where({ id: conversationId }).first()).last_seq).to.equal(200);

      await untilCount(seen, 200);
      await untilCount(seenByB, 100);
      // One more message: by then any duplicate would have arrived before it.
      const last = await sentinelMessage(sa, conversationId, [observer, sb]);
      expect(seen.pop()!.message.id).to.equal(last.id);
      expect(seenByB.pop()!.message.id).to.equal(last.id);
      expect(seen.map((p) => p.message.seq).sort((x, y) => x - y)).to.deep.equal(range);
      expect(seenByB).to.have.length(100);
      expect(seenByB.every((p) => p.message.sender_id === a.id)).to.equal(true);
      // One sender's messages keep their order.
      const aBodies = acks.filter((r) => r.message.sender_id === a.id).sort((x, y) => x.message.seq - y.message.seq).map((r) => r.message.body);
      expect(aBodies).to.deep.equal(Array.from({ length: 100 }, (_, i) => `a-${i}`));
    });

    it('keeps every conversation gapless when both nodes write batches spanning the same conversations at once', async () => {
      const [a, b, c, d] = await Promise.all([0, 1, 2, 3].map(() => createUser(db(), config())));
      const convs = await Promise.all([
        createMatch(db(), a.id, b.id),
        createMatch(db(), c.id, d.id),
        createMatch(db(), a.id, d.id),
        createMatch(db(), c.id, b.id),
      ]);
      const sockets = {
        [a.id]: await openSocket(n1.url, a.token),
        [c.id]: await openSocket(n1.url, c.token),
        [b.id]: await openSocket(n2.url, b.token),
        [d.id]: await openSocket(n2.url, d.token),
      };
      const members = [
        [a, b],
        [c, d],
        [a, d],
        [c, b],
      ];
      const sends: Promise<any>[] = [];
      for (let i = 0; i < 25; i++) {
        convs.forEach((conv, k) => {
          for (const u of members[k]) {
            sends.push(emitAck(sockets[u.id], 'message:send', { conversation_id: conv.conversationId, body: `${k}-${i}`, client_msg_id: clientMsgId() }));
          }
        });
      }
      const acks = await Promise.all(sends);
      expect(acks.filter((r) => !r.ok).slice(0, 3)).to.deep.equal([]);
      for (const conv of convs) {
        const seqs = (await db()('messages').where({ conversation_id: conv.conversationId }).orderBy('seq').select('seq')).map((r) => r.seq);
        expect(seqs).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
      }
    });

    it('refuses outsiders, unmatched and blocked pairs, bad bodies and bad ids, storing nothing', async () => {
      const { a, b, conversationId, matchId } = await matchedPair(db(), config());
      const outsider = await createUser(db(), config());
      const so = await openSocket(n1.url, outsider.token);
      const sa = await openSocket(n1.url, a.token);
      const send = (s: typeof sa, body: unknown, conv: unknown = conversationId) =>
        emitAck(s, 'message:send', { conversation_id: conv, body, client_msg_id: clientMsgId() });

      expect((await send(so, 'hi')).error.code).to.equal('not_found');
      expect((await send(sa, '')).error.code).to.equal('validation_failed');
      expect((await send(sa, '   ')).error.code).to.equal('validation_failed');
      expect((await send(sa, 'x'.repeat(4001))).error.code).to.equal('validation_failed');
      expect((await send(sa, 42)).error.code).to.equal('validation_failed');
      expect((await send(sa, 'nul\u0000')).error.code).to.equal('validation_failed');
      expect((await send(sa, 'hi', 'not-a-uuid')).error.code).to.equal('validation_failed');
      expect((await send(sa, 'hi', '00000000-0000-4000-8000-000000000000')).error.code).to.equal('not_found');
      expect((await emitAck(sa, 'message:send', null)).error.code).to.equal('validation_failed');
      expect((await emitAck(sa, 'message:unsend' as 'message:send', {})).error.code).to.equal('unknown_event');
      const noId = await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'x' });
      expect(noId.ok).to.equal(false);
      expect(noId.error).to.have.keys('code', 'message', 'details');

      await db()('blocks').insert({ blocker_id: b.id, blocked_id: a.id });
      expect((await send(sa, 'hi')).error.code).to.equal('forbidden');
      await db()('blocks').where({ blocker_id: b.id }).del();

      await db()('matches').where({ id: matchId }).update({ ended_at: new Date(), ended_reason: 'unmatch' });
      expect((await send(sa, 'hi')).error.code).to.equal('forbidden');
      expect(await count(conversationId)).to.equal(0);
      expect((await db()('conversations').where({ id: conversationId }).first()).last_seq).to.equal(0);

      // The longest body passes (characters, not UTF-16 units).
      await db()('matches').where({ id: matchId }).update({ ended_at: null, ended_reason: null });
      const longest = await send(sa, '😀'.repeat(4000));
      expect(longest.ok).to.equal(true);
    });

    it('keeps conversations apart: a client_msg_id reused in another conversation is a conflict', async () => {
      const { a, conversationId } = await matchedPair(db(), config());
      const c = await createUser(db(), config());
      const other = await createMatch(db(), a.id, c.id);
      const sa = await openSocket(n1.url, a.token);
      const cmid = clientMsgId();
      expect((await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'one', client_msg_id: cmid })).ok).to.equal(true);
      const r = await emitAck(sa, 'message:send', { conversation_id: other.conversationId, body: 'two', client_msg_id: cmid });
      expect(r.error.code).to.equal('conflict');
      expect(await count(other.conversationId)).to.equal(0);
    });

    it('settles every send of a batch on its own when one of them clashes', async () => {
      const { a, conversationId } = await matchedPair(db(), config());
      const c = await createUser(db(), config());
      const other = await createMatch(db(), a.id, c.id);
      const sa = await openSocket(n1.url, a.token);
      const cmid = clientMsgId();
      const [x, y, z] = await Promise.all([
        emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'x', client_msg_id: cmid }),
        emitAck(sa, 'message:send', { conversation_id: other.conversationId, body: 'y', client_msg_id: cmid }),
        emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'z', client_msg_id: clientMsgId() }),
      ]);
      // Whichever of the two clashing sends commits first wins; the other is a conflict.
      expect([x.ok, y.ok].sort()).to.deep.equal([false, true]);
      expect((x.ok ? y : x).error.code).to.equal('conflict');
      expect(z.ok).to.equal(true);
      expect((await count(conversationId)) + (await count(other.conversationId))).to.equal(2);
    });

    it('answers a send repeated within one batch with the first one, and a clash within it with a conflict', async () => {
      const single = await startNode(topology.env(), { writer: { lanes: 1, windowMs: 20 } });
      try {
        const { a, conversationId } = await matchedPair(db(), config());
        const c = await createUser(db(), config());
        const other = await createMatch(db(), a.id, c.id);
        const sa = await openSocket(single.url, a.token);
        const cmid = clientMsgId();
        const send = (conv: string, body: string, id = cmid) => emitAck(sa, 'message:send', { conversation_id: conv, body, client_msg_id: id });
        const [x, again, y, z] = await Promise.all([send(conversationId, 'x'), send(conversationId, 'x'), send(other.conversationId, 'y'), send(conversationId, 'z', clientMsgId())]);
        expect(x.ok).to.equal(true);
        expect(again.duplicate).to.equal(true);
        expect(again.message).to.deep.equal(x.message);
        expect(y.error.code).to.equal('conflict');
        expect(z.message.seq).to.equal(2);
        expect(await count(conversationId)).to.equal(2);
      } finally {
        closeSockets();
        await single.close();
      }
    });

    it('rate limits sends per user across nodes', async () => {
      const limited1 = await startNode({ ...topology.env(), RATE_LIMIT_MESSAGES_PER_MIN: '3' });
      const limited2 = await startNode({ ...topology.env(), RATE_LIMIT_MESSAGES_PER_MIN: '3' });
      try {
        const { a, conversationId } = await matchedPair(db(), config());
        const s1 = await openSocket(limited1.url, a.token);
        const s2 = await openSocket(limited2.url, a.token);
        const send = (s: typeof s1) => emitAck(s, 'message:send', { conversation_id: conversationId, body: 'hi', client_msg_id: clientMsgId() });
        expect((await send(s1)).ok).to.equal(true);
        expect((await send(s2)).ok).to.equal(true);
        expect((await send(s1)).ok).to.equal(true);
        const r = await send(s2);
        expect(r.error.code).to.equal('rate_limited');
        expect(r.error.details.retry_after_s).to.be.a('number');
        expect(await count(conversationId)).to.equal(3);
      } finally {
        closeSockets();
        await limited1.close();
        await limited2.close();
      }
    });

    it('cuts a connection that sends a payload over the limit', async () => {
      const { a, conversationId } = await matchedPair(db(), config());
      const sa = await openSocket(n1.url, a.token);
      const gone = nextEvent(sa, 'message:new', { timeoutMs: 50 }).catch(() => null);
      const reason = new Promise<string>((r) => sa.once('disconnect', r));
      sa.emit('message:send', { conversation_id: conversationId, body: 'x'.repeat(200_000), client_msg_id: clientMsgId() }, () => {});
      expect(await reason).to.match(/transport (close|error)/);
      await gone;
      expect(await count(conversationId)).to.equal(0);
    });
  });
}
