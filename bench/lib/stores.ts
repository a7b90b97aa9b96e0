// What a benchmark runs on: a throwaway database on the local PostgreSQL, a
// redis-server of the run's own (so INFO's CPU, commands and bytes are the
// run's alone), the services' production environment, and the services as
// child processes. Everything is removed by the run's cleanup.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import knexFactory, { type Knex } from 'knex';
import { Redis } from 'ioredis';
import { createDb, migrateLatest } from '../../shared/db.js';
import { freePort } from '../../test/helpers/processes.js';
import { waitFor } from '../../test/helpers/wait.js';
import { ROOT } from './results.js';

export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';
/** Production refuses the public development token; the benchmarks sign their own tokens with this one's run secret. */
export const BENCH_BOT_TOKEN = '1234567890:bench-bot-token-of-this-run';

export const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** NODE_ENV=production with what production requires (a bot token, a random JWT secret of 32 bytes). */
export function productionEnv(): Record<string, string> {
  return { NODE_ENV: 'production', BOT_TOKEN: BENCH_BOT_TOKEN, JWT_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
}

const cleanups: (() => Promise<unknown>)[] = [];
/** Runs at cleanup(), last registered first. */
export const onCleanup = (f: () => Promise<unknown>) => void cleanups.unshift(f);
export async function cleanup() {
  for (const f of cleanups.splice(0)) await f().catch((err) => process.stderr.write(`cleanup: ${(err as Error).message}\n`));
}

export interface BenchDatabase {
  name: string;
  url: string;
  /** A small pool for setup and for reading pg_stat_activity. */
  db: Knex;
}

/** A migrated database of the run's own, dropped at cleanup. */
export async function throwawayDatabase(label: string, poolMax = 4): Promise<BenchDatabase> {
  const name = `bench_${label}_${runId}`;
  const admin = knexFactory({ client: 'pg', connection: PG_ADMIN_URL, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE "${name}"`);
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  const db = createDb(u.toString(), poolMax);
  onCleanup(async () => {
    await db.destroy();
    await admin.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.destroy();
  });
  await migrateLatest(db);
  return { name, url: u.toString(), db };
}

export interface BenchRedis {
  url: string;
  /** A connection for INFO and for the benchmark's own reads. */
  client: Redis;
  /** Whether the server is the run's own (its INFO counts the run's work only). */
  own: boolean;
}

/**
 * A redis-server of the run's own on a free port (no persistence, like the
 * shared one), or the shared Redis at `url` when given or when redis-server is missing.
 */
export async function benchRedis(url?: string): Promise<BenchRedis> {
  if (!url) {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-redis-'));
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    const failed = await new Promise<boolean>((resolve) => {
      child.once('error', () => resolve(true));
      child.once('spawn', () => resolve(false));
    });
    if (!failed) {
      const client = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => 100 });
      client.on('error', () => {});
      await waitFor('redis-server to answer', async () => (await client.ping()) === 'PONG', { timeoutMs: 10_000, untilNoError: true });
      onCleanup(async () => {
        client.disconnect();
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
        fs.rmSync(dir, { recursive: true, force: true });
      });
      return { url: `redis://127.0.0.1:${port}`, client, own: true };
    }
    process.stderr.write('redis-server not found: using the shared Redis (its INFO counts everyone’s work)\n');
  }
  const shared = url ?? SHARED_REDIS_URL;
  const client = new Redis(shared);
  onCleanup(async () => client.quit());
  return { url: shared, client, own: false };
}

export interface Service {
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
  /** Switches the inspector on (once) and gives its DevTools URL; only for a service started with `inspect`. */
  inspector(): Promise<string>;
}

/**
 * Starts a TypeScript entry (tsx) with `env` over PATH and HOME, until `ready`
 * says so; stopped (SIGTERM, then SIGKILL) at cleanup. With `cpuProfDir` the
 * process writes a V8 CPU profile there when it exits.
 */
export async function startService(
  args: string[],
  env: Record<string, string>,
  ready: () => Promise<boolean>,
  opts: { cpuProfDir?: string; timeoutMs?: number; inspect?: boolean } = {},
): Promise<Service> {
  const prof = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  // The inspector's port is chosen when it is switched on (SIGUSR1, by inspector() below), so
  // the process runs without it until a profiled phase (bench/lib/profile.ts) asks for it.
  const inspect = opts.inspect ? ['--inspect-port=127.0.0.1:0'] : [];
  const child = spawn(process.execPath, [...prof, ...inspect, '--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'ignore', opts.inspect ? 'pipe' : 'inherit'],
  });
  let inspectorUrl: string | undefined;
  if (opts.inspect) {
    // Node says where its inspector listens on stderr; everything else goes through as before.
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const m = line.match(/^Debugger listening on (ws:\/\/\S+)/);
      if (m) inspectorUrl = m[1];
      else if (!/^For help, see: https:\/\/nodejs.org\/en\/docs\/inspector|^Debugger (attached|ending)/.test(line)) process.stderr.write(`${line}\n`);
    });
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(t);
  };
  onCleanup(stop);
  await waitFor(`${args.join(' ')} to be ready`, async () => {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
    return ready().catch(() => false);
  }, { timeoutMs: opts.timeoutMs ?? 60_000, everyMs: 100 });
  const inspector = async () => {
    if (!opts.inspect) throw new Error(`${args.join(' ')} was not started with inspect`);
    if (inspectorUrl === undefined) child.kill('SIGUSR1');
    return waitFor('the inspector URL', () => inspectorUrl, { timeoutMs: 10_000, everyMs: 20 });
  };
  return { child, pid: child.pid!, stop, inspector };
}

export const httpOk = (url: string) => async () => (await fetch(url)).ok;

export { freePort };
