// Forwarding of HTTP requests and WebSocket upgrades to the services, with
// http-proxy-3. Bodies are streamed untouched (the gateway never parses them).
// The proxy sets X-Forwarded-For to the client's address as the gateway sees
// it (so the services' per-IP rate limits see real clients, and a client
// cannot claim another address), X-Forwarded-Proto/Host and X-Request-Id.
// A service that cannot be reached answers 503, a broken exchange 502, and no
// answer within GATEWAY_TIMEOUT_MS 504, all in the contract's error shape.
import http from 'node:http';
import type net from 'node:net';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import type { Logger } from '../../shared/logger.js';
import { clientAddress } from '../../shared/http/client-address.js';
import type { Route, ServiceName } from './routes.js';
import { chooseRealtime } from './sticky.js';
import type { RealtimePool, Upstream } from './upstreams.js';
import { counter } from '../../shared/metrics.js';

export interface ProxyOptions {
  logger: Logger;
  /** Base URLs of the single-address services. */
  upstreams: Record<Exclude<ServiceName, 'realtime'>, string>;
  realtime: RealtimePool;
  timeoutMs: number;
  trustedProxies: number;
}

/** Long-polls wait up to Engine.IO's ping interval (25 s) by design; give them room. */
const SOCKET_POLL_TIMEOUT_MS = 60_000;
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

const proxied = counter({
  name: 'gateway_proxied_requests_total',
  help: 'Requests the gateway forwarded, by service and status (5xx from the gateway itself included)',
  labelNames: ['service', 'status'] as const,
});

function errorBody(code: string, message: string, requestId: string) {
  return JSON.stringify({ error: { code, message, details: { request_id: requestId } } });
}

function first(h: string | string[] | undefined): string | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  return v?.split(',')[0]?.trim() || undefined;
}

/** Rewrites the forwarding headers in place; returns the request id. */
function setForwardingHeaders(req: http.IncomingMessage, trustedProxies: number): string {
  const incomingId = first(req.headers['x-request-id']);
  const requestId = incomingId && SANE_REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
  const trusted = trustedProxies > 0;
  const proto = (trusted && first(req.headers['x-forwarded-proto'])) || ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
  const host = (trusted && first(req.headers['x-forwarded-host'])) || req.headers.host || '';
  req.headers['x-forwarded-for'] = clientAddress(req, trustedProxies);
  req.headers['x-forwarded-proto'] = proto;
  req.headers['x-forwarded-host'] = host;
  delete req.headers['x-forwarded-port'];
  delete req.headers['x-real-ip'];
  delete req.headers.forwarded;
  req.headers['x-request-id'] = requestId;
  return requestId;
}

interface RoutedRequest extends http.IncomingMessage {
  /** The service it went to (for the metrics). */
  service?: ServiceName;
}

export interface GatewayProxy {
  web(req: http.IncomingMessage, res: http.ServerResponse, route: Route): void;
  ws(req: http.IncomingMessage, socket: net.Socket, head: Buffer, route: Route): void;
  /** Answers an upgrade to a path with no WebSocket endpoint: 404 in the contract's shape. */
  refuseUpgrade(req: http.IncomingMessage, socket: net.Socket): void;
  close(): void;
}

export function createGatewayProxy(opts: ProxyOptions): GatewayProxy {
  const { logger, realtime } = opts;
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 64 });
  const proxy = createProxyServer({ xfwd: false, ws: true });
  const timedOut = new WeakSet<http.IncomingMessage>();
  const onReusedSocket = new WeakSet<http.IncomingMessage>();

  proxy.on('proxyReq', (proxyReq, req) => {
    proxyReq.once('timeout', () => timedOut.add(req));
    if (proxyReq.reusedSocket) onReusedSocket.add(req);
    else onReusedSocket.delete(req);
  });
  proxy.on('proxyRes', (proxyRes, req) => {
    proxyRes.headers['x-request-id'] ??= req.headers['x-request-id'];
    const service = (req as RoutedRequest).service;
    if (service) proxied.inc({ service, status: String(proxyRes.statusCode ?? 0) });
  });
  // A client that went away mid-request: nothing to answer.
  proxy.on('econnreset', () => {});
  proxy.on('error', (err, req) => logger.debug({ err, url: req.url }, 'proxy error without a handler'));

  // The client connections proxied to each realtime instance (WebSockets, polls and REST
  // calls in flight). When the instance leaves the pool (its registry entry lapsed) and its
  // last probe got no answer at all, its host is gone from the network: those connections
  // are closed, so that their clients reconnect through the gateway to another instance at
  // once. A host that is cut off sends no reset, and Engine.IO's heartbeat would take up to
  // 45 s to notice. A node that drains refuses probes instead, and closes its clients itself
  // once its acks are out; a killed one's connections are reset by its kernel.
  const proxiedTo = new Map<Upstream, Set<net.Socket | http.ServerResponse>>();
  function track(upstream: Upstream, conn: net.Socket | http.ServerResponse) {
    let conns = proxiedTo.get(upstream);
    if (!conns) proxiedTo.set(upstream, (conns = new Set()));
    conns.add(conn);
    conn.once('close', () => {
      conns.delete(conn);
      if (!conns.size && proxiedTo.get(upstream) === conns) proxiedTo.delete(upstream);
    });
  }
  realtime.onLeave((upstream) => {
    const conns = proxiedTo.get(upstream);
    proxiedTo.delete(upstream);
    if (!conns?.size || !upstream.silent) return;
    logger.warn({ upstream: upstream.key, target: upstream.target, connections: conns.size }, 'realtime instance left; closing the connections proxied to it');
    for (const conn of conns) conn.destroy();
  });

  function fail(res: http.ServerResponse, service: ServiceName, status: number, code: string, message: string, requestId: string) {
    proxied.inc({ service, status: String(status) });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': requestId,
      ...(status === 503 ? { 'retry-after': '1' } : {}),
    });
    res.end(errorBody(code, message, requestId));
  }

  function failSocket(socket: net.Socket, status: number, code: string, message: string, requestId: string) {
    if (socket.destroyed) return;
    const body = errorBody(code, message, requestId);
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }

  function web(req: RoutedRequest, res: http.ServerResponse, route: Route): void {
    const requestId = setForwardingHeaders(req, opts.trustedProxies);
    req.url = route.url;
    req.service = route.service;
    // Node's server has already answered `Expect: 100-continue`; the body is on its way.
    delete req.headers.expect;
    if (route.service !== 'realtime') return forward(req, res, route, requestId, opts.upstreams[route.service], undefined, false);
    chooseRealtime(realtime, route.url, route.socket).then(
      (choice) => {
        if (choice.kind === 'none') {
          return fail(res, 'realtime', 503, 'service_unavailable', 'No realtime instance is available; retry shortly', requestId);
        }
        if (choice.kind === 'gone') {
          return fail(res, 'realtime', 503, 'service_unavailable', 'The session ended with its instance; reconnect', requestId);
        }
        forward(req, res, route, requestId, choice.upstream.target, choice.upstream, choice.kind === 'sticky');
      },
      (err: Error) => {
        logger.warn({ err, request_id: requestId }, 'cannot choose a realtime instance');
        fail(res, 'realtime', 503, 'service_unavailable', 'No realtime instance is available; retry shortly', requestId);
      },
    );
  }

  function forward(req: RoutedRequest, res: http.ServerResponse, route: Route, requestId: string, target: string, upstream: Upstream | undefined, sticky: boolean): void {
    const timeout = route.socket ? Math.max(opts.timeoutMs, SOCKET_POLL_TIMEOUT_MS) : opts.timeoutMs;
    const bodiless =
      (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') && !req.headers['content-length'] && !req.headers['transfer-encoding'];
    // Only a bodiless request that reached no instance may go to another one.
    const retryable = !sticky && bodiless;

    const send = (target: string, upstream: Upstream | undefined, attempt: number, body?: Readable) => {
      if (upstream) track(upstream, res);
      proxy.web(req, res, { target, agent, proxyTimeout: timeout, ...(body ? { buffer: body } : {}) }, (err) => {
        const code = (err as NodeJS.ErrnoException).code;
        if (timedOut.has(req)) {
          logger.warn({ upstream: route.service, target, request_id: requestId }, 'upstream timed out');
          return fail(res, route.service, 504, 'gateway_timeout', `The ${route.service} service did not answer in time`, requestId);
        }
        if (code && UNREACHABLE.has(code)) {
          if (upstream) {
            realtime.markDown(upstream);
            const next = retryable && !res.headersSent && attempt < 3 ? realtime.pick(upstream, route.socket) : undefined;
            if (next) return send(next.target, next, attempt + 1, Readable.from([]));
          }
          logger.warn({ upstream: route.service, target, code, request_id: requestId }, 'upstream unreachable');
          return fail(res, route.service, 503, 'service_unavailable', `The ${route.service} service is unavailable; retry shortly`, requestId);
        }
        // A kept-alive connection the service closed just as it was reused (a reload, an idle
        // timeout): the request never got there, and a bodiless one is safe to send again.
        if (code === 'ECONNRESET' && onReusedSocket.has(req) && bodiless && !res.headersSent && attempt === 1) {
          return send(target, upstream, attempt + 1, Readable.from([]));
        }
        logger.warn({ err, upstream: route.service, target, request_id: requestId }, 'upstream failed');
        return fail(res, route.service, 502, 'bad_gateway', `The ${route.service} service failed to answer`, requestId);
      });
    };
    send(target, upstream, 1);
  }

  function refuseUpgrade(req: http.IncomingMessage, socket: net.Socket): void {
    socket.on('error', () => socket.destroy());
    failSocket(socket, 404, 'not_found', 'No WebSocket endpoint here', setForwardingHeaders(req, opts.trustedProxies));
  }

  function ws(req: http.IncomingMessage, socket: net.Socket, head: Buffer, route: Route): void {
    if (route.service !== 'realtime' || !route.socket) return refuseUpgrade(req, socket);
    socket.on('error', () => socket.destroy());
    const requestId = setForwardingHeaders(req, opts.trustedProxies);
    req.url = route.url;
    chooseRealtime(realtime, route.url, true).then(
      (choice) => {
        if (socket.destroyed) return;
        if (choice.kind === 'none' || choice.kind === 'gone') {
          return failSocket(socket, 503, 'service_unavailable', 'No realtime instance for this session; reconnect', requestId);
        }
        const { upstream } = choice;
        track(upstream, socket);
        proxy.ws(req, socket, head, { target: upstream.target }, (err) => {
          const e = err as NodeJS.ErrnoException;
          if (e.code && UNREACHABLE.has(e.code)) {
            realtime.markDown(upstream);
            return failSocket(socket, 503, 'service_unavailable', 'The realtime instance is unavailable; reconnect', requestId);
          }
          logger.debug({ err, target: upstream.target, request_id: requestId }, 'websocket proxy ended with an error');
          socket.destroy();
        });
      },
      () => failSocket(socket, 503, 'service_unavailable', 'No realtime instance for this session; reconnect', requestId),
    );
  }

  return {
    web,
    ws,
    refuseUpgrade,
    close() {
      agent.destroy();
    },
  };
}
