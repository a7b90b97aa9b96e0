// The gateway's side of the realtime registry (realtime/registry.ts): the
// instances are whatever is announced in Redis under REDIS_PREFIX, each known
// by its tag and reached at the URL it advertised. A node started on another
// machine (or by hand on another port) is used at the next read, with no
// change to the gateway; one that drains or dies leaves at the read after its
// entry went. While Redis cannot be read, the instances last read stay (they
// are still probed), so a Redis outage does not take the socket tier away.
import type { RedisClient } from '../../shared/redis.js';
import type { Logger } from '../../shared/logger.js';
import { readRegistry } from '../../realtime/registry.js';
import type { Discovered, RealtimeSource, Upstream } from './upstreams.js';

export class RegistrySource implements RealtimeSource {
  readonly dynamic = true;
  private failing = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  describe() {
    return { mode: 'registry' };
  }

  async discover(known: Upstream[]): Promise<Discovered[]> {
    try {
      const entries = await readRegistry(this.redis, this.prefix);
      if (this.failing) this.logger.info('realtime registry readable again');
      this.failing = false;
      return entries.map((e) => ({ key: e.tag, target: e.url, tags: [e.tag], load: e.load, expectTag: e.tag }));
    } catch (err) {
      if (!this.failing) this.logger.warn({ err: (err as Error).message }, 'cannot read the realtime registry; keeping the instances last read');
      this.failing = true;
      return known.map(({ key, target, tags, expectTag }) => ({ key, target, tags, expectTag }));
    }
  }
}
