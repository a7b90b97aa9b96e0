// Requests per second of POST /auth/token and GET /auth/verify on this machine.
//   npx tsx bench/auth.ts [--duration 5] [--connections 16] [--users 2000]
//   npx tsx bench/auth.ts --url http://127.0.0.1:8081   (a running service; lift its RATE_LIMIT_AUTH_PER_MIN first)
// Without --url it runs the real auth process (api/auth/main.ts) on a throwaway
// database and Redis prefix, with the per-IP limit lifted, and removes both afterwards.
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import knexFactory from 'knex';
import { Redis } from 'ioredis';
import { createDb, migrateLatest } from '../shared/db.js';
import { deleteByPrefix } from '../shared/redis.js';
import { devInitData } from '../api/auth/init-data.js';
import { freePort, startTs, waitForHttp, type Proc } from '../test/helpers/processes.js';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    users: { type: 'string', default: '2000' },
    // Production mode (what is measured) refuses the public development token.
    'bot-token': { type: 'string', default: '1234567890:bench-bot-token-of-this-run' },
    'pg-admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
const userCount = Number(args.users);

interface Target {
  url: string;
  /** CPU seconds the service process has used so far (only for the process this bench starts). */
  cpuS?(): Promise<number>;
  stop(): Promise<void>;
}

/** utime + stime of a process, from /proc (Linux). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100)
}

async function startOwnService(): Promise<Target> {
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const dbName = `bench_auth_${id}`;
  const admin = knexFactory({ client: 'pg', connection: args['pg-admin-url'], pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(args['pg-admin-url']!);
  dbUrl.pathname = `/${dbName}`;
  const db = createDb(dbUrl.toString(), 1);
  await migrateLatest(db);
  await db.destroy();
  const prefix = `bench:${id}:`;
  const port = await freePort();
  const proc: Proc = startTs('api/auth/main.ts', {
    NODE_ENV: 'production',
    BOT_TOKEN: args['bot-token']!,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: args['redis-url'],
    REDIS_PREFIX: prefix,
    AUTH_PORT: String(port),
    HOST: '127.0.0.1',
    RATE_LIMIT_AUTH_PER_MIN: '1000000000',
    RATE_LIMIT_TOKEN_PER_USER_PER_HOUR: '1000000000',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, 30_000);
  return {
    url,
    cpuS: () => cpuSecondsOf(proc.child.pid!),
    async stop() {
      await proc.stop('SIGTERM');
      await admin.raw(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await admin.destroy();
      const redis = new Redis(args['redis-url']!);
      await deleteByPrefix(redis, prefix);
      await redis.quit();
    },
  };
}

function report(name: string, r: autocannon.Result, cpuS?: number) {
  const errors = r.non2xx + r.errors + r.timeouts;
  // On a shared machine req/s depends on the neighbours; CPU per request does much less.
  const cpu = cpuS === undefined ? '' : `, service CPU ${((cpuS * 1000) / r.requests.total).toFixed(2)} ms/request`;
  process.stdout.write(
    `${name.padEnd(18)} ${r.requests.average.toFixed(0).padStart(6)} req/s  ` +
      `latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms${cpu}  (${r.requests.total} requests, ${errors} failed, ${connections} connections, ${duration} s)\n`,
  );
}

async function measure(opts: autocannon.Options): Promise<[autocannon.Result, number | undefined]> {
  const before = await target.cpuS?.();
  const result = await autocannon(opts);
  const after = await target.cpuS?.();
  return [result, before === undefined || after === undefined ? undefined : after - before];
}

const target: Target = args.url ? { url: args.url, stop: async () => {} } : await startOwnService();
try {
  // Distinct Telegram users, cycled: the first pass creates them, later passes log them in again.
  const base = 7_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
  const bodies = Array.from({ length: userCount }, (_, i) =>
    JSON.stringify({ init_data: devInitData({ id: base + i, first_name: `Bench ${i}` }, args['bot-token']!) }),
  );
  let next = 0;
  const token = await measure({
    url: target.url,
    duration,
    connections,
    requests: [
      {
        method: 'POST',
        path: '/auth/token',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
      },
    ],
  });

  const login = await fetch(`${target.url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[0] });
  const { access_token } = (await login.json()) as { access_token: string };
  const verify = await measure({
    url: `${target.url}/auth/verify`,
    duration,
    connections,
    headers: { authorization: `Bearer ${access_token}` },
  });

  report('POST /auth/token', ...token);
  report('GET /auth/verify', ...verify);
} finally {
  await target.stop();
}
