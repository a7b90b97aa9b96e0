// Redis topologies for tests, made by the tests themselves from redis-server
// processes on free local ports in a temporary directory, and removed after:
// - a local Redis Cluster of three masters (`--cluster-enabled yes`, then
//   `redis-cli --cluster create`), started once per test run by the first
//   suite that asks for it and removed when the run ends;
// - a Sentinel group: a primary, a replica and three sentinels, one per test
//   that asks for it (its primary gets killed).
// The behaviour suites run over `redisTopologies()`: the run's own Redis
// (REDIS_URL), then the cluster, whose settings take precedence over REDIS_URL
// exactly as in production.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createRedis, quit, type RedisClient, type RedisConnection } from '../../shared/redis.js';
import { testEnv } from './env.js';
import { freePort } from './processes.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);
const silent = pino({ level: 'silent' });

/** What is missing to run redis-server topologies here, or undefined. */
export function missingRedisBinaries(): string | undefined {
  const missing = ['redis-server', 'redis-cli'].filter((bin) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).error);
  if (missing.length) return `${missing.join(' and ')} not found on PATH`;
  // Sharded pub/sub (the adapter on Cluster) and --cluster-port came with Redis 7.
  const version = /v=(\d+)\./.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '');
  if (version && Number(version[1]) < 7) return `redis-server ${version[1]}.x found, 7 or later needed`;
  return undefined;
}

/** Every redis-server this process started, killed when it exits (mocha's `exit: true` included). */
const live = new Set<RedisServer>();
process.once('exit', () => {
  for (const s of live) s.killNow();
});

/** One redis-server process (data in memory only) with extra arguments. */
export class RedisServer {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private output = '';

  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: string[] = [],
    /** A config file to start from (sentinels need one they can rewrite). */
    private readonly configFile?: string,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const args = [
      ...(this.configFile ? [this.configFile] : []),
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--daemonize', 'no',
      '--loglevel', 'warning',
      ...this.args,
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', () => r()));
    live.add(this);
    const state = await waitFor(
      `redis-server on ${this.port} to answer`,
      async () => (child.exitCode !== null ? 'exited' : (await this.ping()) === 'PONG' && 'up'),
      { timeoutMs: 10_000, everyMs: 50, untilNoError: true },
    );
    if (state === 'exited') throw new Error(`redis-server on ${this.port} exited:\n${this.output}`);
    return this;
  }

  /** A command on a short-lived connection straight to this server (no cluster redirects). */
  async command(...args: string[]): Promise<unknown> {
    const c = new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    c.on('error', () => {});
    try {
      await c.connect();
      return await c.call(args[0], ...args.slice(1));
    } finally {
      c.disconnect();
    }
  }

  private ping(): Promise<unknown> {
    return this.command('PING');
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: the process dies at once, as in a machine failure. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
    live.delete(this);
  }

  killNow() {
    if (this.running) this.child!.kill('SIGKILL');
  }
}

async function tempDir(kind: string): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), `${kind}-`));
}

// --- Redis Cluster ---------------------------------------------------------------

export interface LocalCluster {
  masters: RedisServer[];
  connection: RedisConnection;
  /** REDIS_CLUSTER_NODES for a process or a testConfig(). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Three masters (no replicas) sharing the 16384 slots, ready to serve every slot. */
export async function startRedisCluster(masters = 3): Promise<LocalCluster> {
  const dir = await tempDir('redis-cluster');
  const servers: RedisServer[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      // The cluster bus port given explicitly: port + 10000 may be taken or past 65535.
      const [port, busPort] = [await freePort(), await freePort()];
      const nodeDir = path.join(dir, String(port));
      await fsp.mkdir(nodeDir);
      servers.push(
        new RedisServer(port, nodeDir, [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', 'nodes.conf',
          '--cluster-port', String(busPort),
          '--cluster-node-timeout', '3000',
          '--save', '',
          '--appendonly', 'no',
        ]),
      );
    }
    await Promise.all(servers.map((s) => s.start()));
    await run('redis-cli', ['--cluster', 'create', ...servers.map((s) => s.address), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await waitFor(
      'every cluster node to report cluster_state:ok',
      async () => (await Promise.all(servers.map((s) => s.command('CLUSTER', 'INFO')))).every((info) => String(info).includes('cluster_state:ok')),
      { timeoutMs: 20_000, everyMs: 100, untilNoError: true },
    );
  } catch (err) {
    for (const s of servers) await s.kill();
    await fsp.rm(dir, { recursive: true, force: true });
    throw err;
  }
  const nodes = servers.map((s) => ({ host: '127.0.0.1', port: s.port }));
  return {
    masters: servers,
    connection: { mode: 'cluster', nodes },
    env: { REDIS_CLUSTER_NODES: servers.map((s) => s.address).join(',') },
    async stop() {
      for (const s of servers) await s.kill();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}

let sharedCluster: Promise<LocalCluster> | undefined;

/** The run's one Redis Cluster, started on first use and removed when the run ends (its servers killed above, then its directory). */
function runCluster(): Promise<LocalCluster> {
  if (!sharedCluster) {
    sharedCluster = startRedisCluster();
    sharedCluster.then(
      (c) =>
        process.once('exit', () => {
          try {
            fs.rmSync(path.dirname(c.masters[0].dir), { recursive: true, force: true });
          } catch {
            /* a server still writing as it dies: the OS cleans the temporary directory */
          }
        }),
      () => (sharedCluster = undefined),
    );
  }
  return sharedCluster;
}

// --- topologies the behaviour suites run over ------------------------------------

export interface RedisTopology {
  name: string;
  /**
   * Registers what the enclosing describe block needs: for the cluster, a
   * before hook that starts it (once per run) or skips the block, saying why,
   * when redis-server is missing. Call it before the block's other hooks.
   */
  use(): void;
  /** Settings (testConfig / process env overrides) that point at this topology; in tests and hooks only. */
  env(): Record<string, string>;
  /** A new connection to it (the caller closes it). */
  client(): RedisClient;
}

const clients = new Set<RedisClient>();
function tracked(c: RedisClient): RedisClient {
  clients.add(c);
  c.on('end', () => clients.delete(c));
  return c;
}

export const standaloneTopology: RedisTopology = {
  name: 'Redis',
  use() {},
  env: () => ({}),
  client: () => tracked(createRedis({ mode: 'standalone', url: testEnv.redisUrl }, silent, 'test')),
};

let cluster: LocalCluster | undefined;
let skipNoted = false;

export const clusterTopology: RedisTopology = {
  name: 'Redis Cluster',
  use() {
    before(async function () {
      this.timeout(60_000);
      const missing = missingRedisBinaries();
      if (missing) {
        if (!skipNoted) process.stdout.write(`Redis Cluster suites skipped: ${missing} (they start a local 3-master cluster of their own)\n`);
        skipNoted = true;
        this.skip();
      }
      cluster = await runCluster();
    });
  },
  env() {
    if (!cluster) throw new Error('the Redis Cluster is not started: call clusterTopology.use() in the describe block');
    return cluster.env;
  },
  client() {
    if (!cluster) throw new Error('the Redis Cluster is not started: call clusterTopology.use() in the describe block');
    return tracked(createRedis(cluster.connection, silent, 'test'));
  },
};

/** The topologies every Redis behaviour suite runs over. */
export const redisTopologies = (): RedisTopology[] => [standaloneTopology, clusterTopology];

// --- Sentinel ----------------------------------------------------------------------

export const SENTINEL_NAME = 'tgmaster';

export interface SentinelGroup {
  primary: RedisServer;
  replica: RedisServer;
  sentinels: RedisServer[];
  connection: RedisConnection;
  /** REDIS_SENTINELS and REDIS_SENTINEL_NAME for a process or a testConfig(). */
  env: Record<string, string>;
  /** host:port of the primary the sentinels name now. */
  currentPrimary(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A primary, its replica (in sync) and three sentinels (quorum 2) that all
 * know each other: a primary killed now is replaced within a few seconds
 * (down after 1 s, failover timeout 5 s).
 */
export async function startSentinelGroup(): Promise<SentinelGroup> {
  const dir = await tempDir('redis-sentinel');
  const servers: RedisServer[] = [];
  const stop = async () => {
    for (const s of servers) await s.kill();
    await fsp.rm(dir, { recursive: true, force: true });
  };
  try {
    const dataArgs = ['--save', '', '--appendonly', 'no'];
    const primary = new RedisServer(await freePort(), dir, dataArgs);
    servers.push(primary);
    await primary.start();
    const replica = new RedisServer(await freePort(), dir, [...dataArgs, '--replicaof', '127.0.0.1', String(primary.port)]);
    servers.push(replica);
    await replica.start();
    const sentinels: RedisServer[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const file = path.join(dir, `sentinel-${port}.conf`);
      await fsp.writeFile(
        file,
        [
          `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_NAME} 5000`,
          `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
          '',
        ].join('\n'),
      );
      const s = new RedisServer(port, dir, ['--sentinel'], file);
      servers.push(s);
      sentinels.push(s);
    }
    await Promise.all(sentinels.map((s) => s.start()));
    await waitFor(
      'the replica in sync, and every sentinel to know it and the two other sentinels',
      async () => {
        const info = String(await replica.command('INFO', 'replication'));
        if (!info.includes('master_link_status:up')) return false;
        for (const s of sentinels) {
          const m = (await s.command('SENTINEL', 'MASTER', SENTINEL_NAME)) as string[];
          const field = (name: string) => m[m.indexOf(name) + 1];
          if (field('num-slaves') !== '1' || field('num-other-sentinels') !== '2') return false;
        }
        return true;
      },
      { timeoutMs: 30_000, everyMs: 200, untilNoError: true },
    );
    const connection: RedisConnection = { mode: 'sentinel', name: SENTINEL_NAME, sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })) };
    return {
      primary,
      replica,
      sentinels,
      connection,
      env: { REDIS_SENTINELS: sentinels.map((s) => s.address).join(','), REDIS_SENTINEL_NAME: SENTINEL_NAME },
      async currentPrimary() {
        for (const s of sentinels) {
          if (!s.running) continue;
          const [host, port] = (await s.command('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME)) as string[];
          return `${host}:${port}`;
        }
        throw new Error('no sentinel is running');
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Closes the connections client() handed out that their tests left open. */
export async function closeTopologyClients(): Promise<void> {
  await Promise.all([...clients].map((c) => quit(c)));
  clients.clear();
}

