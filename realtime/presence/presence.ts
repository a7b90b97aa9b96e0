// Presence of users, pushed to the users they have a live match with (and
// answered to them only). Each node registers its sockets as devices, renews
// them on a heartbeat and sweeps for users who went offline anywhere, so a
// node that dies takes its users offline within the TTL without anyone's help.
import type { Logger } from '../../shared/logger.js';
import type { Delivery } from '../delivery.js';
import type { PresenceState } from '../events.js';
import type { Device, PresenceStore, PresenceTimings } from './store.js';

export interface MatchLookup {
  matchedUserIds(userId: string): Promise<string[]>;
  filterMatched(userId: string, candidates: string[]): Promise<Set<string>>;
}

export class Presence {
  private heartbeat?: NodeJS.Timeout;
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly store: PresenceStore,
    private readonly matches: MatchLookup,
    private readonly delivery: Delivery,
    private readonly logger: Logger,
    private readonly timings: PresenceTimings,
    /** This node's connected devices, renewed on each heartbeat. */
    private readonly localDevices: () => Device[],
  ) {}

  start() {
    this.heartbeat = setInterval(() => void this.renew(), this.timings.heartbeatMs);
    this.sweeper = setInterval(() => void this.sweep(), this.timings.sweepMs);
    this.heartbeat.unref();
    this.sweeper.unref();
  }

  stop() {
    clearInterval(this.heartbeat);
    clearInterval(this.sweeper);
  }

  async connected(device: Device): Promise<void> {
    const came = await this.store.connect([device], this.timings.ttlMs);
    if (came.length) await this.announce(device.userId, { online: true, last_seen: new Date().toISOString() });
  }

  disconnected(device: Device): Promise<void> {
    return this.store.disconnect(device, this.timings.graceMs);
  }

  /** Presence of the asked users the caller has a live match with; anyone else reads as offline, never seen. */
  async query(userId: string, userIds: string[]): Promise<Record<string, PresenceState>> {
    const ids = [...new Set(userIds)];
    const matched = await this.matches.filterMatched(userId, ids);
    const records = await this.store.query([...matched]);
    const now = new Date().toISOString();
    const out: Record<string, PresenceState> = {};
    for (const id of ids) {
      const r = records.get(id);
      out[id] = r?.online
        ? { online: true, last_seen: now }
        : { online: false, last_seen: r?.lastSeen ? new Date(r.lastSeen).toISOString() : null };
    }
    return out;
  }

  private async renew() {
    try {
      // Also brings back users a stalled node let expire.
      const came = await this.store.connect(this.localDevices(), this.timings.ttlMs);
      for (const userId of came) await this.announce(userId, { online: true, last_seen: new Date().toISOString() });
    } catch (err) {
      this.logger.warn({ err }, 'presence heartbeat failed');
    }
  }

  private async sweep() {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const { userId, lastSeen } of await this.store.sweep()) {
        await this.announce(userId, { online: false, last_seen: new Date(lastSeen).toISOString() });
      }
    } catch (err) {
      this.logger.warn({ err }, 'presence sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  private async announce(userId: string, state: PresenceState) {
    const watchers = await this.matches.matchedUserIds(userId);
    this.delivery.presence(userId, state, watchers);
  }
}
