import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Platform } from '../../shared/platform.js';
import { testPlatform } from '../helpers/env.js';
import { closeSockets, connectError, emitAck, nextEvent, openSocket, type ClientSocket, type ConnectOptions } from '../helpers/sockets.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { createUser, matchedPair, newSession, type TestUser } from '../helpers/users.js';
import { clientMsgId, FAST_TIMINGS, startNode, startProcessNode, type Node } from '../helpers/realtime.js';

const timings = FAST_TIMINGS;

/** Connects once a slot is free (refusals for a full slot are retried), or fails after timeoutMs. */
async function connectOnceFree(url: string, token: string, opts: ConnectOptions = {}, timeoutMs = 5000): Promise<ClientSocket> {
  const attempt = async () => {
    try {
      return await openSocket(url, token, opts);
    } catch (err) {
      const code = (err as { data?: { code?: string } }).data?.code;
      if (code === 'too_many_sockets' || code === 'too_many_connections') return undefined;
      throw err;
    }
  };
  return waitFor('a free socket slot', attempt, { timeoutMs, everyMs: 50 });
}

const raw = (s: ClientSocket) => s as unknown as { emit(event: string, ...args: unknown[]): void };
const p95 = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.ceil(xs.length * 0.95) - 1];
/** A random IPv6 /64 of the documentation range, as a prefix to append a host part to. */
const prefix64 = () => `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;
const via = (address: string): ConnectOptions => ({ extraHeaders: { 'x-forwarded-for': address } });

describe('socket limits (issue 13 §4)', function () {
  this.timeout(30_000);
  afterEach(() => closeSockets());

  describe('events of one socket', () => {
    let node: Node;
    before(async () => {
      node = await startNode({ SOCKET_EVENTS_PER_S: '2', SOCKET_EVENTS_BURST: '5', SOCKET_MAX_INFLIGHT: '2', RATE_LIMIT_MESSAGES_PER_MIN: '1000' });
    });
    after(() => node.close());

    it('counts every event, unknown ones and ones without an ack included, and answers rate_limited once the bucket is empty; it refills', async () => {
      const u = await createUser(node.platform.db, node.platform.config);
      const s = await openSocket(node.url, u.token);
      for (let i = 0; i < 3; i++) expect((await emitAck(s, 'no:such:event' as never, {})).error.code).to.equal('unknown_event');
      raw(s).emit('no:such:event', 1);
      raw(s).emit('typing:stop', { conversation_id: randomUUID() });
      const refused = await emitAck(s, 'presence:query', { user_ids: [] });
      expect(refused).to.deep.include({ ok: false });
      expect(refused.error.code).to.equal('rate_limited');
      expect(refused.error.details.retry_after_s).to.be.at.least(1);
      // Per socket: the same user's other socket has its own bucket.
      const other = await openSocket(node.url, (await newSession(node.platform.db, node.platform.config, u.id)).token);
      expect((await emitAck(other, 'presence:query', { user_ids: [] })).ok).to.equal(true);
      // Two tokens a second come back.
      const ack = await waitFor(
        'a token back',
        async () => {
          const a = await emitAck(s, 'presence:query', { user_ids: [] });
          return a.ok && a;
        },
        { timeoutMs: 3000, everyMs: 100 },
      );
      expect(ack.ok).to.equal(true);
    });

    it('answers rate_limited at once when the socket already has its maximum of events in progress', async () => {
      const { a, conversationId } = await matchedPair(node.platform.db, node.platform.config);
      const s = await openSocket(node.url, a.token);
      // Hold the conversation's row lock: the two sends wait in the database.
      const trx = await node.platform.db.transaction();
      try {
        await trx('conversations').where({ id: conversationId }).forUpdate().select('id');
        let settled = 0;
        const sends = [1, 2].map((i) =>
          emitAck(s, 'message:send', { conversation_id: conversationId, body: `held ${i}`, client_msg_id: clientMsgId() }).finally(() => settled++),
        );
        const refused = await emitAck(s, 'presence:query', { user_ids: [] });
        expect(refused.error.code).to.equal('rate_limited');
        expect(settled, 'the held sends are still in progress').to.equal(0);
        await trx.commit();
        expect((await Promise.all(sends)).map((r) => r.ok)).to.deep.equal([true, true]);
      } finally {
        if (!trx.isCompleted()) await trx.rollback();
      }
      // Their places are free again (and the bucket still has tokens).
      expect((await emitAck(s, 'presence:query', { user_ids: [] })).ok).to.equal(true);
    });
  });

  for (const mode of [
    { name: 'counted in Redis, across two nodes', env: {}, nodes: 2 },
    { name: 'counted in memory (no Redis, one node)', env: { REDIS_URL: undefined }, nodes: 1 },
  ]) {
    describe(`sockets per user and per address, ${mode.name}`, () => {
      let n1: Node;
      let n2: Node;
      before(async () => {
        const env = { ...mode.env, SOCKETS_PER_USER: '3', SOCKETS_PER_ADDRESS: '3', TRUSTED_PROXY_HOPS: '1' };
        n1 = await startNode(env);
        n2 = mode.nodes === 2 ? await startNode(env) : n1;
      });
      after(async () => {
        await n1.close();
        if (n2 !== n1) await n2.close();
      });
      const db = () => n1.platform.db;
      const config = () => n1.platform.config;
      const tokenOf = async (u: TestUser) => (await newSession(db(), config(), u.id)).token;

      it('refuses a user\'s socket over the limit with connect_error rate_limited / too_many_sockets, on any node; others still connect', async () => {
        const u = await createUser(db(), config());
        const p = prefix64();
        await openSocket(n1.url, u.token, via(`${p}::1`));
        await openSocket(n2.url, await tokenOf(u), via(`${p}::2`));
        await openSocket(n1.url, await tokenOf(u), via(`192.0.2.${1 + (randomBytes(1)[0] % 250)}`));
        for (const url of [n1.url, n2.url]) {
          const err = await openSocket(url, await tokenOf(u), via(`${prefix64()}::1`)).catch((e) => e);
          expect(err.message).to.equal('rate_limited');
          expect(err.data).to.deep.equal({ code: 'too_many_sockets' });
        }
        const other = await createUser(db(), config());
        expect((await openSocket(n2.url, other.token, via(`${prefix64()}::1`))).connected).to.equal(true);
      });

      it('frees the slot when a socket disconnects', async () => {
        const u = await createUser(db(), config());
        const from = via(`${prefix64()}::1`); // an address of its own: only the user's limit is in play
        const sockets = [await openSocket(n1.url, u.token, from), await openSocket(n2.url, u.token, from)];
        sockets.push(await openSocket(n2.url, u.token, via(`${prefix64()}::1`)));
        expect((await openSocket(n1.url, u.token, from).catch((e) => e)).data?.code).to.equal('too_many_sockets');
        sockets[1].close();
        const again = await connectOnceFree(n1.url, u.token, from);
        expect(again.connected).to.equal(true);
        expect((await openSocket(n2.url, u.token, from).catch((e) => e)).data?.code).to.equal('too_many_sockets');
      });

      it('refuses a client address (an IPv6 /64) over its limit with too_many_connections; the next /64 connects', async () => {
        const p = prefix64();
        const users = await Promise.all([0, 1, 2, 3, 4].map(() => createUser(db(), config())));
        await openSocket(n1.url, users[0].token, via(`${p}::1`));
        await openSocket(n2.url, users[1].token, via(`${p}::2`));
        const third = await openSocket(n1.url, users[2].token, via(`${p}:ffff:1:2:3`));
        const refused = await openSocket(n2.url, users[3].token, via(`${p}:abcd::9`)).catch((e) => e);
        expect(refused.message).to.equal('rate_limited');
        expect(refused.data).to.deep.equal({ code: 'too_many_connections' });
        expect((await openSocket(n1.url, users[4].token, via(`${prefix64()}::1`))).connected).to.equal(true);
        third.close();
        expect((await connectOnceFree(n2.url, users[3].token, via(`${p}::42`))).connected).to.equal(true);
      });
    });
  }

  describe('across nodes, when a node dies', () => {
    let n1: Node;
    before(async () => {
      n1 = await startNode({ SOCKETS_PER_USER: '2' });
    });
    after(() => n1.close());

    it('gives back the slots of a killed node within the TTL', async () => {
      const u = await createUser(n1.platform.db, n1.platform.config);
      const doomed = await startProcessNode({ SOCKETS_PER_USER: '2' });
      try {
        await openSocket(doomed.url, u.token);
        await openSocket(doomed.url, u.token);
        expect((await connectError(n1.url, u.token)).data?.code).to.equal('too_many_sockets');
        const killedAt = Date.now();
        doomed.child.kill('SIGKILL');
        const s = await connectOnceFree(n1.url, u.token, {}, timings.ttlMs + 3000);
        expect(s.connected).to.equal(true);
        expect(Date.now() - killedAt).to.be.below(timings.ttlMs + 1500);
      } finally {
        doomed.child.kill('SIGKILL');
      }
    });
  });

  describe('a flood', () => {
    let node: { url: string; child: ChildProcess };
    let platform: Platform;
    before(async () => {
      node = await startProcessNode(); // the default limits
      platform = testPlatform();
    });
    after(async () => {
      node.child.kill('SIGKILL');
      await platform.close();
    });

    /** Sends `n` messages from a to b one after another at a chatting pace; the latency of each until b has it. */
    async function chat(sa: ClientSocket, sb: ClientSocket, conversationId: string, n: number): Promise<number[]> {
      const latencies: number[] = [];
      for (let i = 0; i < n; i++) {
        const id = clientMsgId('pair');
        const t0 = performance.now();
        const received = nextEvent(sb, 'message:new', { filter: (p) => p.message.client_msg_id === id });
        const ack = await emitAck(sa, 'message:send', { conversation_id: conversationId, body: `hello ${i}`, client_msg_id: id });
        expect(ack.ok, JSON.stringify(ack)).to.equal(true);
        await received;
        latencies.push(performance.now() - t0);
        await sleep(60);
      }
      return latencies;
    }

    it('answers the flooding socket rate_limited at once while another pair keeps chatting within normal latency', async function () {
      this.timeout(60_000);
      const { db, config } = platform;
      const pair = await matchedPair(db, config);
      const sa = await openSocket(node.url, pair.a.token);
      const sb = await openSocket(node.url, pair.b.token);
      const baseline = await chat(sa, sb, pair.conversationId, 20);

      const flooder = await matchedPair(db, config);
      const flood = startFlooder(node.url, flooder.a.token, flooder.conversationId);
      try {
        await flood.until((c) => c.acked >= 1000); // the flood is in flight
        const before = flood.counts.acked;
        const during = await chat(sa, sb, pair.conversationId, 30);
        const answeredDuring = flood.counts.acked - before;
        const backlog = flood.counts.sent - flood.counts.acked;
        const final = await flood.stop();
        const report = `baseline p95 ${p95(baseline).toFixed(0)} ms, during the flood p95 ${p95(during).toFixed(0)} ms; flood ${JSON.stringify(final)}, ${answeredDuring} answered while the pair chatted, ${backlog} waiting at its end`;
        // In flight all along: answers kept coming, and the flooder was still writing faster than it was read.
        expect(answeredDuring, report).to.be.at.least(300);
        expect(backlog, report).to.be.at.least(1000);
        expect(final.acked, report).to.equal(final.sent);
        expect(final.rateLimited, report).to.be.above(final.sent * 0.9);
        // The bucket's promise: the burst plus the rate over the flood's duration, no more.
        expect(final.handled, report).to.be.at.most(60 + 20 * (final.ms / 1000) + 1);
        expect(p95(during), report).to.be.below(Math.max(300, 3 * p95(baseline)));
      } finally {
        flood.child.kill('SIGKILL');
      }
    });
  });
});

interface FloodCounts {
  sent: number;
  acked: number;
  rateLimited: number;
  handled: number;
  /** Since the flooder connected. */
  ms: number;
  final: boolean;
}

/** test/fixtures/socket-flooder.ts in a process of its own, its counts as it reports them. */
function startFlooder(url: string, token: string, conversationId: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/socket-flooder.ts', url, token, conversationId], {
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let counts: FloodCounts = { sent: 0, acked: 0, rateLimited: 0, handled: 0, ms: 0, final: false };
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
    const lines = out.split('\n');
    out = lines.pop()!;
    if (lines.length) counts = JSON.parse(lines[lines.length - 1]);
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    child,
    get counts() {
      return counts;
    },
    async until(ok: (c: FloodCounts) => boolean, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (!ok(counts)) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`the flood did not start: ${JSON.stringify(counts)}`);
        await sleep(20);
      }
    },
    /** Stops the flood and resolves with its final counts. */
    async stop() {
      child.kill('SIGTERM');
      await exited;
      expect(counts.final, 'the flooder reported its final counts').to.equal(true);
      return counts;
    },
  };
}
