// Slow consumers must not make the server buffer without bound: a socket whose
// client stopped reading piles up packets in Engine.IO's write buffer (polling)
// or in the WebSocket's send buffer. Once a second every local socket is
// checked; one over the limits is cut at the transport (no graceful close
// handshake queued behind the backlog). Its client reconnects and catches up
// through connection state recovery or GET /chat/messages?after_seq=.
import type { Logger } from '../shared/logger.js';
import type { RealtimeServer } from './delivery.js';
import { counter } from '../shared/metrics.js';

export interface SlowConsumerLimits {
  /** Bytes queued on a WebSocket before it is cut. */
  maxBufferedBytes: number;
  /** Packets queued in Engine.IO (any transport) before it is cut. */
  maxQueuedPackets: number;
  checkMs: number;
}

export const DEFAULT_SLOW_CONSUMER_LIMITS: SlowConsumerLimits = { maxBufferedBytes: 1 << 20, maxQueuedPackets: 1_000, checkMs: 1_000 };

interface EngineConnection {
  writeBuffer?: unknown[];
  transport?: { name?: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  close(discard?: boolean): void;
}

const cut = counter({ name: 'realtime_slow_consumer_disconnects_total', help: 'Sockets cut because their client stopped reading' });

export function guardSlowConsumers(io: RealtimeServer, limits: SlowConsumerLimits, logger: Logger): { stop(): void } {
  const timer = setInterval(() => {
    for (const socket of io.of('/').sockets.values()) {
      const conn = socket.conn as unknown as EngineConnection;
      const queued = conn.writeBuffer?.length ?? 0;
      const buffered = conn.transport?.socket?.bufferedAmount ?? 0;
      if (queued <= limits.maxQueuedPackets && buffered <= limits.maxBufferedBytes) continue;
      logger.warn({ socket_id: socket.id, user_id: socket.data.userId, queued, buffered }, 'slow consumer: closing its connection');
      cut.inc();
      const ws = conn.transport?.socket;
      if (conn.transport?.name === 'websocket' && ws?.terminate) ws.terminate();
      else conn.close(true);
    }
  }, limits.checkMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
