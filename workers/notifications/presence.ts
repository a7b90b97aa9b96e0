// Whether a user has a device connected to the realtime tier right now.
// The realtime tier owns presence; this only reads it:
// - cluster mode: the Redis keys of realtime/presence/redis-store.ts, where
//   `presence:online:<user>` exists while any device of the user is connected
//   (and for the short grace period after the last one left);
// - all-in-one mode without Redis: the composition root hands in the socket
//   server's own view (roomPresence), since presence lives in that process.
import type { Redis } from 'ioredis';

export interface OnlineCheck {
  /** The subset of `userIds` that is online. */
  online(userIds: string[]): Promise<Set<string>>;
}

export function redisPresence(redis: Redis, prefix: string): OnlineCheck {
  return {
    async online(userIds) {
      const ids = [...new Set(userIds)];
      if (!ids.length) return new Set();
      const values = await redis.mget(...ids.map((id) => `${prefix}presence:online:${id}`));
      return new Set(ids.filter((_, i) => values[i] !== null));
    },
  };
}

/** Any socket in the user's room (every device of the user, on any node the adapter reaches). */
export function roomPresence(io: { in(room: string): { fetchSockets(): Promise<unknown[]> } }, roomOf: (userId: string) => string): OnlineCheck {
  return {
    async online(userIds) {
      const ids = [...new Set(userIds)];
      const counts = await Promise.all(ids.map(async (id) => (await io.in(roomOf(id)).fetchSockets()).length));
      return new Set(ids.filter((_, i) => counts[i] > 0));
    },
  };
}

/** Without any source of presence every recipient counts as offline. */
export const nobodyOnline: OnlineCheck = { online: async () => new Set() };
