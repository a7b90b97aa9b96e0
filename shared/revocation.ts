// Revoked sessions, checked on every authenticated request and socket
// handshake for the cost of one Redis round trip. An entry lives as long as an
// access token can (after that the token is refused as expired anyway).
//
// The sessions table (auth's) is the truth; Redis holds the recent revocations
// for speed, and a marker says the Redis copy is complete. When the marker is
// missing the first check rebuilds the copy from the table before answering,
// so a logged-out token never works again.
//
// The marker must never outlive an entry it vouches for, and Redis may drop
// keys on its own: a restart without persistence, a flush, or eviction under
// maxmemory (noeviction is the policy to run with; shared/redis.ts warns about
// any other). With one key per entry and a marker key beside it, an eviction
// policy can drop entries and keep the marker (volatile-* policies drop only
// keys with a TTL, which is every entry and never the marker), and a revoked
// token is let in. So entries and marker are members of ONE sorted set: Redis
// evicts whole keys, never members, so the entries and the marker go together,
// and the key has no TTL, so volatile-* policies never pick it. An entry's
// score is the time (ms) until which it matters; the marker's is +inf. Expired
// entries are pruned on each revocation. One key, so its transactions are
// fine on Redis Cluster too.
//
// Under noeviction a full Redis refuses writes instead: a revocation that
// could not be written takes the marker away (removing needs no memory), so
// checks go back to the table, or fail, rather than answer from a copy that
// lacks it.
//
// Without Redis (all-in-one mode) the list is this process's memory, which is
// the whole platform in that mode; it too starts from the table, so a restart
// does not let a logged-out token back in.
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis.js';
import type { Knex } from 'knex';

export interface SessionRevocations {
  revoke(sessionIds: string[]): Promise<void>;
  isRevoked(sessionId: string): Promise<boolean>;
}

/** The revocations that can still matter (younger than an access token), with the time (ms) until which each does. */
async function recentRevocations(db: Knex, ttlS: number): Promise<{ id: string; until: number }[]> {
  const rows = (await db('sessions')
    .select('id', db.raw(`extract(epoch from revoked_at) as revoked_epoch`))
    .whereNotNull('revoked_at')
    .andWhere('revoked_at', '>', new Date(Date.now() - ttlS * 1000))) as { id: string; revoked_epoch: string | number }[];
  return rows.map((r) => ({ id: r.id, until: Math.ceil((Number(r.revoked_epoch) + ttlS) * 1000) }));
}

// Not a session id (those are UUIDs): cannot collide with an entry.
const COMPLETE = 'complete';

export class RedisRevocations implements SessionRevocations {
  private rebuilding?: Promise<void>;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly ttlS: number,
    private readonly db: Knex,
  ) {}

  private get key() {
    return `${this.prefix}revoked:sessions`;
  }

  async revoke(sessionIds: string[]): Promise<void> {
    if (!sessionIds.length) return;
    const now = Date.now();
    const until = now + this.ttlS * 1000;
    try {
      await this.exec(
        this.redis
          .multi()
          .zadd(this.key, 'GT', ...sessionIds.flatMap((id) => [until, id]))
          .zremrangebyscore(this.key, '-inf', `(${now}`),
      );
    } catch (err) {
      await this.redis.zrem(this.key, COMPLETE).catch(() => {});
      throw err;
    }
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    const [complete, until] = await this.redis.zmscore(this.key, COMPLETE, sessionId);
    if (until !== null && Number(until) > Date.now()) return true;
    if (complete !== null) return false;
    await this.rebuild();
    const score = await this.redis.zscore(this.key, sessionId);
    return score !== null && Number(score) > Date.now();
  }

  /** A MULTI's replies carry errors instead of throwing them; a refused write must not pass for done. */
  private async exec(m: ChainableCommander): Promise<void> {
    const replies = await m.exec();
    const failed = replies?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  /** Copies the revocations that can still matter from the sessions table into Redis (once at a time per process). */
  private rebuild(): Promise<void> {
    this.rebuilding ??= (async () => {
      const m = this.redis.multi();
      const entries = (await recentRevocations(this.db, this.ttlS)).flatMap((r) => [r.until, r.id]);
      if (entries.length) m.zadd(this.key, 'GT', ...entries);
      // In the same transaction as the entries: the marker never stands without them.
      m.zadd(this.key, '+inf', COMPLETE);
      await this.exec(m);
    })().finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }
}

export class MemoryRevocations implements SessionRevocations {
  private readonly until = new Map<string, number>();
  private loaded?: Promise<void>;

  constructor(
    private readonly ttlS: number,
    private readonly db: Knex,
  ) {}

  async revoke(sessionIds: string[]): Promise<void> {
    const now = Date.now();
    for (const [id, until] of this.until) if (until < now) this.until.delete(id);
    const until = now + this.ttlS * 1000;
    for (const id of sessionIds) this.until.set(id, Math.max(until, this.until.get(id) ?? 0));
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    await this.load();
    const until = this.until.get(sessionId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(sessionId);
    return false;
  }

  /** The process starts empty: the table's recent revocations first (retried until it succeeds once). */
  private load(): Promise<void> {
    this.loaded ??= recentRevocations(this.db, this.ttlS).then(
      (rows) => {
        for (const r of rows) this.until.set(r.id, Math.max(r.until, this.until.get(r.id) ?? 0));
      },
      (err) => {
        this.loaded = undefined;
        throw err;
      },
    );
    return this.loaded;
  }
}
