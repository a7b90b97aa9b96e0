// The matching worker: one consumer of the 'matching' group on the swipes and
// users streams. Run as many instances as needed; each event reaches one.
// Nothing is lost between a swipe's commit and this worker: the swipe.created
// is enqueued with the swipe (the outbox) and reaches the bus once it can.
import { STREAMS } from '../../shared/events.js';
import type { ServiceDeps } from '../../shared/platform.js';
import { matchingHandler } from './handler.js';

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
}

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
  return {
    ready: consumer.ready,
    stop: () => consumer.stop(),
  };
}
