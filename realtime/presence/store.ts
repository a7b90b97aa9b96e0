// Where presence lives: Redis in the cluster (shared by every node, kept alive
// by heartbeats, so a crashed node's users expire by themselves), or this
// process's memory in the all-in-one mode. The platform builds one store
// (shared/platform.ts): the realtime tier writes it, anyone may read it (the
// notification worker asks it who is online). Both follow the same rules
// (test/realtime/presence-store.test.ts runs them over both):
// - a user is online while any device is registered and unexpired;
// - when the last device leaves, the user stays online for a grace period
//   (a reload or a node switch does not flicker);
// - `sweep` reports each user that went offline exactly once, to one caller.

export interface Device {
  userId: string;
  /** Unique per socket across the cluster: `<node id>:<socket id>`. */
  deviceKey: string;
}

export interface PresenceTimings {
  /** A device not renewed for this long is gone (the node died). */
  ttlMs: number;
  /** How often a node renews its devices; well under ttlMs. */
  heartbeatMs: number;
  /** How long a user stays online after their last device left. */
  graceMs: number;
  /** How often each node looks for users who went offline. */
  sweepMs: number;
}

export const DEFAULT_PRESENCE_TIMINGS: PresenceTimings = { ttlMs: 30_000, heartbeatMs: 10_000, graceMs: 5_000, sweepMs: 1_000 };

export interface PresenceRecord {
  online: boolean;
  /** Milliseconds since the epoch; null when never seen. */
  lastSeen: number | null;
}

/**
 * The durations are the caller's (the realtime tier's timings), given with each
 * write: the store only keeps the times they lead to.
 */
export interface PresenceStore {
  /** Registers (or renews) devices for `ttlMs`; returns the users that came online by it. */
  connect(devices: Device[], ttlMs: number): Promise<string[]>;
  /** Removes a device; the user's grace period of `graceMs` starts when it was the last one. */
  disconnect(device: Device, graceMs: number): Promise<void>;
  /** Users whose devices are all gone (grace over or expired), each reported once cluster-wide. */
  sweep(): Promise<{ userId: string; lastSeen: number }[]>;
  query(userIds: string[]): Promise<Map<string, PresenceRecord>>;
}

/** The subset of `userIds` that is online (the grace period after the last device left counts as online). */
export async function onlineAmong(store: Pick<PresenceStore, 'query'>, userIds: string[]): Promise<Set<string>> {
  const records = await store.query([...new Set(userIds)]);
  return new Set([...records].filter(([, r]) => r.online).map(([id]) => id));
}
