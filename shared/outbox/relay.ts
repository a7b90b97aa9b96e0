// The outbox relay: moves committed events (enqueue.ts) from the outbox table
// to the bus, oldest first, and marks what it has published. Every process
// that writes runs one (the platform builds it); several share the work.
//
// A row holds one event, or a run of events of one type that one transaction
// enqueued together (enqueue.ts). One round is one transaction: claim the oldest waiting rows with FOR UPDATE
// SKIP LOCKED (a second relay skips them and takes the next ones), publish them
// in order, mark them published (when, and into which generation of the bus),
// commit. If the bus fails the transaction rolls back and the rows wait for the
// next round; if the process dies after publishing and before the commit, the
// rows are published again by whoever comes next (and a publish given up on
// while Redis was away may still leave the client's offline queue when it
// returns). So delivery is at least once, never "at most": consumers stay
// idempotent.
// Order holds within a relay; two relays working at once each keep their own
// claim in order, not the interleaving of both.
//
// Published rows stay for `retentionS`. A Redis that restarts empty loses the
// entries its consumers had not handled yet (and its consumer groups): the
// first relay to see the bus's generation gone (EventBus.generation) puts the
// rows of the lost generation back in line, so they are published again. Older
// rows are pruned.
//
// Rounds start when a transaction of this process that enqueued commits (the
// in-process signal: live delivery does not wait for a poll) and otherwise
// every `pollMs` (rows of a process that died, or committed by a process
// without a relay). A failing round (bus or database down) is retried with a
// growing pause, up to `pollMs`.
//
// One database, one bus: every relay on a database publishes to the same bus
// (one Redis, or the all-in-one process's memory bus), so any relay may take
// any row.
import type { Knex } from 'knex';
import type { EventBus } from '../bus/bus.js';
import type { EventType } from '../events.js';
import type { Logger } from '../logger.js';
import { committed, payloadsOfRow } from './enqueue.js';
import { wakeableSleep } from '../wakeable-sleep.js';
import { withTimeout } from '../with-timeout.js';
import { histogram } from '../metrics.js';

const commitToPublish = histogram({
  name: 'outbox_commit_to_publish_seconds',
  help: 'From the enqueueing transaction (database clock) to the event being on the bus',
  buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5, 30],
});

export interface RelayOptions {
  /** Most rows claimed by one round. */
  batchSize: number;
  /** Longest pause between two rounds when nothing signals a commit. */
  pollMs: number;
  /** A round whose publishing takes longer gives up (rolled back; its rows wait for the next). */
  publishTimeoutMs: number;
  /** How long published rows are kept for a replay after the bus lost its contents (0: deleted at once). */
  retentionS: number;
}

/** Most published rows one pruning statement deletes (short statements, no long lock). */
const PRUNE_BATCH = 5000;

interface OutboxRow {
  id: number;
  type: EventType;
  payload: never;
  created_at: Date;
}

type Outcome = 'more' | 'done' | 'failed';

export class OutboxRelay {
  private loop?: Promise<void>;
  private stopping = false;
  private woken = false;
  private wakeUp?: () => void;
  private failures = 0;
  private readonly onCommit = () => this.wake();
  /** The bus generation this relay publishes into (checked at most once per pollMs). */
  private generation?: string;
  private generationCheckedAt = 0;
  private prunedAt = 0;

  constructor(
    private readonly db: Knex,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly opts: RelayOptions,
  ) {}

  /** Starts relaying (again a no-op once running). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    committed.on('commit', this.onCommit);
    this.loop = this.run().finally(() => {
      committed.off('commit', this.onCommit);
      this.loop = undefined;
    });
  }

  /** Look now: something was committed. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Runs one more round for what committed up to now (the requests that were
   * draining), then stops. Rows it cannot publish stay for the next process.
   */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.wake();
    await this.loop;
  }

  private async run() {
    let lastRoundStartedStopping = false;
    for (;;) {
      this.woken = false;
      lastRoundStartedStopping = this.stopping;
      const outcome = await this.round();
      if (this.stopping && (outcome === 'failed' || (lastRoundStartedStopping && outcome === 'done'))) return;
      if (outcome === 'more' || this.woken) continue;
      await this.pause(outcome === 'failed' ? Math.min(this.opts.pollMs, 50 * 2 ** Math.min(this.failures, 10)) : this.opts.pollMs);
    }
  }

  private async pause(ms: number) {
    const sleep = wakeableSleep(ms);
    this.wakeUp = sleep.wake;
    if (this.woken) sleep.wake(); // a commit signalled between the round and now
    await sleep.done;
    this.wakeUp = undefined;
  }

  private async round(): Promise<Outcome> {
    try {
      await this.followGeneration();
      const n = await this.relayBatch();
      await this.prune();
      if (this.failures) this.logger.warn({ after_failures: this.failures }, 'outbox relay publishes again');
      this.failures = 0;
      return n === this.opts.batchSize ? 'more' : 'done';
    } catch (err) {
      if (!this.failures) this.logger.warn({ err: (err as Error).message }, 'outbox relay could not publish; the events wait in the outbox');
      this.failures++;
      return 'failed';
    }
  }

  /**
   * Notices a bus that lost what it held (a new generation) and, when this relay
   * is the one that started the new generation, puts the lost one's rows back in line.
   */
  private async followGeneration(): Promise<void> {
    const now = Date.now();
    if (this.generation && now - this.generationCheckedAt < this.opts.pollMs) return;
    this.generationCheckedAt = now;
    const { id, started } = await withTimeout(this.bus.generation(), this.opts.publishTimeoutMs, 'the bus');
    if (started) {
      const { rowCount } = (await this.db.raw(
        'UPDATE outbox SET published_at = NULL, published_generation = NULL WHERE published_generation IS NOT NULL AND published_generation <> ?',
        [id],
      )) as { rowCount: number };
      if (rowCount) this.logger.warn({ events: rowCount, generation: id }, 'the bus came back empty: publishing its recent events again');
    }
    this.generation = id;
  }

  /** One claim → publish → mark transaction; resolves with the number of events published. */
  private relayBatch(): Promise<number> {
    return this.db.transaction(async (trx) => {
      // Raw: the hot query of the relay, and SKIP LOCKED is the point of it. Its
      // commit need not wait for the disk (set_config ..., true: this transaction
      // only): a mark lost in a crash only means the events go out again, which
      // at-least-once allows, and the chat's own commits get the WAL flushes.
      const { rows } = (await trx.raw(
        `SELECT id, type, payload, created_at FROM outbox, (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
          WHERE published_at IS NULL ORDER BY id LIMIT ? FOR UPDATE OF outbox SKIP LOCKED`,
        [this.opts.batchSize],
      )) as { rows: OutboxRow[] };
      if (!rows.length) return 0;
      // Issued together: one Redis connection keeps them in order, and they share its round trips.
      const sends: Promise<unknown>[] = [];
      for (const r of rows) for (const payload of payloadsOfRow(r.payload)) sends.push(this.bus.publish(r.type, payload as never, { publishedAt: r.created_at }));
      await withTimeout(Promise.all(sends), this.opts.publishTimeoutMs, 'the bus');
      const ids = rows.map((r) => r.id);
      if (this.opts.retentionS > 0) {
        await trx.raw('UPDATE outbox SET published_at = now(), published_generation = ? WHERE id = ANY(?::bigint[])', [this.generation ?? null, ids]);
      } else {
        await trx.raw('DELETE FROM outbox WHERE id = ANY(?::bigint[])', [ids]);
      }
      const now = Date.now();
      for (const r of rows) commitToPublish.observe((now - r.created_at.getTime()) / 1000);
      return rows.length;
    });
  }

  /** Deletes rows published longer ago than the retention, a batch at a time, at most once per pollMs. */
  private async prune(): Promise<void> {
    const now = Date.now();
    if (this.opts.retentionS <= 0 || now - this.prunedAt < this.opts.pollMs) return;
    this.prunedAt = now;
    await this.db.raw(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox WHERE published_at < now() - make_interval(secs => ?) LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED)`,
      [this.opts.retentionS],
    );
  }
}
