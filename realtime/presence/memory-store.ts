// Presence in this process's memory (all-in-one mode without Redis): the same
// rules as the Redis store, for the one node there is.
import type { Device, PresenceRecord, PresenceStore } from './store.js';

export class MemoryPresenceStore implements PresenceStore {
  /** userId → deviceKey → expiry (ms). */
  private readonly devices = new Map<string, Map<string, number>>();
  /** userId → when to look at the user next (ms). */
  private readonly due = new Map<string, number>();
  /** userId → online since (ms). */
  private readonly online = new Map<string, number>();
  private readonly seen = new Map<string, number>();

  async connect(devices: Device[], ttlMs: number): Promise<string[]> {
    const now = Date.now();
    const came: string[] = [];
    for (const d of devices) {
      const mine = this.devices.get(d.userId) ?? new Map<string, number>();
      mine.set(d.deviceKey, now + ttlMs);
      this.devices.set(d.userId, mine);
      this.due.set(d.userId, Math.max(this.due.get(d.userId) ?? 0, now + ttlMs));
      if (!this.online.has(d.userId)) {
        this.online.set(d.userId, now);
        came.push(d.userId);
      }
    }
    return came;
  }

  async disconnect(d: Device, graceMs: number): Promise<void> {
    const now = Date.now();
    const mine = this.devices.get(d.userId);
    mine?.delete(d.deviceKey);
    if (this.live(d.userId, now) === 0) {
      this.due.set(d.userId, now + graceMs);
      this.seen.set(d.userId, now);
    }
  }

  private live(userId: string, now: number): number {
    const mine = this.devices.get(userId);
    if (!mine) return 0;
    for (const [k, exp] of mine) if (exp <= now) mine.delete(k);
    if (!mine.size) this.devices.delete(userId);
    return mine.size;
  }

  async sweep(): Promise<{ userId: string; lastSeen: number }[]> {
    const now = Date.now();
    const gone: { userId: string; lastSeen: number }[] = [];
    for (const [userId, at] of this.due) {
      if (at > now) continue;
      if (this.live(userId, now) > 0) {
        this.due.set(userId, Math.max(...this.devices.get(userId)!.values()));
        continue;
      }
      this.due.delete(userId);
      const since = this.online.get(userId);
      if (since === undefined) continue;
      this.online.delete(userId);
      const seen = this.seen.get(userId) ?? 0;
      const lastSeen = seen >= since ? seen : now;
      this.seen.set(userId, lastSeen);
      gone.push({ userId, lastSeen });
    }
    return gone;
  }

  async query(userIds: string[]): Promise<Map<string, PresenceRecord>> {
    return new Map(userIds.map((id) => [id, { online: this.online.has(id), lastSeen: this.seen.get(id) ?? null }]));
  }
}
