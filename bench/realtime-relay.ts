// The lean relay, the reference of bench/realtime.ts (issue 17): a bare
// Socket.IO server with the product's cluster adapter (Redis Streams, or the
// sharded pub/sub one, with the product's options: realtime/adapter.ts) and nothing else: no auth, no validation, no
// rate limit, no storage. A client joins `user:<auth.user>`; `send {to, body}`
// is emitted to `user:<to>` as `message` and acked.
//   tsx bench/realtime-relay.ts <port> <redis-url> <redis-prefix> [streams|pubsub]
import http from 'node:http';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { Config } from '../shared/config.js';
import { createClusterAdapter } from '../realtime/adapter.js';
import { SOCKET_PATH } from '../realtime/events.js';

const [port, redisUrl, redisPrefix = '', kind = 'streams'] = process.argv.slice(2);
const redis = new Redis(redisUrl);
const adapter = createClusterAdapter({ redisPrefix, realtime: { adapter: kind } } as Pick<Config, 'redisPrefix' | 'realtime'>, redis);
const server = http.createServer();
const io = new Server(server, {
  path: SOCKET_PATH,
  serveClient: false,
  adapter: adapter.factory as never,
  perMessageDeflate: false,
  connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: false },
});
io.on('connection', (socket) => {
  socket.join(`user:${String((socket.handshake.auth as { user?: string }).user)}`);
  socket.on('send', (p: { to: string; body: unknown }, ack?: (r: unknown) => void) => {
    socket.to(`user:${p.to}`).emit('message', p.body);
    ack?.({ ok: true });
  });
});
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => {
  io.close();
  void adapter.close().finally(() => {
    redis.disconnect();
    process.exit(0);
  });
});
