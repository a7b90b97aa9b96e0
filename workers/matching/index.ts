// The matching worker: one consumer of the 'matching' group on the swipes and
// users streams. Run as many instances as needed; each event reaches one.
import { STREAMS } from '../../shared/events.js';
import type { ServiceDeps } from '../../shared/platform.js';
import { startSweeper, type Sweeper } from '../../shared/bus/sweeper.js';
import { matchingHandler } from './handler.js';
import { likesWithoutMatch } from './repo.js';

export interface MatchingWorkerOptions {
  /** Consumer group (default 'matching'); tests use their own. */
  group?: string;
  consumer?: string;
  /**
   * Where a new group starts. Default '0': everything the streams retain, so
   * swipes made before the first worker ever ran still match (handlers are idempotent).
   */
  startFrom?: '0' | '$';
  batchSize?: number;
  visibilityTimeoutMs?: number;
  /**
   * The repair sweep (the worker processes run it; tests that share a database
   * leave it off): every visibility timeout, mutual likes still without a match
   * two visibility timeouts after the later like (by then the bus's own retry
   * has had its turn) get their swipe.created again. The first round, soon
   * after start, looks back a day.
   */
  repair?: boolean | { everyMs?: number; graceMs?: number };
}

/** How far back the first repair round looks (lost events of an outage before this start). */
const REPAIR_LOOKBACK_S = 24 * 3600;
const REPAIR_BATCH = 500;

export interface MatchingWorker {
  /** Resolves once the consumer group exists and the first read is issued. */
  ready: Promise<void>;
  /** Finishes the event in hand, then stops reading. */
  stop(): Promise<void>;
}

export function startMatchingWorker(deps: ServiceDeps, opts: MatchingWorkerOptions = {}): MatchingWorker {
  const consumer = deps.bus.consume({
    group: opts.group ?? 'matching',
    consumer: opts.consumer,
    streams: [STREAMS.swipes, STREAMS.users],
    handler: matchingHandler(deps),
    startFrom: opts.startFrom ?? '0',
    batchSize: opts.batchSize,
    visibilityTimeoutMs: opts.visibilityTimeoutMs,
  });
  const sweeper = opts.repair ? startRepair(deps, opts.repair === true ? {} : opts.repair) : undefined;
  return {
    ready: consumer.ready,
    async stop() {
      await Promise.all([consumer.stop(), sweeper?.stop()]);
    },
  };
}

/** Re-publishes the later like of every mutual pair that has no match two visibility timeouts after it. */
function startRepair(deps: ServiceDeps, o: { everyMs?: number; graceMs?: number }): Sweeper {
  const everyMs = o.everyMs ?? deps.config.bus.visibilityTimeoutMs;
  const graceS = (o.graceMs ?? 2 * deps.config.bus.visibilityTimeoutMs) / 1000;
  let since: Date | null = null;
  return startSweeper({
    name: 'matching',
    logger: deps.logger,
    everyMs,
    firstAfterMs: Math.min(everyMs, 2000),
    async sweep() {
      const { upper, likes } = await likesWithoutMatch(deps.db, { since, lookbackS: REPAIR_LOOKBACK_S, graceS }, REPAIR_BATCH);
      for (const s of likes) {
        await deps.bus.publish('swipe.created', {
          swipe_id: s.id,
          swiper_id: s.swiper_id,
          target_id: s.target_id,
          action: s.action,
          created_at: new Date(s.created_at).toISOString(),
        });
      }
      // Everything up to `upper` has been looked at (a full batch: up to its last like, looked at again next time).
      since = likes.length === REPAIR_BATCH ? likes[likes.length - 1].created_at : upper;
      return likes.length;
    },
  });
}
