// A load test of the whole cluster through the gateway (issue 16 §4): the
// PM2 cluster as `npm run cluster` starts it (test/cluster/harness.ts: a
// temporary PM2_HOME, free ports, production mode) with two realtime
// instances, a seeded database of its own and a Redis of the run's own;
// --sockets WebSockets through the gateway (idle ones, plus --pairs matched
// pairs that chat), chat at each of --rates messages per second in turn while
// an open-loop REST mix runs at --rest-rate requests per second (candidates,
// then swipes on and profile reads of the people a page returned).
// Generators run in processes of their own and report their CPU.
// Reports per step: chat throughput, p50/p99 send → delivery, errors and
// undelivered messages; each REST route's rate, p50/p99 and failures; cores
// busy per process kind (each PM2 app, PostgreSQL backends, Redis, generators).
// Writes bench/results/cluster.json.
//
//   npx tsx bench/cluster.ts [--sockets 2000] [--pairs 100] [--rates 100,250,500] [--rest-rate 30]
//                            [--seconds 10] [--profiles 20000] [--realtime 2] [--chat-generators 1]
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config.js';
import { signAccessToken } from '../shared/jwt.js';
import { seedProfiles } from '../scripts/seed.js';
import { startCluster, type Pm2Process } from '../test/cluster/harness.js';
import { CpuMeter, postgresBackends, postgresBackground, rssKbOf, type Usage } from './lib/cpu.js';
import { startGenerator, type Generator, type GeneratorCpu } from './lib/generator.js';
import type { ClientSpec, Collected } from './lib/chat-load.js';
import type { RouteFigures } from './lib/http-load.js';
import { startRun, writeResults } from './lib/results.js';
import { round } from './lib/stats.js';
import { benchRedis, cleanup, onCleanup, productionEnv, runId, sleep, throwawayDatabase } from './lib/stores.js';

const { values: args } = parseArgs({
  options: {
    sockets: { type: 'string', default: '2000' },
    pairs: { type: 'string', default: '100' },
    rates: { type: 'string', default: '100,250,500' },
    'rest-rate': { type: 'string', default: '30' },
    seconds: { type: 'string', default: '10' },
    profiles: { type: 'string', default: '20000' },
    realtime: { type: 'string', default: '2' },
    'chat-generators': { type: 'string', default: '1' },
    'rest-users': { type: 'string', default: '300' },
  },
});
const SOCKETS = Number(args.sockets);
const PAIRS = Number(args.pairs);
const RATES = args.rates!.split(',').map(Number);
const REST_RATE = Number(args['rest-rate']);
const SECONDS = Number(args.seconds);
const PROFILES = Number(args.profiles);
const REALTIME = Number(args.realtime);
const CHAT_GENERATORS = Number(args['chat-generators']);
const REST_USERS = Number(args['rest-users']);
const WARMUP_MS = 2000;
const run = startRun('bench/cluster.ts');
const out = (line: string) => process.stdout.write(`${line}\n`);

const split = <T>(xs: T[], n: number) => Array.from({ length: n }, (_, i) => xs.filter((_, j) => j % n === i));

/** Counts of the generators of one kind added up; latency percentiles from the first (each sees a share of the same traffic). */
function merge(parts: Collected[]) {
  const sum = (k: 'sent' | 'acked' | 'delivered' | 'rate') => parts.reduce((a, p) => a + p[k], 0);
  const errors: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.errors)) errors[k] = (errors[k] ?? 0) + v;
  return {
    sent: sum('sent'),
    acked: sum('acked'),
    delivered: sum('delivered'),
    msg_per_s: round(sum('rate'), 1),
    errors,
    p50_ms: round(Math.max(...parts.map((p) => p.latency.p50_ms ?? NaN)), 2),
    p99_ms: round(Math.max(...parts.map((p) => p.latency.p99_ms ?? NaN)), 2),
    loadgen_cores: parts.map((p) => p.cpu.cores),
  };
}

async function main() {
  const redis = await benchRedis();
  const pg = await throwawayDatabase('cluster');
  const env: Record<string, string> = {
    ...productionEnv(),
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: `bench:${runId}:`,
    DATABASE_POOL_MAX: '6',
    // One address (127.0.0.1) for every client, and users that chat and swipe faster than people do.
    SOCKETS_PER_ADDRESS: '1000000',
    SOCKET_EVENTS_PER_S: '1000',
    SOCKET_EVENTS_BURST: '1000',
    RATE_LIMIT_MESSAGES_PER_MIN: '1000000',
    RATE_LIMIT_CANDIDATES_PER_MIN: '1000000',
    LIKES_PER_DAY: '1000000',
  };
  let t = Date.now();
  const cluster = await startCluster({ realtimeInstances: REALTIME, env });
  onCleanup(() => cluster.stop());
  out(`cluster up in ${((Date.now() - t) / 1000).toFixed(1)} s (gateway ${cluster.url}, realtime ${cluster.ports.realtime.join(', ')})`);

  t = Date.now();
  await seedProfiles(pg.db, { profiles: PROFILES, swipesPerUser: 3 });
  await pg.db.raw('VACUUM ANALYZE');
  const config = loadConfig(cluster.env);
  const picked = await pg.db.raw(`SELECT user_id FROM profiles WHERE visibility = 'visible' ORDER BY random() LIMIT ?`, [SOCKETS + 2 * PAIRS]);
  const ids = (picked.rows as { user_id: string }[]).map((r) => r.user_id);
  if (ids.length < SOCKETS + 2 * PAIRS) throw new Error(`only ${ids.length} visible profiles for ${SOCKETS + 2 * PAIRS} sockets: raise --profiles`);
  const { rows: sessions } = await pg.db.raw(`INSERT INTO sessions (user_id, expires_at) SELECT unnest(?::uuid[]), now() + interval '1 day' RETURNING id, user_id`, [ids]);
  const token = new Map((sessions as { id: string; user_id: string }[]).map((s) => [s.user_id, signAccessToken(config.jwt, { userId: s.user_id, sessionId: s.id }, 3 * 3600)]));
  const pairs: { a: string; b: string; conversation: string }[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const [a, b] = [ids[SOCKETS + 2 * i], ids[SOCKETS + 2 * i + 1]];
    const [m] = await pg.db('matches').insert({ user_a: a < b ? a : b, user_b: a < b ? b : a }).returning('id');
    const [c] = await pg.db('conversations').insert({ match_id: m.id }).returning('id');
    await pg.db('conversation_members').insert([{ conversation_id: c.id, user_id: a }, { conversation_id: c.id, user_id: b }]);
    pairs.push({ a, b, conversation: c.id });
  }
  out(`${PROFILES.toLocaleString('en')} profiles seeded, ${ids.length} sessions, ${PAIRS} conversations in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  const chatGens: Generator[] = [];
  for (let i = 0; i < CHAT_GENERATORS; i++) chatGens.push(await startGenerator('bench/lib/chat-load.ts', `chat${i + 1}`));
  const rest = await startGenerator('bench/lib/http-load.ts', 'rest');
  const apps = await cluster.processes();
  const pidsOf = (name: string) => apps.filter((p: Pm2Process) => p.name === name).map((p) => p.pid);
  const appNames = [...new Set(apps.map((p) => p.name))];
  const meter = new CpuMeter(
    {
      ...Object.fromEntries(appNames.map((n) => [n, () => pidsOf(n)])),
      postgres: () => postgresBackends(pg.db, pg.name),
      postgres_background: () => postgresBackground(pg.db),
      loadgen_chat: () => chatGens.map((g) => g.pid),
      loadgen_rest: () => [rest.pid],
    },
    redis.client,
  );

  // Idle sockets through the gateway (WebSocket, as a client is once upgraded).
  const rssBefore = pidsOf('realtime').map(rssKbOf);
  t = Date.now();
  const idleSpecs = ids.slice(0, SOCKETS).map((id) => ({ url: cluster.url, auth: { token: token.get(id)! } }));
  const opened = await Promise.all(
    split(idleSpecs, CHAT_GENERATORS).map((clients, i) => chatGens[i].call<{ opened: number; failed: number; errors: Record<string, number>; cpu: GeneratorCpu }>('openIdle', { clients, concurrency: 50 })),
  );
  const idleOpened = opened.reduce((a, o) => a + o.opened, 0);
  const connectS = (Date.now() - t) / 1000;
  await sleep(3000);
  const rssAfter = pidsOf('realtime').map(rssKbOf);
  const rssPerSocket = (rssAfter.reduce((a, b) => a + b, 0) - rssBefore.reduce((a, b) => a + b, 0)) / Math.max(1, idleOpened);
  out(`${idleOpened} of ${SOCKETS} sockets open through the gateway in ${connectS.toFixed(1)} s (${opened.reduce((a, o) => a + o.failed, 0)} failed); realtime RSS +${rssPerSocket.toFixed(1)} KB per socket`);

  const laneSpecs: ClientSpec[] = pairs.flatMap((p) => [
    { url: cluster.url, auth: { token: token.get(p.a)! }, peer: p.b, conversation: p.conversation },
    { url: cluster.url, auth: { token: token.get(p.b)! }, peer: p.a, conversation: p.conversation },
  ]);
  // Both members of a pair in the same generator, so every delivery is seen by the one that timed the send.
  const laneParts = split(pairs.map((_, i) => [laneSpecs[2 * i], laneSpecs[2 * i + 1]]), CHAT_GENERATORS).map((ps) => ps.flat());
  await Promise.all(laneParts.map((clients, i) => chatGens[i].call('openLanes', { name: 'chat', kind: 'persisted', clients })));

  const restUsers = ids.slice(0, Math.min(REST_USERS, ids.length)).map((id) => ({ id, token: token.get(id)! }));
  await rest.call('setUsers', { users: restUsers });
  await rest.call('startMix', { base: cluster.url, rate: REST_RATE });

  const steps = [];
  for (const rate of RATES) {
    await Promise.all(chatGens.map((g) => g.call('startOpen', { name: 'chat', rate: rate / CHAT_GENERATORS })));
    await sleep(WARMUP_MS);
    const a = await meter.snapshot();
    await Promise.all([...chatGens.map((g) => g.call('mark')), rest.call('markMix')]);
    await sleep(SECONDS * 1000);
    const [chatParts, restFigures] = await Promise.all([Promise.all(chatGens.map((g) => g.call<Collected>('collect'))), rest.call<{ seconds: number; routes: Record<string, RouteFigures>; cpu: GeneratorCpu }>('collectMix')]);
    const b = await meter.snapshot();
    const stopped = await Promise.all(chatGens.map((g) => g.call<{ undelivered: number }>('stop', { settleMs: 5000 })));
    const usage: Usage = meter.usage(a, b);
    const chat = { target_msg_per_s: rate, ...merge(chatParts), undelivered: stopped.reduce((x, s) => x + s.undelivered, 0) };
    const restRoutes = Object.fromEntries(
      Object.entries(restFigures.routes).map(([name, r]) => [name, { per_s: r.per_s, p50_ms: r.latency.p50_ms, p99_ms: r.latency.p99_ms, failed: r.failed, statuses: r.statuses }]),
    );
    const restTotal = Object.values(restFigures.routes).reduce((x, r) => x + r.per_s, 0);
    const step = {
      chat,
      rest: { target_req_per_s: REST_RATE, req_per_s: round(restTotal, 1), routes: restRoutes, loadgen_cores: restFigures.cpu.cores },
      cores: usage.cores,
      redis_ops_per_s: usage.redis && round(usage.redis.commands / usage.seconds, 0),
      loadgen_saturated: [...chatParts.map((p) => p.cpu), restFigures.cpu].some((c) => c.saturated),
    };
    steps.push(step);
    out(
      `chat at ${rate}/s: ${chat.msg_per_s} msg/s delivered, p50 ${chat.p50_ms} ms, p99 ${chat.p99_ms} ms, errors ${JSON.stringify(chat.errors)}, undelivered ${chat.undelivered}; ` +
        `REST ${step.rest.req_per_s} req/s ${Object.entries(restRoutes).map(([n, r]) => `${n} p50 ${r.p50_ms} p99 ${r.p99_ms} failed ${r.failed}`).join('; ')}`,
    );
    out(`  cores: ${Object.entries(usage.cores).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  await rest.call('stopMix');
  const stillOpen = (await Promise.all(chatGens.map((g) => g.call<number>('idleConnected')))).reduce((a, b) => a + b, 0);
  for (const g of chatGens) {
    await g.call('closeAll');
    await g.stop();
  }
  await rest.stop();
  const restarts = (await cluster.processes()).reduce((a, p) => a + p.pm2_env.restart_time, 0);
  const stored = Number((await pg.db('messages').count('* as n'))[0].n);

  const last = steps[steps.length - 1];
  const figures = {
    sockets: SOCKETS,
    sockets_opened: idleOpened,
    sockets_still_open_at_end: stillOpen,
    connect_s: round(connectS, 1),
    rss_kb_per_socket: round(rssPerSocket, 1),
    realtime_instances: REALTIME,
    pairs: PAIRS,
    chat_msg_per_s: last.chat.msg_per_s,
    chat_p50_ms: last.chat.p50_ms,
    chat_p99_ms: last.chat.p99_ms,
    rest_req_per_s: last.rest.req_per_s,
    errors: steps.reduce((a, s) => a + Object.values(s.chat.errors).reduce((x, y) => x + y, 0) + s.chat.undelivered + Object.values(s.rest.routes).reduce((x, r) => x + r.failed, 0), 0),
    process_restarts: restarts,
    messages_stored: stored,
    loadgen_cpu_max: round(Math.max(...steps.flatMap((s) => [...s.chat.loadgen_cores, s.rest.loadgen_cores])), 2),
    lower_bounds: steps.some((s) => s.loadgen_saturated) ? ['chat_msg_per_s'] : [],
    steps,
    setup: { profiles: PROFILES, rates: RATES, rest_rate: REST_RATE, seconds: SECONDS, chat_generators: CHAT_GENERATORS, rest_users: restUsers.length, transport: 'websocket through the gateway', redis_own_server: redis.own },
  };
  out(`→ ${writeResults('cluster', run, figures)}`);
}

try {
  await main();
} finally {
  await cleanup();
}
process.exit(0);
