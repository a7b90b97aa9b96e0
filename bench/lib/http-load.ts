// HTTP load, run inside a generator process (bench/lib/generator.ts):
//   sequence: requests one after another, for latency without queueing;
//   closedLoop: autocannon's closed loop (the most requests per second), with
//     bodies cycled through, for logins and the gateway;
//   startMix … stop: an open loop at a fixed rate over the REST mix of the
//     cluster test (candidates, then swipes on and profile reads of the people
//     they returned), with latency and failures per route.
import http from 'node:http';
import autocannon from 'autocannon';
import { cpuWindow, type GeneratorCpu } from './generator.js';
import { summarize, type LatencySummary } from './stats.js';

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

export interface Req {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

function send(base: string, r: Req): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${r.path}`, { method: r.method ?? 'GET', headers: r.headers, agent, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(r.body);
  });
}

const bump = (m: Record<string, number>, k: string) => void (m[k] = (m[k] ?? 0) + 1);

/** Each request after the previous one's answer: latency without queueing. */
export async function sequence(args: { base: string; requests: Req[] }) {
  const cpu = cpuWindow();
  const ms: number[] = [];
  const statuses: Record<string, number> = {};
  for (const r of args.requests) {
    const t = performance.now();
    const res = await send(args.base, r).catch((err: Error) => ({ status: 0, body: err.message }));
    ms.push(performance.now() - t);
    bump(statuses, String(res.status));
  }
  return { latency: summarize(ms), statuses, cpu: cpu.end() };
}

/** What closedLoop answers (through the generator's IPC). */
export type ClosedLoopResult = Awaited<ReturnType<typeof closedLoop>>;

/** autocannon's closed loop against one route; `bodies` are sent in turn. */
export async function closedLoop(args: { url: string; method?: string; headers?: Record<string, string>; bodies?: string[]; connections: number; duration: number }) {
  let next = 0;
  const bodies = args.bodies;
  const cpu = cpuWindow();
  const r = await autocannon({
    url: args.url,
    connections: args.connections,
    duration: args.duration,
    headers: args.headers,
    requests: [{ method: (args.method ?? 'GET') as 'GET', ...(bodies && { setupRequest: (req: object) => ({ ...req, body: bodies[next++ % bodies.length] }) }) }],
  });
  return {
    requests_per_s: r.requests.average,
    total: r.requests.total,
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    cpu: cpu.end(),
  };
}

// --- the REST mix -------------------------------------------------------------

export interface MixUser {
  id: string;
  token: string;
}

interface RouteStats {
  latencies: number[];
  statuses: Record<string, number>;
}

interface Mix {
  running: boolean;
  counting: boolean;
  markedAt: number;
  cpu: ReturnType<typeof cpuWindow>;
  routes: Map<string, RouteStats>;
  inFlight: number;
  loop?: Promise<void>;
}

let users: (MixUser & { queue: string[] })[] = [];
let mix: Mix | undefined;

export function setUsers(args: { users: MixUser[] }) {
  users = args.users.map((u) => ({ ...u, queue: [] }));
  return { users: users.length };
}

async function one(base: string, weights: Record<'candidates' | 'swipe' | 'profile', number>, k: number, m: Mix) {
  const u = users[k % users.length];
  const total = weights.candidates + weights.swipe + weights.profile;
  let x = ((k * 7919) % 1000) / 1000 * total;
  let route: 'candidates' | 'swipe' | 'profile' = x < weights.candidates ? 'candidates' : (x -= weights.candidates) < weights.swipe ? 'swipe' : 'profile';
  // Swipes and profile reads are of the people a candidates page returned.
  if (route !== 'candidates' && u.queue.length === 0) route = 'candidates';
  const headers: Record<string, string> = { authorization: `Bearer ${u.token}` };
  let req: Req;
  if (route === 'candidates') req = { path: '/api/v1/discovery/candidates?limit=20', headers };
  else if (route === 'profile') req = { path: `/api/v1/profiles/${u.queue[u.queue.length - 1]}`, headers };
  else {
    const target = u.queue.pop()!;
    req = { method: 'POST', path: `/api/v1/discovery/${k % 2 ? 'like' : 'pass'}`, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ target_id: target }) };
  }
  const t = performance.now();
  m.inFlight++;
  const res = await send(base, req).catch((err: Error) => ({ status: 0, body: err.message }));
  m.inFlight--;
  if (route === 'candidates' && res.status === 200) {
    const ids = (JSON.parse(res.body) as { candidates: { user_id?: string; id?: string }[] }).candidates.map((c) => c.user_id ?? c.id!).filter(Boolean);
    u.queue = ids.slice(0, 10);
  }
  // Every answer within the window counts (the load ran the same way before it).
  if (!m.counting) return;
  let s = m.routes.get(route);
  if (!s) m.routes.set(route, (s = { latencies: [], statuses: {} }));
  s.latencies.push(performance.now() - t);
  bump(s.statuses, String(res.status));
}

/** `rate` requests per second in the proportions of `weights`, whatever the answers take. */
export function startMix(args: { base: string; rate: number; weights?: Record<'candidates' | 'swipe' | 'profile', number> }) {
  if (mix) throw new Error('a mix is already running');
  const weights = args.weights ?? { candidates: 40, swipe: 30, profile: 30 };
  const m: Mix = (mix = { running: true, counting: false, markedAt: 0, cpu: cpuWindow(), routes: new Map(), inFlight: 0 });
  m.loop = (async () => {
    let last = performance.now();
    let credit = 0;
    let k = 0;
    while (m.running) {
      const now = performance.now();
      credit += (args.rate * (now - last)) / 1000;
      last = now;
      for (; credit >= 1; credit--) void one(args.base, weights, k++, m);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
}

export function markMix() {
  if (!mix) throw new Error('no mix running');
  Object.assign(mix, { counting: true, markedAt: performance.now(), cpu: cpuWindow(), routes: new Map() });
}

export interface RouteFigures {
  requests: number;
  per_s: number;
  latency: LatencySummary;
  statuses: Record<string, number>;
  failed: number;
}

export function collectMix(): { seconds: number; routes: Record<string, RouteFigures>; cpu: GeneratorCpu } {
  const m = mix;
  if (!m || !m.counting) throw new Error('nothing marked');
  const cpu = m.cpu.end();
  const seconds = (performance.now() - m.markedAt) / 1000;
  m.counting = false;
  const routes: Record<string, RouteFigures> = {};
  for (const [name, s] of m.routes) {
    const failed = Object.entries(s.statuses).filter(([st]) => !/^2/.test(st)).reduce((a, [, n]) => a + n, 0);
    routes[name] = { requests: s.latencies.length, per_s: Number((s.latencies.length / seconds).toFixed(1)), latency: summarize(s.latencies), statuses: s.statuses, failed };
  }
  return { seconds, routes, cpu };
}

export async function stopMix() {
  const m = mix;
  if (!m) return;
  m.running = false;
  await m.loop;
  const until = Date.now() + 10_000;
  while (m.inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  mix = undefined;
}
