import { expect } from 'chai';
import { closeSockets, collect, disconnected, emitAck, nextEvent, openSocket, untilCount } from '../helpers/sockets.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { clientMsgId, sentinelMessage, startNode, twoNodes, type Node } from '../helpers/realtime.js';
import { matchedPair } from '../helpers/users.js';
import { clusterTopology, redisTopologies, standaloneTopology } from '../helpers/redis-topology.js';
import { testEnv } from '../helpers/env.js';
import { dataNodes, quit, type Redis } from '../../shared/redis.js';

// On a Redis server (REALTIME_ADAPTER=pubsub) and on a Redis Cluster (the only adapter there).
for (const topology of redisTopologies()) {
  describe(`realtime with the sharded pub/sub adapter (two nodes, ${topology.name})`, () => {
    topology.use();
    const { n1, n2 } = twoNodes(() => ({ REALTIME_ADAPTER: 'pubsub', ...topology.env() }));

    it('delivers across nodes and disconnects a revoked session everywhere', async () => {
      const { a, b, conversationId } = await matchedPair(n1.platform.db, n1.platform.config);
      const sa = await openSocket(n1.url, a.token);
      const sb = await openSocket(n2.url, b.token);
      const got = collect(sb, 'message:new');
      const ack = await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'via shards', client_msg_id: clientMsgId() });
      await untilCount(got, 1);
      expect(got[0].message).to.deep.equal(ack.message);
      const last = await sentinelMessage(sa, conversationId, [sb]);
      expect(got.map((p) => p.message.id)).to.deep.equal([ack.message.id, last.id]);

      const gone = disconnected(sb);
      await n1.platform.bus.publish('session.revoked', { session_id: b.sessionId, user_id: b.id, reason: 'logout' });
      expect(await gone).to.equal('io server disconnect');
    });

    it('has no connection state recovery: a client back from a drop catches up with after_seq (what docs/DEPLOYMENT.md says it loses)', async () => {
      const { a, b, conversationId } = await matchedPair(n1.platform.db, n1.platform.config);
      const sa = await openSocket(n1.url, a.token);
      const sb = await openSocket(n2.url, b.token, { reconnection: true, reconnectionDelay: 200, reconnectionDelayMax: 200 });
      const got = collect(sb, 'message:new');
      const first = await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'before the drop', client_msg_id: clientMsgId() });
      await untilCount(got, 1);

      const back = new Promise<void>((r) => sb.once('connect', () => r()));
      sb.io.engine.close();
      const missed = await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'during the drop', client_msg_id: clientMsgId() });
      await back;
      expect(sb.recovered).to.equal(false);
      const caughtUp = await n2.api.get(`/chat/messages/${conversationId}?after_seq=${first.message.seq}`, { token: b.token });
      expect(caughtUp.status).to.equal(200);
      expect(caughtUp.body.messages.map((m: { id: string }) => m.id)).to.deep.equal([missed.message.id]);
      // Live again from there on.
      const last = await sentinelMessage(sa, conversationId, [sb]);
      expect(got.map((p) => p.message.id)).to.include(last.id);
    });

    // MONITOR shows what one server is sent: on the Redis server only (a cluster has one per shard).
    if (topology === standaloneTopology) {
      it("sends a message to each user's own channel, never on the main channel every node reads", async () => {
        const { a, b, conversationId } = await matchedPair(n1.platform.db, n1.platform.config);
        const sa = await openSocket(n1.url, a.token);
        const sb = await openSocket(n2.url, b.token);
        const got = collect(sb, 'message:new');
        const monitor = await (topology.client() as Redis).monitor();
        const channels: string[] = [];
        const probe = `per-room ${clientMsgId()}`;
        monitor.on('monitor', (_time: string, args: string[]) => {
          if (args[0]?.toLowerCase() === 'spublish' && args.slice(2).some((x) => x.includes(probe))) channels.push(args[1]);
        });
        try {
          await emitAck(sa, 'message:send', { conversation_id: conversationId, body: probe, client_msg_id: clientMsgId() });
          await untilCount(got, 1);
          // A's other devices and B: one broadcast each, on the room's own channel.
          await waitFor('both broadcasts seen by MONITOR', () => channels.length >= 2, 5000);
          const prefix = `${testEnv.redisPrefix}socket.io#/#`;
          expect(channels.sort()).to.deep.equal([`${prefix}user:${a.id}#`, `${prefix}user:${b.id}#`].sort());
        } finally {
          monitor.disconnect();
          closeSockets();
        }
      });
    }

    // The cluster is this run's alone (the shared Redis server is not): every key on it is one a platform of the run wrote.
    if (topology === clusterTopology) {
      it('writes every key under REDIS_PREFIX (every master scanned)', async () => {
        const redis = topology.client();
        try {
          const keys: string[] = [];
          for (const node of await dataNodes(redis)) {
            let cursor = '0';
            do {
              const [next, found] = await node.scan(cursor, 'COUNT', 1000);
              cursor = next;
              keys.push(...found);
            } while (cursor !== '0');
          }
          expect(keys.length, 'the suites before wrote keys').to.be.above(0);
          expect(keys.filter((k) => !k.startsWith(testEnv.redisPrefix))).to.deep.equal([]);
        } finally {
          await quit(redis);
        }
      });
    }
  });
}

describe('realtime in the all-in-one mode (no Redis: in-memory adapter, bus and presence)', () => {
  let node: Node;

  before(async () => {
    node = await startNode({ REDIS_URL: undefined }, { presence: { graceMs: 100, sweepMs: 50 } });
  });
  afterEach(() => closeSockets());
  after(async () => node.close());

  it('chats, shows presence, relays bus events and recovers a dropped connection', async () => {
    expect(node.platform.mode).to.equal('memory');
    const { a, b, conversationId, matchId } = await matchedPair(node.platform.db, node.platform.config);
    const sb = await openSocket(node.url, b.token, { reconnection: true, reconnectionDelay: 300, reconnectionDelayMax: 300 });
    const presence = collect(sb, 'presence');
    const sa = await openSocket(node.url, a.token);
    await untilCount(presence, 1);
    expect(presence[0]).to.include({ user_id: a.id, online: true });

    const got = collect(sb, 'message:new');
    const ack = await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'local', client_msg_id: clientMsgId() });
    await untilCount(got, 1);
    expect(got[0].message).to.deep.equal(ack.message);

    sb.io.engine.close();
    await sleep(50);
    await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'missed', client_msg_id: clientMsgId() });
    await new Promise<void>((r) => sb.once('connect', () => r()));
    expect(sb.recovered).to.equal(true);
    await untilCount(got, 2);
    expect(got[1].message.body).to.equal('missed');

    const removed = nextEvent(sb, 'match:removed');
    await node.platform.bus.publish('match.removed', { match_id: matchId, conversation_id: conversationId, user_ids: [a.id, b.id], reason: 'unmatch' });
    expect((await removed).match_id).to.equal(matchId);

    sa.close();
    const offline = await nextEvent(sb, 'presence', { filter: (p) => !p.online });
    expect(offline.user_id).to.equal(a.id);
  });
});
