// Presence in Redis, shared by every realtime node. Users are spread over
// BUCKETS buckets; the keys of bucket b (under REDIS_PREFIX):
//   presence:{b}:devices:<user>  ZSET deviceKey → expiry (ms); renewed by the owning node's heartbeat
//   presence:{b}:due             ZSET user → when to look at the user next (last expiry, or end of grace)
//   presence:{b}:online:<user>   online since (ms); its removal is the one "went offline" transition
//   presence:{b}:seen:<user>     last seen (ms)
// Each step is one Lua script over one bucket, so concurrent nodes never both
// announce a transition. The bucket's hash tag `{b}` puts all its keys in one
// slot, so a script (which names the bucket's due key) runs on Redis Cluster
// too, and the buckets spread presence over the shards. Times come from Redis
// (TIME), so node clocks do not matter.
import type { RedisClient } from '../../shared/redis.js';
import type { Device, PresenceRecord, PresenceStore } from './store.js';

/** Never changed on a running platform: the bucket count decides where a user's keys are. */
const BUCKETS = 16;

/** FNV-1a of the user id, into a bucket. */
function bucketOf(userId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % BUCKETS;
}

/** Groups items by the bucket of their user. */
function byBucket<T>(items: T[], userOf: (t: T) => string): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const b = bucketOf(userOf(item));
    const list = out.get(b);
    if (list) list.push(item);
    else out.set(b, [item]);
  }
  return out;
}

const SEEN_TTL_MS = 30 * 24 * 3600 * 1000;

const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// Every script: KEYS[1] the bucket's due key, ARGV[1] the bucket's key prefix (its other keys).
// ARGV: prefix, ttlMs, then userId, deviceKey pairs. Returns the users that came online.
const CONNECT = `${NOW}
local p, ttl = ARGV[1], tonumber(ARGV[2])
local came = {}
for i = 3, #ARGV, 2 do
  local uid, dev = ARGV[i], ARGV[i + 1]
  local dk = p .. 'devices:' .. uid
  redis.call('ZADD', dk, now + ttl, dev)
  redis.call('PEXPIRE', dk, ttl * 3)
  redis.call('ZADD', KEYS[1], 'GT', now + ttl, uid)
  local ok = redis.call('PEXPIRE', p .. 'online:' .. uid, ttl * 3)
  if ok == 0 then
    redis.call('SET', p .. 'online:' .. uid, now, 'PX', ttl * 3)
    table.insert(came, uid)
  end
end
return came`;

// ARGV: prefix, graceMs, userId, deviceKey.
const DISCONNECT = `${NOW}
local p, grace, uid, dev = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local dk = p .. 'devices:' .. uid
redis.call('ZREM', dk, dev)
redis.call('ZREMRANGEBYSCORE', dk, '-inf', now)
if redis.call('ZCARD', dk) == 0 then
  redis.call('ZADD', KEYS[1], now + grace, uid)
  redis.call('SET', p .. 'seen:' .. uid, now, 'PX', ${SEEN_TTL_MS})
end
return 0`;

// ARGV: prefix, limit. Returns userId, lastSeen pairs of the users that went offline.
const SWEEP = `${NOW}
local p, limit = ARGV[1], tonumber(ARGV[2])
local gone = {}
for _, uid in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, limit)) do
  local dk = p .. 'devices:' .. uid
  redis.call('ZREMRANGEBYSCORE', dk, '-inf', now)
  local last = redis.call('ZRANGE', dk, -1, -1, 'WITHSCORES')
  if #last > 0 then
    redis.call('ZADD', KEYS[1], last[2], uid)
  else
    redis.call('ZREM', KEYS[1], uid)
    local since = redis.call('GET', p .. 'online:' .. uid)
    if since then
      redis.call('DEL', p .. 'online:' .. uid)
      local seen = tonumber(redis.call('GET', p .. 'seen:' .. uid) or '0')
      if seen < tonumber(since) then seen = now end
      redis.call('SET', p .. 'seen:' .. uid, seen, 'PX', ${SEEN_TTL_MS})
      table.insert(gone, uid)
      table.insert(gone, tostring(seen))
    end
  end
end
return gone`;

const BATCH = 500;

export class RedisPresenceStore implements PresenceStore {
  private readonly p: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.p = `${prefix}presence:`;
  }

  /** Bucket b's key prefix. */
  private bucket(b: number): string {
    return `${this.p}{${b}}:`;
  }

  /** Runs a script on bucket b. */
  private run(script: string, b: number, ...args: (string | number)[]): Promise<unknown> {
    const p = this.bucket(b);
    return this.redis.eval(script, 1, `${p}due`, p, ...args);
  }

  async connect(devices: Device[], ttlMs: number): Promise<string[]> {
    const sent: Promise<unknown>[] = [];
    for (const [b, list] of byBucket(devices, (d) => d.userId)) {
      for (let i = 0; i < list.length; i += BATCH) {
        sent.push(this.run(CONNECT, b, ttlMs, ...list.slice(i, i + BATCH).flatMap((d) => [d.userId, d.deviceKey])));
      }
    }
    return ((await Promise.all(sent)) as string[][]).flat();
  }

  async disconnect(d: Device, graceMs: number): Promise<void> {
    await this.run(DISCONNECT, bucketOf(d.userId), graceMs, d.userId, d.deviceKey);
  }

  async sweep(): Promise<{ userId: string; lastSeen: number }[]> {
    const flat = ((await Promise.all(Array.from({ length: BUCKETS }, (_, b) => this.run(SWEEP, b, 200)))) as string[][]).flat();
    const gone: { userId: string; lastSeen: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) gone.push({ userId: flat[i], lastSeen: Number(flat[i + 1]) });
    return gone;
  }

  async query(userIds: string[]): Promise<Map<string, PresenceRecord>> {
    const out = new Map<string, PresenceRecord>();
    // One MGET per bucket: on Redis Cluster a command's keys share a slot.
    await Promise.all(
      [...byBucket(userIds, (id) => id)].map(async ([b, ids]) => {
        const p = this.bucket(b);
        const values = await this.redis.mget(...ids.map((id) => `${p}online:${id}`), ...ids.map((id) => `${p}seen:${id}`));
        ids.forEach((id, i) => {
          const seen = values[ids.length + i];
          out.set(id, { online: values[i] !== null, lastSeen: seen ? Number(seen) : null });
        });
      }),
    );
    return new Map(userIds.filter((id) => out.has(id)).map((id) => [id, out.get(id)!]));
  }
}
