// Who holds how many sockets: one slot per connected socket, counted per user
// and per client address across every realtime node (Redis), or in this
// process (all-in-one without Redis). A slot is taken at the handshake and
// given back at the disconnect. In Redis each slot carries an expiry that the
// owning node's heartbeat pushes forward, so the slots of a node that died
// without a word lapse within the TTL and nobody stays locked out.
import type { Redis } from 'ioredis';

export interface Slot {
  userId: string;
  /** addressKey() of the client's address (IPv6 by /64). */
  address: string;
  /** Unique per socket across the cluster: `<node id>:<n>`. */
  member: string;
}

export interface SlotLimits {
  perUser: number;
  perAddress: number;
}

/** Why a slot was refused; null when it was taken. */
export type SlotRefusal = 'user' | 'address' | null;

export interface SlotStore {
  /** Takes a slot unless the user or the address already holds its limit. */
  acquire(slot: Slot, limits: SlotLimits): Promise<SlotRefusal>;
  release(slot: Slot): Promise<void>;
  /** Keeps this node's slots alive (and puts back any a stalled heartbeat let lapse). */
  renew(slots: Slot[]): Promise<void>;
}

export class MemorySlotStore implements SlotStore {
  private readonly held = new Map<string, Set<string>>();

  async acquire(slot: Slot, limits: SlotLimits): Promise<SlotRefusal> {
    const [uk, ak] = keysOf(slot);
    if ((this.held.get(uk)?.size ?? 0) >= limits.perUser) return 'user';
    if ((this.held.get(ak)?.size ?? 0) >= limits.perAddress) return 'address';
    for (const k of [uk, ak]) {
      const set = this.held.get(k) ?? new Set<string>();
      set.add(slot.member);
      this.held.set(k, set);
    }
    return null;
  }

  async release(slot: Slot): Promise<void> {
    for (const k of keysOf(slot)) {
      const set = this.held.get(k);
      set?.delete(slot.member);
      if (set && !set.size) this.held.delete(k);
    }
  }

  async renew(): Promise<void> {
    // One process: its slots die with it.
  }
}

const keysOf = (slot: Slot) => [`user:${slot.userId}`, `addr:${slot.address}`] as const;

// Keys (under REDIS_PREFIX): sockets:user:<id> and sockets:addr:<address>, each
// a ZSET member → expiry (ms, Redis clock). Expired members are dropped before
// counting, in the same script as the check, so two nodes never both take the last slot.
const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// ARGV: prefix, ttlMs, userId, address, member, perUser, perAddress. Returns 'user', 'address' or nil.
const ACQUIRE = `${NOW}
local p, ttl, member = ARGV[1], tonumber(ARGV[2]), ARGV[5]
local uk, ak = p .. 'user:' .. ARGV[3], p .. 'addr:' .. ARGV[4]
redis.call('ZREMRANGEBYSCORE', uk, '-inf', now)
redis.call('ZREMRANGEBYSCORE', ak, '-inf', now)
if redis.call('ZCARD', uk) >= tonumber(ARGV[6]) then return 'user' end
if redis.call('ZCARD', ak) >= tonumber(ARGV[7]) then return 'address' end
for _, k in ipairs({uk, ak}) do
  redis.call('ZADD', k, now + ttl, member)
  redis.call('PEXPIRE', k, ttl)
end
return false`;

// ARGV: prefix, ttlMs, then userId, address, member triples.
const RENEW = `${NOW}
local p, ttl = ARGV[1], tonumber(ARGV[2])
for i = 3, #ARGV, 3 do
  for _, k in ipairs({p .. 'user:' .. ARGV[i], p .. 'addr:' .. ARGV[i + 1]}) do
    redis.call('ZADD', k, now + ttl, ARGV[i + 2])
    redis.call('PEXPIRE', k, ttl)
  end
end
return 0`;

const BATCH = 500;

export class RedisSlotStore implements SlotStore {
  private readonly p: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly ttlMs: number,
  ) {
    this.p = `${prefix}sockets:`;
  }

  async acquire(slot: Slot, limits: SlotLimits): Promise<SlotRefusal> {
    const r = await this.redis.eval(ACQUIRE, 0, this.p, this.ttlMs, slot.userId, slot.address, slot.member, limits.perUser, limits.perAddress);
    return r === 'user' || r === 'address' ? r : null;
  }

  async release(slot: Slot): Promise<void> {
    await this.redis.multi().zrem(`${this.p}user:${slot.userId}`, slot.member).zrem(`${this.p}addr:${slot.address}`, slot.member).exec();
  }

  async renew(slots: Slot[]): Promise<void> {
    // Every batch is sent now, in one go: a release issued after this call is
    // ordered behind the renewal on the connection and cannot be undone by it.
    const sent: Promise<unknown>[] = [];
    for (let i = 0; i < slots.length; i += BATCH) {
      const args = slots.slice(i, i + BATCH).flatMap((s) => [s.userId, s.address, s.member]);
      sent.push(this.redis.eval(RENEW, 0, this.p, this.ttlMs, ...args));
    }
    await Promise.all(sent);
  }
}
