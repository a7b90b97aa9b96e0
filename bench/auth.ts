// Logins per second (POST /auth/token) and token checks per second
// (GET /auth/verify) of the real auth process (api/auth/main.ts, production
// mode) on a throwaway database and a Redis of the run's own, with the per-IP
// and per-user login limits lifted. The load comes from autocannon in a
// generator process of its own (its CPU is reported; a saturated generator
// marks the figure as a lower bound); CPU per request of the service, its
// PostgreSQL backends and Redis beside it. Writes bench/results/auth.json
// (logins_per_s, …).
//
//   npx tsx bench/auth.ts [--duration 5] [--connections 16] [--users 2000] [--cpu-prof DIR]
import { parseArgs } from 'node:util';
import { devInitData } from '../api/auth/init-data.js';
import { CpuMeter, postgresBackends, type Usage } from './lib/cpu.js';
import { startGenerator } from './lib/generator.js';
import { startRun, writeResults } from './lib/results.js';
import { round } from './lib/stats.js';
import { BENCH_BOT_TOKEN, benchRedis, cleanup, freePort, httpOk, productionEnv, runId, startService, throwawayDatabase } from './lib/stores.js';
import type { ClosedLoopResult } from './lib/http-load.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    users: { type: 'string', default: '2000' },
    'redis-url': { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
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
    { cpuProfDir: args['cpu-prof'] },
  );
  const url = `http://127.0.0.1:${port}`;
  const meter = new CpuMeter({ auth: () => [service.pid], postgres: () => postgresBackends(pg.db, pg.name) }, redis.own ? redis.client : undefined);
  const gen = await startGenerator('bench/lib/http-load.ts', 'http');

  // Distinct Telegram users, cycled: the first pass creates them, later passes log them in again.
  const base = 7_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
  const bodies = Array.from({ length: userCount }, (_, i) => JSON.stringify({ init_data: devInitData({ id: base + i, first_name: `Bench ${i}` }, BENCH_BOT_TOKEN) }));
  const login = await meter.measure(() =>
    gen.call<ClosedLoopResult>('closedLoop', { url: `${url}/auth/token`, method: 'POST', headers: { 'content-type': 'application/json' }, bodies, connections, duration }),
  );
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
    loadgen_cpu_max: round(Math.max(login.value.cpu.cores, verify.value.cpu.cores), 2),
    setup: { connections, duration_s: duration, distinct_users: userCount, users_created: users },
  };
  out(`→ ${writeResults('auth', run, figures)}`);
}

try {
  await main();
} finally {
  await cleanup();
}
process.exit(0);
