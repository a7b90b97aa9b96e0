// CPU per process kind over a measured window: the platform's processes and
// PostgreSQL's backends from /proc (Linux), Redis from INFO (its own count of
// CPU, commands and bytes, so a private redis-server gives per-message figures).
import { readFileSync } from 'node:fs';
import type { Knex } from 'knex';
import type { Redis } from 'ioredis';

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every Linux this runs on).
const TICKS_PER_S = 100;

/** CPU seconds (user + system) a process has used so far; undefined once it is gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

export function rssKbOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

/** The backends serving one database (not the connection asking). */
export async function postgresBackends(db: Knex, database: string): Promise<number[]> {
  const { rows } = await db.raw(`SELECT pid FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()`, [database]);
  return (rows as { pid: number }[]).map((r) => r.pid);
}

/** PostgreSQL's own processes (WAL writer, checkpointer, …): shared with every database of the server. */
export async function postgresBackground(db: Knex): Promise<number[]> {
  const { rows } = await db.raw(`SELECT pid FROM pg_stat_activity WHERE backend_type NOT IN ('client backend', 'autovacuum worker')`);
  return (rows as { pid: number }[]).map((r) => r.pid);
}

export interface RedisCounters {
  cpu_s: number;
  commands: number;
  bytes_in: number;
  bytes_out: number;
}

export async function redisCounters(redis: Redis): Promise<RedisCounters> {
  const info = await redis.info();
  const v = (k: string) => Number(new RegExp(`^${k}:(\\S+)`, 'm').exec(info)?.[1] ?? NaN);
  return {
    cpu_s: v('used_cpu_sys') + v('used_cpu_user'),
    commands: v('total_commands_processed'),
    bytes_in: v('total_net_input_bytes'),
    bytes_out: v('total_net_output_bytes'),
  };
}

type Pids = () => number[] | Promise<number[]>;

interface Snapshot {
  at: number;
  /** kind → pid → CPU seconds so far */
  cpu: Map<string, Map<number, number>>;
  redis?: RedisCounters;
}

export interface Usage {
  seconds: number;
  /** CPU seconds per kind over the window. */
  cpu_s: Record<string, number>;
  /** Average cores busy per kind over the window. */
  cores: Record<string, number>;
  /** Commands and bytes the Redis server handled over the window (everyone's, unless it is the run's own). */
  redis?: Omit<RedisCounters, 'cpu_s'>;
}

/**
 * Takes snapshots of CPU per kind and subtracts them. A process that appears
 * during the window (a new pool connection) counts from zero; one that is gone
 * at the end counts up to the first snapshot (the CPU it used after is lost).
 */
export class CpuMeter {
  constructor(
    private readonly kinds: Record<string, Pids>,
    private readonly redis?: Redis,
  ) {}

  async snapshot(): Promise<Snapshot> {
    const cpu = new Map<string, Map<number, number>>();
    for (const [kind, pids] of Object.entries(this.kinds)) {
      const m = new Map<number, number>();
      for (const pid of await pids()) {
        const s = cpuSecondsOf(pid);
        if (s !== undefined) m.set(pid, s);
      }
      cpu.set(kind, m);
    }
    if (this.redis) {
      const redis = await redisCounters(this.redis);
      return { at: performance.now(), cpu, redis };
    }
    return { at: performance.now(), cpu };
  }

  usage(a: Snapshot, b: Snapshot): Usage {
    const seconds = (b.at - a.at) / 1000;
    const cpu_s: Record<string, number> = {};
    for (const [kind, after] of b.cpu) {
      const before = a.cpu.get(kind) ?? new Map();
      let sum = 0;
      for (const [pid, s] of after) sum += s - (before.get(pid) ?? 0);
      cpu_s[kind] = sum;
    }
    let redis: Usage['redis'];
    if (a.redis && b.redis) {
      cpu_s.redis = b.redis.cpu_s - a.redis.cpu_s;
      redis = { commands: b.redis.commands - a.redis.commands, bytes_in: b.redis.bytes_in - a.redis.bytes_in, bytes_out: b.redis.bytes_out - a.redis.bytes_out };
    }
    const cores = Object.fromEntries(Object.entries(cpu_s).map(([k, s]) => [k, Number((s / seconds).toFixed(3))]));
    return { seconds, cpu_s, cores, ...(redis && { redis }) };
  }

  /** Runs `fn` between two snapshots. */
  async measure<T>(fn: () => Promise<T>): Promise<{ value: T; usage: Usage }> {
    const a = await this.snapshot();
    const value = await fn();
    const b = await this.snapshot();
    return { value, usage: this.usage(a, b) };
  }
}

/** CPU microseconds per unit of work (a delivered message, a request) for each kind. */
export function microsPer(usage: Usage, units: number): Record<string, number> {
  return Object.fromEntries(Object.entries(usage.cpu_s).map(([k, s]) => [k, Number(((s * 1e6) / units).toFixed(1))]));
}
