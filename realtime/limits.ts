// What one socket may cost a node, and how many sockets one user or one client
// address may hold (issue 13 §4).
// - Events: every client event (unknown ones included) takes a token from the
//   socket's bucket, and at most `maxInflight` handlers of a socket run at
//   once; anything over is refused before a handler, the database or Redis
//   sees it. Once its bucket is empty a WebSocket is also not read until the
//   next token is due: what a flooder sends meanwhile waits in its own TCP
//   buffers, not in the node's event loop (index.ts makes ws emit one message
//   per loop turn, so no socket's backlog runs ahead of the others either).
//   Per socket, so in this process's memory.
// - Connections: a slot per socket in a SlotStore, counted per user and per
//   address across every node, renewed by a heartbeat (see socket-slots.ts).
import type { Config } from '../shared/config.js';
import { AppError } from '../shared/errors.js';
import { addressKey, clientAddress } from '../shared/http/client-address.js';
import type { Logger } from '../shared/logger.js';
import type { RealtimeSocket } from './connection.js';
import type { ConnectRefusalCode } from './events.js';
import type { Slot, SlotStore } from './socket-slots.js';
import { TokenBucket } from './token-bucket.js';

class Budget {
  inflight = 0;
  slot?: Slot;
  released = false;
  held = false;
  constructor(readonly bucket: TokenBucket) {}
}

/** The parts of Engine.IO's connection and ws's WebSocket that holding a socket uses. */
interface EngineConnection {
  transport?: { name?: string; socket?: { pause?: () => void; resume?: () => void } };
}

export interface SlotTimings {
  /** How often a node renews its slots; well under the store's TTL. */
  heartbeatMs: number;
}

export class SocketLimits {
  private readonly budgets = new WeakMap<RealtimeSocket, Budget>();
  private heartbeat?: NodeJS.Timeout;
  private seq = 0;

  constructor(
    private readonly limits: Config['socketLimits'],
    /** Proxy hops whose X-Forwarded-For entry names the client (shared/http/client-address.ts). */
    private readonly trustedHops: number,
    private readonly slots: SlotStore,
    private readonly nodeId: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Takes a connection slot for an authenticated socket at its handshake.
   * Returns the connect_error code when the user or the address is at its limit.
   */
  async connect(socket: RealtimeSocket): Promise<ConnectRefusalCode | null> {
    const slot: Slot = {
      userId: socket.data.userId,
      address: addressKey(clientAddress(socket.request, this.trustedHops)),
      member: `${this.nodeId}:${(++this.seq).toString(36)}`,
    };
    const refused = await this.slots.acquire(slot, this.limits);
    if (refused === 'user') return 'too_many_sockets';
    if (refused === 'address') return 'too_many_connections';
    this.budgetOf(socket).slot = slot;
    return null;
  }

  /** Gives the socket's slot back; safe to call more than once. */
  async disconnect(socket: RealtimeSocket): Promise<void> {
    const b = this.budgets.get(socket);
    if (!b?.slot || b.released) return;
    b.released = true;
    await this.slots.release(b.slot);
  }

  /**
   * Admits a client event: undefined when it may run (call `settled` once it
   * has), else the `rate_limited` error to answer with at once.
   */
  admit(socket: RealtimeSocket): AppError | undefined {
    const b = this.budgetOf(socket);
    const waitMs = b.bucket.take();
    if (waitMs) {
      this.hold(socket, b, waitMs);
      return AppError.rateLimited(waitMs / 1000, 'rate_limited', 'Too many events on this connection');
    }
    if (b.inflight >= this.limits.maxInflight) return AppError.rateLimited(1, 'rate_limited', 'Too many events in progress on this connection');
    b.inflight++;
    return undefined;
  }

  settled(socket: RealtimeSocket) {
    const b = this.budgets.get(socket);
    if (b) b.inflight--;
  }

  start(localSockets: () => Iterable<RealtimeSocket>, timings: SlotTimings) {
    this.heartbeat = setInterval(() => {
      const held: Slot[] = [];
      for (const socket of localSockets()) {
        const b = this.budgets.get(socket);
        if (b?.slot && !b.released) held.push(b.slot);
      }
      this.slots.renew(held).catch((err) => this.logger.warn({ err }, 'socket slot heartbeat failed'));
    }, timings.heartbeatMs);
    this.heartbeat.unref();
  }

  stop() {
    clearInterval(this.heartbeat);
  }

  /** Stops reading the socket's WebSocket for `ms` (HTTP long-polling is bounded by its request size instead). */
  private hold(socket: RealtimeSocket, b: Budget, ms: number) {
    const transport = (socket.conn as unknown as EngineConnection).transport;
    const ws = transport?.socket;
    if (b.held || transport?.name !== 'websocket' || !ws?.pause || !ws.resume) return;
    b.held = true;
    ws.pause();
    setTimeout(() => {
      b.held = false;
      ws.resume!();
    }, ms).unref();
  }

  private budgetOf(socket: RealtimeSocket): Budget {
    let b = this.budgets.get(socket);
    if (!b) {
      b = new Budget(new TokenBucket(this.limits.eventsPerS, this.limits.eventsBurst));
      this.budgets.set(socket, b);
    }
    return b;
  }
}
