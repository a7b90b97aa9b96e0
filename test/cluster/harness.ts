// The cluster mode as a test (or a bench script) starts it: `scripts/cluster.ts
// start` with the project's PM2 under a temporary PM2_HOME, free ports, the
// test run's database and a Redis prefix inside the run's own, and nothing of
// the caller's environment but PATH and HOME. Then users of the platform
// through the gateway only: logins, profiles, photos, matches and sockets.
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { testEnv } from '../helpers/env.js';
import { isolatedDatabase } from '../helpers/database.js';
import { freePort } from '../helpers/processes.js';
import { redisOf } from '../helpers/redis.js';
import { readRegistry } from '../../realtime/registry.js';
import { loginViaApi } from '../helpers/telegram.js';
import { openSocket, type ClientSocket } from '../helpers/sockets.js';
import { uniqueTelegramId } from '../helpers/env.js';

const root = path.resolve(import.meta.dirname, '..', '..');

export interface Pm2Process {
  name: string;
  pm_id: number;
  pid: number;
  pm2_env: { status: string; REALTIME_PORT?: string | number; restart_time: number };
}

export interface Cluster {
  /** The gateway: the only address the clients use. */
  url: string;
  ports: { gateway: number; auth: number; profile: number; discovery: number; media: number; realtime: number[] };
  env: Record<string, string>;
  pm2(args: string[]): Promise<string>;
  processes(): Promise<Pm2Process[]>;
  /** The realtime processes by the tag their Engine.IO session ids carry (as each announced it in the registry). */
  realtimeByTag(): Promise<Map<string, Pm2Process>>;
  /** The last lines of every app's log (for a failure message). */
  logTail(lines?: number): Promise<string>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  realtimeInstances?: number;
  /** Free ports for `pm2 scale realtime N` (the gateway finds the instances in the registry). */
  realtimeMaxInstances?: number;
  apps?: string[];
  env?: Record<string, string>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** `count` consecutive free ports (the realtime instances take REALTIME_PORT, +1, …). */
async function freeRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await portFree(p);
    if (ok) return base;
  }
  throw new Error('no range of free ports found');
}

function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const realtimeInstances = opts.realtimeInstances ?? 2;
  const maxRealtime = opts.realtimeMaxInstances ?? realtimeInstances;
  const pm2Home = await fsp.mkdtemp(path.join(os.tmpdir(), 'pm2-cluster-test-'));
  const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cluster-data-'));
  const [gateway, auth, profile, discovery, media, admin] = await Promise.all(Array.from({ length: 6 }, freePort));
  const realtime = await freeRange(maxRealtime);
  // The workers' /metrics ports (WORKER_METRICS_PORT, +100, +200, one per instance from each).
  const workerMetrics = await freeRange(201);
  // A database of the cluster's own (dropped by stop()): the outbox relays and the workers look
  // at every row, and the other tests' rows are not theirs. `cluster.ts start` finds it migrated.
  const database = opts.env?.DATABASE_URL ? undefined : await isolatedDatabase('cluster');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.homedir(),
    PM2_HOME: pm2Home,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ...(database && { DATABASE_URL: database.url }),
    DATABASE_POOL_MAX: '4',
    REDIS_URL: testEnv.redisUrl,
    REDIS_PREFIX: `${testEnv.redisPrefix}cluster:`,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    GATEWAY_PORT: String(gateway),
    AUTH_PORT: String(auth),
    PROFILE_PORT: String(profile),
    DISCOVERY_PORT: String(discovery),
    MEDIA_PORT: String(media),
    ADMIN_PORT: String(admin),
    REALTIME_PORT: String(realtime),
    WORKER_METRICS_PORT: String(workerMetrics),
    AUTH_URL: `http://127.0.0.1:${auth}`,
    PROFILE_URL: `http://127.0.0.1:${profile}`,
    DISCOVERY_URL: `http://127.0.0.1:${discovery}`,
    MEDIA_URL: `http://127.0.0.1:${media}`,
    ADMIN_URL: `http://127.0.0.1:${admin}`,
    REALTIME_INSTANCES: String(realtimeInstances),
    GATEWAY_INSTANCES: '1',
    API_INSTANCES: '1',
    // The worker approves by decoding and resizing; the NSFW model has its own tests.
    NSFW_ENABLED: 'false',
    RATE_LIMIT_AUTH_PER_MIN: '1000',
    CLUSTER_ONLY: (opts.apps ?? ['gateway', 'auth', 'profile', 'discovery', 'media', 'realtime', 'matching', 'moderation']).join(','),
    ...opts.env,
  };
  const pm2Bin = path.join(root, 'node_modules', '.bin', 'pm2');
  const pm2 = async (args: string[]) => {
    const r = await run(pm2Bin, args, env);
    if (r.code !== 0) throw new Error(`pm2 ${args.join(' ')} failed:\n${r.output}`);
    return r.output;
  };
  const processes = async () => {
    const out = await pm2(['jlist']);
    return JSON.parse(out.slice(out.indexOf('['))) as Pm2Process[];
  };
  const logTail = async (lines = 30) => {
    const dir = path.join(pm2Home, 'logs');
    const files = await fsp.readdir(dir).catch(() => [] as string[]);
    const parts = await Promise.all(
      files.map(async (f) => `--- ${f}\n${(await fsp.readFile(path.join(dir, f), 'utf8')).split('\n').slice(-lines).join('\n')}`),
    );
    return parts.join('\n');
  };
  let stopped = false;
  const cluster: Cluster = {
    url: `http://127.0.0.1:${gateway}`,
    ports: { gateway, auth, profile, discovery, media, realtime: Array.from({ length: realtimeInstances }, (_, i) => realtime + i) },
    env,
    pm2,
    processes,
    async realtimeByTag() {
      const byPort = new Map((await processes()).filter((p) => p.name === 'realtime').map((p) => [Number(p.pm2_env.REALTIME_PORT), p]));
      const entries = await readRegistry(redisOf({ redisUrl: env.REDIS_URL }), env.REDIS_PREFIX);
      return new Map(entries.flatMap((e) => {
        const p = byPort.get(Number(new URL(e.url).port));
        return p ? [[e.tag, p] as const] : [];
      }));
    },
    logTail,
    async stop() {
      if (stopped) return;
      stopped = true;
      await run(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts', 'stop'], env);
      // The daemon is gone; anything it left behind under this PM2_HOME is ours to end.
      await fsp.rm(pm2Home, { recursive: true, force: true });
      await fsp.rm(dataDir, { recursive: true, force: true });
      await database?.drop();
    },
  };
  const started = await run(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts', 'start'], env);
  if (started.code !== 0 || !started.output.includes('Cluster (PM2):')) {
    const tail = await logTail();
    await cluster.stop();
    throw new Error(`npm run cluster failed (${started.code}):\n${started.output}\n${tail}`);
  }
  return cluster;
}

export interface Machine {
  /** Its realtime ports (REALTIME_PORT, +1, …). */
  realtimePorts: number[];
  /** The `npm run cluster` output. */
  output: string;
  pm2(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Another machine of a running cluster: the same stores, prefix and secrets, a
 * PM2 daemon of its own, and only the roles given (`npm run cluster -- --only <roles>`).
 * It shares this host, so its realtime instances take ports of their own.
 */
export async function startMachine(cluster: Cluster, only: string, opts: { realtimeInstances?: number; room?: number } = {}): Promise<Machine> {
  const pm2Home = await fsp.mkdtemp(path.join(os.tmpdir(), 'pm2-machine-test-'));
  const instances = opts.realtimeInstances ?? 1;
  const realtime = await freeRange(opts.room ?? instances);
  const { CLUSTER_ONLY: _all, ...shared } = cluster.env;
  const env = { ...shared, PM2_HOME: pm2Home, REALTIME_PORT: String(realtime), REALTIME_INSTANCES: String(instances), WORKER_METRICS_PORT: String(await freeRange(201)) };
  const pm2Bin = path.join(root, 'node_modules', '.bin', 'pm2');
  const stop = async () => {
    await run(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts', 'stop'], env);
    await fsp.rm(pm2Home, { recursive: true, force: true });
  };
  const started = await run(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts', 'start', '--only', only], env);
  if (started.code !== 0 || !started.output.includes('Cluster (PM2):')) {
    await stop();
    throw new Error(`npm run cluster -- --only ${only} failed (${started.code}):\n${started.output}`);
  }
  return {
    realtimePorts: Array.from({ length: opts.room ?? instances }, (_, i) => realtime + i),
    output: started.output,
    async pm2(args) {
      const r = await run(pm2Bin, args, env);
      if (r.code !== 0) throw new Error(`pm2 ${args.join(' ')} failed:\n${r.output}`);
      return r.output;
    },
    stop,
  };
}

// --- the platform's users, through the gateway ------------------------------

export interface Member {
  id: string;
  token: string;
  name: string;
}

async function call(url: string, method: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export function api(baseUrl: string, member: Pick<Member, 'token'>) {
  return {
    get: (p: string) => call(`${baseUrl}${p}`, 'GET', member.token),
    post: (p: string, body?: unknown) => call(`${baseUrl}${p}`, 'POST', member.token, body ?? {}),
  };
}

/** Logs in (first login creates the user) and creates a visible profile. */
export async function joinPlatform(baseUrl: string, name: string, gender: 'man' | 'woman', lookingFor: 'man' | 'woman'): Promise<Member> {
  const login = await loginViaApi(baseUrl, { id: uniqueTelegramId(), first_name: name });
  const member = { id: login.user.id, token: login.access_token, name };
  const birthdate = `${new Date().getUTCFullYear() - 28}-05-17`;
  const created = await api(baseUrl, member).post('/api/v1/profiles', {
    display_name: name,
    birthdate,
    gender,
    looking_for: [lookingFor],
    location: { lat: 52.52, lon: 13.405 },
    bio: `${name} in the cluster test`,
  });
  if (created.status !== 201) throw new Error(`profile of ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  return member;
}

/** A socket through the gateway with the default transports (long-polling, then the WebSocket upgrade). */
export async function chatSocket(baseUrl: string, member: Member): Promise<ClientSocket> {
  return openSocket(baseUrl, member.token, {
    transports: ['polling', 'websocket'],
    reconnection: true,
    reconnectionDelay: 200,
    reconnectionDelayMax: 1000,
    timeoutMs: 15_000,
  });
}

/** The realtime instance a socket's Engine.IO session lives on (the tag of its session id). */
export function instanceOf(socket: ClientSocket): string {
  return String(socket.io.engine.id).split('.')[0];
}

export function upgraded(socket: ClientSocket, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.io.engine.transport.name === 'websocket') return resolve();
    const timer = setTimeout(() => reject(new Error('no WebSocket upgrade')), timeoutMs);
    socket.io.engine.once('upgrade', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export const clientMsgId = () => randomUUID();
