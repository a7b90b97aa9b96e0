// The cluster mode on one machine, with the project's own PM2:
//   npm run cluster          (tsx scripts/cluster.ts start)  migrate, start ecosystem.config.js, print the ports
//   npm run cluster:stop     (tsx scripts/cluster.ts stop)   delete the apps; stop the PM2 daemon if it runs nothing else
//   tsx scripts/cluster.ts status | migrate
// Without DATABASE_URL / REDIS_URL it uses the local PostgreSQL (database
// `tg_dating`, created when missing) and Redis, and says so; REDIS_SENTINELS
// or REDIS_CLUSTER_NODES take precedence over both REDIS_URL and that default. PM2_HOME chooses
// the PM2 daemon as usual (default ~/.pm2); the instance counts are read by
// ecosystem.config.js.
//
// Roles per machine: `npm run cluster -- --only realtime` (or CLUSTER_ONLY=realtime)
// starts only the socket tier; the roles are gateway, api (auth, profile,
// discovery, media, admin), realtime and workers (matching, moderation,
// notifications), and app names work too (`--only gateway,auth`). Realtime
// instances announce themselves in Redis, so the gateways of other machines use
// them with no change to their configuration.
//
// The cluster runs with NODE_ENV=production unless told otherwise, so it needs
// BOT_TOKEN and JWT_SECRET (every process refuses to start without them, exit 78).
// `npm run cluster -- --dev` runs it in development mode instead (NODE_ENV=development,
// the public development bot token, no admins, no real bot messages): for a laptop only.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory from 'knex';
import pino from 'pino';
import { loadConfig, ConfigError, type Config } from '../shared/config.js';
import { createRedis, describeRedis } from '../shared/redis.js';
import { createDb, migrateLatest } from '../shared/db.js';
import { readRegistry } from '../realtime/registry.js';
import { appsOf } from './cluster-roles.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pm2Bin = path.join(root, 'node_modules', '.bin', 'pm2');
const ecosystem = path.join(root, 'ecosystem.config.js');
const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/tg_dating';
const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

const out = (line = '') => process.stdout.write(`${line}\n`);

const devFlag = process.argv.slice(3).includes('--dev');

/** `--only a,b` / `--only=a,b` (else CLUSTER_ONLY): the apps of those roles or names; undefined: all. */
function onlyApps(env: NodeJS.ProcessEnv): string[] | undefined {
  const args = process.argv.slice(3);
  const i = args.findIndex((a) => a === '--only' || a.startsWith('--only='));
  const raw = i === -1 ? env.CLUSTER_ONLY : args[i].startsWith('--only=') ? args[i].slice('--only='.length) : args[i + 1];
  if (raw === undefined || raw === '') return undefined;
  try {
    return appsOf(raw);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(64);
  }
}

/** The environment the cluster runs with: the caller's, plus local defaults for the two stores. */
function clusterEnv(): NodeJS.ProcessEnv {
  // PM2 starts two apps at a time by default; most of a start is waiting for `ready`.
  const env: NodeJS.ProcessEnv = { PM2_CONCURRENT_ACTIONS: '4', ...process.env };
  // What ecosystem.config.js would pick, decided here so the check below sees it too.
  if (!env.NODE_ENV) env.NODE_ENV = devFlag ? 'development' : 'production';
  if (devFlag && env.NODE_ENV === 'production') {
    process.stderr.write('--dev cannot be combined with NODE_ENV=production\n');
    process.exit(78);
  }
  if (devFlag && !env.BOT_TOKEN) out('*** DEVELOPMENT MODE (--dev): anyone can log in as anyone. Never expose this cluster. ***');
  if (!env.DATABASE_URL) {
    env.DATABASE_URL = LOCAL_DATABASE_URL;
    out(`DATABASE_URL is unset: using the local PostgreSQL, ${LOCAL_DATABASE_URL}`);
  }
  if (env.REDIS_SENTINELS || env.REDIS_CLUSTER_NODES) {
    out(`Redis: ${env.REDIS_CLUSTER_NODES ? `Redis Cluster (REDIS_CLUSTER_NODES=${env.REDIS_CLUSTER_NODES})` : `Sentinel (REDIS_SENTINELS=${env.REDIS_SENTINELS})`}${env.REDIS_URL ? '; REDIS_URL is ignored' : ''}`);
  } else if (!env.REDIS_URL) {
    env.REDIS_URL = LOCAL_REDIS_URL;
    out(`REDIS_URL is unset: using the local Redis, ${LOCAL_REDIS_URL}`);
  }
  return env;
}

function configOf(env: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      if (env.NODE_ENV === 'production' && !devFlag) {
        process.stderr.write('Set them for a real cluster, or run `npm run cluster -- --dev` for a development one on this machine.\n');
      }
      process.exit(78);
    }
    throw err;
  }
}

function pm2(args: string[], env: NodeJS.ProcessEnv, capture = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(pm2Bin, args, { cwd: root, env, stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit' });
    let stdout = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`pm2 ${args.join(' ')} exited with ${code}`))));
  });
}

interface Pm2Process {
  name: string;
  pm_id: number;
  pid: number;
  pm2_env: { status: string; exec_mode: string; REALTIME_PORT?: string | number; restart_time: number };
}

async function processes(env: NodeJS.ProcessEnv): Promise<Pm2Process[]> {
  const json = await pm2(['jlist'], env, true);
  // jlist may print a banner line before the JSON when it spawns the daemon.
  return JSON.parse(json.slice(json.indexOf('['))) as Pm2Process[];
}

/** Creates the database when it does not exist yet, then applies every migration. */
async function migrate(databaseUrl: string): Promise<string[]> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const adminDb = knexFactory({ client: 'pg', connection: admin.toString(), pool: { min: 0, max: 1 } });
  try {
    const found = await adminDb.raw('select 1 from pg_database where datname = ?', [name]);
    if (!found.rows.length) {
      await adminDb.raw('create database ??', [name]);
      out(`created database ${name}`);
    }
  } catch (err) {
    // No access to the maintenance database or no right to create one: the database must exist already.
    out(`could not check or create database ${name} (${(err as Error).message}); migrating it as it is`);
  } finally {
    await adminDb.destroy();
  }
  const db = createDb(databaseUrl, 1);
  try {
    return await migrateLatest(db);
  } finally {
    await db.destroy();
  }
}

/**
 * Where an app of this machine answers: the gateway on HOST, the others on SERVICES_HOST
 * (as ecosystem.config.js binds them; a VM's own address when other VMs reach them), on
 * loopback when unset or a wildcard.
 */
function hostOf(app: string, env: NodeJS.ProcessEnv): string {
  const host = app === 'gateway' ? env.HOST : env.SERVICES_HOST;
  if (!host || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

async function health(host: string, port: number): Promise<string> {
  try {
    const res = await fetch(`http://${host}:${port}/health`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { status?: string };
    return res.ok ? (body.status ?? 'ok') : `HTTP ${res.status}`;
  } catch {
    return 'not answering';
  }
}

async function printStatus(env: NodeJS.ProcessEnv, config: Config): Promise<void> {
  const list = await processes(env);
  const byName = (name: string) => list.filter((p) => p.name === name);
  const instances = (name: string) => {
    const ps = byName(name);
    const online = ps.filter((p) => p.pm2_env.status === 'online').length;
    return `${online}/${ps.length} online${ps[0] ? `, ${ps[0].pm2_env.exec_mode.replace('_mode', '')} mode` : ''}`;
  };
  const row = (name: string, where: string, state: string, note = '') => out(`  ${name.padEnd(11)} ${where.padEnd(24)} ${state.padEnd(16)} ${note}`);
  out();
  out('Cluster (PM2):');
  const ports: Record<string, number> = {
    gateway: config.ports.gateway,
    auth: config.ports.auth,
    profile: config.ports.profile,
    discovery: config.ports.discovery,
    media: config.ports.media,
    admin: config.ports.admin,
  };
  const names = [...new Set(list.map((p) => p.name))];
  for (const [name, port] of Object.entries(ports)) {
    if (!names.includes(name)) continue;
    const note = name === 'gateway' ? '; the public entry: API, /api/v1, Socket.IO /chat/connect, web client' : '';
    row(name, `http://${hostOf(name, env)}:${port}`, await health(hostOf(name, env), port), `${instances(name)}${note}`);
  }
  for (const p of byName('realtime').sort((a, b) => Number(a.pm2_env.REALTIME_PORT) - Number(b.pm2_env.REALTIME_PORT))) {
    const port = Number(p.pm2_env.REALTIME_PORT);
    row('realtime', `http://${hostOf('realtime', env)}:${port}`, await health(hostOf('realtime', env), port), `pm2 id ${p.pm_id}, ${p.pm2_env.status}`);
  }
  for (const name of names.filter((n) => !(n in ports) && n !== 'realtime')) row(name, '(worker, no port)', '', instances(name));
  await printRegistry(config);
  out();
  out('Logs: npx pm2 logs    Scale the socket tier: npx pm2 scale realtime 3    Stop: npm run cluster:stop');
}

/** The realtime instances of every machine, as the gateways see them (the registry in Redis). */
async function printRegistry(config: Config): Promise<void> {
  if (!config.redis || config.realtimeRegistry.staticList) return;
  // The processes' own kind of connection (one server, Sentinel or Cluster), given 3 s to answer.
  const redis = createRedis(config.redis, pino({ level: 'silent' }), 'cluster-status');
  try {
    const entries = await Promise.race([
      readRegistry(redis, config.redisPrefix),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer from ${describeRedis(config.redis!)} within 3 s`)), 3000).unref()),
    ]);
    out();
    out(`Realtime registry (every machine): ${entries.length} instance(s)`);
    for (const e of entries.sort((a, b) => a.url.localeCompare(b.url))) out(`  ${e.tag.padEnd(22)} ${e.url.padEnd(28)} ${e.load} client(s)`);
  } catch (err) {
    out(`Realtime registry: cannot read it (${(err as Error).message})`);
  } finally {
    redis.disconnect();
  }
}

async function waitHealthy(apps: [host: string, port: number][], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const states = await Promise.all(apps.map(([host, port]) => health(host, port)));
    if (states.every((s) => s === 'healthy')) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function start(): Promise<void> {
  const env = clusterEnv();
  // A subset of the apps (PM2's --only): the roles this machine runs. A typo stops here, before anything is touched.
  const only = onlyApps(env);
  const config = configOf(env);
  const applied = await migrate(config.databaseUrl!);
  out(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');
  await pm2(['start', ecosystem, ...(only ? ['--only', only.join(',')] : [])], env);
  const { gateway, auth, profile, discovery, media, realtime } = config.ports;
  const portOf: Record<string, number> = { gateway, auth, profile, discovery, media, realtime };
  const apps = Object.entries(portOf)
    .filter(([app]) => !only || only.includes(app))
    .map(([app, port]): [string, number] => [hostOf(app, env), port]);
  if (!(await waitHealthy(apps, 60_000))) out('Some processes are not healthy yet; see `npx pm2 logs`.');
  await printStatus(env, config);
}

async function stop(): Promise<void> {
  const env = { ...process.env };
  await pm2(['delete', ecosystem], env).catch(() => out('no cluster apps were running'));
  if ((await processes(env)).length === 0) await pm2(['kill'], env);
}

const command = process.argv[2];
try {
  if (command === 'start') await start();
  else if (command === 'stop') await stop();
  else if (command === 'status') {
    const env = clusterEnv();
    await printStatus(env, configOf(env));
  } else if (command === 'migrate') {
    const env = clusterEnv();
    const applied = await migrate(configOf(env).databaseUrl!);
    out(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');
  } else {
    process.stderr.write('usage: tsx scripts/cluster.ts start [--only gateway,api,realtime,workers] [--dev] | stop | status | migrate\n');
    process.exit(64);
  }
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
