// Event bus on Redis Streams.
// - XADD with MAXLEN ~ trims each stream.
// - One consumer group per worker kind; XREADGROUP '>' hands each entry to one consumer.
// - An entry is XACKed only after its handler resolved.
// - A handler that is still running refreshes its claim (XCLAIM JUSTID) so a slow job
//   is not taken away; an entry left unacked (failed handler, dead consumer) is
//   reclaimed with XAUTOCLAIM once idle longer than the visibility timeout.
// - Redis counts deliveries; at maxAttempts a failing entry goes to the dead-letter stream.
// - Every command names one stream. On Redis Cluster each stream and its groups live
//   on the shard of its slot, and a consumer blocks on each of its streams separately
//   (one XREADGROUP cannot name keys of two slots); on one server it blocks on all at once.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';
import { duplicate, isCluster, quit, type RedisClient } from '../redis.js';
import { EVENTS, STREAMS, type BusEvent, type EventPayload, type EventType, type StreamName } from '../events.js';
import type { StreamStats, StreamStatsSource } from '../ops-metrics.js';
import { withTimeout } from '../with-timeout.js';
import { errorText, GroupConsumer, sleep, validatePayload, type BusDefaults, type ConsumeOptions, type Consumer, type DeadLetter, type EventBus, type PublishOptions, type StopOptions } from './bus.js';

const DEAD_LETTER_STREAM = 'events:dead-letter';
/** How long a stopping consumer waits for an answer from Redis while no handler runs. */
const STOP_GRACE_MS = 2000;
type RawEntry = [id: string, fields: string[]];

function fieldsToObject(fields: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) o[fields[i]] = fields[i + 1];
  return o;
}

export class RedisStreamsBus implements EventBus, StreamStatsSource {
  private readonly consumers = new Set<RedisConsumer>();
  /**
   * Publishes go on an auto-pipelined connection of their own: the events a relay
   * round publishes at once leave in one write. Made at the first publish.
   */
  private publisher?: RedisClient;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly opts: { prefix: string; logger: Logger; defaults: BusDefaults },
  ) {}

  key(stream: string): string {
    return `${this.opts.prefix}${stream}`;
  }

  async generation(): Promise<{ id: string; started: boolean }> {
    // A key with no TTL that only a restart with no data (or a flush) removes; SET NX
    // makes exactly one caller the one that noticed.
    const key = this.key('bus:generation');
    const fresh = randomBytes(8).toString('hex');
    const set = await this.redis.set(key, fresh, 'NX');
    if (set === 'OK') return { id: fresh, started: true };
    const id = await this.redis.get(key);
    return { id: id ?? fresh, started: false };
  }

  async publish<T extends EventType>(type: T, payload: EventPayload<T>, opts: PublishOptions = {}): Promise<string> {
    const data = validatePayload(type, payload);
    // After close, on the main connection (no new connection nobody would close).
    const conn = this.closed ? this.redis : (this.publisher ??= this.openPublisher());
    const id = await conn.xadd(
      this.key(EVENTS[type].stream),
      'MAXLEN',
      '~',
      String(this.opts.defaults.streamMaxLen),
      '*',
      'type',
      type,
      'payload',
      JSON.stringify(data),
      'published_at',
      (opts.publishedAt ?? new Date()).toISOString(),
    );
    return id as string;
  }

  consume(opts: ConsumeOptions): Consumer {
    const c = new RedisConsumer(this, this.redis, opts, this.opts.defaults, this.opts.logger);
    this.consumers.add(c);
    c.onStopped = () => this.consumers.delete(c);
    c.start();
    return c;
  }

  async deadLetter(entry: Omit<DeadLetter, 'id' | 'failed_at'>): Promise<void> {
    await this.redis.xadd(
      this.key(DEAD_LETTER_STREAM),
      'MAXLEN',
      '~',
      String(this.opts.defaults.streamMaxLen),
      '*',
      'stream',
      entry.stream,
      'group',
      entry.group,
      'event_id',
      entry.event_id,
      'type',
      entry.type,
      'payload',
      JSON.stringify(entry.payload ?? null),
      'error',
      entry.error,
      'attempts',
      String(entry.attempts),
      'failed_at',
      new Date().toISOString(),
    );
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const rows = (await this.redis.xrevrange(this.key(DEAD_LETTER_STREAM), '+', '-', 'COUNT', limit)) as RawEntry[];
    return rows.map(([id, fields]) => {
      const f = fieldsToObject(fields);
      let payload: unknown = f.payload;
      try {
        payload = JSON.parse(f.payload);
      } catch {
        /* kept as text */
      }
      return {
        id,
        stream: f.stream,
        group: f.group,
        event_id: f.event_id,
        type: f.type,
        payload,
        error: f.error,
        attempts: Number(f.attempts),
        failed_at: f.failed_at,
      };
    });
  }

  /** For the metrics (shared/ops-metrics.ts): each stream's length, and pending and lag per group. */
  async streamStats(): Promise<{ streams: StreamStats[]; deadLetters: number }> {
    const streams = await Promise.all(
      Object.values(STREAMS).map(async (stream) => {
        const key = this.key(stream);
        const [length, groups] = await Promise.all([
          this.redis.xlen(key),
          // A stream nobody consumed yet has no key: no groups.
          (this.redis.xinfo('GROUPS', key) as Promise<unknown[][]>).catch(() => [] as unknown[][]),
        ]);
        return {
          stream,
          length,
          groups: groups.map((fields) => {
            const f = Object.fromEntries(fields.flatMap((v, i) => (i % 2 ? [] : [[String(v), fields[i + 1]]])));
            // lag is null when Redis cannot tell (entries deleted in between): read as 0.
            return { group: String(f.name), pending: Number(f.pending ?? 0), lag: Number(f.lag ?? 0) };
          }),
        };
      }),
    );
    return { streams, deadLetters: await this.redis.xlen(this.key(DEAD_LETTER_STREAM)) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.closed = true;
    const publisher = this.publisher;
    this.publisher = undefined;
    // Auto-pipelined commands leave on the next turn of the loop: let the last ones go first.
    if (publisher) await new Promise<void>((resolve) => setImmediate(resolve)).then(() => quit(publisher));
  }

  private openPublisher(): RedisClient {
    const conn = duplicate(this.redis, 'bus-publish', { autoPipelining: true });
    conn.on('error', () => {
      /* the main connection reports Redis trouble; a publish that fails rejects for its caller */
    });
    return conn;
  }
}

/** Streams read by one blocking XREADGROUP, on a connection of their own. */
interface Lane {
  keys: string[];
  reader: RedisClient;
  reading: boolean;
  lastClaimAt: number;
}

class RedisConsumer extends GroupConsumer {
  ready: Promise<void>;
  private readonly lanes: Lane[];
  private readonly streamByKey = new Map<string, StreamName>();
  private readonly batch: number;
  private loop?: Promise<void>;
  private readonly laneReady: (() => void)[] = [];

  constructor(
    private readonly bus: RedisStreamsBus,
    private readonly redis: RedisClient,
    opts: ConsumeOptions,
    defaults: BusDefaults,
    logger: Logger,
  ) {
    super(opts, defaults, logger);
    this.batch = opts.batchSize ?? 10;
    const keys = opts.streams.map((s) => {
      const k = bus.key(s);
      this.streamByKey.set(k, s);
      return k;
    });
    // The blocking read gets a connection of its own so it never delays other commands.
    this.lanes = (isCluster(redis) ? keys.map((k) => [k]) : [keys]).map((laneKeys) => {
      const reader = duplicate(redis, `bus:${opts.group}`);
      reader.on('error', () => {
        /* reported by the loop */
      });
      return { keys: laneKeys, reader, reading: false, lastClaimAt: 0 };
    });
    // Ready once every lane is blocked on its first read.
    this.ready = Promise.all(this.lanes.map(() => new Promise<void>((r) => this.laneReady.push(r)))).then(() => undefined);
  }

  start() {
    this.loop = Promise.all(this.lanes.map((lane, i) => this.run(lane, i)))
      .then(() => undefined)
      .finally(() => this.onStopped?.());
  }

  private async ensureGroups(keys: string[]) {
    for (const key of keys) {
      try {
        await this.redis.xgroup('CREATE', key, this.opts.group, this.opts.startFrom ?? '0', 'MKSTREAM');
      } catch (err) {
        if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
      }
    }
  }

  private get claimEveryMs() {
    return Math.max(5, Math.min(this.visibilityMs / 2, 5000));
  }

  private async run(lane: Lane, index: number) {
    let backoff = 100;
    let groupsReady = false;
    while (!this.stopping) {
      try {
        if (!groupsReady) {
          await this.ensureGroups(lane.keys);
          groupsReady = true;
        }
        if (Date.now() - lane.lastClaimAt >= this.claimEveryMs) await this.claimStale(lane);
        if (this.stopping) break;
        lane.reading = true;
        const readPromise = lane.reader.xreadgroup(
          'GROUP',
          this.opts.group,
          this.name,
          'COUNT',
          this.batch,
          'BLOCK',
          Math.max(1, Math.round(Math.min(this.claimEveryMs, 2000))),
          'STREAMS',
          ...lane.keys,
          ...lane.keys.map(() => '>'),
        ) as Promise<[string, RawEntry[]][] | null>;
        this.laneReady[index]();
        const res = await readPromise;
        lane.reading = false;
        for (const [key, entries] of res ?? []) {
          for (const entry of entries) {
            if (this.abandoned) return;
            await this.handle(key, entry, 1);
          }
        }
        backoff = 100;
      } catch (err) {
        lane.reading = false;
        if (this.stopping) break;
        const msg = (err as Error).message ?? '';
        if (msg.includes('NOGROUP')) groupsReady = false; // the stream or group vanished (Redis restarted empty)
        this.logger.warn({ err: msg }, 'bus read failed; retrying');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** Takes over entries that another (dead or failing) consumer left unacked for too long. */
  private async claimStale(lane: Lane) {
    lane.lastClaimAt = Date.now();
    for (const key of lane.keys) {
      let cursor = '0-0';
      for (let round = 0; round < 10 && !this.stopping; round++) {
        const res = (await this.redis.xautoclaim(key, this.opts.group, this.name, this.visibilityMs, cursor, 'COUNT', this.batch)) as [
          string,
          (RawEntry | null)[],
          ...unknown[],
        ];
        const [next, entries] = res;
        for (const entry of entries) {
          if (!entry || !entry[1]) continue; // trimmed away: XAUTOCLAIM already dropped it from the PEL
          if (this.abandoned) return;
          const pending = (await this.redis.xpending(key, this.opts.group, entry[0], entry[0], 1)) as [string, string, number, number][];
          const deliveries = pending[0]?.[3] ?? 1;
          await this.handle(key, entry as RawEntry, deliveries);
        }
        if (next === '0-0' || entries.length === 0) break;
        cursor = next;
      }
    }
  }

  private async handle(key: string, [id, fields]: RawEntry, attempt: number) {
    const stream = this.streamByKey.get(key)!;
    const f = fieldsToObject(fields);
    const ack = () => this.redis.xack(key, this.opts.group, id);
    let event: BusEvent;
    try {
      if (!(f.type in EVENTS)) throw new Error(`unknown event type ${f.type}`);
      event = { id, stream, type: f.type as EventType, payload: JSON.parse(f.payload), published_at: f.published_at, attempt };
    } catch (err) {
      // A malformed entry can never succeed: straight to the dead letters.
      await this.bus.deadLetter({ stream, group: this.opts.group, event_id: id, type: f.type ?? '?', payload: f.payload, error: errorText(err), attempts: attempt });
      await ack();
      return;
    }
    await this.deliver(event, {
      touch: () => void this.redis.xclaim(key, this.opts.group, this.name, 0, id, 'JUSTID').catch(() => {}),
      ack,
      deadLetter: (error) =>
        this.bus.deadLetter({ stream, group: this.opts.group, event_id: id, type: event.type, payload: event.payload, error, attempts: attempt }),
    });
  }

  async stop(opts: StopOptions = {}) {
    if (this.abandoned) return;
    if (this.stopping && !opts.abandon) return this.loop;
    this.stopping = true;
    if (opts.abandon) {
      // Like a crash: the event in hand stays pending and is reclaimed elsewhere.
      this.abandoned = true;
      for (const lane of this.lanes) lane.reader.disconnect();
      this.onStopped?.();
      return;
    }
    // Interrupt an idle blocking read; an event in hand is finished first.
    for (const lane of this.lanes) if (lane.reading) lane.reader.disconnect();
    // A Redis that stopped answering (a host cut off) would hold the stop for ever on
    // a command of the loop's. Outside a handler nothing is lost by not waiting for its
    // answer (an entry read and not handled stays pending, reclaimed elsewhere): give up
    // after STOP_GRACE_MS once no handler runs, and let the late loop do nothing more.
    for (;;) {
      const ended = await withTimeout(Promise.resolve(this.loop), STOP_GRACE_MS).then(() => true, () => false);
      if (ended) break;
      if (this.handling === 0) {
        this.abandoned = true;
        this.logger.warn({ group: this.opts.group }, 'Redis did not answer the stopping consumer; left without waiting');
        break;
      }
    }
    for (const lane of this.lanes) lane.reader.disconnect();
  }
}
