// The realtime registry end to end: real realtime nodes (port 0, and one real
// realtime/main.ts process) announce themselves in Redis, and a gateway given
// no realtime list routes by what they announce: sticky long-polling by tag,
// new sessions to the least loaded node, nodes that join later used at once,
// nodes that drain or die dropped. Then the static REALTIME_URLS mode with the
// same nodes, whose tags it learns from their /health answers. The registry
// runs on a Redis server and on a Redis Cluster (test/helpers/redis-topology.ts).
import { expect } from 'chai';
import { readRegistry } from '../../realtime/registry.js';
import { testConfig, testEnv } from '../helpers/env.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { freePort, startTs, waitForHttp, type Proc } from '../helpers/processes.js';
import { startNode, type Node } from '../helpers/realtime.js';
import { redisOf } from '../helpers/redis.js';
import { redisTopologies, standaloneTopology } from '../helpers/redis-topology.js';
import { closeSockets, emitAck, openSocket, type ClientSocket, type ConnectOptions } from '../helpers/sockets.js';
import { createUser } from '../helpers/users.js';
import { sleep, waitFor } from '../helpers/wait.js';

/** Quick heartbeats so that a node that dies is dropped within a second. */
const FAST = { REALTIME_REGISTRY_HEARTBEAT_MS: '100', REALTIME_REGISTRY_TTL_MS: '600' };
const POLLING_ONLY: ConnectOptions = { transports: ['polling'] };
/** socket.io-client's default: long-polling first, then the upgrade to WebSocket. */
const DEFAULT_CLIENT: ConnectOptions = { transports: ['polling', 'websocket'] };

const tagOf = (socket: ClientSocket) => String(socket.io.engine.id).split('.')[0];
const healthyTags = (gw: RunningGateway) => gw.gateway.realtime.list().filter((u) => u.healthy).map((u) => u.key);

/** A node that announces itself, as realtime/main.ts does. */
const announcedNode = (env: Record<string, string> = {}) => startNode({ ...FAST, ...env }, { announce: true });

async function userToken(node: Node): Promise<string> {
  return (await createUser(node.platform.db, node.platform.config)).token;
}

/** A socket through the gateway that has answered a round trip (over long-polling when polling only). */
async function session(gw: RunningGateway, node: Node, opts: ConnectOptions): Promise<ClientSocket> {
  const socket = await openSocket(gw.url, await userToken(node), { timeoutMs: 10_000, ...opts });
  expect((await emitAck(socket, 'presence:query', { user_ids: [] })).ok).to.equal(true);
  return socket;
}

for (const topology of redisTopologies()) {
  describe(`realtime registry: gateways route by what realtime nodes announce (${topology.name})`, function () {
    this.timeout(30_000);
    topology.use();
    const config = () => testConfig(topology.env());
    const registry = () => readRegistry(redisOf(config()), config().redisPrefix);
    const nodes: Node[] = [];
    const gateways: RunningGateway[] = [];
    const start = async (env: Record<string, string> = {}) => {
      const n = await announcedNode({ ...topology.env(), ...env });
      nodes.push(n);
      return n;
    };
    const gatewayOf = async (env: Record<string, string> = {}, withRedis = true) => {
      const g = await startGateway({ ...topology.env(), ...env }, { withRedis });
      gateways.push(g);
      return g;
    };

    afterEach(async () => {
      closeSockets();
      for (const g of gateways.splice(0)) await g.close();
      for (const n of nodes.splice(0)) await n.close();
      // Each test starts from an empty registry: the nodes above withdrew, a killed one lapsed.
      await waitFor('an empty registry', async () => (await registry()).length === 0);
    });

    it('gives two nodes with the same port-derived identity different tags, and keeps each one\'s sessions on it', async () => {
      // Two machines, each with its realtime node on 8085: the same identity they would have tagged with.
      const a = await start({ SERVICE_INSTANCE: '8085' });
      const b = await start({ SERVICE_INSTANCE: '8085' });
      expect(a.rt.tag).to.match(/^8085-[A-Za-z0-9_-]{8}$/);
      expect(b.rt.tag).to.match(/^8085-[A-Za-z0-9_-]{8}$/);
      expect(a.rt.tag).to.not.equal(b.rt.tag);
      expect((await registry()).map((e) => e.tag).sort()).to.deep.equal([a.rt.tag, b.rt.tag].sort());

      const gw = await gatewayOf();
      await waitFor('both nodes healthy at the gateway', () => healthyTags(gw).length === 2);
      const sockets: ClientSocket[] = [];
      for (let i = 0; i < 4; i++) sockets.push(await session(gw, a, POLLING_ONLY));
      expect(new Set(sockets.map(tagOf))).to.deep.equal(new Set([a.rt.tag, b.rt.tag]));
      // Every poll of every session reaches the node that holds it.
      for (let round = 0; round < 3; round++) {
        for (const s of sockets) expect((await emitAck(s, 'presence:query', { user_ids: [] })).ok).to.equal(true);
      }
      expect(sockets.every((s) => s.connected)).to.equal(true);
    });

    it('keeps long-polling sessions sticky by tag across three nodes, with the default client (polling, then the upgrade) and polling only', async () => {
      const three = [await start(), await start(), await start()];
      const gw = await gatewayOf();
      await waitFor('three nodes healthy at the gateway', () => healthyTags(gw).length === 3);

      const polling: ClientSocket[] = [];
      for (let i = 0; i < 6; i++) polling.push(await session(gw, three[0], POLLING_ONLY));
      const upgrading: ClientSocket[] = [];
      for (let i = 0; i < 6; i++) upgrading.push(await session(gw, three[0], DEFAULT_CLIENT));
      await waitFor('every default client upgraded to WebSocket', () => upgrading.every((s) => s.io.engine.transport.name === 'websocket'));

      const tags = new Set(three.map((n) => n.rt.tag));
      expect(new Set(polling.map(tagOf))).to.deep.equal(tags);
      expect(new Set(upgrading.map(tagOf))).to.deep.equal(tags);
      for (const s of [...polling, ...upgrading]) expect((await emitAck(s, 'presence:query', { user_ids: [] })).ok).to.equal(true);
      // Each node holds exactly the sessions whose ids carry its tag.
      for (const n of three) {
        const mine = [...polling, ...upgrading].filter((s) => tagOf(s) === n.rt.tag).length;
        expect(n.rt.io.engine.clientsCount, n.rt.tag).to.equal(mine);
      }
    });

    it('sends new sessions to a node started later, within seconds and with no change to the gateway', async () => {
      const a = await start();
      const b = await start();
      const gw = await gatewayOf();
      await waitFor('two nodes healthy at the gateway', () => healthyTags(gw).length === 2);
      await session(gw, a, DEFAULT_CLIENT);
      await session(gw, a, DEFAULT_CLIENT);

      const startedAt = Date.now();
      const c = await start();
      await waitFor('the new node healthy at the gateway', () => healthyTags(gw).includes(c.rt.tag), 5000);
      const s = await session(gw, c, POLLING_ONLY);
      expect(tagOf(s)).to.equal(c.rt.tag);
      expect(Date.now() - startedAt).to.be.below(5000);
      expect((await emitAck(s, 'presence:query', { user_ids: [] })).ok).to.equal(true);
    });

    it('sends a new session to the least loaded node', async () => {
      const busy = await start();
      const idle = await start();
      const gw = await gatewayOf();
      await waitFor('two nodes healthy at the gateway', () => healthyTags(gw).length === 2);
      // Three clients straight to one node, as if another gateway had sent them there.
      const token = await userToken(busy);
      for (let i = 0; i < 3; i++) await openSocket(busy.url, token);
      await waitFor('the gateway to see the busy node\'s load', () => gw.gateway.realtime.list().find((u) => u.key === busy.rt.tag)?.load === 3);

      const placed: string[] = [];
      for (let i = 0; i < 3; i++) placed.push(tagOf(await session(gw, busy, POLLING_ONLY)));
      expect(placed).to.deep.equal([idle.rt.tag, idle.rt.tag, idle.rt.tag]);
      // Level now: the next ones alternate.
      const next = [tagOf(await session(gw, busy, POLLING_ONLY)), tagOf(await session(gw, busy, POLLING_ONLY))];
      expect(next.sort()).to.deep.equal([busy.rt.tag, idle.rt.tag].sort());
    });

    it('drops a node that drains from the registry before its clients reconnect, and gives it no new sessions', async () => {
      const [a, b, c] = [await start(), await start(), await start()];
      const gw = await gatewayOf();
      await waitFor('three nodes healthy at the gateway', () => healthyTags(gw).length === 3);
      const sockets: ClientSocket[] = [];
      for (let i = 0; i < 6; i++) {
        sockets.push(await session(gw, a, { ...DEFAULT_CLIENT, reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 300 }));
      }
      const onA = sockets.filter((s) => tagOf(s) === a.rt.tag);
      expect(onA).to.have.length.above(0);

      const draining = a.close();
      await waitFor('the draining node gone from the registry', async () => !(await registry()).some((e) => e.tag === a.rt.tag));
      await waitFor('the draining node gone from the gateway', () => !gw.gateway.realtime.list().some((u) => u.key === a.rt.tag));
      await waitFor('its clients back on the other nodes', () => onA.every((s) => s.connected && tagOf(s) !== a.rt.tag));
      await draining;
      for (let i = 0; i < 4; i++) expect(tagOf(await session(gw, b, POLLING_ONLY))).to.be.oneOf([b.rt.tag, c.rt.tag]);
    });

    describe('a realtime process killed without draining', () => {
      let proc: Proc | undefined;
      afterEach(async () => {
        await proc?.stop('SIGKILL');
      });

      it('lapses from the registry by its TTL and from the gateway with it', async () => {
        const other = await start();
        const gw = await gatewayOf();
        const port = await freePort();
        proc = await startRealtimeProcess(port, topology.env());
        const url = `http://127.0.0.1:${port}`;
        const entry = await waitFor('the process in the registry', async () => (await registry()).find((e) => e.url === url));
        await waitFor('the process healthy at the gateway', () => healthyTags(gw).includes(entry.tag));
        // Its heartbeat keeps it there well past the TTL.
        await sleep(3 * Number(FAST.REALTIME_REGISTRY_TTL_MS));
        expect((await registry()).map((e) => e.tag)).to.include(entry.tag);

        await proc.stop('SIGKILL');
        const killedAt = Date.now();
        await waitFor('the killed process gone from the registry', async () => !(await registry()).some((e) => e.tag === entry.tag));
        expect(Date.now() - killedAt).to.be.below(3000);
        await waitFor('the killed process gone from the gateway', () => !gw.gateway.realtime.list().some((u) => u.key === entry.tag));
        expect(tagOf(await session(gw, other, POLLING_ONLY))).to.equal(other.rt.tag);
      });
    });

    // What the gateway does with a frozen node does not depend on where Redis is: once.
    if (topology === standaloneTopology) describe('a realtime process that stops answering (frozen, as a host cut off from the network)', () => {
      let proc: Proc | undefined;
      afterEach(async () => {
        await proc?.stop('SIGKILL');
      });

      it('lapses from the registry, and the gateway closes the connections it proxied there: its clients reconnect to another node at once', async () => {
        const other = await start();
        const gw = await gatewayOf();
        const port = await freePort();
        proc = await startRealtimeProcess(port);
        const entry = await waitFor('the process in the registry', async () => (await registry()).find((e) => e.url === `http://127.0.0.1:${port}`));
        await waitFor('the process healthy at the gateway', () => healthyTags(gw).includes(entry.tag));
        const token = await userToken(other);
        // A WebSocket through the gateway on the process (the least loaded node takes the next session).
        const socket = await waitFor('a session on the process', async () => {
          const s = await openSocket(gw.url, token, { ...DEFAULT_CLIENT, reconnection: true, reconnectionDelay: 100, timeoutMs: 10_000 });
          if (tagOf(s) === entry.tag) return s;
          s.close();
          return undefined;
        });
        await waitFor('the upgrade to WebSocket', () => socket.io.engine.transport.name === 'websocket');

        // Its kernel still holds the connections, so nothing is reset: only the gateway can tell the client.
        proc.child.kill('SIGSTOP');
        const frozenAt = Date.now();
        await waitFor('the client reconnected on the other node', () => socket.connected && tagOf(socket) === other.rt.tag, 10_000);
        // Engine.IO's own heartbeat would have taken 45 s.
        expect(Date.now() - frozenAt).to.be.below(10_000);
        expect((await emitAck(socket, 'presence:query', { user_ids: [] })).ok).to.equal(true);
      });
    });

    // No registry, no Redis: once.
    if (topology === standaloneTopology) it('with REALTIME_URLS, uses that static list and learns the nodes\' tags from their /health answers', async () => {
      const a = await start();
      const b = await start();
      const gw = await gatewayOf({ REALTIME_URLS: `${a.url},${b.url}` }, false);
      await waitFor('both nodes healthy at the gateway', () => gw.gateway.realtime.list().filter((u) => u.healthy && u.learnedTag).length === 2);
      const sockets: ClientSocket[] = [];
      for (let i = 0; i < 4; i++) sockets.push(await session(gw, a, POLLING_ONLY));
      expect(new Set(sockets.map(tagOf))).to.deep.equal(new Set([a.rt.tag, b.rt.tag]));
      for (const s of sockets) expect((await emitAck(s, 'presence:query', { user_ids: [] })).ok).to.equal(true);
    });
  });
}

/** realtime/main.ts in a process of its own on `port`, with the registry's fast timings, once it answers /health. */
async function startRealtimeProcess(port: number, env: Record<string, string | undefined> = {}): Promise<Proc> {
  const proc = startTs('realtime/main.ts', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: testEnv.databaseUrl,
    DATABASE_POOL_MAX: '2',
    REDIS_URL: testEnv.redisUrl,
    REDIS_PREFIX: testEnv.redisPrefix,
    HOST: '127.0.0.1',
    REALTIME_PORT: String(port),
    ...FAST,
    ...env,
  });
  await waitForHttp(`http://127.0.0.1:${port}/health`, 20_000);
  return proc;
}
