// The gateway in front of real upstream apps on port 0: routing by prefix (also
// under /api/v1), bodies untouched, forwarding headers, the contract's error
// shape for unknown paths and for services that are down or hang, and sticky
// long-polling across two real Socket.IO servers.
import http from 'node:http';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import Koa from 'koa';
import Router from '@koa/router';
import { Server as SocketServer } from 'socket.io';
import { io as connectSocket, type Socket as ClientSocket } from 'socket.io-client';
import { closeServer, createHttpApp, listen, portOf } from '../../shared/http/app.js';
import { createLogger } from '../../shared/logger.js';
import { createGateway, type Gateway } from '../../api/gateway/index.js';
import { testConfig } from '../helpers/env.js';
import { startGateway } from '../helpers/gateway.js';
import { client, errorCode, startHttp, type Running } from '../helpers/http.js';

const logger = createLogger({ logLevel: 'silent', instance: undefined }, 'test');

/** An upstream that tells who answered and what it received. */
function echoService(service: string): Promise<Running> {
  const router = new Router();
  router.all(/.*/, async (ctx) => {
    let raw = '';
    for await (const chunk of ctx.req) raw += chunk;
    ctx.body = {
      service,
      method: ctx.method,
      url: ctx.url,
      raw,
      forwarded_for: ctx.get('x-forwarded-for'),
      ip: ctx.ip,
      request_id: ctx.get('x-request-id'),
    };
  });
  // No body parser: the echo reports the raw stream the service received.
  const app = new Koa({ proxy: true });
  app.use(router.routes());
  return startHttp(app.callback());
}

interface RealtimeLike {
  running: Running;
  io: SocketServer;
  tag: string;
  close(): Promise<void>;
  /** Drops every connection at once, as a crashed process would. */
  kill(): Promise<void>;
}

/**
 * A realtime-like instance: /health says "realtime", Socket.IO on /chat/connect, session ids
 * tagged `<port>.` (one host, PM2), or `<address with dashes>.` when given an address (compose).
 */
async function realtimeLike(at?: { host: string; port: number }): Promise<RealtimeLike> {
  const app = createHttpApp({ service: 'realtime', logger, readiness: {}, routers: [] });
  let running: Running;
  if (at) {
    const server = await listen(app.callback(), at.port, at.host);
    running = { url: `http://${at.host}:${portOf(server)}`, server, close: () => closeServer(server, 1000) };
  } else {
    running = await startHttp(app.callback());
  }
  const tag = at ? at.host.replace(/\./g, '-') : String(new URL(running.url).port);
  const io = new SocketServer(running.server, { path: '/chat/connect', pingInterval: 2000, pingTimeout: 2000 });
  io.engine.generateId = () => `${tag}.${randomUUID()}`;
  io.on('connection', (socket) => {
    socket.on('echo', (payload: unknown, ack: (r: unknown) => void) => ack({ tag, payload }));
  });
  return {
    running,
    io,
    tag,
    async close() {
      io.disconnectSockets(true);
      io.engine.close();
      await running.close();
    },
    async kill() {
      io.engine.close();
      running.server.closeAllConnections();
      await running.close();
    },
  };
}


function emitWithAck(socket: ClientSocket, payload: unknown, timeoutMs = 3000): Promise<{ tag: string; payload: unknown }> {
  return socket.timeout(timeoutMs).emitWithAck('echo', payload);
}

function connected(socket: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

describe('gateway', function () {
  this.timeout(20_000);
  const services: Record<string, Running> = {};
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let api: ReturnType<typeof client>;
  let rtA: RealtimeLike;
  let rtB: RealtimeLike;

  before(async () => {
    for (const name of ['auth', 'profile', 'discovery', 'media', 'admin']) services[name] = await echoService(name);
    rtA = await realtimeLike();
    rtB = await realtimeLike();
    gw = await startGateway({
      AUTH_URL: services.auth.url,
      PROFILE_URL: services.profile.url,
      DISCOVERY_URL: services.discovery.url,
      MEDIA_URL: services.media.url,
      ADMIN_URL: services.admin.url,
      REALTIME_URLS: `${rtA.running.url},${rtB.running.url}`,
      GATEWAY_TIMEOUT_MS: '400',
    });
    api = client(gw.url);
  });

  after(async () => {
    await gw?.close();
    await rtA?.close();
    await rtB?.close();
    for (const s of Object.values(services)) await s.close();
  });

  describe('routing', () => {
    const cases: Array<[path: string, service: string, upstreamUrl: string]> = [
      ['/auth/verify', 'auth', '/auth/verify'],
      ['/api/v1/auth/token', 'auth', '/auth/token'],
      ['/profiles/me', 'profile', '/profiles/me'],
      ['/api/v1/profiles/abc?x=1', 'profile', '/profiles/abc?x=1'],
      ['/profiles/abc/photos', 'media', '/profiles/abc/photos'],
      ['/api/v1/profiles/abc/photos/p1', 'media', '/profiles/abc/photos/p1'],
      ['/discovery/candidates?limit=5', 'discovery', '/discovery/candidates?limit=5'],
      ['/api/v1/discovery/rewind', 'discovery', '/discovery/rewind'],
      ['/media/upload', 'media', '/media/upload'],
      ['/media/files/ab/cd.webp', 'media', '/media/files/ab/cd.webp'],
      ['/api/v1/chat/conversations', 'realtime', '/chat/conversations'],
      ['/api/v1/admin/queue', 'admin', '/admin/queue'],
    ];
    for (const [path, service, upstreamUrl] of cases) {
      it(`sends ${path} to ${service} as ${upstreamUrl}`, async () => {
        const res = await api.get(path);
        if (service === 'realtime') {
          // The realtime-like instances have no chat routes: their own 404 proves the route.
          expect(res.status).to.equal(404);
          expect(res.body.error.message).to.equal('No route for GET /chat/conversations');
          return;
        }
        expect(res.status).to.equal(200);
        expect(res.body.service).to.equal(service);
        expect(res.body.url).to.equal(upstreamUrl);
      });
    }

    it('streams request bodies untouched, malformed ones included', async () => {
      const res = await api.request('POST', '/auth/token', { rawBody: '{"init_data": "x"', headers: { 'content-type': 'application/json' } });
      expect(res.status).to.equal(200);
      expect(res.body.raw).to.equal('{"init_data": "x"');
    });

    it('passes a body sent after `Expect: 100-continue`', async () => {
      const body = JSON.stringify({ init_data: 'x'.repeat(2000) });
      const res = await new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = http.request(`${gw.url}/auth/token`, {
          method: 'POST',
          headers: { expect: '100-continue', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        });
        req.on('continue', () => req.end(body));
        req.on('response', async (r) => {
          let text = '';
          for await (const chunk of r) text += chunk;
          resolve({ status: r.statusCode ?? 0, body: JSON.parse(text) });
        });
        req.on('error', reject);
      });
      expect(res.status).to.equal(200);
      expect(res.body.raw).to.equal(body);
    });

    it('answers an unknown prefix itself with a 404 in the contract shape', async () => {
      for (const path of ['/nope', '/authx', '/api/v1/nope', '/api/v2/auth/token', '/auth%2f..%2fprofiles/me']) {
        const res = await api.get(path);
        expect(res.status, path).to.equal(404);
        expect(errorCode(res)).to.equal('not_found');
      }
    });

    it('serves its own health check', async () => {
      const res = await api.get('/health');
      expect(res.body).to.deep.equal({ status: 'healthy', service: 'gateway' });
    });
  });

  describe('forwarding headers', () => {
    it('replaces a client-supplied X-Forwarded-For with the address it sees', async () => {
      const res = await api.get('/auth/verify', { headers: { 'x-forwarded-for': '6.6.6.6' } });
      expect(res.body.forwarded_for).to.equal('127.0.0.1');
      expect(res.body.ip).to.equal('127.0.0.1');
    });

    it('behind a trusted proxy, takes the address that proxy appended', async () => {
      const trusting = await startGateway({ AUTH_URL: services.auth.url, GATEWAY_TRUSTED_PROXIES: '1', REALTIME_URLS: rtA.running.url });
      try {
        const res = await client(trusting.url).get('/auth/verify', { headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' } });
        expect(res.body.forwarded_for).to.equal('203.0.113.7');
        expect(res.body.ip).to.equal('203.0.113.7');
      } finally {
        await trusting.close();
      }
    });

    it('passes a sane X-Request-Id on and makes one otherwise', async () => {
      const given = await api.get('/profiles/me', { headers: { 'x-request-id': 'req-123' } });
      expect(given.body.request_id).to.equal('req-123');
      expect(given.headers.get('x-request-id')).to.equal('req-123');
      const made = await api.get('/profiles/me', { headers: { 'x-request-id': 'bad id with spaces' } });
      expect(made.body.request_id).to.match(/^[0-9a-f-]{36}$/);
    });
  });

  describe('services that are down', () => {
    it('answers 503 in the contract shape at once when a service is stopped', async () => {
      const stopped = await echoService('discovery');
      await stopped.close();
      const g = await startGateway({ DISCOVERY_URL: stopped.url, REALTIME_URLS: rtA.running.url, GATEWAY_TIMEOUT_MS: '2000' });
      try {
        const started = Date.now();
        const res = await client(g.url).get('/discovery/candidates');
        expect(res.status).to.equal(503);
        expect(errorCode(res)).to.equal('service_unavailable');
        expect(res.headers.get('retry-after')).to.equal('1');
        expect(Date.now() - started).to.be.below(2000);
      } finally {
        await g.close();
      }
    });

    it('answers 504 in the contract shape when a service does not answer within the timeout', async () => {
      const hanging = net.createServer(() => {}); // accepts, never answers
      await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
      const port = (hanging.address() as net.AddressInfo).port;
      const g = await startGateway({ MEDIA_URL: `http://127.0.0.1:${port}`, REALTIME_URLS: rtA.running.url, GATEWAY_TIMEOUT_MS: '300' });
      try {
        const started = Date.now();
        const res = await client(g.url).get('/media/abc');
        expect(res.status).to.equal(504);
        expect(errorCode(res)).to.equal('gateway_timeout');
        expect(Date.now() - started).to.be.within(250, 2000);
      } finally {
        await g.close();
        hanging.close();
      }
    });

    it('sends a bodiless request again when a kept-alive connection was closed under it', async () => {
      // An upstream that drops every connection on its second request, as a reloading service may.
      const dropping = http.createServer((req, res) => {
        const socket = req.socket as net.Socket & { served?: number };
        socket.served = (socket.served ?? 0) + 1;
        if (socket.served > 1) return socket.destroy();
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ok: true }));
      });
      await new Promise<void>((r) => dropping.listen(0, '127.0.0.1', r));
      const port = (dropping.address() as net.AddressInfo).port;
      const g = await startGateway({ PROFILE_URL: `http://127.0.0.1:${port}`, REALTIME_URLS: rtA.running.url });
      try {
        const c = client(g.url);
        expect((await c.get('/profiles/me')).status).to.equal(200);
        expect((await c.get('/profiles/me')).status).to.equal(200);
        const post = await c.post('/profiles', { display_name: 'x' }); // a body: never sent twice
        expect(post.status).to.equal(502);
        expect(errorCode(post)).to.equal('bad_gateway');
      } finally {
        await g.close();
        dropping.closeAllConnections();
        dropping.close();
      }
    });

    it('answers 503 when no realtime instance is up', async () => {
      const g = await startGateway({ REALTIME_URLS: 'http://127.0.0.1:1-3' });
      try {
        const res = await client(g.url).get('/chat/conversations');
        expect(res.status).to.equal(503);
        expect(errorCode(res)).to.equal('service_unavailable');
      } finally {
        await g.close();
      }
    });

    it('refuses WebSocket upgrades outside the socket path', async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(`${gw.url}/auth/verify`, { headers: { connection: 'Upgrade', upgrade: 'websocket' } });
        req.on('response', (res) => resolve(res.statusCode ?? 0));
        req.on('upgrade', () => reject(new Error('upgraded')));
        req.on('error', reject);
        req.end();
      });
      expect(status).to.equal(404);
    });
  });

  describe('the socket tier', () => {
    const open: ClientSocket[] = [];
    const socket = (opts: Parameters<typeof connectSocket>[1] = {}) => {
      const s = connectSocket(gw.url, { path: '/chat/connect', reconnectionDelay: 100, reconnectionDelayMax: 300, ...opts });
      open.push(s);
      return s;
    };
    afterEach(() => {
      for (const s of open.splice(0)) s.disconnect();
    });

    it('keeps long-polling sessions on the instance that made them', async () => {
      // Polling only, so every emit is a new HTTP request that must find its session.
      const clients = Array.from({ length: 6 }, () => socket({ transports: ['polling'] }));
      await Promise.all(clients.map(connected));
      const tags = new Set<string>();
      for (let round = 0; round < 3; round++) {
        const replies = await Promise.all(clients.map((c, i) => emitWithAck(c, { round, i })));
        replies.forEach((r, i) => expect(r.payload).to.deep.equal({ round, i }));
        for (const r of replies) tags.add(r.tag);
      }
      expect([...tags].sort()).to.deep.equal([rtA.tag, rtB.tag].sort());
    });

    it('works with the default client: polling first, then the upgrade to WebSocket', async () => {
      const clients = Array.from({ length: 4 }, () => socket());
      await Promise.all(clients.map(connected));
      await Promise.all(
        clients.map((c) => new Promise<void>((resolve) => (c.io.engine.transport.name === 'websocket' ? resolve() : c.io.engine.once('upgrade', () => resolve())))),
      );
      const replies = await Promise.all(clients.map((c, i) => emitWithAck(c, i)));
      expect(replies.map((r) => r.payload)).to.deep.equal([0, 1, 2, 3]);
      expect(new Set(replies.map((r) => r.tag)).size).to.equal(2);
    });

    it('accepts WebSocket-only clients', async () => {
      const c = socket({ transports: ['websocket'] });
      await connected(c);
      expect((await emitWithAck(c, 'ws')).payload).to.equal('ws');
    });

    it('tells a session whose instance it does not know to start over', async () => {
      const res = await api.get('/chat/connect/?EIO=4&transport=polling&sid=nowhere.abc');
      expect(res.status).to.equal(503);
      expect(errorCode(res)).to.equal('service_unavailable');
      const evil = await api.get('/chat/connect/?EIO=4&transport=polling&sid=evil.example.com:80.abc');
      expect(evil.status).to.equal(503);
    });

    it('finds instances by host name and follows sessions tagged with an address (one port, several hosts)', async () => {
      const first = await realtimeLike({ host: '127.0.0.1', port: 0 });
      const port = Number(new URL(first.running.url).port);
      const second = await realtimeLike({ host: '127.0.0.2', port });
      // `localhost` is resolved like a compose service name; both instances share the port.
      const g = await startGateway({ REALTIME_URLS: `http://localhost:${port},http://127.0.0.2:${port}` });
      try {
        const clients = Array.from({ length: 4 }, () => {
          const s = connectSocket(g.url, { path: '/chat/connect', transports: ['polling'] });
          open.push(s);
          return s;
        });
        await Promise.all(clients.map(connected));
        const tags = new Set<string>();
        for (let round = 0; round < 3; round++) {
          for (const r of await Promise.all(clients.map((c, i) => emitWithAck(c, { round, i })))) tags.add(r.tag);
        }
        expect([...tags].sort()).to.deep.equal(['127-0-0-1', '127-0-0-2']);
      } finally {
        await g.close();
        await first.close();
        await second.close();
      }
    });

    it('moves the clients of a stopped instance to the other one', async () => {
      const spare = await realtimeLike();
      const g = await startGateway({ REALTIME_URLS: `${rtA.running.url},${spare.running.url}` });
      try {
        const clients = Array.from({ length: 4 }, () => {
          const s = connectSocket(g.url, { path: '/chat/connect', reconnectionDelay: 100, reconnectionDelayMax: 300 });
          open.push(s);
          return s;
        });
        await Promise.all(clients.map(connected));
        const before = await Promise.all(clients.map((c) => emitWithAck(c, 'before')));
        expect(new Set(before.map((r) => r.tag)).size).to.equal(2);
        const moved = clients.filter((_, i) => before[i].tag === spare.tag);
        const reconnected = Promise.all(
          moved.map((c) => new Promise<void>((resolve) => c.once('disconnect', () => c.once('connect', () => resolve())))),
        );
        await spare.kill();
        await reconnected;
        const after = await Promise.all(clients.map((c) => emitWithAck(c, 'after', 8000)));
        expect(after.map((r) => r.tag)).to.deep.equal(clients.map(() => rtA.tag));
      } finally {
        await g.close();
        await spare.close().catch(() => {});
      }
    });
  });
});
