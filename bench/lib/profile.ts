// CPU profiles of the services under test, taken only while a benchmark phase
// runs: a service started with startService's `inspect` switches its
// inspector on (on a random local port) only when asked, and profileDuring()
// starts V8's sampling profiler on each over the Chrome DevTools Protocol just
// before the phase and stops it just after. Start-up and the other phases stay
// out of the profile, and nothing profiles the figures a benchmark reports: a
// profiled phase is an extra run of its own. BENCH_PROFILE_DIR keeps the raw
// profiles. summarize() turns profiles into what a README row can say: where
// the busy time went, by layer, and the hottest functions.
import fs from 'node:fs';
import path from 'node:path';
import { WebSocket } from 'ws';
import { round } from './stats.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  /** Wall-clock length of the profile and the part of it the process was busy (not idle). */
  wall_ms: number;
  busy_ms: number;
  /** Busy time by layer, in percent of the busy time, largest first. */
  layers: Record<string, number>;
  /** The functions with the most self time, in percent of the busy time. */
  top: { fn: string; where: string; pct: number }[];
}

/** A minimal DevTools Protocol client: one request at a time is all a profile needs. */
class Inspector {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      const w = msg.id !== undefined ? this.waiting.get(msg.id) : undefined;
      if (!w) return;
      this.waiting.delete(msg.id!);
      if (msg.error) w.reject(new Error(msg.error.message));
      else w.resolve(msg.result);
    });
  }

  static open(url: string): Promise<Inspector> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(new Inspector(ws)));
      ws.once('error', reject);
    });
  }

  call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close() {
    this.ws.close();
  }
}

/** Runs `work` with every inspector's CPU profiler on; the profiles come back by name. */
export async function profileDuring<T>(targets: Record<string, string>, work: () => Promise<T>, samplingUs = 500): Promise<{ result: T; profiles: Record<string, CpuProfile> }> {
  const sessions = await Promise.all(Object.entries(targets).map(async ([name, url]) => ({ name, inspector: await Inspector.open(url) })));
  try {
    for (const s of sessions) {
      await s.inspector.call('Profiler.enable');
      await s.inspector.call('Profiler.setSamplingInterval', { interval: samplingUs });
    }
    await Promise.all(sessions.map((s) => s.inspector.call('Profiler.start')));
    const result = await work();
    const stopped = await Promise.all(sessions.map(async (s) => [s.name, (await s.inspector.call<{ profile: CpuProfile }>('Profiler.stop')).profile] as const));
    // BENCH_PROFILE_DIR keeps the raw profiles too (open them in Chrome DevTools' Performance panel).
    const dir = process.env.BENCH_PROFILE_DIR;
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      for (const [name, profile] of stopped) fs.writeFileSync(path.join(dir, `${name}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    }
    return { result, profiles: Object.fromEntries(stopped) };
  } finally {
    for (const s of sessions) s.inspector.close();
  }
}

// The layer a frame belongs to, by its script (node_modules package, Node's own
// modules, this project's folders) or by V8's own pseudo-frames.
const LAYERS: [string, (f: CallFrame, pkg: string | undefined) => boolean][] = [
  ['garbage collection', (f) => f.functionName === '(garbage collector)'],
  ['Socket.IO, engine.io, ws', (_f, pkg) => !!pkg && /^(socket\.io|socket\.io-parser|socket\.io-adapter|engine\.io|engine\.io-parser|ws|@socket\.io\/.*)$/.test(pkg)],
  ['PostgreSQL client (knex, pg)', (_f, pkg) => !!pkg && /^(knex|pg|pg-protocol|pg-pool|pg-types|postgres-.*|tarn)$/.test(pkg)],
  ['Redis client (ioredis)', (_f, pkg) => !!pkg && /^(ioredis|redis-parser|@ioredis\/.*|rate-limiter-flexible)$/.test(pkg)],
  ['HTTP (Koa, Node http)', (f, pkg) => (!!pkg && /^(koa.*|@koa\/.*|raw-body|co-body|type-is|accepts|cors|@koa\/cors)$/.test(pkg)) || /^node:_http|^node:internal\/http/.test(f.url)],
  ['validation (zod)', (_f, pkg) => pkg === 'zod'],
  ['JWT and crypto', (f, pkg) => (!!pkg && /^(jsonwebtoken|jws|jwa|jose)$/.test(pkg)) || /^node:(internal\/)?crypto/.test(f.url)],
  ['logging and metrics', (_f, pkg) => !!pkg && /^(pino.*|prom-client|sonic-boom|thread-stream)$/.test(pkg)],
  ['sockets, streams and timers (Node)', (f) => /^node:(net|internal\/(streams|stream_base_commons|net|timers|process\/task_queues)|events|stream|buffer|internal\/buffer)/.test(f.url) || ['writev', 'writeUtf8String', 'writeBuffer', 'writeLatin1String', 'runMicrotasks', 'shutdown'].includes(f.functionName)],
  ['JSON', (f) => f.url === '' && ['parse', 'stringify', 'JSON.parse', 'JSON.stringify'].includes(f.functionName)],
  ['this project (realtime/, api/, shared/, workers/)', (f) => /\/(realtime|api|shared|workers)\/[^/]+/.test(f.url) && !f.url.includes('node_modules')],
];

const pkgOf = (url: string) => url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1];
const IDLE = new Set(['(idle)', '(program)', '(root)']);

/** Where a profile's busy time went. */
export function summarize(profiles: CpuProfile[], topN = 6): ProfileSummary {
  const layers = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  let wall = 0;
  for (const p of profiles) {
    wall += (p.endTime - p.startTime) / 1000;
    const byId = new Map(p.nodes.map((x) => [x.id, x]));
    const self = new Map<number, number>();
    p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
    for (const [id, us] of self) {
      const f = byId.get(id)!.callFrame;
      if (IDLE.has(f.functionName)) continue;
      busy += us;
      const pkg = pkgOf(f.url);
      const layer = LAYERS.find(([, test]) => test(f, pkg))?.[0] ?? 'other (Node and V8 internals, other packages)';
      layers.set(layer, (layers.get(layer) ?? 0) + us);
      const where = pkg ?? f.url.replace(/^.*\/work\/[^/]+\//, '').replace(/^file:\/\/.*?\/(realtime|api|shared|workers)\//, '$1/');
      const key = `${f.functionName || '(anonymous)'}\u0000${where}${f.lineNumber >= 0 && !pkg ? `:${f.lineNumber + 1}` : ''}`;
      fns.set(key, (fns.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number) => round((100 * us) / Math.max(busy, 1), 1) ?? 0;
  return {
    wall_ms: round(wall, 0) ?? 0,
    busy_ms: round(busy / 1000, 0) ?? 0,
    layers: Object.fromEntries([...layers].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, pct(v)])),
    top: [...fns]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([k, v]) => {
        const [fn, where] = k.split('\u0000');
        return { fn, where: where || 'V8', pct: pct(v) };
      }),
  };
}

/** One line for a README row: the largest layers and the hottest functions. */
export function describeProfile(s: ProfileSummary | undefined, layers = 4, fns = 3): string | undefined {
  if (!s?.layers) return undefined;
  const l = Object.entries(s.layers)
    .slice(0, layers)
    .map(([k, v]) => `${k} ${v}%`)
    .join(', ');
  const f = s.top
    .slice(0, fns)
    .map((t) => `${t.fn} (${t.where}) ${t.pct}%`)
    .join(', ');
  return `${l}; hottest: ${f}`;
}
