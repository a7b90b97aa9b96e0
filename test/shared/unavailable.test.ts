// A store that cannot be reached is an outage, not a bug: HTTP 503
// `service_unavailable` with Retry-After (the code the gateway uses for a
// service that is down) and an ack `service_unavailable`, so clients retry;
// anything else unknown stays a 500 `internal_error`.
import { expect } from 'chai';
import Router from '@koa/router';
import { createHttpApp } from '../../shared/http/app.js';
import { AppError, errorAck, isUnavailable } from '../../shared/errors.js';
import { createRedis, type Redis } from '../../shared/redis.js';
import type { Platform } from '../../shared/platform.js';
import { testPlatform } from '../helpers/env.js';
import { client, errorCode, startHttp, type Running } from '../helpers/http.js';

describe('errors: a store that cannot be reached (shared)', () => {
  let down: Platform;
  let redis: Redis;
  let running: Running;
  let api: ReturnType<typeof client>;

  before(async () => {
    down = testPlatform({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere', REDIS_URL: undefined });
    redis = createRedis('redis://127.0.0.1:1', down.logger, 'unreachable');
    const router = new Router();
    router.get('/pg', async (ctx) => {
      ctx.body = (await down.db.raw('select 1')).rows;
    });
    router.get('/redis', async (ctx) => {
      ctx.body = { value: await redis.get('anything') };
    });
    router.get('/bug', () => {
      throw new TypeError('undefined is not a function');
    });
    running = await startHttp(createHttpApp({ service: 'probe', logger: down.logger, readiness: down, routers: [router] }).callback());
    api = client(running.url);
  });
  after(async () => {
    await running.close();
    redis.disconnect();
    await down.close();
  });

  it('answers 503 service_unavailable with Retry-After when PostgreSQL is down', async () => {
    const res = await api.get('/pg');
    expect(res.status).to.equal(503);
    expect(errorCode(res)).to.equal('service_unavailable');
    expect(res.headers.get('retry-after')).to.equal('1');
  });

  it('answers 503 service_unavailable when Redis is down (retries on reconnect used up)', async () => {
    const res = await api.get('/redis');
    expect(res.status).to.equal(503);
    expect(errorCode(res)).to.equal('service_unavailable');
  });

  it('keeps a bug a 500 internal_error', async () => {
    const res = await api.get('/bug');
    expect(res.status).to.equal(500);
    expect(errorCode(res)).to.equal('internal_error');
  });

  it('tells outages from other errors, for acks too', () => {
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const gone = new Error('Connection terminated unexpectedly');
    for (const err of [terminated, refused, gone]) {
      expect(isUnavailable(err), err.message).to.equal(true);
      expect(errorAck(err).error.code).to.equal('service_unavailable');
    }
    const unique = Object.assign(new Error('duplicate key value'), { code: '23505' });
    for (const err of [unique, new TypeError('x is undefined'), AppError.notFound(), 'text', null]) expect(isUnavailable(err)).to.equal(false);
    expect(errorAck(unique).error.code).to.equal('internal_error');
  });

  it('tells the outages of Redis Sentinel and Redis Cluster (a failover, a resharding, nothing to connect to)', () => {
    const clusterAllFailed = Object.assign(new Error('Failed to refresh slots cache.'), { name: 'ClusterAllFailedError' });
    const texts = [
      'CLUSTERDOWN The cluster is down',
      'TRYAGAIN Multiple keys request during rehashing of slot',
      "READONLY You can't write against a read only replica.",
      'LOADING Redis is loading the dataset in memory',
      'All sentinels are unreachable. Retrying from scratch after 10ms.',
      'None of startup nodes is available',
      'Too many Cluster redirections. Last error: Error: CLUSTERDOWN',
    ];
    for (const err of [clusterAllFailed, ...texts.map((t) => new Error(t))]) expect(isUnavailable(err), err.message).to.equal(true);
    expect(isUnavailable(new Error("CROSSSLOT Keys in request don't hash to the same slot")), 'a bug, not an outage').to.equal(false);
  });
});
