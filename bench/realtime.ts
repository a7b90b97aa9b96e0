// Realtime tier benchmark (issues 6 and 17), every figure from one run:
//   RSS per idle authenticated socket, at --sockets over two realtime processes;
//   persisted chat: the most messages per second end to end (message:send on
//     one node → stored → message:new on the other), with server CPU per
//     message for realtime, PostgreSQL backends and Redis;
//   the lean relay (bench/realtime-relay.ts): two bare Socket.IO processes on
//     the same Redis Streams adapter, `send` re-emitted to the peer's room and
//     acked, no auth and no storage, measured the same way: the reference;
//   delivery latency of both at half the persisted maximum;
//   what idle sockets cost (cores per 1,000 over two heartbeat rounds), what a
//     stored message takes in the messages table, and what one more node
//     costs per message (a third realtime and a third relay process with no
//     client, which the Streams adapter still hands every broadcast).
// One generator process (bench/lib/chat-load.ts) drives both with --pairs
// pairs, one member of each on either server, both members sending, 100-byte
// bodies, 1 and 2 sends in flight per client (--windows); the better setting
// counts. The generator reports its CPU: a figure measured while it was
// saturated is listed in `lower_bounds`. Redis is a redis-server of the run's
// own (INFO then counts the run alone); PostgreSQL is the local server, its
// backends for the run's database read from /proc.
// Writes bench/results/realtime.json; with --adapter pubsub (the sharded
// pub/sub adapter, REALTIME_ADAPTER=pubsub, for servers and relays alike) the
// same figures go under its `pubsub` key and the rest of the file stays.
//
//   npx tsx bench/realtime.ts [--sockets 5000] [--pairs 50] [--seconds 5] [--windows 1,2] [--adapter streams|pubsub] [--cpu-prof DIR] [--idle-seconds 50]
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config.js';
import { signAccessToken } from '../shared/jwt.js';
import { SOCKET_PATH } from '../realtime/events.js';
import { CpuMeter, postgresBackends, postgresBackground, rssKbOf, type Usage } from './lib/cpu.js';
import { startGenerator, SATURATED_CORES, type Generator } from './lib/generator.js';
import type { ClientSpec, Collected } from './lib/chat-load.js';
import { startRun, writeResults } from './lib/results.js';
import { benchRedis, cleanup, freePort, httpOk, productionEnv, runId, sleep, startService, throwawayDatabase, type Service } from './lib/stores.js';
import { round } from './lib/stats.js';
import { describeProfile, profileDuring, summarize } from './lib/profile.js';

const { values: args } = parseArgs({
  options: {
    sockets: { type: 'string', default: '5000' },
    pairs: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '5' },
    windows: { type: 'string', default: '1,2' },
    'redis-url': { type: 'string' },
    adapter: { type: 'string', default: 'streams' },
    'cpu-prof': { type: 'string' },
    'idle-seconds': { type: 'string', default: '50' },
  },
});
const ADAPTER = args.adapter === 'pubsub' ? 'pubsub' : 'streams';
const SOCKETS = Number(args.sockets);
const PAIRS = Number(args.pairs);
const SECONDS = Number(args.seconds);
const WINDOWS = args.windows!.split(',').map(Number);
const WARMUP_MS = 1000;
const QUIET_SECONDS = 10;
const IDLE_SECONDS = Number(args['idle-seconds']); // default two rounds of Socket.IO's 25 s heartbeat
const run = startRun('bench/realtime.ts');
const out = (line: string) => process.stdout.write(`${line}\n`);

interface Phase extends Collected {
  kind: 'relay' | 'persisted';
  window?: number;
  target_rate?: number;
  usage: Usage;
}

/** CPU µs per delivered message for each kind, from the cores busy over the window and the delivery rate. */
const usPerMessage = (p: Phase) =>
  Object.fromEntries(Object.entries(p.usage.cpu_s).map(([k, s]) => [k, round(((s / p.usage.seconds) * 1e6) / p.rate, 1)]));

async function phase(gen: Generator, meter: CpuMeter, kind: Phase['kind'], load: { window: number } | { rate: number }): Promise<Phase> {
  if ('window' in load) await gen.call('startClosed', { name: kind, window: load.window });
  else await gen.call('startOpen', { name: kind, rate: load.rate });
  await sleep(WARMUP_MS);
  const a = await meter.snapshot();
  await gen.call('mark');
  await sleep(SECONDS * 1000);
  const c = await gen.call<Collected>('collect');
  const b = await meter.snapshot();
  const { undelivered } = await gen.call<{ undelivered: number }>('stop', { settleMs: 5000 });
  const p: Phase = { kind, ...('window' in load ? { window: load.window } : { target_rate: round(load.rate, 0)! }), ...c, usage: meter.usage(a, b) };
  const errs = Object.entries(c.errors).map(([k, v]) => `${k} ${v}`).join(', ');
  out(
    `${kind.padEnd(9)} ${'window' in load ? `window ${load.window}` : `at ${load.rate.toFixed(0)}/s`}: ${c.rate.toFixed(0)} msg/s delivered, ` +
      `p50 ${c.latency.p50_ms} ms, p99 ${c.latency.p99_ms} ms; generator ${c.cpu.cores} cores${c.cpu.saturated ? ' (SATURATED)' : ''}; ` +
      `servers ${Object.entries(p.usage.cores).map(([k, v]) => `${k} ${v}`).join(', ')}${errs ? `; errors ${errs}` : ''}${undelivered ? `; ${undelivered} undelivered` : ''}`,
  );
  return p;
}

/** Cumulative writer figures of a realtime node, from its /metrics. */
async function writerFigures(base: string) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const v = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { batches: v('chat_commit_batch_size_count'), batch_msgs: v('chat_commit_batch_size_sum'), batch_s: v('chat_commit_duration_seconds_sum'), sends: v('chat_send_duration_seconds_count'), send_s: v('chat_send_duration_seconds_sum') };
}

async function main() {
  const redis = await benchRedis(args['redis-url']);
  const pg = await throwawayDatabase('realtime');
  const prefix = `bench:${runId}:`;
  const env = {
    ...productionEnv(),
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    REALTIME_ADAPTER: ADAPTER,
    RATE_LIMIT_MESSAGES_PER_MIN: '100000000',
    // Every socket comes from 127.0.0.1 and the pairs send as fast as acks come back.
    SOCKETS_PER_ADDRESS: '1000000',
    SOCKET_EVENTS_PER_S: '1000000',
    SOCKET_EVENTS_BURST: '1000000',
    SOCKET_MAX_INFLIGHT: '1000',
  };
  const config = loadConfig(env);
  const [p1, p2, r1, r2] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const url = (p: number) => `http://127.0.0.1:${p}`;
  // Inspectable: extra phases at the end are profiled through the inspector (bench/lib/profile.ts).
  const prof = { cpuProfDir: args['cpu-prof'], inspect: true };
  const rt = await Promise.all(
    [p1, p2].map((p, i) => startService(['realtime/main.ts'], { ...env, REALTIME_PORT: String(p), SERVICE_INSTANCE: `rt${i + 1}` }, httpOk(`${url(p)}/ready`), prof)),
  );
  const relays = await Promise.all(
    // A prefix of their own: on the product's, the realtime nodes would read the relay's stream too.
    [r1, r2].map((p) => startService(['bench/realtime-relay.ts', String(p), redis.url, `${prefix}relay:`, ADAPTER], {}, httpOk(`${url(p)}${SOCKET_PATH}/?EIO=4&transport=polling`), prof)),
  );

  // Users: SOCKETS idle ones and PAIRS matched pairs, made in bulk.
  const { rows: users } = await pg.db.raw(`INSERT INTO users (telegram_id, first_name) SELECT 7000000000 + g, 'bench' FROM generate_series(1, ?) g RETURNING id`, [SOCKETS + 2 * PAIRS]);
  const ids = (users as { id: string }[]).map((u) => u.id);
  const { rows: sessions } = await pg.db.raw(`INSERT INTO sessions (user_id, expires_at) SELECT unnest(?::uuid[]), now() + interval '1 day' RETURNING id, user_id`, [ids]);
  const token = new Map((sessions as { id: string; user_id: string }[]).map((s) => [s.user_id, signAccessToken(config.jwt, { userId: s.user_id, sessionId: s.id }, 3600)]));
  const pairs: { a: string; b: string; conversation: string }[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const [a, b] = [ids[SOCKETS + 2 * i], ids[SOCKETS + 2 * i + 1]];
    const [m] = await pg.db('matches').insert({ user_a: a < b ? a : b, user_b: a < b ? b : a }).returning('id');
    const [c] = await pg.db('conversations').insert({ match_id: m.id }).returning('id');
    await pg.db('conversation_members').insert([{ conversation_id: c.id, user_id: a }, { conversation_id: c.id, user_id: b }]);
    pairs.push({ a, b, conversation: c.id });
  }

  const gen = await startGenerator('bench/lib/chat-load.ts', 'chat');
  const bystanders: { kind: 'realtime' | 'relay'; service: Service }[] = [];
  const meter = new CpuMeter(
    {
      realtime: () => rt.map((s) => s.pid),
      relay: () => relays.map((s) => s.pid),
      realtime_bystander: () => bystanders.filter((b) => b.kind === 'realtime').map((b) => b.service.pid),
      relay_bystander: () => bystanders.filter((b) => b.kind === 'relay').map((b) => b.service.pid),
      postgres: () => postgresBackends(pg.db, pg.name),
      postgres_background: () => postgresBackground(pg.db),
    },
    redis.client,
  );

  // Idle sockets: RSS of the two realtime processes before and after, and CPU above the quiet level.
  await sleep(1000);
  const quiet0 = (await meter.measure(() => sleep(QUIET_SECONDS * 1000))).usage;
  const before = rt.map((s) => rssKbOf(s.pid));
  const idle = await gen.call<{ opened: number; failed: number; seconds: number; cpu: { cores: number } }>('openIdle', {
    clients: ids.slice(0, SOCKETS).map((id, i) => ({ url: url(i % 2 ? p2 : p1), auth: { token: token.get(id)! } })),
  });
  await sleep(3000);
  const after = rt.map((s) => rssKbOf(s.pid));
  const rssPerSocket = (after[0] - before[0] + after[1] - before[1]) / idle.opened;
  out(`${idle.opened} idle sockets (${idle.failed} failed) in ${idle.seconds.toFixed(1)} s; RSS ${before.join('+')} → ${after.join('+')} KB: ${rssPerSocket.toFixed(1)} KB per socket`);
  // What idle sockets cost (heartbeats every pingInterval, presence refreshes).
  const { usage: idleUsage } = await meter.measure(() => sleep(IDLE_SECONDS * 1000));
  const idlePer1000 = Object.fromEntries(Object.entries(idleUsage.cores).map(([k, c]) => [k, round(((c - (quiet0.cores[k] ?? 0)) / idle.opened) * 1000, 4)]));
  out(`idle: cores per 1,000 sockets ${JSON.stringify(idlePer1000)}`);
  await gen.call('closeIdle');
  // Presence settles (grace period, then the sweep takes them offline) before throughput.
  await sleep(8000);

  // Lanes: each pair has a member on either server, and both members send to the other.
  const relayClients: ClientSpec[] = pairs.flatMap((p) => [
    { url: url(r1), auth: { user: p.a }, peer: p.b },
    { url: url(r2), auth: { user: p.b }, peer: p.a },
  ]);
  const chatClients: ClientSpec[] = pairs.flatMap((p) => [
    { url: url(p1), auth: { token: token.get(p.a)! }, peer: p.b, conversation: p.conversation },
    { url: url(p2), auth: { token: token.get(p.b)! }, peer: p.a, conversation: p.conversation },
  ]);
  await gen.call('openLanes', { name: 'relay', kind: 'relay', clients: relayClients });
  await gen.call('openLanes', { name: 'persisted', kind: 'persisted', clients: chatClients });

  const maxima: Phase[] = [];
  for (const window of WINDOWS) for (const kind of ['relay', 'persisted'] as const) maxima.push(await phase(gen, meter, kind, { window }));
  const best = (kind: Phase['kind']) => maxima.filter((p) => p.kind === kind).sort((x, y) => y.rate - x.rate)[0];
  const relay = best('relay');
  const persisted = best('persisted');
  const half = persisted.rate / 2;
  const m0 = await writerFigures(url(p1)).catch(() => undefined);
  const persistedHalf = await phase(gen, meter, 'persisted', { rate: half });
  const m1 = await writerFigures(url(p1)).catch(() => undefined);
  const relayHalf = await phase(gen, meter, 'relay', { rate: half });
  const persistedLow = await phase(gen, meter, 'persisted', { rate: 100 });
  // Where the servers' CPU goes at the maximum: a profiled extra phase of each kind (the figures above ran unprofiled).
  const profiled = async (kind: Phase['kind'], services: Service[]) => {
    const targets = Object.fromEntries(await Promise.all(services.map(async (s, i) => [`${kind}${i + 1}`, await s.inspector()])));
    const { profiles } = await profileDuring(targets, () => phase(gen, meter, kind, { window: best(kind).window ?? WINDOWS[0] }));
    return summarize(Object.values(profiles));
  };
  const profile = { persisted_realtime: await profiled('persisted', rt), relay: await profiled('relay', relays) };
  out(`profile of the realtime nodes at the maximum: ${describeProfile(profile.persisted_realtime)}`);
  // Fan-out: the Streams adapter hands every broadcast to every node (the pub/sub one only to nodes
  // with a subscriber). A third node of each kind with no client (a bystander) shows what one more
  // node costs per message, itself and Redis.
  // Each window at half the maximum is compared with a quiet one of the same nodes (registry
  // heartbeats, consumers' blocking reads and outbox polls cost a node something with no traffic).
  const quiet2 = (await meter.measure(() => sleep(QUIET_SECONDS * 1000))).usage;
  const [p3, r3] = await Promise.all([freePort(), freePort()]);
  bystanders.push(
    { kind: 'realtime', service: await startService(['realtime/main.ts'], { ...env, REALTIME_PORT: String(p3), SERVICE_INSTANCE: 'rt3' }, httpOk(`${url(p3)}/ready`), prof) },
    { kind: 'relay', service: await startService(['bench/realtime-relay.ts', String(r3), redis.url, `${prefix}relay:`, ADAPTER], {}, httpOk(`${url(r3)}${SOCKET_PATH}/?EIO=4&transport=polling`), prof) },
  );
  await sleep(2000);
  const quiet3 = (await meter.measure(() => sleep(QUIET_SECONDS * 1000))).usage;
  const persistedHalf3 = await phase(gen, meter, 'persisted', { rate: half });
  const relayHalf3 = await phase(gen, meter, 'relay', { rate: half });
  await gen.call('closeAll');
  await gen.stop();
  const stored = Number((await pg.db('messages').count('* as n'))[0].n);
  const { rows: size } = await pg.db.raw(`SELECT pg_relation_size('messages') AS heap, pg_total_relation_size('messages') AS total`);

  const usPersisted = usPerMessage(persisted);
  const usRelay = usPerMessage(relay);
  const serverPersisted = (usPersisted.realtime ?? 0) + (usPersisted.postgres ?? 0) + (usPersisted.redis ?? 0);
  const serverRelay = (usRelay.relay ?? 0) + (usRelay.redis ?? 0);
  const perMessage = (p: Phase) =>
    p.usage.redis && { commands: round(p.usage.redis.commands / p.usage.seconds / p.rate, 2), bytes_in: round(p.usage.redis.bytes_in / p.usage.seconds / p.rate, 0), bytes_out: round(p.usage.redis.bytes_out / p.usage.seconds / p.rate, 0) };
  const all = [...maxima, persistedHalf, relayHalf, persistedLow, persistedHalf3, relayHalf3];
  /**
   * What the third node added per message: its own CPU above its quiet level, and Redis's CPU,
   * bytes out and commands above their quiet level compared with the same rate on two nodes.
   */
  const extraNode = (two: Phase, three: Phase, kind: 'realtime' | 'relay') => {
    const perS = (u: Usage, k: 'bytes_out' | 'commands') => (u.redis ? u.redis[k] / u.seconds : NaN);
    const cores = (u: Usage, k: string) => (u.cpu_s[k] ?? NaN) / u.seconds;
    const above = (loaded: number, quiet: number, rate: number) => (loaded - quiet) / rate;
    return {
      node_cpu_us: round(above(cores(three.usage, `${kind}_bystander`), cores(quiet3, `${kind}_bystander`), three.rate) * 1e6, 1),
      node_quiet_cores: round(cores(quiet3, `${kind}_bystander`), 3),
      redis_cpu_us: round((above(cores(three.usage, 'redis'), cores(quiet3, 'redis'), three.rate) - above(cores(two.usage, 'redis'), cores(quiet2, 'redis'), two.rate)) * 1e6, 1),
      redis_bytes_out: round(above(perS(three.usage, 'bytes_out'), perS(quiet3, 'bytes_out'), three.rate) - above(perS(two.usage, 'bytes_out'), perS(quiet2, 'bytes_out'), two.rate), 0),
      redis_commands: round(above(perS(three.usage, 'commands'), perS(quiet3, 'commands'), three.rate) - above(perS(two.usage, 'commands'), perS(quiet2, 'commands'), two.rate), 2),
    };
  };
  const lowerBounds = [
    ...(relay.cpu.saturated ? ['relay_msg_per_s'] : []),
    ...(persisted.cpu.saturated ? ['persisted_msg_per_s'] : []),
  ];
  const d = m0 && m1 ? { batches: m1.batches - m0.batches, msgs: m1.batch_msgs - m0.batch_msgs, batch_s: m1.batch_s - m0.batch_s, sends: m1.sends - m0.sends, send_s: m1.send_s - m0.send_s } : undefined;

  const figures = {
    persisted_msg_per_s: round(persisted.rate, 0),
    relay_msg_per_s: round(relay.rate, 0),
    persisted_vs_relay: round(persisted.rate / relay.rate, 2),
    persisted_p99_ms_at_half: persistedHalf.latency.p99_ms,
    relay_p99_ms_at_half: relayHalf.latency.p99_ms,
    rss_kb_per_socket: round(rssPerSocket, 1),
    loadgen_cpu_max: round(Math.max(...all.map((p) => p.cpu.cores)), 2),
    // A figure the generator may have bounded (it was at ≥ SATURATED_CORES cores).
    lower_bounds: lowerBounds,
    saturated_at_cores: SATURATED_CORES,
    // Server CPU per delivered message at the maximum; realtime + PostgreSQL backends + Redis vs relay + Redis.
    cpu_us_per_msg: {
      persisted: { ...usPersisted, server: round(serverPersisted, 1) },
      relay: { ...usRelay, server: round(serverRelay, 1) },
    },
    cpu_persisted_vs_relay: round(serverPersisted / serverRelay, 2),
    redis_per_msg: { persisted: perMessage(persisted), relay: perMessage(relay), own_server: redis.own },
    // One more node on the Streams adapter, per message delivered (at half the persisted maximum).
    per_extra_node_per_msg: { persisted: extraNode(persistedHalf, persistedHalf3, 'realtime'), relay: extraNode(relayHalf, relayHalf3, 'relay') },
    half_rate_msg_per_s: round(half, 0),
    // CPU profiles (V8, sampled) of the realtime nodes and of the relays at their maximum, by layer and hottest functions.
    profile,
    latency_ms: {
      persisted_at_half: persistedHalf.latency,
      relay_at_half: relayHalf.latency,
      persisted_at_100: persistedLow.latency,
    },
    writer_at_half: d && {
      batches: d.batches,
      mean_batch: round(d.msgs / d.batches, 1),
      commit_ms: round((d.batch_s / d.batches) * 1000, 1),
      send_to_commit_ms: round((d.send_s / d.sends) * 1000, 1),
    },
    // Cores busy per 1,000 idle sockets above the quiet level, per process kind, over IDLE_SECONDS.
    idle_cores_per_1000_sockets: idlePer1000,
    quiet_cores: quiet0.cores,
    // What a stored message takes in PostgreSQL: the messages table's heap, and with its indexes and TOAST.
    messages_bytes_per_row: { heap: round(Number(size[0].heap) / stored, 0), total: round(Number(size[0].total) / stored, 0) },
    setup: { idle_seconds: IDLE_SECONDS, sockets: SOCKETS, sockets_opened: idle.opened, pairs: PAIRS, clients_per_kind: 2 * PAIRS, body_bytes: 100, windows: WINDOWS, seconds: SECONDS, messages_stored: stored },
    phases: all.map((p) => ({
      kind: p.kind,
      nodes: p === persistedHalf3 || p === relayHalf3 ? 3 : 2,
      window: p.window,
      target_rate: p.target_rate,
      msg_per_s: round(p.rate, 0),
      sent: p.sent,
      acked: p.acked,
      delivered: p.delivered,
      errors: p.errors,
      p50_ms: p.latency.p50_ms,
      p99_ms: p.latency.p99_ms,
      loadgen_cores: p.cpu.cores,
      loadgen_saturated: p.cpu.saturated,
      server_cores: p.usage.cores,
    })),
  };
  const file = writeResults('realtime', run, { adapter: ADAPTER, ...figures }, ADAPTER === 'pubsub' ? { under: 'pubsub' } : {});
  out('');
  out(`persisted ${figures.persisted_msg_per_s} msg/s vs relay ${figures.relay_msg_per_s} msg/s: ratio ${figures.persisted_vs_relay}${lowerBounds.length ? ` (lower bounds: ${lowerBounds.join(', ')})` : ''}`);
  out(`p99 at half (${figures.half_rate_msg_per_s} msg/s): persisted ${figures.persisted_p99_ms_at_half} ms, relay ${figures.relay_p99_ms_at_half} ms`);
  out(`server CPU per message: persisted ${serverPersisted.toFixed(0)} µs (${JSON.stringify(usPersisted)}), relay ${serverRelay.toFixed(0)} µs; ratio ${figures.cpu_persisted_vs_relay}`);
  out(`RSS ${figures.rss_kb_per_socket} KB per socket; generator at most ${figures.loadgen_cpu_max} cores; ${stored} messages stored → ${file}`);
}

try {
  await main();
} finally {
  await cleanup();
}
process.exit(0);
