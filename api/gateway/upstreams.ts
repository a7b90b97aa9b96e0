// The realtime tier as the gateway sees it: a pool of Socket.IO instances that
// comes and goes (`pm2 scale realtime N` on any machine, `docker compose up
// --scale realtime=N`). Where the instances come from is the pool's source:
// - the realtime registry in Redis (api/gateway/registry.ts, the default with
//   Redis): every node announces {tag, url, load}, and the gateway needs no
//   list of its own;
// - REALTIME_URLS (StaticSource below, when set, or without Redis): each entry
//   a host and a port or a port range, a host name resolved to every address it
//   has. Only those instances are ever a target, whatever the client sends.
// Every instance is probed on GET /health; new handshakes go to the least
// loaded healthy one.
//
// Each instance is known by tags, so that the gateway can send a polling
// session back to the instance that created it (see sticky.ts): the tag it
// registered or answers /health with (realtime/registry.ts), and for the
// static list also its port, its address with dashes and both (instances that
// tag their sessions that way). A tag shared by two instances names neither
// and is dropped.
import dns from 'node:dns/promises';
import net from 'node:net';
import type { Logger } from '../../shared/logger.js';
import { LOAD_HEADER, REGISTRY_READ_MS, TAG_HEADER, TAG_PATTERN } from '../../realtime/registry.js';

export interface Upstream {
  /** address:port (static) or the registered tag. */
  key: string;
  /** Base URL the proxy sends to. */
  target: string;
  tags: string[];
  healthy: boolean;
  /** Connected clients, as the instance last said (its /health headers, its registry entry). */
  load: number;
  /** Handshakes this gateway sent it since it last said its load. */
  sent: number;
  /** The tag a registered instance must answer /health with (a new node on a dead one's URL is not it). */
  expectTag?: string;
  /** The tag it answered /health with. */
  learnedTag?: string;
  /**
   * Its last probe got no answer at all (it timed out, the host was unreachable): not a
   * refusal, which a draining node answers with. Its connections may be hanging.
   */
  silent?: boolean;
}

/** What a source knows of an instance. */
export interface Discovered {
  key: string;
  target: string;
  tags: string[];
  load?: number;
  expectTag?: string;
}

/** Where the pool's instances come from. */
export interface RealtimeSource {
  /** The instances as of now; a source that cannot tell keeps `known`. */
  discover(known: Upstream[]): Promise<Discovered[]>;
  /** True when instances appear at any time (the registry): a session tag not known yet is worth a fresh read. */
  readonly dynamic: boolean;
  describe(): unknown;
}

export interface RealtimeSpec {
  protocol: 'http:' | 'https:';
  host: string;
  ports: number[];
}

const MAX_PORTS_PER_ENTRY = 256;

/** Parses REALTIME_URLS entries (`http://host:8085` or `http://host:8085-8100`). */
export function parseRealtimeUrls(urls: readonly string[]): RealtimeSpec[] {
  return urls.map((raw) => {
    const m = /^(https?):\/\/([A-Za-z0-9.\-_]+)(?::(\d{1,5})(?:-(\d{1,5}))?)?\/?$/.exec(raw.trim());
    if (!m) throw new Error(`REALTIME_URLS: cannot read "${raw}"`);
    const protocol = `${m[1]}:` as RealtimeSpec['protocol'];
    const first = Number(m[3] ?? (protocol === 'https:' ? 443 : 80));
    const last = Number(m[4] ?? first);
    if (first < 1 || last > 65535 || last < first || last - first >= MAX_PORTS_PER_ENTRY) {
      throw new Error(`REALTIME_URLS: bad port range in "${raw}"`);
    }
    const ports = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    return { protocol, host: m[2], ports };
  });
}

/** An address as a tag: dots and colons become dashes (10.0.0.5 → 10-0-0-5). */
export function addressTag(address: string): string {
  return address.replace(/[.:]/g, '-');
}

async function addressesOf(host: string): Promise<string[]> {
  if (net.isIP(host)) return [host];
  const found = await dns.lookup(host, { all: true });
  const v4 = found.filter((a) => a.family === 4).map((a) => a.address);
  const list = v4.length ? v4 : found.map((a) => a.address);
  return [...new Set(list)].sort();
}

/** REALTIME_URLS: the instances an operator listed, host names resolved again on every refresh. */
export class StaticSource implements RealtimeSource {
  readonly dynamic = false;
  /** What each entry resolved to last time. */
  private readonly last = new Map<number, Discovered[]>();

  constructor(
    private readonly specs: RealtimeSpec[],
    private readonly logger: Logger,
  ) {}

  describe() {
    return { mode: 'static', urls: this.specs.map((s) => `${s.protocol}//${s.host}:${s.ports[0]}${s.ports.length > 1 ? `-${s.ports.at(-1)}` : ''}`) };
  }

  async discover(): Promise<Discovered[]> {
    const found: Discovered[] = [];
    for (const [i, spec] of this.specs.entries()) {
      let addresses: string[];
      try {
        addresses = await addressesOf(spec.host);
      } catch (err) {
        // Keep what we knew about this host while its name does not resolve.
        this.logger.warn({ err, host: spec.host }, 'cannot resolve realtime host');
        found.push(...(this.last.get(i) ?? []));
        continue;
      }
      const ours = addresses.flatMap((address) => {
        const host = address.includes(':') ? `[${address}]` : address;
        return spec.ports.map((port) => ({
          key: `${address}:${port}`,
          target: `${spec.protocol}//${host}:${port}`,
          tags: [String(port), addressTag(address), `${addressTag(address)}-${port}`],
        }));
      });
      this.last.set(i, ours);
      found.push(...ours);
    }
    return found;
  }
}

export interface RealtimePoolOptions {
  source: RealtimeSource;
  logger: Logger;
  /** How often the source is read and the instances probed (default REGISTRY_READ_MS). */
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  /** The service name an instance must report on /health. */
  service?: string;
}

/** A fresh read of a dynamic source for an unknown session tag, at most this often. */
const LOOKUP_MIN_INTERVAL_MS = 200;

export class RealtimePool {
  private upstreams = new Map<string, Upstream>();
  private byTagMap = new Map<string, Upstream>();
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private reading: Promise<void> | undefined;
  private lastRead = 0;
  private readonly leaveListeners: ((upstream: Upstream) => void)[] = [];
  private readonly probeIntervalMs: number;
  private readonly probeTimeoutMs: number;
  private readonly service: string;

  constructor(private readonly opts: RealtimePoolOptions) {
    this.probeIntervalMs = opts.probeIntervalMs ?? REGISTRY_READ_MS;
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 1000;
    this.service = opts.service ?? 'realtime';
  }

  get source(): RealtimeSource {
    return this.opts.source;
  }

  /** Reads the source and probes once, then keeps doing so in the background. */
  async start(): Promise<void> {
    await this.refresh();
    const tick = () => {
      this.timer = setTimeout(() => void this.refresh().finally(() => this.timer && tick()), this.probeIntervalMs);
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * The least loaded healthy instance (its last known load plus the handshakes sent
   * there since), ties taken in turn; undefined when none is up. A handshake is counted.
   */
  pick(exclude?: Upstream, handshake = true): Upstream | undefined {
    const healthy = [...this.upstreams.values()].filter((u) => u.healthy && u !== exclude);
    if (!healthy.length) return undefined;
    this.cursor = (this.cursor + 1) % healthy.length;
    let best: Upstream | undefined;
    for (let i = 0; i < healthy.length; i++) {
      const u = healthy[(this.cursor + i) % healthy.length];
      if (!best || u.load + u.sent < best.load + best.sent) best = u;
    }
    if (handshake) best!.sent++;
    return best;
  }

  /** The instance a session tag names (healthy or not: the session lives only there). */
  byTag(tag: string): Upstream | undefined {
    return this.byTagMap.get(tag);
  }

  /**
   * byTag, and for a tag not known yet a fresh read of a dynamic source: another
   * gateway process may have sent the handshake to an instance that joined since our last read.
   */
  async resolveTag(tag: string): Promise<Upstream | undefined> {
    const known = this.byTag(tag);
    if (known || !this.opts.source.dynamic || !TAG_PATTERN.test(tag)) return known;
    if (Date.now() - this.lastRead >= LOOKUP_MIN_INTERVAL_MS) await this.read();
    else await this.reading;
    return this.byTag(tag);
  }

  /**
   * Calls `fn` with each instance that leaves the pool: its registry entry lapsed or
   * was withdrawn, or it is no longer in the static list. (A source that cannot be
   * read keeps its instances: a Redis outage makes nobody leave.) `silent` tells a
   * host that went away from a node that drains.
   */
  onLeave(fn: (upstream: Upstream) => void): void {
    this.leaveListeners.push(fn);
  }

  /** Called by the proxy when an instance refused a connection. */
  markDown(upstream: Upstream): void {
    if (!upstream.healthy) return;
    upstream.healthy = false;
    this.opts.logger.warn({ upstream: upstream.key }, 'realtime instance unreachable');
  }

  list(): Upstream[] {
    return [...this.upstreams.values()];
  }

  /** Reads the source again and probes every instance (one refresh at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= this.read()
      .then(() => Promise.all([...this.upstreams.values()].map((u) => this.probe(u))))
      .then(() => this.indexTags())
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** Reads the source (one read at a time); known instances keep their state. */
  private read(): Promise<void> {
    this.reading ??= this.doRead().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async doRead(): Promise<void> {
    this.lastRead = Date.now();
    const found = await this.opts.source.discover(this.list());
    const next = new Map<string, Upstream>();
    for (const d of found) {
      const known = this.upstreams.get(d.key);
      if (known && known.target === d.target) {
        next.set(d.key, known);
      } else {
        // Until its first probe, a registered instance's load is what its heartbeat said.
        next.set(d.key, { ...d, healthy: false, load: d.load ?? 0, sent: 0 });
      }
    }
    const kept = new Set(next.values());
    const left = [...this.upstreams.values()].filter((u) => !kept.has(u));
    for (const u of left) this.opts.logger.info({ upstream: u.key, target: u.target }, 'realtime instance left');
    for (const u of next.values()) if (!this.upstreams.has(u.key)) this.opts.logger.info({ upstream: u.key, target: u.target }, 'realtime instance found');
    this.upstreams = next;
    this.indexTags();
    for (const u of left) for (const fn of this.leaveListeners) fn(u);
  }

  private indexTags(): void {
    this.byTagMap = uniqueTags([...this.upstreams.values()]);
  }

  private async probe(u: Upstream): Promise<void> {
    let ok = false;
    try {
      const res = await fetch(`${u.target}/health`, { signal: AbortSignal.timeout(this.probeTimeoutMs) });
      const body = (await res.json().catch(() => ({}))) as { service?: unknown };
      const tag = res.headers.get(TAG_HEADER) ?? undefined;
      ok = res.ok && body.service === this.service && (u.expectTag === undefined || tag === u.expectTag);
      if (ok) {
        u.learnedTag = tag && TAG_PATTERN.test(tag) ? tag : undefined;
        const load = Number(res.headers.get(LOAD_HEADER));
        if (res.headers.has(LOAD_HEADER) && Number.isFinite(load)) {
          u.load = load;
          u.sent = 0;
        }
      }
      u.silent = false;
    } catch (err) {
      ok = false;
      const code = (err as { cause?: { code?: string } }).cause?.code;
      u.silent = code !== 'ECONNREFUSED' && code !== 'ECONNRESET';
    }
    if (ok && !u.healthy) this.opts.logger.info({ upstream: u.key, tag: u.learnedTag }, 'realtime instance up');
    if (!ok && u.healthy) this.opts.logger.warn({ upstream: u.key }, 'realtime instance down');
    u.healthy = ok;
  }
}

function uniqueTags(upstreams: Upstream[]): Map<string, Upstream> {
  const owners = new Map<string, Set<Upstream>>();
  for (const u of upstreams) {
    for (const t of u.learnedTag ? [...u.tags, u.learnedTag] : u.tags) owners.set(t, (owners.get(t) ?? new Set()).add(u));
  }
  const map = new Map<string, Upstream>();
  for (const [tag, us] of owners) if (us.size === 1) map.set(tag, [...us][0]);
  return map;
}
