// Presence in Redis, shared by every realtime node. Keys (under REDIS_PREFIX):
//   presence:devices:<user>  ZSET deviceKey → expiry (ms); renewed by the owning node's heartbeat
//   presence:due             ZSET user → when to look at the user next (last expiry, or end of grace)
//   presence:online:<user>   online since (ms); its removal is the one "went offline" transition
//   presence:seen:<user>     last seen (ms)
// Each step is one Lua script, so concurrent nodes never both announce a
// transition. Times come from Redis (TIME), so node clocks do not matter.
// The scripts build key names from the prefix: fine on a single Redis (or a
// primary with replicas), not on Redis Cluster.
import type { Redis } from 'ioredis';
import type { Device, PresenceRecord, PresenceStore } from './store.js';

const SEEN_TTL_MS = 30 * 24 * 3600 * 1000;

const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// ARGV: prefix, ttlMs, then userId, deviceKey pairs. Returns the users that came online.
const CONNECT = `${NOW}
local p, ttl = ARGV[1], tonumber(ARGV[2])
local came = {}
for i = 3, #ARGV, 2 do
  local uid, dev = ARGV[i], ARGV[i + 1]
  local dk = p .. 'devices:' .. uid
  redis.call('ZADD', dk, now + ttl, dev)
  redis.call('PEXPIRE', dk, ttl * 3)
  redis.call('ZADD', p .. 'due', 'GT', now + ttl, uid)
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
  redis.call('ZADD', p .. 'due', now + grace, uid)
  redis.call('SET', p .. 'seen:' .. uid, now, 'PX', ${SEEN_TTL_MS})
end
return 0`;

// ARGV: prefix, limit. Returns userId, lastSeen pairs of the users that went offline.
const SWEEP = `${NOW}
local p, limit = ARGV[1], tonumber(ARGV[2])
local gone = {}
for _, uid in ipairs(redis.call('ZRANGEBYSCORE', p .. 'due', '-inf', now, 'LIMIT', 0, limit)) do
  local dk = p .. 'devices:' .. uid
  redis.call('ZREMRANGEBYSCORE', dk, '-inf', now)
  local last = redis.call('ZRANGE', dk, -1, -1, 'WITHSCORES')
  if #last > 0 then
    redis.call('ZADD', p .. 'due', last[2], uid)
  else
    redis.call('ZREM', p .. 'due', uid)
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
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.p = `${prefix}presence:`;
  }

  async connect(devices: Device[], ttlMs: number): Promise<string[]> {
    const came: string[] = [];
    for (let i = 0; i < devices.length; i += BATCH) {
      const args = devices.slice(i, i + BATCH).flatMap((d) => [d.userId, d.deviceKey]);
      came.push(...((await this.redis.eval(CONNECT, 0, this.p, ttlMs, ...args)) as string[]));
    }
    return came;
  }

  async disconnect(d: Device, graceMs: number): Promise<void> {
    await this.redis.eval(DISCONNECT, 0, this.p, graceMs, d.userId, d.deviceKey);
  }

  async sweep(): Promise<{ userId: string; lastSeen: number }[]> {
    const flat = (await this.redis.eval(SWEEP, 0, this.p, 200)) as string[];
    const gone: { userId: string; lastSeen: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) gone.push({ userId: flat[i], lastSeen: Number(flat[i + 1]) });
    return gone;
  }

  async query(userIds: string[]): Promise<Map<string, PresenceRecord>> {
    const out = new Map<string, PresenceRecord>();
    if (!userIds.length) return out;
    const values = await this.redis.mget(...userIds.map((id) => `${this.p}online:${id}`), ...userIds.map((id) => `${this.p}seen:${id}`));
    userIds.forEach((id, i) => {
      const seen = values[userIds.length + i];
      out.set(id, { online: values[i] !== null, lastSeen: seen ? Number(seen) : null });
    });
    return out;
  }
}
