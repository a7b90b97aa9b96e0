// Revoked sessions, checked on every authenticated request and socket
// handshake for the cost of one Redis round trip. An entry lives as long as an
// access token can (after that the token is refused as expired anyway).
//
// The sessions table (auth's) is the truth; Redis holds the recent revocations
// for speed. A marker key says the Redis copy is complete: when Redis comes
// back empty (restarted without persistence, flushed) the marker is gone, and
// the first check rebuilds the copy from the table before answering, so a
// logged-out token never works again.
//
// Without Redis (all-in-one mode) the list is this process's memory, which is
// the whole platform in that mode.
import type { Redis } from 'ioredis';
import type { Knex } from 'knex';

export class SessionRevocations {
  private readonly local = new Map<string, number>();
  private rebuilding?: Promise<void>;

  constructor(
    private readonly redis: Redis | null,
    private readonly prefix: string,
    private readonly ttlS: number,
    private readonly db?: Knex,
  ) {}

  private key(sessionId: string) {
    return `${this.prefix}revoked:session:${sessionId}`;
  }

  private get markerKey() {
    return `${this.prefix}revoked:complete`;
  }

  async revoke(sessionIds: string[]): Promise<void> {
    if (!sessionIds.length) return;
    if (this.redis) {
      const m = this.redis.multi();
      for (const id of sessionIds) m.set(this.key(id), '1', 'EX', this.ttlS);
      await m.exec();
      return;
    }
    const until = Date.now() + this.ttlS * 1000;
    for (const id of sessionIds) this.local.set(id, until);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    if (this.redis) {
      const [complete, hit] = await this.redis.mget(this.markerKey, this.key(sessionId));
      if (hit) return true;
      if (complete) return false;
      await this.rebuild();
      return (await this.redis.exists(this.key(sessionId))) === 1;
    }
    const until = this.local.get(sessionId);
    if (until === undefined) return false;
    if (until < Date.now()) {
      this.local.delete(sessionId);
      return false;
    }
    return true;
  }

  /** Copies the revocations that can still matter from the sessions table into Redis (once at a time per process). */
  private rebuild(): Promise<void> {
    this.rebuilding ??= (async () => {
      const redis = this.redis!;
      if (this.db) {
        const rows = (await this.db('sessions')
          .select('id', this.db.raw(`extract(epoch from revoked_at) as revoked_epoch`))
          .whereNotNull('revoked_at')
          .andWhere('revoked_at', '>', new Date(Date.now() - this.ttlS * 1000))) as { id: string; revoked_epoch: string | number }[];
        const m = redis.multi();
        for (const r of rows) {
          const left = Math.ceil(Number(r.revoked_epoch) + this.ttlS - Date.now() / 1000);
          if (left > 0) m.set(this.key(r.id), '1', 'EX', left);
        }
        await m.exec();
      }
      await redis.set(this.markerKey, new Date().toISOString());
    })().finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }
}
