// Where presence lives: Redis in the cluster (shared by every node, kept alive
// by heartbeats, so a crashed node's users expire by themselves), or this
// process's memory in the all-in-one mode. Both follow the same rules:
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

export interface PresenceStore {
  /** Registers (or renews) devices; returns the users that came online by it. */
  connect(devices: Device[]): Promise<string[]>;
  /** Removes a device; the user's grace period starts when it was the last one. */
  disconnect(device: Device): Promise<void>;
  /** Users whose devices are all gone (grace over or expired), each reported once cluster-wide. */
  sweep(): Promise<{ userId: string; lastSeen: number }[]>;
  query(userIds: string[]): Promise<Map<string, PresenceRecord>>;
}
