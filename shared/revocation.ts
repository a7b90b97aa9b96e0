// Revoked sessions, checked on every authenticated request and socket
// handshake for the cost of one Redis lookup. An entry lives as long as an
// access token can (after that the token is refused as expired anyway).
// Without Redis (all-in-one mode) the list is this process's memory, which is
// the whole platform in that mode.
import type { Redis } from 'ioredis';

export class SessionRevocations {
  private readonly local = new Map<string, number>();

  constructor(
    private readonly redis: Redis | null,
    private readonly prefix: string,
    private readonly ttlS: number,
  ) {}

  private key(sessionId: string) {
    return `${this.prefix}revoked:session:${sessionId}`;
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
    if (this.redis) return (await this.redis.exists(this.key(sessionId))) === 1;
    const until = this.local.get(sessionId);
    if (until === undefined) return false;
    if (until < Date.now()) {
      this.local.delete(sessionId);
      return false;
    }
    return true;
  }
}
