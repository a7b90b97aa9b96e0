// What a platform stored in Redis, for tests that inspect it (streams, keys):
// platforms hand out parts, not their connection.
import { Redis } from 'ioredis';
import type { Config } from '../../shared/config.js';

const inspectors = new Map<string, Redis>();

/** A connection to the Redis a platform built from `config` uses; one per URL, closed after the run. */
export function redisOf(config: Pick<Config, 'redisUrl'>): Redis {
  if (!config.redisUrl) throw new Error('this platform runs without Redis');
  let r = inspectors.get(config.redisUrl);
  if (!r) {
    r = new Redis(config.redisUrl);
    // A test's own Redis may be stopped on purpose (the fault suite): the next call says so.
    r.on('error', () => {});
    inspectors.set(config.redisUrl, r);
  }
  return r;
}

export async function closeInspectors() {
  await Promise.all([...inspectors.values()].map((r) => r.quit().catch(() => r.disconnect())));
  inspectors.clear();
}
