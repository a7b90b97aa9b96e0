// GET /health (liveness), GET /ready (PostgreSQL and Redis reachable) and
// GET /metrics (Prometheus) for any Koa app of the platform.
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import client from 'prom-client';
import type { Knex } from 'knex';
import type { Redis } from 'ioredis';

let defaultMetricsStarted = false;
const httpDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['service', 'method', 'route', 'status'] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

export function httpMetrics(service: string) {
  if (!defaultMetricsStarted) {
    client.collectDefaultMetrics();
    defaultMetricsStarted = true;
  }
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

export interface ReadinessDeps {
  db?: Knex;
  redis?: Redis | null;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}

export async function readiness(deps: ReadinessDeps) {
  const checks: Record<string, 'ok' | 'down'> = {};
  const tasks: Promise<void>[] = [];
  if (deps.db) {
    tasks.push(withTimeout(deps.db.raw('select 1'), 2000).then(() => { checks.database = 'ok'; }, () => { checks.database = 'down'; }));
  }
  if (deps.redis) {
    const redis = deps.redis;
    tasks.push(
      (redis.status === 'ready' ? withTimeout(redis.ping(), 2000) : Promise.reject(new Error(redis.status))).then(
        () => { checks.redis = 'ok'; },
        () => { checks.redis = 'down'; },
      ),
    );
  }
  await Promise.all(tasks);
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}

export function healthRouter(service: string, deps: ReadinessDeps) {
  const router = new Router();
  router.get('/health', (ctx) => {
    ctx.body = { status: 'healthy', service };
  });
  router.get('/ready', async (ctx) => {
    const r = await readiness(deps);
    ctx.status = r.ready ? 200 : 503;
    ctx.body = { status: r.ready ? 'ready' : 'not_ready', service, checks: r.checks };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = client.register.contentType;
    ctx.body = await client.register.metrics();
  });
  return router;
}
