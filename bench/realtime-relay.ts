// The ceiling for bench/realtime.ts: a bare Socket.IO relay with the same
// cluster adapter (Redis Streams, connection state recovery on) and nothing
// else: no auth, no validation, no rate limit, no database, no bus.
// A client joins `user:<auth.user>`; `relay {to, body}` is emitted to `user:<to>`
// as `msg` and acked. Usage: tsx bench/realtime-relay.ts <port> (env as realtime).
import http from 'node:http';
import { Server } from 'socket.io';
import { loadConfig } from '../shared/config.js';
import { createRedis } from '../shared/redis.js';
import { createLogger } from '../shared/logger.js';
import { createClusterAdapter, memoryAdapter } from '../realtime/adapter.js';
import { SOCKET_PATH } from '../realtime/events.js';

const config = loadConfig();
const logger = createLogger(config, 'relay');
const redis = config.redisUrl ? createRedis(config.redisUrl, logger, 'relay') : null;
const adapter = redis ? createClusterAdapter(config, redis) : memoryAdapter();
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
  socket.on('relay', (p: { to: string; body: unknown }, ack?: (r: unknown) => void) => {
    socket.to(`user:${p.to}`).emit('msg', p.body);
    ack?.({ ok: true });
  });
});
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
process.once('SIGTERM', () => {
  io.close();
  redis?.disconnect();
  process.exit(0);
});
