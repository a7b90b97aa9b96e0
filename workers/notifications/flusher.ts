// Sends what is due: every tick it leases the users whose batch is due, and
// for each one decides again (things go stale, users come online, quiet hours
// start) and sends at most one bot message with everything still worth
// telling. After a send the next one to that user waits out the interval.
import type { Knex } from '../../shared/db.js';
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import type { BotApi } from './bot.js';
import { composeText, deepLinkOf, openAppButton } from './compose.js';
import type { Schedule } from './handler.js';
import { onlineAmong, type PresenceStore } from '../../realtime/presence/store.js';
import * as repo from './repo.js';
import { langOf, textsFor } from '../bot/texts.js';
import { quietUntil, wants } from './settings.js';

export interface FlushOptions {
  tickMs: number;
  /** Users being flushed at once (each may wait on the Bot API); more due users wait for a free slot. */
  concurrency: number;
  /** A leased user comes due again after this long if its flush never finishes (the instance died). */
  leaseMs: number;
  /** Failed flushes in a row (each with the bot client's own retries) before the items are given up. */
  maxFailures: number;
}

export interface FlusherDeps {
  db: Knex;
  logger: Logger;
  /** The realtime tier's presence, read only. */
  presence: Pick<PresenceStore, 'query'>;
  bot: BotApi;
  telegram: Pick<Config['telegram'], 'webAppUrl' | 'botUsername'>;
  schedule: Schedule;
}

const key = (i: repo.PendingItem) => `${i.kind}:${i.ref_id}`;

export type FlushOutcome = 'sent' | 'nothing' | 'quiet' | 'failed' | 'gave_up' | 'refused' | 'stopped';

export class Flusher {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** Flushes under way; a slow Bot API holds up only its own users. */
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly deps: FlusherDeps,
    private readonly opts: FlushOptions,
  ) {}

  start() {
    const loop = async () => {
      this.running = this.tick().catch((err) => this.deps.logger.error({ err }, 'notification flush failed'));
      await this.running;
      if (!this.stopping.signal.aborted) this.timer = setTimeout(loop, this.opts.tickMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Cuts sends and backoffs short (their users come due again at once) and waits for the flushes in hand. */
  async stop() {
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.running;
    await Promise.all(this.inflight);
  }

  /** Leases as many due users as there are free slots and starts flushing each. */
  private async tick(): Promise<void> {
    const free = this.opts.concurrency - this.inflight.size;
    if (free <= 0 || this.stopping.signal.aborted) return;
    const { db, schedule } = this.deps;
    const now = schedule.now();
    const claimed = await repo.claimDue(db, new Date(now), new Date(now + this.opts.leaseMs), free);
    for (const c of claimed) {
      const p: Promise<unknown> = this.flush(c)
        .catch(async (err) => {
          this.deps.logger.error({ err, user_id: c.user_id }, 'notification flush of a user failed');
          await repo.postpone(db, c.user_id, new Date(schedule.now() + this.retryDelay(c.failures + 1)), c.failures + 1).catch(() => {});
        })
        .finally(() => this.inflight.delete(p));
      this.inflight.add(p);
    }
  }

  private retryDelay(failures: number): number {
    return Math.min(this.deps.schedule.intervalS * 1000, 30_000 * 2 ** (failures - 1));
  }

  private async flush(c: repo.Claimed): Promise<FlushOutcome> {
    const { db, schedule, logger } = this.deps;
    const userId = c.user_id;
    const now = schedule.now();
    const items = await repo.pendingOf(db, userId);
    const user = (await repo.recipients(db, [userId])).get(userId);
    const nextDue = new Date(now + schedule.intervalS * 1000);
    // When nothing went out, what arrived meanwhile is due as if it came first.
    const idleDue = new Date(Math.max(now + schedule.gatherMs, (c.last_sent_at?.getTime() ?? 0) + schedule.intervalS * 1000));
    // Only users the bot may write to: one who said no, or blocked the bot (a 403 before), hears nothing.
    if (!user || user.banned_at || user.bot_unreachable_at || user.allows_write_to_pm === false) {
      await repo.finish(db, userId, items, { sentAt: null, nextDue: idleDue });
      return 'nothing';
    }
    const stale = await repo.staleItems(db, userId, items);
    const isOnline = (await onlineAmong(this.deps.presence, [userId])).has(userId);
    const keep = items.filter((i) => !stale.has(key(i)) && wants(user.settings, i.kind) && (i.kind === 'warning' || !isOnline));
    if (!keep.length) {
      await repo.finish(db, userId, items, { sentAt: null, nextDue: idleDue });
      return 'nothing';
    }
    const quietEnd = quietUntil(user.settings, now);
    if (quietEnd !== null) {
      await repo.postpone(db, userId, new Date(quietEnd));
      return 'quiet';
    }

    const lang = langOf(user.language_code);
    const names = await repo.displayNames(db, keep.flatMap((i) => (i.actor_id ? [i.actor_id] : [])));
    const result = await this.deps.bot.sendMessage(user.telegram_id, composeText(keep, names, lang), openAppButton(this.deps.telegram, deepLinkOf(keep), textsFor(lang).open), this.stopping.signal);
    if (result.ok) {
      await repo.finish(db, userId, items, { sentAt: new Date(schedule.now()), nextDue });
      logger.info({ user_id: userId, items: keep.length, attempts: result.attempts }, 'notification sent');
      return 'sent';
    }
    if (this.stopping.signal.aborted) {
      await repo.postpone(db, userId, new Date(schedule.now()));
      return 'stopped';
    }
    if (!result.retryable) {
      if (result.status === 403) await repo.markUnreachable(db, userId);
      // Final for this chat (blocked the bot, no such chat): nothing here will get through.
      await repo.finish(db, userId, items, { sentAt: null, nextDue: idleDue });
      logger.warn({ user_id: userId, error: result.error }, 'notification refused by the bot API; dropped');
      return 'refused';
    }
    const failures = c.failures + 1;
    if (failures >= this.opts.maxFailures) {
      await repo.finish(db, userId, items, { sentAt: null, nextDue: idleDue });
      logger.error({ user_id: userId, error: result.error, failures }, 'notification given up after repeated failures');
      return 'gave_up';
    }
    const delay = Math.max(result.retryAfterMs ?? 0, this.retryDelay(failures));
    await repo.postpone(db, userId, new Date(schedule.now() + delay), failures);
    logger.warn({ user_id: userId, error: result.error, failures, retry_in_ms: delay }, 'notification failed; will retry');
    return 'failed';
  }
}
