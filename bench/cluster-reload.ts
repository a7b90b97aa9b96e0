// `pm2 start ecosystem.config.js`, then `pm2 scale realtime 3`, then
// `pm2 reload all` while two users chat through the gateway: no message may be
// lost or stored twice. Too slow for the test suite (a reload of every process
// one after the other), so it runs on demand:
//   npx tsx bench/cluster-reload.ts [--rate 20]
// It starts the cluster like the cluster test does (scripts/cluster.ts under a
// temporary PM2_HOME, free ports, a throwaway database and Redis prefix) and
// removes all of it afterwards. The clients behave like the WebApp: each send
// carries a client_msg_id and is retried with the same id until acked; after a
// reconnect a client fetches what it missed with GET /chat/messages?after_seq=.
// Writes bench/results/cluster-reload.json.
import { parseArgs } from 'node:util';
import knexFactory from 'knex';
import { Redis } from 'ioredis';
import { createDb, migrateLatest } from '../shared/db.js';
import { deleteByPrefix } from '../shared/redis.js';
import { testEnv } from '../test/helpers/env.js';
import { closeSockets, emitAck, nextEvent, type ClientSocket } from '../test/helpers/sockets.js';
import type { ChatMessage } from '../realtime/events.js';
import { api, chatSocket, clientMsgId, joinPlatform, startCluster, type Cluster, type Member } from '../test/cluster/harness.js';
import { startRun, writeResults } from './lib/results.js';

const run = startRun('bench/cluster-reload.ts');

const { values: args } = parseArgs({ options: { rate: { type: 'string', default: '20' } } });
const perSecond = Number(args.rate);
const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Chatter {
  member: Member;
  socket: ClientSocket;
  /** Every message this client knows, by seq (live, acked or caught up). */
  known: Map<number, ChatMessage>;
  sent: string[];
  retries: number;
  /** Why sends were retried: ack error codes, or `timeout`. */
  retryReasons: Record<string, number>;
  reconnects: number;
  doubles: number;
}

async function chatter(cluster: Cluster, member: Member, conversationId: string): Promise<Chatter> {
  const socket = await chatSocket(cluster.url, member);
  const c: Chatter = { member, socket, known: new Map(), sent: [], retries: 0, retryReasons: {}, reconnects: 0, doubles: 0 };
  const delivered = new Set<string>();
  socket.on('message:new', ({ message }) => {
    if (message.conversation_id !== conversationId) return;
    if (delivered.has(message.id)) c.doubles++; // the same message twice on the socket (a client dedupes by seq)
    delivered.add(message.id);
    c.known.set(message.seq, message);
  });
  socket.io.on('reconnect', () => {
    c.reconnects++;
    void catchUp(cluster, c, conversationId);
  });
  return c;
}

async function catchUp(cluster: Cluster, c: Chatter, conversationId: string): Promise<void> {
  const after = c.known.size ? Math.max(...c.known.keys()) : 0;
  const res = await api(cluster.url, c.member).get(`/chat/messages/${conversationId}?after_seq=${after}&limit=100`);
  if (res.status !== 200) return;
  for (const m of res.body.messages as ChatMessage[]) c.known.set(m.seq, m);
  if (res.body.has_more) await catchUp(cluster, c, conversationId);
}

/** One send as the WebApp's outbox does it: the same client_msg_id until an ack says ok. */
async function send(c: Chatter, conversationId: string, body: string): Promise<void> {
  const id = clientMsgId();
  c.sent.push(id);
  for (let attempt = 0; ; attempt++) {
    let reason: string;
    try {
      const ack = await emitAck(c.socket, 'message:send', { conversation_id: conversationId, body, client_msg_id: id }, 5000);
      if (ack.ok) {
        c.known.set(ack.message.seq, ack.message);
        return;
      }
      // A refusal on the merits is final; anything else (a node stopping, a limit) is worth a retry.
      if (['validation_failed', 'forbidden', 'not_found', 'conflict', 'unauthorized'].includes(ack.error?.code)) throw new Error(JSON.stringify(ack));
      reason = ack.error?.code ?? 'error';
    } catch (err) {
      if (attempt > 20) throw err;
      reason = (err as Error).message.includes('timed out') ? 'timeout' : (err as Error).message;
    }
    c.retryReasons[reason] = (c.retryReasons[reason] ?? 0) + 1;
    c.retries++;
    await sleep(200);
  }
}

async function main() {
  const admin = knexFactory({ client: 'pg', connection: testEnv.adminDatabaseUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE "${testEnv.databaseName}"`);
  const db = createDb(testEnv.databaseUrl, 1);
  await migrateLatest(db);
  await db.destroy();
  let cluster: Cluster | undefined;
  try {
    let t = Date.now();
    // The per-user send limit (120/min) would otherwise pace the chat, not the reload.
    cluster = await startCluster({ realtimeInstances: 2, realtimeMaxInstances: 3, env: { RATE_LIMIT_MESSAGES_PER_MIN: '100000' } });
    out(`cluster up in ${Date.now() - t} ms (gateway ${cluster.url}, realtime ${cluster.ports.realtime.join(', ')})`);

    const [ann, bob] = await Promise.all([joinPlatform(cluster.url, 'Ann', 'woman', 'man'), joinPlatform(cluster.url, 'Bob', 'man', 'woman')]);
    const annProbe = await chatSocket(cluster.url, ann);
    const matched = nextEvent(annProbe, 'match:new', { timeoutMs: 20_000 });
    await api(cluster.url, ann).post('/discovery/like', { target_id: bob.id });
    await api(cluster.url, bob).post('/discovery/like', { target_id: ann.id });
    const conversationId = (await matched).conversation_id;
    annProbe.close();

    const a = await chatter(cluster, ann, conversationId);
    const b = await chatter(cluster, bob, conversationId);
    let chatting = true;
    const loop = (async () => {
      for (let i = 0; chatting; i++) {
        await send(i % 2 ? b : a, conversationId, `message ${i}`);
        await sleep(1000 / perSecond);
      }
    })();

    await sleep(2000);
    t = Date.now();
    await cluster.pm2(['scale', 'realtime', '3']);
    out(`pm2 scale realtime 3: ${Date.now() - t} ms`);
    const third = cluster.ports.realtime[0] + 2;
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`http://127.0.0.1:${third}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      await sleep(200);
    }
    await sleep(2000); // the gateway probes every second

    t = Date.now();
    await cluster.pm2(['reload', 'all']);
    const reloadMs = Date.now() - t;
    out(`pm2 reload all: ${reloadMs} ms`);
    await sleep(3000);
    chatting = false;
    await loop;
    await sleep(1000);
    await Promise.all([catchUp(cluster, a, conversationId), catchUp(cluster, b, conversationId)]);

    const history: ChatMessage[] = [];
    for (let after = 0; ; ) {
      const page = await api(cluster.url, ann).get(`/chat/messages/${conversationId}?after_seq=${after}&limit=100`);
      history.push(...(page.body.messages as ChatMessage[]));
      if (!page.body.has_more) break;
      after = history[history.length - 1].seq;
    }
    const sent = [...a.sent, ...b.sent];
    const storedIds = history.map((m) => m.client_msg_id);
    const gapless = history.every((m, i) => m.seq === i + 1);
    const lost = sent.filter((id) => !storedIds.includes(id));
    const storedTwice = storedIds.length - new Set(storedIds).size;
    const missing = (c: Chatter) => history.filter((m) => !c.known.has(m.seq)).length;
    out(`messages sent ${sent.length}, stored ${history.length}, lost ${lost.length}, stored twice ${storedTwice}, seq gapless ${gapless}`);
    for (const c of [a, b]) {
      const reasons = Object.entries(c.retryReasons).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
      out(`${c.member.name}: reconnects ${c.reconnects}, retried sends ${c.retries} (${reasons}), missing after catch-up ${missing(c)}, message:new received twice ${c.doubles}`);
    }
    const procs = await cluster.processes();
    out(`processes after the reload: ${procs.map((p) => `${p.name}:${p.pm2_env.status}`).join(' ')}`);
    const ok = lost.length === 0 && storedTwice === 0 && gapless && missing(a) === 0 && missing(b) === 0 && history.length === sent.length;
    out(ok ? 'PASS: no message lost or doubled' : 'FAIL');
    out(
      `→ ${writeResults('cluster-reload', run, {
        pass: ok,
        sent: sent.length,
        stored: history.length,
        lost: lost.length,
        stored_twice: storedTwice,
        seq_gapless: gapless,
        missing_after_catch_up: missing(a) + missing(b),
        reload_s: Number((reloadMs / 1000).toFixed(1)),
        retried_sends: a.retries + b.retries,
        rate_per_s: perSecond,
      })}`,
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    closeSockets();
    await cluster?.stop();
    await admin.raw(`DROP DATABASE IF EXISTS "${testEnv.databaseName}" WITH (FORCE)`);
    await admin.destroy();
    const redis = new Redis(testEnv.redisUrl);
    await deleteByPrefix(redis, testEnv.redisPrefix);
    await redis.quit();
  }
}

await main();
