// The event bus: append-only streams, consumer groups, at-least-once delivery.
// Two implementations behind this interface: Redis Streams (cluster mode) and
// in-memory (all-in-one mode without Redis). Both pass the same behaviour suite.
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { EVENTS, type BusEvent, type EventPayload, type EventType, type StreamName } from '../events.js';
import type { Logger } from '../logger.js';
import { counter, histogram } from '../metrics.js';

export interface ConsumeOptions {
  /** The consumer group: one per worker kind. Each event reaches one consumer of a group. */
  group: string;
  /** This consumer's name within the group (defaults to host-pid-random). */
  consumer?: string;
  streams: StreamName[];
  handler: (event: BusEvent) => Promise<void>;
  /** Where a new group starts: '0' = everything the stream retains, '$' = only what comes next. */
  startFrom?: '0' | '$';
  /** Deliveries before an event goes to the dead-letter stream. */
  maxAttempts?: number;
  /** A delivered event not acked for this long is handed to another consumer (and retried). */
  visibilityTimeoutMs?: number;
  /** Events read at once; the batch in hand is finished on a graceful stop. */
  batchSize?: number;
}

export interface StopOptions {
  /** Do not wait for the event in hand (what a crash does): it stays pending and is reclaimed. */
  abandon?: boolean;
}

export interface Consumer {
  readonly name: string;
  /** Resolves once the first read has been issued (groups exist). */
  ready: Promise<void>;
  stop(opts?: StopOptions): Promise<void>;
}

export interface DeadLetter {
  id: string;
  stream: string;
  group: string;
  event_id: string;
  type: string;
  payload: unknown;
  error: string;
  attempts: number;
  failed_at: string;
}

export interface PublishOptions {
  /** When the event happened (default: now). The outbox relay passes the time of the commit. */
  publishedAt?: Date;
}

export interface EventBus {
  publish<T extends EventType>(type: T, payload: EventPayload<T>, opts?: PublishOptions): Promise<string>;
  consume(opts: ConsumeOptions): Consumer;
  /** Most recent dead letters first. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /**
   * Which life of the bus's storage this is: the same id for as long as what
   * was published is still there. A Redis that restarts empty starts a new
   * generation, and the one caller that starts it gets `started: true` (the
   * outbox relay then publishes the lost generation's events again).
   */
  generation(): Promise<{ id: string; started: boolean }>;
  close(): Promise<void>;
}

export interface BusDefaults {
  maxAttempts: number;
  visibilityTimeoutMs: number;
  streamMaxLen: number;
}

export function defaultConsumerName(): string {
  return `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Validates a payload against the catalogue; a bad one is a programming error. */
export function validatePayload<T extends EventType>(type: T, payload: EventPayload<T>): EventPayload<T> {
  const def = EVENTS[type];
  if (!def) throw new Error(`unknown event type ${String(type)}`);
  return def.schema.parse(payload) as EventPayload<T>;
}

type Handlers = { [T in EventType]?: (event: BusEvent<T>) => Promise<void> };

/** Builds a handler that routes by event type and ignores the other types on its streams. */
export function onEvents(handlers: Handlers): (event: BusEvent) => Promise<void> {
  return async (event) => {
    const h = handlers[event.type] as ((e: BusEvent) => Promise<void>) | undefined;
    if (h) await h(event);
  };
}

/** What the bus does for a consumer with one event in its hands. */
export interface Claim {
  /** Renews the consumer's claim (so a slow handler keeps the event). */
  touch(): void;
  ack(): unknown;
  deadLetter(error: string): unknown;
}

// Per consumer group, on either bus: what the workers dashboard and the dead-letter alert read.
const handledEvents = counter({ name: 'bus_events_handled_total', help: 'Events a consumer group handled, by outcome (ok, failed, dead_lettered)', labelNames: ['group', 'outcome'] as const });
const redelivered = counter({ name: 'bus_events_redelivered_total', help: 'Deliveries of an event after its first (reclaimed from a failed or dead consumer)', labelNames: ['group'] as const });
const handlerSeconds = histogram({
  name: 'bus_handler_duration_seconds',
  help: 'Time a consumer group takes to handle one event (for the moderation group: one media item)',
  labelNames: ['group'] as const,
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 15, 60],
});

/**
 * A consumer of a group, on either bus: its name, its attempts and visibility
 * timeout (the bus's defaults unless the options say), its logger, and how it
 * delivers one event. Each bus adds how it reads and stops.
 */
export abstract class GroupConsumer implements Consumer {
  readonly name: string;
  abstract readonly ready: Promise<void>;
  onStopped?: () => void;
  protected stopping = false;
  protected abandoned = false;
  /** Handlers running now (an event in hand). */
  protected handling = 0;
  protected readonly maxAttempts: number;
  protected readonly visibilityMs: number;
  protected readonly logger: Logger;

  constructor(
    protected readonly opts: ConsumeOptions,
    defaults: BusDefaults,
    logger: Logger,
  ) {
    this.name = opts.consumer ?? defaultConsumerName();
    this.maxAttempts = opts.maxAttempts ?? defaults.maxAttempts;
    this.visibilityMs = opts.visibilityTimeoutMs ?? defaults.visibilityTimeoutMs;
    this.logger = logger.child({ group: opts.group, consumer: this.name });
    // Series at 0 from the start, so a rate of them has data before the first failure.
    for (const outcome of ['ok', 'failed', 'dead_lettered']) handledEvents.inc({ group: opts.group, outcome }, 0);
    redelivered.inc({ group: opts.group }, 0);
  }

  abstract stop(opts?: StopOptions): Promise<void>;

  /**
   * At-least-once delivery: the claim is renewed while the handler runs and the
   * event acked once it resolved. A failed handler leaves the event pending,
   * reclaimed (by any consumer of the group) after the visibility timeout; its
   * last allowed attempt moves it to the dead letters. An abandoned consumer
   * (a crash) leaves the event as it is.
   */
  protected async deliver(event: BusEvent, claim: Claim): Promise<void> {
    const heartbeat = setInterval(() => {
      if (this.abandoned) clearInterval(heartbeat);
      else claim.touch();
    }, Math.max(5, this.visibilityMs / 3));
    this.handling++;
    if (event.attempt > 1) redelivered.inc({ group: this.opts.group });
    const timer = handlerSeconds.startTimer({ group: this.opts.group });
    try {
      await this.opts.handler(event).finally(() => {
        this.handling--;
        timer();
      });
      handledEvents.inc({ group: this.opts.group, outcome: 'ok' });
      clearInterval(heartbeat);
      if (!this.abandoned) await claim.ack();
    } catch (err) {
      clearInterval(heartbeat);
      if (this.abandoned) return;
      const log = { event_id: event.id, type: event.type, attempt: event.attempt, err: errorText(err) };
      handledEvents.inc({ group: this.opts.group, outcome: event.attempt >= this.maxAttempts ? 'dead_lettered' : 'failed' });
      if (event.attempt >= this.maxAttempts) {
        this.logger.error(log, 'event failed for the last time; moved to dead letters');
        await claim.deadLetter(errorText(err));
        await claim.ack();
      } else {
        this.logger.warn(log, 'event handler failed; will retry');
      }
    }
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
