// Builds a Koa app with the platform's standard stack: request context,
// metrics, the one error renderer, JSON body parsing, health/ready/metrics,
// then the service routers. Used by every service's composition root and by
// the all-in-one process.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import Koa from 'koa';
import type Router from '@koa/router';
import { HttpMethodEnum, koaBody } from 'koa-body';
import type { Logger } from '../logger.js';
import { AppError } from '../errors.js';
import { clientAddress } from './client-address.js';
import { errorMiddleware } from './errors.js';
import { requestContext } from './request-context.js';
import { healthRouter, httpMetrics, type ReadinessDeps } from './health.js';

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  readiness: ReadinessDeps;
  routers: Router[];
  /**
   * Proxy hops in front of this app whose forwarding headers are believed
   * (client-address.ts). 0, the default, takes the TCP peer as the client and
   * ignores X-Forwarded-For/Proto/Host: a client can claim nothing.
   */
  trustedHops?: number;
  /** Extra middleware mounted before the routers (after body parsing). */
  before?: Koa.Middleware[];
}

/** `/api/v1/x` is the same as `/x` (the versioned prefix of the contract). */
export function stripApiVersion(): Koa.Middleware {
  return async function apiVersion(ctx, next) {
    if (ctx.path === '/api/v1' || ctx.path.startsWith('/api/v1/')) ctx.path = ctx.path.slice('/api/v1'.length) || '/';
    await next();
  };
}

/** ctx.ip is the client as client-address.ts decides (Koa's own reading would take the left-most, client-written entry). */
function clientIp(trustedHops: number): Koa.Middleware {
  return async function setClientIp(ctx, next) {
    ctx.request.ip = clientAddress(ctx.req, trustedHops);
    await next();
  };
}

export function createHttpApp(opts: HttpAppOptions): Koa {
  const trustedHops = opts.trustedHops ?? 0;
  // `proxy` only makes Koa read X-Forwarded-Proto/Host (ctx.protocol, ctx.host); the address is set below.
  const app = new Koa({ proxy: trustedHops > 0 });
  app.silent = true; // errors are logged by the error middleware, once
  app.use(clientIp(trustedHops));
  app.use(requestContext(opts.logger));
  app.use(httpMetrics(opts.service));
  app.use(errorMiddleware());
  app.use(stripApiVersion());
  const parseBody = koaBody({
    json: true,
    jsonStrict: true,
    jsonLimit: '1mb',
    multipart: false,
    urlencoded: false,
    text: false,
    // Everything else (multipart included) is left for the route that wants it.
    parsedMethods: [HttpMethodEnum.POST, HttpMethodEnum.PUT, HttpMethodEnum.PATCH, HttpMethodEnum.DELETE],
  });
  app.use(async function body(ctx, next) {
    try {
      await parseBody(ctx, async () => {});
    } catch (err) {
      // A body that cannot be read (e.g. Content-Encoding: gzip over bytes that are
      // not gzip: zlib throws without an HTTP status) is the client's mistake.
      const status = (err as { status?: number }).status;
      if (typeof status === 'number' && status < 500) throw err;
      throw AppError.validation([{ field: '(body)', message: 'the request body cannot be read (bad encoding or compression)' }], 'Malformed request body');
    }
    await next();
  });
  for (const mw of opts.before ?? []) app.use(mw);
  const health = healthRouter(opts.service, opts.readiness);
  app.use(health.routes());
  for (const r of opts.routers) {
    app.use(r.routes());
    app.use(r.allowedMethods());
  }
  return app;
}

/**
 * Requests Node refuses before Koa sees them (headers over 16 KB, a malformed
 * request line): the same refusal Node gives, with the contract's error body.
 */
function answerClientError(err: Error & { code?: string }, socket: Duplex) {
  if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'Request line and headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request took too long to arrive']
        : [400, 'bad_request', 'Malformed HTTP request'];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Listens and resolves once bound; port 0 picks a free port. */
export function listen(handler: http.RequestListener, port: number, host = '0.0.0.0'): Promise<http.Server> {
  const server = http.createServer(handler);
  server.on('clientError', answerClientError);
  server.keepAliveTimeout = 65_000; // longer than typical load-balancer idle timeouts
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes the rest. */
export function closeServer(server: http.Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export function portOf(server: http.Server): number {
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}
