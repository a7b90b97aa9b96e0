// Realtime tier benchmark (issue 6), all figures from one run on this machine:
//   (a) RSS per idle authenticated socket, at N sockets over two realtime processes;
//   (b) persisted chat messages per second end to end (message:send on node 1 →
//       stored → message:new on node 2), then p50/p99 delivery latency at half that rate;
//   (c) a bare Socket.IO relay with the same adapter and no persistence or auth,
//       as the ceiling, run the same way.
// Two realtime processes (realtime/main.ts) and two relay processes on Redis
// (Streams adapter) and a throwaway PostgreSQL database.
//
//   npx tsx bench/realtime.ts [--sockets 5000] [--pairs 50] [--window 8] [--seconds 5]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import knexFactory from 'knex';
import { Redis } from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import { loadConfig } from '../shared/config.js';
import { createDb, migrateLatest } from '../shared/db.js';
import { deleteByPrefix } from '../shared/redis.js';
import { signAccessToken } from '../shared/jwt.js';
import { SOCKET_PATH } from '../realtime/events.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SOCKETS = arg('sockets', 5000);
const PAIRS = arg('pairs', 50);
const WINDOW = arg('window', 8);
const SECONDS = arg('seconds', 5);

const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = 'redis://127.0.0.1:6379';
const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const dbName = `bench_rt_${runId}`;
const dbUrl = `postgres://postgres@127.0.0.1:5432/${dbName}`;
const prefix = `bench:${runId}:`;
const env = {
  ...process.env,
  NODE_ENV: 'production',
  // Production refuses to start without them (the benchmark signs its own tokens with them).
  BOT_TOKEN: '1234567890:bench-bot-token-of-this-run',
  JWT_SECRET: randomBytes(32).toString('hex'),
  LOG_LEVEL: 'warn',
  DATABASE_URL: dbUrl,
  REDIS_URL,
  REDIS_PREFIX: prefix,
  RATE_LIMIT_MESSAGES_PER_MIN: '100000000',
  // Every socket comes from 127.0.0.1 and the pairs send as fast as acks come back.
  SOCKETS_PER_ADDRESS: '1000000',
  SOCKET_EVENTS_PER_S: '1000000',
  SOCKET_EVENTS_BURST: '1000000',
  SOCKET_MAX_INFLIGHT: '1000',
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function startProcess(args: string[], extraEnv: Record<string, string>, ready: (port: number) => Promise<boolean>, port: number) {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  for (let i = 0; i < 300; i++) {
    if (await ready(port).catch(() => false)) return child;
    await sleep(100);
  }
  throw new Error(`${args.join(' ')} did not start`);
}

/** CPU seconds (user + system) a process has used so far. */
const cpuS = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

function open(url: string, auth: Record<string, string>): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(url, { path: SOCKET_PATH, auth, transports: ['websocket'], reconnection: false, forceNew: true });
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

async function openMany(n: number, make: (i: number) => Promise<Socket>, concurrency = 100): Promise<Socket[]> {
  const out: Socket[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await make(i);
      }
    }),
  );
  return out;
}

/** Cumulative writer figures of a realtime node, from its /metrics. */
async function writerFigures(base: string) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const v = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    batches: v('chat_commit_batch_size_count'),
    batchMsgs: v('chat_commit_batch_size_sum'),
    batchS: v('chat_commit_duration_seconds_sum'),
    sends: v('chat_send_duration_seconds_count'),
    sendS: v('chat_send_duration_seconds_sum'),
  };
}

function percentile(sorted: number[], p: number) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

interface Lane {
  sender: Socket;
  receiver: Socket;
  send(id: string): Promise<void>;
}

/** Closed loop: every sender keeps WINDOW sends outstanding; deliveries per second at the receivers. */
async function maxRate(lanes: Lane[], event: string, idOf: (p: any) => string): Promise<number> {
  let running = true;
  let counting = false;
  let delivered = 0;
  const onMsg = () => {
    if (counting) delivered++;
  };
  for (const l of lanes) l.receiver.on(event, onMsg);
  let n = 0;
  const loops = lanes.flatMap((l) =>
    Array.from({ length: WINDOW }, async () => {
      while (running) await l.send(`x${n++}`);
    }),
  );
  await sleep(1000);
  counting = true;
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  counting = false;
  const rate = delivered / ((performance.now() - t0) / 1000);
  running = false;
  await Promise.all(loops);
  await sleep(300);
  for (const l of lanes) l.receiver.off(event, onMsg);
  void idOf;
  return rate;
}

/** Open loop at a fixed rate: latency from send to delivery at the receiver. */
async function latencyAt(lanes: Lane[], rate: number, event: string, idOf: (p: any) => string) {
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  const onMsg = (p: any) => {
    const t = sentAt.get(idOf(p));
    if (t !== undefined) {
      lat.push(performance.now() - t);
      sentAt.delete(idOf(p));
    }
  };
  for (const l of lanes) l.receiver.on(event, onMsg);
  const tickMs = 5;
  const end = performance.now() + SECONDS * 1000;
  let credit = 0;
  let k = 0;
  let sent = 0;
  const pending: Promise<void>[] = [];
  while (performance.now() < end) {
    credit += (rate * tickMs) / 1000;
    while (credit >= 1) {
      credit--;
      const id = `l${k}`;
      const lane = lanes[k++ % lanes.length];
      sentAt.set(id, performance.now());
      pending.push(lane.send(id));
      sent++;
    }
    await sleep(tickMs);
  }
  await Promise.all(pending);
  await sleep(1000);
  for (const l of lanes) l.receiver.off(event, onMsg);
  lat.sort((a, b) => a - b);
  return { sent, delivered: lat.length, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function main() {
  const admin = knexFactory({ client: 'pg', connection: PG_ADMIN, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE "${dbName}"`);
  const db = createDb(dbUrl, 4);
  const redis = new Redis(REDIS_URL);
  try {
    await migrateLatest(db);
    const config = loadConfig(env);

    const [p1, p2, r1, r2] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const ready = async (port: number) => (await fetch(`http://127.0.0.1:${port}/ready`)).ok;
    const relayReady = async (port: number) => (await fetch(`http://127.0.0.1:${port}${SOCKET_PATH}/?EIO=4&transport=polling`)).ok;
    const rt = await Promise.all([
      startProcess(['realtime/main.ts'], { REALTIME_PORT: String(p1), SERVICE_INSTANCE: 'rt1' }, ready, p1),
      startProcess(['realtime/main.ts'], { REALTIME_PORT: String(p2), SERVICE_INSTANCE: 'rt2' }, ready, p2),
    ]);
    const relays = await Promise.all([startProcess(['bench/realtime-relay.ts', String(r1)], {}, relayReady, r1), startProcess(['bench/realtime-relay.ts', String(r2)], {}, relayReady, r2)]);
    const url = (p: number) => `http://127.0.0.1:${p}`;

    // Users: SOCKETS idle ones and PAIRS matched pairs, made in bulk.
    const { rows: users } = await db.raw(
      `INSERT INTO users (telegram_id, first_name) SELECT 7000000000 + g, 'bench' FROM generate_series(1, ?) g RETURNING id`,
      [SOCKETS + 2 * PAIRS],
    );
    const ids = (users as { id: string }[]).map((u) => u.id);
    const { rows: sessions } = await db.raw(
      `INSERT INTO sessions (user_id, expires_at) SELECT unnest(?::uuid[]), now() + interval '1 day' RETURNING id, user_id`,
      [ids],
    );
    const token = new Map((sessions as { id: string; user_id: string }[]).map((s) => [s.user_id, signAccessToken(config.jwt, { userId: s.user_id, sessionId: s.id }, 3600)]));
    const pairs: { a: string; b: string; conversation: string }[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const a = ids[SOCKETS + 2 * i];
      const b = ids[SOCKETS + 2 * i + 1];
      const [m] = await db('matches').insert({ user_a: a < b ? a : b, user_b: a < b ? b : a }).returning('id');
      const [c] = await db('conversations').insert({ match_id: m.id }).returning('id');
      await db('conversation_members').insert([{ conversation_id: c.id, user_id: a }, { conversation_id: c.id, user_id: b }]);
      pairs.push({ a, b, conversation: c.id });
    }

    // (a) idle sockets
    await sleep(1000);
    const before = rt.map((c) => rssKb(c.pid!));
    const t0 = performance.now();
    const idle = await openMany(SOCKETS, (i) => open(url(i % 2 ? p2 : p1), { token: token.get(ids[i])! }));
    const connectS = (performance.now() - t0) / 1000;
    await sleep(3000);
    const after = rt.map((c) => rssKb(c.pid!));
    const perSocketKb = (after[0] - before[0] + after[1] - before[1]) / SOCKETS;
    console.log(`(a) ${SOCKETS} sockets connected in ${connectS.toFixed(1)} s; RSS ${before.join('+')} → ${after.join('+')} KB; ${perSocketKb.toFixed(1)} KB per socket`);
    for (const s of idle) s.close();
    // Let presence settle (grace period, then the sweep takes them offline) before measuring throughput.
    await sleep(8000);

    // (c) bare relay, then (b) persisted chat; senders on node 1, receivers on node 2.
    const relayLanes: Lane[] = await Promise.all(
      pairs.map(async (p) => {
        const sender = await open(url(r1), { user: p.a });
        const receiver = await open(url(r2), { user: p.b });
        return { sender, receiver, send: (id: string) => new Promise<void>((r) => sender.emit('relay', { to: p.b, body: { id, text: 'hello there' } }, () => r())) };
      }),
    );
    let k = 0;
    const chatLanes: Lane[] = await Promise.all(
      pairs.map(async (p) => {
        const sender = await open(url(p1), { token: token.get(p.a)! });
        const receiver = await open(url(p2), { token: token.get(p.b)! });
        return {
          sender,
          receiver,
          send: (id: string) =>
            new Promise<void>((r) =>
              sender.emit('message:send', { conversation_id: p.conversation, body: 'hello there', client_msg_id: `${id}-${k++}` }, (ack: { ok: boolean; error?: unknown }) => {
                if (!ack.ok) console.error('send refused', ack.error);
                r();
              }),
            ),
        };
      }),
    );
    const relayId = (p: { id: string }) => p.id;
    const chatId = (p: { message: { client_msg_id: string } }) => p.message.client_msg_id.slice(0, p.message.client_msg_id.lastIndexOf('-'));

    const cpu = (procs: ChildProcess[]) => procs.map((c) => cpuS(c.pid!));
    const busy = (before: number[], after: number[], seconds: number) => before.map((b, i) => `${(((after[i] - b) / seconds) * 100).toFixed(0)}%`).join(' + ');
    let t = performance.now();
    let c0 = cpu(relays);
    const relayMax = await maxRate(relayLanes, 'msg', relayId);
    console.log(`(c) bare relay: ${relayMax.toFixed(0)} msg/s (relay CPU ${busy(c0, cpu(relays), (performance.now() - t) / 1000)} of a core)`);
    t = performance.now();
    c0 = cpu(rt);
    const chatMax = await maxRate(chatLanes, 'message:new', chatId);
    console.log(`(b) persisted chat: ${chatMax.toFixed(0)} msg/s (realtime CPU ${busy(c0, cpu(rt), (performance.now() - t) / 1000)} of a core)`);
    const half = chatMax / 2;
    const low = await latencyAt(chatLanes, 100, 'message:new', chatId);
    console.log(`(b) at 100 msg/s: p50 ${low.p50.toFixed(1)} ms, p99 ${low.p99.toFixed(1)} ms`);
    const m0 = await writerFigures(url(p1));
    const chatLat = await latencyAt(chatLanes, half, 'message:new', chatId);
    const m1 = await writerFigures(url(p1));
    const d = (k: keyof typeof m0) => m1[k] - m0[k];
    console.log(
      `    node 1 during it: ${d('batches')} batches of ${(d('batchMsgs') / d('batches')).toFixed(1)}, ${((d('batchS') / d('batches')) * 1000).toFixed(1)} ms each; send to commit ${((d('sendS') / d('sends')) * 1000).toFixed(1)} ms on average`,
    );
    console.log(`(b) at ${half.toFixed(0)} msg/s: p50 ${chatLat.p50.toFixed(1)} ms, p99 ${chatLat.p99.toFixed(1)} ms (${chatLat.delivered}/${chatLat.sent} delivered)`);
    const relayLat = await latencyAt(relayLanes, half, 'msg', relayId);
    console.log(`(c) at ${half.toFixed(0)} msg/s: p50 ${relayLat.p50.toFixed(1)} ms, p99 ${relayLat.p99.toFixed(1)} ms`);
    const stored = Number((await db('messages').count('* as n'))[0].n);
    for (const port of [p1, p2]) {
      const text = await (await fetch(`${url(port)}/metrics`)).text();
      const v = (name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      const batches = v('chat_commit_batch_size_count');
      const send = ((v('chat_send_duration_seconds_sum') / v('chat_send_duration_seconds_count')) * 1000).toFixed(1);
      console.log(
        `node :${port}: ${batches} batches, mean size ${(v('chat_commit_batch_size_sum') / batches).toFixed(1)}, mean ${((v('chat_commit_duration_seconds_sum') / batches) * 1000).toFixed(1)} ms each, send to commit ${send} ms; event loop lag p99 ${(v('nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(1)} ms`,
      );
    }

    console.log('\n| measure | figure | target |');
    console.log('| --- | --- | --- |');
    console.log(`| (a) RSS per idle authenticated socket (${SOCKETS} sockets, 2 nodes) | ${perSocketKb.toFixed(1)} KB | ≤ 20 KB |`);
    console.log(`| (b) persisted chat, end to end across nodes | ${chatMax.toFixed(0)} msg/s | ≥ 0.6 × (c) |`);
    console.log(`| (c) bare Socket.IO relay, same adapter | ${relayMax.toFixed(0)} msg/s | ceiling |`);
    console.log(`| ratio (b) / (c) | ${(chatMax / relayMax).toFixed(2)} | ≥ 0.6 |`);
    console.log(`| (b) delivery latency at ${half.toFixed(0)} msg/s (half of max) | p50 ${chatLat.p50.toFixed(1)} ms, p99 ${chatLat.p99.toFixed(1)} ms | p99 < 50 ms |`);
    console.log(`| (c) relay latency at the same rate | p50 ${relayLat.p50.toFixed(1)} ms, p99 ${relayLat.p99.toFixed(1)} ms | — |`);
    console.log(`\n${stored} messages stored; ${PAIRS} conversations, window ${WINDOW} per sender, ${SECONDS} s per phase.`);
    for (const l of [...relayLanes, ...chatLanes]) {
      l.sender.close();
      l.receiver.close();
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await sleep(1000);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await db.destroy();
    await admin.raw(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.destroy();
    await deleteByPrefix(redis, prefix);
    await redis.quit();
  }
}

await main();
process.exit(0);
