// Who holds how many sockets: one slot per connected socket, counted per user
// and per client address across every realtime node (Redis), or in this
// process (all-in-one without Redis). A slot is taken at the handshake and
// given back at the disconnect. In Redis each slot carries an expiry that the
// owning node's heartbeat pushes forward, so the slots of a node that died
// without a word lapse within the TTL and nobody stays locked out.
import type { RedisClient } from '../shared/redis.js';

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
// a ZSET member → expiry (ms, Redis clock). Every script touches one key, so the
// keys spread over the shards of a Redis Cluster: a slot is taken from the user's
// key, then from the address's, and given back to the user's when the address is
// full. Expired members are dropped before counting, in the same script as the
// check, so two nodes never both take a user's (or an address's) last slot. (Two
// nodes racing for the last slots of one user and one address may both be
// refused for a moment; neither limit is ever exceeded.)
const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS[1]: the user's or the address's key. ARGV: ttlMs, member, limit. Returns 1 when taken, 0 when full.
const TAKE = `${NOW}
local ttl = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1`;

// KEYS[1]: a user's or an address's key. ARGV: ttlMs, then the members to keep.
const RENEW = `${NOW}
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + ttl, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ttl)
return 0`;

const BATCH = 500;

export class RedisSlotStore implements SlotStore {
  private readonly p: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly ttlMs: number,
  ) {
    this.p = `${prefix}sockets:`;
  }

  private keys(slot: Slot): [user: string, address: string] {
    return [`${this.p}user:${slot.userId}`, `${this.p}addr:${slot.address}`];
  }

  private async take(key: string, member: string, limit: number): Promise<boolean> {
    return (await this.redis.eval(TAKE, 1, key, this.ttlMs, member, limit)) === 1;
  }

  async acquire(slot: Slot, limits: SlotLimits): Promise<SlotRefusal> {
    const [uk, ak] = this.keys(slot);
    if (!(await this.take(uk, slot.member, limits.perUser))) return 'user';
    if (!(await this.take(ak, slot.member, limits.perAddress))) {
      await this.redis.zrem(uk, slot.member);
      return 'address';
    }
    return null;
  }

  async release(slot: Slot): Promise<void> {
    await Promise.all(this.keys(slot).map((k) => this.redis.zrem(k, slot.member)));
  }

  async renew(slots: Slot[]): Promise<void> {
    const members = new Map<string, string[]>();
    for (const s of slots) {
      for (const k of this.keys(s)) {
        const list = members.get(k);
        if (list) list.push(s.member);
        else members.set(k, [s.member]);
      }
    }
    // Every renewal is sent now, in one go: a release issued after this call is
    // ordered behind the renewal (on the connection to the key's server) and cannot be undone by it.
    const sent: Promise<unknown>[] = [];
    for (const [key, list] of members) {
      for (let i = 0; i < list.length; i += BATCH) sent.push(this.redis.eval(RENEW, 1, key, this.ttlMs, ...list.slice(i, i + BATCH)));
    }
    await Promise.all(sent);
  }
}
