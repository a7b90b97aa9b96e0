// The realtime tier as the gateway sees it: a pool of Socket.IO instances that
// comes and goes (`pm2 scale realtime N`, `docker compose up --scale realtime=N`).
// The pool is built from REALTIME_URLS: each entry is a host and a port or a
// port range; a host name is resolved to every address it has. Every instance
// is probed on GET /health; new handshakes go round robin to the healthy ones.
//
// Each instance is known by tags, so that the gateway can send a polling
// session back to the instance that created it (see sticky.ts): its port (one
// host, several ports: PM2), its address with dashes (one port, several hosts:
// compose/Kubernetes) and both. A tag shared by two instances names neither
// and is dropped. Only configured instances are ever a target, whatever the
// client sends.
import dns from 'node:dns/promises';
import net from 'node:net';
import type { Logger } from '../../shared/logger.js';

export interface Upstream {
  /** address:port */
  key: string;
  /** Base URL the proxy sends to. */
  target: string;
  tags: string[];
  healthy: boolean;
  /** Index of the REALTIME_URLS entry it came from. */
  source: number;
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

export interface RealtimePoolOptions {
  specs: RealtimeSpec[];
  logger: Logger;
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  /** The service name an instance must report on /health. */
  service?: string;
}

export class RealtimePool {
  private upstreams = new Map<string, Upstream>();
  private byTagMap = new Map<string, Upstream>();
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly probeIntervalMs: number;
  private readonly probeTimeoutMs: number;
  private readonly service: string;

  constructor(private readonly opts: RealtimePoolOptions) {
    this.probeIntervalMs = opts.probeIntervalMs ?? 1000;
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 1000;
    this.service = opts.service ?? 'realtime';
  }

  /** Resolves and probes once, then keeps doing so in the background. */
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

  /** Next healthy instance, round robin; undefined when none is up. */
  pick(exclude?: Upstream): Upstream | undefined {
    const healthy = [...this.upstreams.values()].filter((u) => u.healthy && u !== exclude);
    if (!healthy.length) return undefined;
    this.cursor = (this.cursor + 1) % healthy.length;
    return healthy[this.cursor];
  }

  /** The instance a session tag names (healthy or not: the session lives only there). */
  byTag(tag: string): Upstream | undefined {
    return this.byTagMap.get(tag);
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

  /** Re-resolves the hosts and probes every instance (one refresh at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const next = new Map<string, Upstream>();
    for (const [source, spec] of this.opts.specs.entries()) {
      let addresses: string[];
      try {
        addresses = await addressesOf(spec.host);
      } catch (err) {
        // Keep what we knew about this host while its name does not resolve.
        this.opts.logger.warn({ err, host: spec.host }, 'cannot resolve realtime host');
        for (const u of this.upstreams.values()) if (u.source === source) next.set(u.key, u);
        continue;
      }
      for (const address of addresses) {
        for (const port of spec.ports) {
          const key = `${address}:${port}`;
          const host = address.includes(':') ? `[${address}]` : address;
          const known = this.upstreams.get(key);
          next.set(key, known ?? {
            key,
            target: `${spec.protocol}//${host}:${port}`,
            tags: [String(port), addressTag(address), `${addressTag(address)}-${port}`],
            healthy: false,
            source,
          });
        }
      }
    }
    this.upstreams = next;
    this.byTagMap = uniqueTags([...next.values()]);
    await Promise.all([...next.values()].map((u) => this.probe(u)));
  }

  private async probe(u: Upstream): Promise<void> {
    let ok = false;
    try {
      const res = await fetch(`${u.target}/health`, { signal: AbortSignal.timeout(this.probeTimeoutMs) });
      const body = (await res.json().catch(() => ({}))) as { service?: unknown };
      ok = res.ok && body.service === this.service;
    } catch {
      ok = false;
    }
    if (ok && !u.healthy) this.opts.logger.info({ upstream: u.key }, 'realtime instance up');
    if (!ok && u.healthy) this.opts.logger.warn({ upstream: u.key }, 'realtime instance down');
    u.healthy = ok;
  }
}

function uniqueTags(upstreams: Upstream[]): Map<string, Upstream> {
  const owners = new Map<string, Upstream[]>();
  for (const u of upstreams) for (const t of u.tags) owners.set(t, [...(owners.get(t) ?? []), u]);
  const map = new Map<string, Upstream>();
  for (const [tag, us] of owners) if (us.length === 1) map.set(tag, us[0]);
  return map;
}
