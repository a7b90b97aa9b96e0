// Socket.IO clients for tests: the real socket.io-client, typed with the
// realtime contract (realtime/events.ts), authenticated like the WebApp.
import { io as connect, type Socket, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../realtime/events.js';
import { SOCKET_PATH } from '../../realtime/events.js';
import { waitFor } from './wait.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type EventName = keyof ServerToClientEvents;
type PayloadOf<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

const opened = new Set<ClientSocket>();

export interface ConnectOptions extends Partial<ManagerOptions & SocketOptions> {
  timeoutMs?: number;
}

/** A socket that is not connected yet (call .connect()); closed by closeSockets(). */
export function socketFor(url: string, token: string | undefined, opts: ConnectOptions = {}): ClientSocket {
  const { timeoutMs: _t, ...rest } = opts;
  const s: ClientSocket = connect(url, {
    path: SOCKET_PATH,
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
    autoConnect: false,
    forceNew: true,
    ...rest,
  });
  opened.add(s);
  return s;
}

/** Connects and resolves once connected; rejects with the connect_error. */
export function openSocket(url: string, token: string | undefined, opts: ConnectOptions = {}): Promise<ClientSocket> {
  const s = socketFor(url, token, opts);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket did not connect to ${url} in time`)), opts.timeoutMs ?? 5000);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('connect_error', (err) => {
      clearTimeout(timer);
      s.close();
      reject(err);
    });
    s.connect();
  });
}

/** The connect_error a connection attempt ends with (fails if it connects). */
export async function connectError(url: string, token: string | undefined): Promise<Error & { data?: { code?: string } }> {
  try {
    const s = await openSocket(url, token);
    s.close();
  } catch (err) {
    return err as Error & { data?: { code?: string } };
  }
  throw new Error('expected the connection to be refused');
}

/** The next `event` on the socket (matching `filter`), or a timeout error. */
export function nextEvent<E extends EventName>(
  socket: ClientSocket,
  event: E,
  opts: { timeoutMs?: number; filter?: (p: PayloadOf<E>) => boolean } = {},
): Promise<PayloadOf<E>> {
  return new Promise((resolve, reject) => {
    const s = socket as unknown as { on(e: string, l: (p: unknown) => void): void; off(e: string, l: (p: unknown) => void): void };
    const timer = setTimeout(() => {
      s.off(event, listener);
      reject(new Error(`no ${event} within ${opts.timeoutMs ?? 5000} ms`));
    }, opts.timeoutMs ?? 5000);
    const listener = (p: unknown) => {
      if (opts.filter && !opts.filter(p as PayloadOf<E>)) return;
      clearTimeout(timer);
      s.off(event, listener);
      resolve(p as PayloadOf<E>);
    };
    s.on(event, listener);
  });
}

/** Records every `event` from now on. */
export function collect<E extends EventName>(socket: ClientSocket, event: E): PayloadOf<E>[] {
  const items: PayloadOf<E>[] = [];
  (socket as unknown as { on(e: string, l: (p: unknown) => void): void }).on(event, (p) => items.push(p as PayloadOf<E>));
  return items;
}

/** Resolves once `items` holds at least `n` entries (or fails after the timeout). */
export async function untilCount<T>(items: T[], n: number, timeoutMs = 5000): Promise<T[]> {
  await waitFor(`${n} events`, () => items.length >= n, { timeoutMs, everyMs: 10 }).catch(() => {
    throw new Error(`expected ${n} events, got ${items.length}`);
  });
  return items;
}

/** Emits with an ack and resolves with the ack's response. */
export async function emitAck<R = any>(socket: ClientSocket, event: keyof ClientToServerEvents, payload: unknown, timeoutMs = 5000): Promise<R> {
  const s = socket as unknown as { timeout(ms: number): { emitWithAck(e: string, p: unknown): Promise<R> } };
  return s.timeout(timeoutMs).emitWithAck(event, payload);
}

/** The socket's next disconnect reason. */
export function disconnected(socket: ClientSocket, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    if (socket.disconnected && !socket.active) return resolve('already disconnected');
    const timer = setTimeout(() => reject(new Error(`not disconnected within ${timeoutMs} ms`)), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

export function closeSockets() {
  for (const s of opened) s.close();
  opened.clear();
}
