// Every key and channel the platform writes begins with REDIS_PREFIX, with a
// Redis server, behind Sentinel and on a Redis Cluster: each mode gets Redis
// processes of its own (so nothing else writes there), two realtime nodes
// chat through it (the socket adapter, rate limits, presence, typing, socket
// slots, the registry, the outbox relay's bus streams), a bus consumer group
// reads, a session is revoked; then every key on every server, and every
// pub/sub and sharded pub/sub channel, is listed and checked.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { STREAMS, type BusEvent } from '../../shared/events.js';
import { isolatedDatabase, type IsolatedDatabase } from '../helpers/database.js';
import { startNode, clientMsgId, type Node } from '../helpers/realtime.js';
import { missingRedisBinaries, RedisServer, startRedisCluster, startSentinelGroup } from '../helpers/redis-topology.js';
import { closeSockets, emitAck, nextEvent, openSocket } from '../helpers/sockets.js';
import { freePort } from '../helpers/processes.js';
import { matchedPair } from '../helpers/users.js';
import { waitFor } from '../helpers/wait.js';

const PREFIX = 'pfx-check:';

interface Mode {
  name: string;
  /** Starts the mode's servers: its settings, the servers that hold data, and how to remove them. */
  start(): Promise<{ env: Record<string, string>; servers: RedisServer[]; stop(): Promise<void> }>;
}

const MODES: Mode[] = [
  {
    name: 'a Redis server (REDIS_URL)',
    async start() {
      const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'redis-prefix-'));
      const server = await new RedisServer(await freePort(), dir, ['--save', '', '--appendonly', 'no']).start();
      return {
        env: { REDIS_URL: `redis://${server.address}` },
        servers: [server],
        stop: async () => {
          await server.kill();
          await fsp.rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'Sentinel (REDIS_SENTINELS)',
    async start() {
      const group = await startSentinelGroup();
      return { env: group.env, servers: [group.primary], stop: () => group.stop() };
    },
  },
  {
    name: 'a Redis Cluster (REDIS_CLUSTER_NODES)',
    async start() {
      const cluster = await startRedisCluster();
      return { env: cluster.env, servers: cluster.masters, stop: () => cluster.stop() };
    },
  },
];

for (const mode of MODES) {
  describe(`Redis keys begin with REDIS_PREFIX: ${mode.name}`, function () {
    this.timeout(60_000);
    let redis: Awaited<ReturnType<Mode['start']>> | undefined;
    let database: IsolatedDatabase | undefined;
    const nodes: Node[] = [];

    before(async function () {
      const missing = missingRedisBinaries();
      if (missing) {
        console.warn(`      skipped: ${missing}`);
        return this.skip();
      }
      redis = await mode.start();
      // A database of its own: its outbox relay publishes to this Redis only.
      database = await isolatedDatabase('redis_prefix');
    });
    after(async () => {
      closeSockets();
      for (const n of nodes.splice(0)) await n.close();
      await redis?.stop();
      await database?.drop();
    });

    it('holds no key and no channel outside the prefix after a chat across two nodes', async () => {
      const env = { ...redis!.env, REDIS_PREFIX: PREFIX, DATABASE_URL: database!.url, REALTIME_REGISTRY_HEARTBEAT_MS: '100', REALTIME_REGISTRY_TTL_MS: '600' };
      nodes.push(await startNode(env, { announce: true }), await startNode(env, { announce: true }));
      const [n1, n2] = nodes;
      const seen: BusEvent[] = [];
      const consumer = n2.platform.bus.consume({ group: 'prefix-check', streams: [STREAMS.chat], startFrom: '0', handler: async (e) => void seen.push(e) });
      await consumer.ready;

      const { a, b, conversationId } = await matchedPair(n1.platform.db, n1.platform.config);
      const sa = await openSocket(n1.url, a.token);
      const sb = await openSocket(n2.url, b.token);
      const arrived = nextEvent(sb, 'message:new');
      const sent = await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'prefixed?', client_msg_id: clientMsgId() });
      expect(sent.ok, JSON.stringify(sent)).to.equal(true);
      expect((await arrived).message.id).to.equal(sent.message.id);
      const typing = nextEvent(sb, 'typing');
      expect((await emitAck(sa, 'typing:start', { conversation_id: conversationId })).ok).to.equal(true);
      await typing;
      const presence = await waitFor('b online for a', async () => {
        const r = await emitAck(sa, 'presence:query', { user_ids: [b.id] });
        return r.presence?.[b.id]?.online && r;
      });
      expect(presence.ok).to.equal(true);
      const revoked = randomUUID();
      await n1.platform.revocations.revoke([revoked]);
      expect(await n2.platform.revocations.isRevoked(revoked)).to.equal(true);
      await waitFor('the chat event read by the consumer group', () => seen.some((e) => e.type.startsWith('message')));
      await consumer.stop();

      const keys: string[] = [];
      const channels: string[] = [];
      for (const server of redis!.servers) {
        keys.push(...((await server.command('KEYS', '*')) as string[]));
        // Sentinel's own channel (the sentinels greet each other on their primary) is not the platform's.
        const own = ((await server.command('PUBSUB', 'CHANNELS')) as string[]).filter((c) => c !== '__sentinel__:hello');
        channels.push(...own, ...((await server.command('PUBSUB', 'SHARDCHANNELS')) as string[]));
      }
      // The scenario reached Redis at all: the registry, the bus and the adapter wrote there.
      expect(keys.some((k) => k.startsWith(`${PREFIX}realtime:registry`)), keys.join('\n')).to.equal(true);
      expect(keys.some((k) => k.includes(STREAMS.chat)), keys.join('\n')).to.equal(true);
      expect(keys.length + channels.length).to.be.above(5);
      expect(keys.filter((k) => !k.startsWith(PREFIX)), 'keys outside the prefix').to.deep.equal([]);
      expect(channels.filter((c) => !c.startsWith(PREFIX)), 'channels outside the prefix').to.deep.equal([]);
    });
  });
}
