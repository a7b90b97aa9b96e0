// The platform on the hosts of a test network (network.ts): each app started
// inside its host's namespace the way PM2 starts it (`node --import tsx
// scripts/pm2-entry.js <main>`, ready when the entry says so over IPC), with
// the stores reached over the switch: a Redis of the test's own on a store
// host, and the machine's PostgreSQL through a forward at the test's address.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { testEnv } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';
import { tcpForward, type Forward } from './forward.js';
import type { HostProcess, Network } from './network.js';

const root = path.resolve(import.meta.dirname, '..', '..');

/** The composition root of each app (ecosystem.config.js runs the same ones). */
const MAIN: Record<string, string> = {
  gateway: 'api/gateway/main.ts',
  auth: 'api/auth/main.ts',
  profile: 'api/profile/main.ts',
  discovery: 'api/discovery/main.ts',
  media: 'api/media/main.ts',
  admin: 'api/admin/main.ts',
  realtime: 'realtime/main.ts',
  matching: 'workers/matching/main.ts',
  moderation: 'workers/moderation/main.ts',
  notifications: 'workers/notifications/main.ts',
};
export const API_APPS = ['auth', 'profile', 'discovery', 'media', 'admin'];
export const WORKER_APPS = ['matching', 'moderation', 'notifications'];

export const GATEWAY_PORT = 8080;
export const REALTIME_PORT = 8085;
const REDIS_PORT = 6379;

export interface Stores {
  redisUrl: string;
  databaseUrl: string;
  /** The test's own connection to that Redis (over the switch). */
  redis: Redis;
  /** The addresses that connected to PostgreSQL through the forward. */
  databasePeers: Set<string>;
  close(): Promise<void>;
}

/**
 * The store host: a redis-server of the test's own at <subnet>.<octet>, and the
 * forward to PostgreSQL at the test's switch address. `databaseUrl` is a database
 * on the machine's server (its name is kept, the host is the forward).
 */
export async function startStores(net: Network, databaseUrl: string, octet = 10): Promise<Stores> {
  const address = await net.addHost('store', octet);
  const server = net.spawn('store', 'redis', 'redis-server', ['--bind', address, '--port', String(REDIS_PORT), '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
    env: { PATH: process.env.PATH ?? '' },
  });
  const forward: Forward = await tcpForward({ host: net.clientAddress }, { host: '127.0.0.1', port: Number(new URL(databaseUrl).port || 5432) });
  const redisUrl = `redis://${address}:${REDIS_PORT}`;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  await waitFor('the store host\'s redis-server', () => redis.ping().then((r) => r === 'PONG'), { timeoutMs: 15_000, everyMs: 100, untilNoError: true }).catch((err) => {
    throw new Error(`${(err as Error).message}\n${server.output()}`);
  });
  const db = new URL(databaseUrl);
  db.hostname = forward.host;
  db.port = String(forward.port);
  // A host cut off inside a transaction keeps its conversation locked until PostgreSQL ends
  // the session (shared/db.ts; 30 s by default): 2 s here, to keep the test short.
  db.searchParams.set('idle_in_transaction_session_timeout', '2000');
  return {
    redisUrl,
    databaseUrl: db.toString(),
    redis,
    databasePeers: forward.peers,
    async close() {
      redis.disconnect();
      await forward.close();
      await server.stop();
    },
  };
}

export interface PlatformEnv {
  env: Record<string, string>;
  dataDir: string;
}

/** What every app of the test's cluster shares (stores, secrets, short registry timings). */
export async function platformEnv(stores: Stores): Promise<PlatformEnv> {
  const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'netns-data-'));
  return {
    dataDir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.homedir(),
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: stores.databaseUrl,
      DATABASE_POOL_MAX: '3',
      REDIS_URL: stores.redisUrl,
      REDIS_PREFIX: `${testEnv.redisPrefix}netns:`,
      DATA_DIR: dataDir,
      JWT_SECRET: randomBytes(24).toString('hex'),
      // The worker approves by decoding and resizing; the NSFW model has its own tests.
      NSFW_ENABLED: 'false',
      // Every client is at the test's one address; the limits are not what is under test.
      RATE_LIMIT_AUTH_PER_MIN: '1000',
      RATE_LIMIT_MESSAGES_PER_MIN: '100000',
      // No bot API on a test network: a refused connection on the host's own loopback.
      TELEGRAM_API_URL: 'http://127.0.0.1:9',
      // A host that drops off is out of the registry within 3 s.
      REALTIME_REGISTRY_HEARTBEAT_MS: '1000',
      REALTIME_REGISTRY_TTL_MS: '3000',
    },
  };
}

/**
 * Starts `app` on `host` and resolves once it is ready (it listens or consumes).
 * Gateway and realtime listen on the host's address; the services behind the
 * gateway on the host's loopback, as ecosystem.config.js has them.
 */
export async function startApp(net: Network, host: string, app: string, shared: PlatformEnv, extra: Record<string, string> = {}): Promise<HostProcess> {
  const main = MAIN[app];
  if (!main) throw new Error(`unknown app ${app}`);
  const address = net.address(host);
  const own: Record<string, string> =
    app === 'gateway'
      ? { HOST: address, GATEWAY_PORT: String(GATEWAY_PORT) }
      : app === 'realtime'
        ? { HOST: address, REALTIME_PORT: String(REALTIME_PORT), TRUSTED_PROXY_HOPS: '1', SERVICE_INSTANCE: host }
        : { HOST: '127.0.0.1', TRUSTED_PROXY_HOPS: '1' };
  const p = net.spawn(host, app, process.execPath, ['--import', 'tsx', 'scripts/pm2-entry.js', main], {
    cwd: root,
    env: { ...shared.env, ...own, ...extra },
    ipc: true,
  });
  const ready = new Promise<void>((resolve) => p.child.on('message', (m) => m === 'ready' && resolve()));
  const early = p.exited.then((code) => {
    throw new Error(`${app} on ${host} exited (${code}) before it was ready:\n${p.output().slice(-4000)}`);
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${app} on ${host} was not ready within 60 s:\n${p.output().slice(-4000)}`)), 60_000);
  });
  try {
    await Promise.race([ready, early, late]);
  } finally {
    clearTimeout(timer);
    early.catch(() => {});
  }
  return p;
}

export interface Machine {
  host: string;
  /** What `npm run cluster` printed. */
  output: string;
  stop(): Promise<void>;
}

/**
 * A host that joins as an operator adds a VM: `npm run cluster -- --only <roles>`
 * (scripts/cluster.ts under a PM2 daemon of its own, started inside the host's
 * namespace), its apps on the host's address (SERVICES_HOST).
 */
export async function startMachine(net: Network, host: string, only: string, shared: PlatformEnv): Promise<Machine> {
  const pm2Home = await fsp.mkdtemp(path.join(os.tmpdir(), 'netns-pm2-'));
  const env = {
    ...shared.env,
    PM2_HOME: pm2Home,
    SERVICES_HOST: net.address(host),
    SERVICE_INSTANCE: host,
    REALTIME_PORT: String(REALTIME_PORT),
    REALTIME_INSTANCES: '1',
  };
  const cluster = async (args: string[]) => {
    const p = net.spawn(host, `cluster ${args[0]}`, process.execPath, ['--import', 'tsx', 'scripts/cluster.ts', ...args], { cwd: root, env });
    const code = await p.exited;
    return { code, output: p.output() };
  };
  const stop = async () => {
    await cluster(['stop']);
    await fsp.rm(pm2Home, { recursive: true, force: true });
  };
  const started = await cluster(['start', '--only', only]);
  if (started.code !== 0 || !started.output.includes('Cluster (PM2):')) {
    await stop();
    throw new Error(`npm run cluster -- --only ${only} on ${host} failed (${started.code}):\n${started.output}`);
  }
  return { host, output: started.output, stop };
}
