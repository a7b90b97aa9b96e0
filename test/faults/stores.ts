// A Redis server and a PostgreSQL cluster of the fault suite's own, on free
// ports and temporary directories, so that the suite can stop and start them
// without touching the machine's shared servers (5432, 6379) that other test
// runs use. Redis runs without persistence (`--save "" --appendonly no`): a
// restart brings it back EMPTY (streams, consumer groups, sessions, rate-limit
// counters gone), the harshest Redis restart there is. PostgreSQL is a fresh
// `initdb` (trust auth) run through `pg_ctl`, as the `postgres` user when the
// suite runs as root.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../helpers/processes.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function run(command: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd ?? os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${out}`))));
  });
}

// --- Redis ----------------------------------------------------------------------

export class OwnRedis {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<OwnRedis> {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'faults-redis-'));
    const r = new OwnRedis(await freePort(), dir);
    await r.start();
    return r;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--daemonize', 'no', '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', () => r()));
    const until = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        /* not up yet */
      } finally {
        probe.disconnect();
      }
      if (child.exitCode !== null || Date.now() > until) throw new Error(`redis-server on ${this.port} did not start:\n${out}`);
      await sleep(50);
    }
  }

  /** Stops the server process (SIGTERM; nothing is saved). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await this.exited;
    this.child = undefined;
  }

  async destroy(): Promise<void> {
    await this.stop();
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}

// --- PostgreSQL -------------------------------------------------------------------

/** Why this machine cannot run the suite's own servers (no redis-server, no PostgreSQL server binaries), or undefined. */
export function missingServers(): string | undefined {
  const onPath = (bin: string) => (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, bin)));
  if (!onPath('redis-server')) return 'redis-server is not on PATH';
  try {
    pgBinDir();
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

function pgBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'pg_ctl'))) : [];
  if (!versions.length) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  versions.sort((a, b) => Number(a) - Number(b));
  return path.join(base, versions[versions.length - 1], 'bin');
}

export class OwnPostgres {
  private readonly bin = pgBinDir();
  private readonly asRoot = process.getuid?.() === 0;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** initdb in a temporary directory, then start. */
  static async start(): Promise<OwnPostgres> {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'faults-pg-'));
    const pg = new OwnPostgres(await freePort(), dir);
    if (pg.asRoot) await run('chown', ['postgres:postgres', dir]);
    await pg.pg('initdb', ['-D', pg.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    await pg.start();
    return pg;
  }

  private get dataDir() {
    return path.join(this.dir, 'data');
  }

  /** Runs a server binary, as the postgres user when we are root (the server refuses to run as root). */
  private pg(tool: string, args: string[]): Promise<string> {
    const bin = path.join(this.bin, tool);
    return this.asRoot ? run('runuser', ['-u', 'postgres', '--', bin, ...args]) : run(bin, args);
  }

  adminUrl(database = 'postgres') {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-k ${this.dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    await this.pg('pg_ctl', ['start', '-D', this.dataDir, '-l', path.join(this.dir, 'server.log'), '-w', '-t', '30', '-o', options]);
  }

  /** A normal fast shutdown: open sessions are terminated, in-flight transactions roll back. */
  async stop(): Promise<void> {
    await this.pg('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'fast', '-w', '-t', '30']).catch((err) => {
      if (!String(err.message).includes('Is server running?')) throw err;
    });
  }

  async destroy(): Promise<void> {
    await this.pg('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'immediate', '-w', '-t', '30']).catch(() => {});
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}
