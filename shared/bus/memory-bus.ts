// In-memory event bus for the all-in-one mode without Redis. Same semantics as
// the Redis Streams bus within one process: groups, one consumer per event per
// group, ack after the handler, redelivery after the visibility timeout, dead
// letters after maxAttempts, trimmed streams, graceful stop.
import { EVENTS, type BusEvent, type EventPayload, type EventType, type StreamName } from '../events.js';
import type { Logger } from '../logger.js';
import { wakeableSleep } from '../wakeable-sleep.js';
import { GroupConsumer, validatePayload, type BusDefaults, type ConsumeOptions, type Consumer, type DeadLetter, type EventBus, type PublishOptions, type StopOptions } from './bus.js';

interface Entry {
  id: string;
  stream: StreamName;
  type: EventType;
  payload: unknown;
  published_at: string;
}

interface Pending {
  entry: Entry;
  consumer: string;
  since: number;
  deliveries: number;
}

interface Group {
  /** Id of the last entry handed out with '>' semantics. */
  lastDelivered: string;
  pending: Map<string, Pending>;
}

function idCompare(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}

export class MemoryBus implements EventBus {
  private readonly streams = new Map<StreamName, Entry[]>();
  private readonly groups = new Map<string, Group>();
  private readonly dead: DeadLetter[] = [];
  private readonly consumers = new Set<MemoryConsumer>();
  private lastMs = 0;
  private seq = 0;

  constructor(private readonly opts: { logger: Logger; defaults: BusDefaults }) {}

  /** Lives and dies with its process, and so do its consumers: nothing is left to replay. */
  async generation(): Promise<{ id: string; started: boolean }> {
    return { id: 'memory', started: false };
  }

  private nextId(): string {
    const now = Date.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.seq = 0;
    } else this.seq++;
    return `${this.lastMs}-${this.seq}`;
  }

  async publish<T extends EventType>(type: T, payload: EventPayload<T>, opts: PublishOptions = {}): Promise<string> {
    const data = validatePayload(type, payload);
    const stream = EVENTS[type].stream;
    const entry: Entry = { id: this.nextId(), stream, type, payload: structuredClone(data), published_at: (opts.publishedAt ?? new Date()).toISOString() };
    const list = this.streams.get(stream) ?? [];
    list.push(entry);
    if (list.length > this.opts.defaults.streamMaxLen) list.splice(0, list.length - this.opts.defaults.streamMaxLen);
    this.streams.set(stream, list);
    for (const c of this.consumers) c.wake();
    return entry.id;
  }

  consume(opts: ConsumeOptions): Consumer {
    for (const s of opts.streams) {
      const key = `${s}|${opts.group}`;
      if (!this.groups.has(key)) {
        const list = this.streams.get(s) ?? [];
        const last = opts.startFrom === '$' && list.length ? list[list.length - 1].id : '0-0';
        this.groups.set(key, { lastDelivered: last, pending: new Map() });
      }
    }
    const c = new MemoryConsumer(this, opts, this.opts.defaults, this.opts.logger);
    this.consumers.add(c);
    c.onStopped = () => this.consumers.delete(c);
    c.start();
    return c;
  }

  /** Next entry for a consumer: a stale pending one first, else a new one. */
  take(stream: StreamName, groupName: string, consumer: string, visibilityMs: number): Pending | undefined {
    const group = this.groups.get(`${stream}|${groupName}`)!;
    const now = Date.now();
    for (const p of group.pending.values()) {
      if (now - p.since >= visibilityMs) {
        p.consumer = consumer;
        p.since = now;
        p.deliveries++;
        return p;
      }
    }
    const list = this.streams.get(stream) ?? [];
    const next = list.find((e) => idCompare(e.id, group.lastDelivered) > 0);
    if (!next) return undefined;
    group.lastDelivered = next.id;
    const p: Pending = { entry: next, consumer, since: now, deliveries: 1 };
    group.pending.set(next.id, p);
    return p;
  }

  touch(stream: StreamName, groupName: string, id: string) {
    const p = this.groups.get(`${stream}|${groupName}`)?.pending.get(id);
    if (p) p.since = Date.now();
  }

  ack(stream: StreamName, groupName: string, id: string) {
    this.groups.get(`${stream}|${groupName}`)?.pending.delete(id);
  }

  deadLetter(d: Omit<DeadLetter, 'id' | 'failed_at'>) {
    this.dead.push({ ...d, id: this.nextId(), failed_at: new Date().toISOString() });
    if (this.dead.length > this.opts.defaults.streamMaxLen) this.dead.shift();
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    return this.dead.slice(-limit).reverse();
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
  }
}

class MemoryConsumer extends GroupConsumer {
  readonly ready = Promise.resolve();
  private loop?: Promise<void>;
  private wakeUp?: () => void;

  constructor(
    private readonly bus: MemoryBus,
    opts: ConsumeOptions,
    defaults: BusDefaults,
    logger: Logger,
  ) {
    super(opts, defaults, logger);
  }

  start() {
    this.loop = this.run().finally(() => this.onStopped?.());
  }

  wake() {
    this.wakeUp?.();
  }

  private idle(ms: number) {
    const sleep = wakeableSleep(ms);
    this.wakeUp = sleep.wake;
    return sleep.done;
  }

  private async run() {
    while (!this.stopping) {
      let handled = false;
      for (const stream of this.opts.streams) {
        const p = this.bus.take(stream, this.opts.group, this.name, this.visibilityMs);
        if (!p) continue;
        handled = true;
        await this.handle(p);
        if (this.abandoned || this.stopping) return;
      }
      if (!handled) await this.idle(Math.max(5, Math.min(this.visibilityMs / 2, 1000)));
    }
  }

  private async handle(p: Pending) {
    const { entry } = p;
    const event: BusEvent = {
      id: entry.id,
      stream: entry.stream,
      type: entry.type,
      payload: structuredClone(entry.payload) as BusEvent['payload'],
      published_at: entry.published_at,
      attempt: p.deliveries,
    };
    const { stream, id } = entry;
    await this.deliver(event, {
      touch: () => this.bus.touch(stream, this.opts.group, id),
      ack: () => this.bus.ack(stream, this.opts.group, id),
      deadLetter: (error) =>
        this.bus.deadLetter({ stream, group: this.opts.group, event_id: id, type: entry.type, payload: entry.payload, error, attempts: p.deliveries }),
    });
  }

  async stop(opts: StopOptions = {}) {
    if (this.abandoned) return;
    this.stopping = true;
    if (opts.abandon) {
      // Like a crash: the event in hand stays pending and is reclaimed elsewhere.
      this.abandoned = true;
      this.wake();
      this.onStopped?.();
      return;
    }
    this.wake();
    await this.loop;
  }
}
