// Chat load, run inside a generator process (bench/lib/generator.ts): idle
// sockets, and lanes of clients that send to a peer and see the peer's sends
// arrive. The same code drives the product's chat (`message:send`, delivered
// as `message:new`) and the lean relay (`send`, delivered as `message`), so
// the two figures differ by the server only.
//
// One load at a time: startClosed (every client keeps `window` sends in
// flight) or startOpen (a fixed rate over all clients), then mark() and
// collect() around the window the parent measures, then stop().
import { randomBytes } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { SOCKET_PATH } from '../../realtime/events.js';
import { cpuWindow, type GeneratorCpu } from './generator.js';
import { summarize, type LatencySummary } from './stats.js';

export type LaneKind = 'relay' | 'persisted';

export interface ClientSpec {
  url: string;
  auth: Record<string, string>;
  /** The user the sends go to (the relay's room `user:<peer>`). */
  peer: string;
  /** The conversation (persisted chat). */
  conversation?: string;
}

/** A 100-byte message body. */
export const BODY = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.';

const tag = randomBytes(3).toString('hex');
let counter = 0;
const nextId = () => `${tag}${(counter++).toString(36)}`;

function connect(url: string, auth: Record<string, string>, timeoutMs = 30_000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(url, { path: SOCKET_PATH, auth, transports: ['websocket'], reconnection: false, forceNew: true, timeout: timeoutMs });
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => {
      s.close();
      reject(err);
    });
  });
}

async function pooled<T>(n: number, concurrency: number, make: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const out: PromiseSettledResult<T>[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await make(i).then(
          (value) => ({ status: 'fulfilled', value }) as const,
          (reason) => ({ status: 'rejected', reason }) as const,
        );
      }
    }),
  );
  return out;
}

// --- idle sockets -----------------------------------------------------------

let idle: Socket[] = [];

export async function openIdle(args: { clients: { url: string; auth: Record<string, string> }[]; concurrency?: number }) {
  const t0 = performance.now();
  const cpu = cpuWindow();
  const settled = await pooled(args.clients.length, args.concurrency ?? 100, (i) => connect(args.clients[i].url, args.clients[i].auth));
  const errors: Record<string, number> = {};
  for (const r of settled) {
    if (r.status === 'fulfilled') idle.push(r.value);
    else errors[String((r.reason as Error).message)] = (errors[String((r.reason as Error).message)] ?? 0) + 1;
  }
  return { opened: idle.length, failed: args.clients.length - settled.filter((r) => r.status === 'fulfilled').length, errors, seconds: (performance.now() - t0) / 1000, cpu: cpu.end() };
}

/** Sockets of openIdle still connected (a server that drops them shows here). */
export function idleConnected() {
  return idle.filter((s) => s.connected).length;
}

export function closeIdle() {
  for (const s of idle) s.close();
  idle = [];
}

// --- lanes ------------------------------------------------------------------

interface Client {
  socket: Socket;
  send(): void;
}

interface Load {
  running: boolean;
  counting: boolean;
  markedAt: number;
  cpu: ReturnType<typeof cpuWindow>;
  sent: number;
  acked: number;
  delivered: number;
  errors: Record<string, number>;
  latencies: number[];
  /** Send time of every message not delivered yet. */
  sentAt: Map<string, number>;
  loops: Promise<void>[];
}

const lanes = new Map<string, Client[]>();
let load: Load | undefined;

function delivered(id: string) {
  const l = load;
  if (!l) return;
  const t = l.sentAt.get(id);
  if (t === undefined) return;
  l.sentAt.delete(id);
  if (!l.counting) return;
  l.delivered++;
  // Every delivery within the window, whenever it was sent (the load ran the same way before it).
  l.latencies.push(performance.now() - t);
}

function acked(ok: boolean, code?: string) {
  const l = load;
  if (!l || !l.counting) return;
  if (ok) l.acked++;
  else l.errors[code ?? 'error'] = (l.errors[code ?? 'error'] ?? 0) + 1;
}

/** Opens the clients of one lane set; each client's sends go to its peer, and it counts its peer's sends arriving. */
export async function openLanes(args: { name: string; kind: LaneKind; clients: ClientSpec[]; concurrency?: number }) {
  const settled = await pooled(args.clients.length, args.concurrency ?? 50, async (i) => {
    const spec = args.clients[i];
    const socket = await connect(spec.url, spec.auth);
    let send: (done?: () => void) => void;
    if (args.kind === 'relay') {
      socket.on('message', (m: { id: string }) => delivered(m.id));
      send = (done) => {
        const id = nextId();
        load?.sentAt.set(id, performance.now());
        if (load?.counting) load.sent++;
        socket.emit('send', { to: spec.peer, body: { id, text: BODY } }, (r: { ok: boolean }) => {
          acked(r?.ok === true);
          done?.();
        });
      };
    } else {
      socket.on('message:new', (p: { message: { client_msg_id: string } }) => delivered(p.message.client_msg_id));
      send = (done) => {
        const id = nextId();
        load?.sentAt.set(id, performance.now());
        if (load?.counting) load.sent++;
        socket.emit('message:send', { conversation_id: spec.conversation, body: BODY, client_msg_id: id }, (r: { ok: boolean; error?: { code?: string } }) => {
          acked(r?.ok === true, r?.error?.code);
          done?.();
        });
      };
    }
    return { socket, send, closedLoopSend: () => new Promise<void>((resolve) => send(resolve)) };
  });
  const failed = settled.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
  if (failed.length) throw new Error(`${failed.length} of ${args.clients.length} clients of ${args.name} did not connect: ${String(failed[0].reason)}`);
  const clients = settled.map((r) => (r as PromiseFulfilledResult<Client & { closedLoopSend(): Promise<void> }>).value);
  lanes.set(args.name, clients);
  return { opened: clients.length };
}

function newLoad(): Load {
  return { running: true, counting: false, markedAt: 0, cpu: cpuWindow(), sent: 0, acked: 0, delivered: 0, errors: {}, latencies: [], sentAt: new Map(), loops: [] };
}

function clientsOf(name: string) {
  const c = lanes.get(name);
  if (!c) throw new Error(`no lanes named ${name}`);
  if (load) throw new Error('a load is already running');
  return c as (Client & { closedLoopSend(): Promise<void> })[];
}

/** Closed loop: every client keeps `window` sends in flight (the next goes when an ack comes back). */
export function startClosed(args: { name: string; window: number }) {
  const clients = clientsOf(args.name);
  const l = (load = newLoad());
  for (const c of clients)
    for (let w = 0; w < args.window; w++)
      l.loops.push(
        (async () => {
          while (l.running) await c.closedLoopSend();
        })(),
      );
}

/** Open loop: `rate` sends per second over all clients in turn, whatever the acks do. */
export function startOpen(args: { name: string; rate: number }) {
  const clients = clientsOf(args.name);
  const l = (load = newLoad());
  l.loops.push(
    (async () => {
      const tickMs = 5;
      let last = performance.now();
      let credit = 0;
      let k = 0;
      while (l.running) {
        const now = performance.now();
        credit += (args.rate * (now - last)) / 1000;
        last = now;
        for (; credit >= 1; credit--) clients[k++ % clients.length].send();
        await new Promise((r) => setTimeout(r, tickMs));
      }
    })(),
  );
}

/** Starts counting (sends, acks, deliveries and their latency, this process's CPU). */
export function mark() {
  if (!load) throw new Error('no load running');
  Object.assign(load, { counting: true, markedAt: performance.now(), cpu: cpuWindow(), sent: 0, acked: 0, delivered: 0, errors: {}, latencies: [] });
}

export interface Collected {
  seconds: number;
  sent: number;
  acked: number;
  delivered: number;
  /** Deliveries per second over the window. */
  rate: number;
  errors: Record<string, number>;
  latency: LatencySummary;
  cpu: GeneratorCpu;
}

/** What was counted since mark(); the load goes on until stop(). */
export function collect(): Collected {
  const l = load;
  if (!l || !l.counting) throw new Error('nothing marked');
  const cpu = l.cpu.end();
  const seconds = (performance.now() - l.markedAt) / 1000;
  l.counting = false;
  return { seconds, sent: l.sent, acked: l.acked, delivered: l.delivered, rate: l.delivered / seconds, errors: l.errors, latency: summarize(l.latencies), cpu };
}

/** Stops the load; resolves once every send is acked and delivered, or after `settleMs`, with what never arrived. */
export async function stop(args: { settleMs?: number } = {}) {
  const l = load;
  if (!l) return { undelivered: 0 };
  l.running = false;
  const until = performance.now() + (args.settleMs ?? 5000);
  const loops = Promise.all(l.loops);
  while (performance.now() < until && l.sentAt.size > 0) await new Promise((r) => setTimeout(r, 20));
  await Promise.race([loops, new Promise((r) => setTimeout(r, Math.max(0, until - performance.now())))]);
  const undelivered = l.sentAt.size;
  load = undefined;
  return { undelivered };
}

export function closeAll() {
  for (const clients of lanes.values()) for (const c of clients) c.socket.close();
  lanes.clear();
  closeIdle();
}
