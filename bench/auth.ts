// Logins per second (POST /auth/token) and token checks per second
// (GET /auth/verify) of the real auth process (api/auth/main.ts, production
// mode) on a throwaway database and a Redis of the run's own, with the per-IP
// and per-user login limits lifted. The load comes from autocannon in a
// generator process of its own (its CPU is reported; a saturated generator
// marks the figure as a lower bound); CPU per request of the service, its
// PostgreSQL backends and Redis beside it. Writes bench/results/auth.json
// (logins_per_s, …).
//
//   npx tsx bench/auth.ts [--duration 5] [--connections 16,64] [--users 2000] [--cpu-prof DIR]
//
// Logins are measured at each --connections (closed loop) and the best counts,
// as the chat benchmark takes the better of its windows; a profiled extra login
// phase at that setting says where the service's CPU goes (profile.auth).
import { parseArgs } from 'node:util';
import { devInitData } from '../api/auth/init-data.js';
import { CpuMeter, postgresBackends, type Usage } from './lib/cpu.js';
import { startGenerator } from './lib/generator.js';
import { startRun, writeResults } from './lib/results.js';
import { round } from './lib/stats.js';
import { describeProfile, profileDuring, summarize } from './lib/profile.js';
import { BENCH_BOT_TOKEN, benchRedis, cleanup, freePort, httpOk, productionEnv, runId, startService, throwawayDatabase } from './lib/stores.js';
import type { ClosedLoopResult } from './lib/http-load.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16,64' },
    users: { type: 'string', default: '2000' },
    'redis-url': { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const duration = Number(args.duration);
const connectionSettings = args.connections!.split(',').map(Number);
const userCount = Number(args.users);
const run = startRun('bench/auth.ts');
const out = (line: string) => process.stdout.write(`${line}\n`);


const perRequest = (u: Usage, n: number) => Object.fromEntries(Object.entries(u.cpu_s).map(([k, s]) => [k, round((s * 1000) / n, 3)]));

async function main() {
  const redis = await benchRedis(args['redis-url']);
  const pg = await throwawayDatabase('auth');
  const port = await freePort();
  const service = await startService(
    ['api/auth/main.ts'],
    {
      ...productionEnv(),
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `bench:${runId}:`,
      AUTH_PORT: String(port),
      RATE_LIMIT_AUTH_PER_MIN: '1000000000',
      RATE_LIMIT_TOKEN_PER_USER_PER_HOUR: '1000000000',
    },
    httpOk(`http://127.0.0.1:${port}/health`),
    { cpuProfDir: args['cpu-prof'], inspect: true },
  );
  const url = `http://127.0.0.1:${port}`;
  const meter = new CpuMeter({ auth: () => [service.pid], postgres: () => postgresBackends(pg.db, pg.name) }, redis.own ? redis.client : undefined);
  const gen = await startGenerator('bench/lib/http-load.ts', 'http');

  // Distinct Telegram users, cycled: the first pass creates them, later passes log them in again.
  const base = 7_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
  const bodies = Array.from({ length: userCount }, (_, i) => JSON.stringify({ init_data: devInitData({ id: base + i, first_name: `Bench ${i}` }, BENCH_BOT_TOKEN) }));
  const logins = (connections: number) =>
    gen.call<ClosedLoopResult>('closedLoop', { url: `${url}/auth/token`, method: 'POST', headers: { 'content-type': 'application/json' }, bodies, connections, duration });
  const byConnections: { connections: number; run: Awaited<ReturnType<typeof meter.measure<ClosedLoopResult>>> }[] = [];
  for (const c of connectionSettings) {
    byConnections.push({ connections: c, run: await meter.measure(() => logins(c)) });
    out(`POST /auth/token at ${c} connections: ${byConnections[byConnections.length - 1].run.value.requests_per_s.toFixed(0)} req/s`);
  }
  const best = [...byConnections].sort((a, b) => b.run.value.requests_per_s - a.run.value.requests_per_s)[0];
  const login = best.run;
  const connections = best.connections;
  // Where the service's CPU goes at that setting: an extra, profiled phase.
  const { profiles } = await profileDuring({ auth: await service.inspector() }, () => logins(connections));
  const profile = { auth: summarize(Object.values(profiles)) };
  out(`profile of the auth service: ${describeProfile(profile.auth)}`);
  const first = await fetch(`${url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[0] });
  const { access_token } = (await first.json()) as { access_token: string };
  const verify = await meter.measure(() => gen.call<ClosedLoopResult>('closedLoop', { url: `${url}/auth/verify`, headers: { authorization: `Bearer ${access_token}` }, connections, duration }));
  await gen.stop();
  const users = Number((await pg.db('users').count('* as n'))[0].n);

  for (const [name, r] of [['POST /auth/token', login], ['GET /auth/verify', verify]] as const) {
    out(
      `${name.padEnd(18)} ${r.value.requests_per_s.toFixed(0).padStart(6)} req/s  p50 ${r.value.p50_ms} ms, p99 ${r.value.p99_ms} ms; ` +
        `CPU ms/request ${JSON.stringify(perRequest(r.usage, r.value.total))}; generator ${r.value.cpu.cores} cores; ${r.value.non2xx + r.value.errors + r.value.timeouts} failed`,
    );
  }
  const figures = {
    logins_per_s: round(login.value.requests_per_s, 0),
    verify_per_s: round(verify.value.requests_per_s, 0),
    lower_bounds: [...(login.value.cpu.saturated ? ['logins_per_s'] : []), ...(verify.value.cpu.saturated ? ['verify_per_s'] : [])],
    login: { ...login.value, cpu_ms_per_request: perRequest(login.usage, login.value.total), server_cores: login.usage.cores },
    verify: { ...verify.value, cpu_ms_per_request: perRequest(verify.usage, verify.value.total), server_cores: verify.usage.cores },
    loadgen_cpu_max: round(Math.max(login.value.cpu.cores, verify.value.cpu.cores, ...byConnections.map((b) => b.run.value.cpu.cores)), 2),
    logins_by_connections: byConnections.map((b) => ({
      connections: b.connections,
      logins_per_s: round(b.run.value.requests_per_s, 0),
      p50_ms: b.run.value.p50_ms,
      p99_ms: b.run.value.p99_ms,
      server_cores: b.run.usage.cores,
    })),
    // A CPU profile (V8, sampled) of the auth service in an extra login phase at the best setting.
    profile,
    setup: { connections, connection_settings: connectionSettings, duration_s: duration, distinct_users: userCount, users_created: users },
  };
  out(`→ ${writeResults('auth', run, figures)}`);
}

try {
  await main();
} finally {
  await cleanup();
}
process.exit(0);
