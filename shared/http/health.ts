// GET /health (liveness), GET /ready (the stores the platform uses reachable:
// PostgreSQL, and Redis when there is one) and GET /metrics (Prometheus) for
// any Koa app of the platform.
//
// A service binds privately and shows everything on its own port. The public
// port (the gateway, the all-in-one process) marks its requests with
// publicPort(): there /ready says only ready or not, and /metrics needs
// METRICS_TOKEN as a bearer token, else it answers as an unknown path does.
// METRICS_PORT serves /metrics on 127.0.0.1 instead (startMetricsServer).
import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import client from 'prom-client';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { withTimeout } from '../with-timeout.js';
import { histogram } from '../metrics.js';

let defaultMetricsStarted = false;
const httpDuration = histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['service', 'method', 'route', 'status'] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

/** Node's process metrics (CPU, memory, event-loop lag, GC), once per process, in whatever serves /metrics. */
function startDefaultMetrics(): void {
  if (defaultMetricsStarted) return;
  client.collectDefaultMetrics();
  defaultMetricsStarted = true;
}

export function httpMetrics(service: string) {
  startDefaultMetrics();
  return async function timeRequest(ctx: Context, next: Next) {
    const end = httpDuration.startTimer();
    try {
      await next();
    } finally {
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      end({ service, method: ctx.method, route: String(route), status: String(ctx.status) });
    }
  };
}

/** Resolves when its store answers. */
export type Probe = () => Promise<unknown>;

export interface ReadinessDeps {
  /** By the name /ready reports it under (the platform's probes: database, redis). */
  probes?: Record<string, Probe>;
}

export async function readiness(deps: ReadinessDeps) {
  const checks: Record<string, 'ok' | 'down'> = {};
  await Promise.all(
    Object.entries(deps.probes ?? {}).map(([name, probe]) =>
      withTimeout(Promise.resolve().then(probe), 2000, name).then(
        () => { checks[name] = 'ok'; },
        () => { checks[name] = 'down'; },
      ),
    ),
  );
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}

export interface PublicPortOptions {
  /** METRICS_TOKEN: the bearer token that opens /metrics on this port; unset: /metrics is not served here. */
  metricsToken?: string;
}

/** Marks every request of an app as arriving on the public port (mount it in createHttpApp's `before`). */
export function publicPort(opts: PublicPortOptions): Middleware {
  return async function markPublic(ctx, next) {
    ctx.state.publicPort = opts;
    await next();
  };
}

/** `Authorization: Bearer <token>`, compared as digests so the time taken tells nothing about the token. */
function bearerMatches(header: string, token: string | undefined): boolean {
  const given = /^Bearer +(\S+) *$/i.exec(header)?.[1];
  if (!token || !given) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

export function healthRouter(service: string, deps: ReadinessDeps) {
  const router = new Router();
  router.get('/health', (ctx) => {
    ctx.body = { status: 'healthy', service };
  });
  router.get('/ready', async (ctx) => {
    const r = await readiness(deps);
    ctx.status = r.ready ? 200 : 503;
    // The public port does not name the stores behind it nor which one is down.
    ctx.body = ctx.state.publicPort ? { status: r.ready ? 'ready' : 'not_ready' } : { status: r.ready ? 'ready' : 'not_ready', service, checks: r.checks };
  });
  router.get('/metrics', async (ctx) => {
    const pub = ctx.state.publicPort as PublicPortOptions | undefined;
    // A missing or wrong token gets the 404 of an unknown path, not a 401: nothing
    // tells a visitor that metrics exist here or that a token would open them.
    if (pub && !bearerMatches(ctx.get('authorization'), pub.metricsToken)) return;
    ctx.type = client.register.contentType;
    ctx.body = await client.register.metrics();
  });
  return router;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** METRICS_PORT: /metrics alone, on 127.0.0.1 only, for a scraper on the same host (no token). */
export function startMetricsServer(port: number, logger: Logger): Promise<MetricsServer> {
  startDefaultMetrics();
  const answer = (res: http.ServerResponse, err: AppError) => {
    res.writeHead(err.status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(err.toBody()));
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || path !== '/metrics') return answer(res, AppError.notFound(`No route for ${req.method} ${path}`));
    client.register.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': client.register.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err) => {
        logger.error({ err }, 'metrics collection failed');
        answer(res, new AppError(500, 'internal_error', 'Internal error'));
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      logger.info({ port }, `metrics on http://127.0.0.1:${port}/metrics`);
      resolve({
        port: (server.address() as { port: number }).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
