import { expect } from 'chai';
import Router from '@koa/router';
import { createHttpApp } from '../../shared/http/app.js';
import { createLogger } from '../../shared/logger.js';
import { AppError } from '../../shared/errors.js';
import { parse } from '../../shared/validation.js';
import { z } from 'zod';
import { startHttp, client, errorCode, type Running } from '../helpers/http.js';
import { testPlatform } from '../helpers/env.js';
import type { Platform } from '../../shared/platform.js';

describe('HTTP error handling and health (shared)', () => {
  let running: Running;
  let platform: Platform;
  let api: ReturnType<typeof client>;

  before(async () => {
    platform = testPlatform();
    const router = new Router();
    router.post('/echo', (ctx) => {
      ctx.body = parse(z.object({ name: z.string().min(1) }), ctx.request.body);
    });
    router.get('/boom', () => {
      throw new Error('secret internals at /srv/app.ts:42');
    });
    router.get('/teapot', () => {
      throw new AppError(409, 'conflict', 'Already there');
    });
    const app = createHttpApp({ service: 'probe', logger: createLogger(platform.config, 'probe'), readiness: platform, routers: [router] });
    running = await startHttp(app.callback());
    api = client(running.url);
  });
  after(async () => {
    await running.close();
    await platform.close();
  });

  it('answers /health with the service name', async () => {
    const res = await api.get('/health');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'healthy', service: 'probe' });
  });

  it('answers /ready 200 when PostgreSQL and Redis are reachable', async () => {
    const res = await api.get('/ready');
    expect(res.status).to.equal(200);
    expect(res.body.checks).to.deep.equal({ database: 'ok', redis: 'ok' });
  });

  it('answers /ready 503 when the database is unreachable', async () => {
    const down = testPlatform({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    const app = createHttpApp({ service: 'probe', logger: down.logger, readiness: down, routers: [] });
    const r = await startHttp(app.callback());
    try {
      const res = await client(r.url).get('/ready');
      expect(res.status).to.equal(503);
      expect(res.body.checks.database).to.equal('down');
    } finally {
      await r.close();
      await down.close();
    }
  });

  it('serves Prometheus metrics', async () => {
    const res = await api.get('/metrics');
    expect(res.status).to.equal(200);
    expect(res.body).to.contain('http_request_duration_seconds');
  });

  it('turns a malformed JSON body into 400 validation_failed', async () => {
    const res = await api.request('POST', '/echo', { rawBody: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(res.status).to.equal(400);
    expect(errorCode(res)).to.equal('validation_failed');
  });

  it('lists the bad fields in details', async () => {
    const res = await api.post('/echo', { name: 42 });
    expect(res.status).to.equal(400);
    expect(errorCode(res)).to.equal('validation_failed');
    expect(res.body.error.details[0].field).to.equal('name');
  });

  it('answers an unknown route with 404 not_found', async () => {
    const res = await api.get('/nothing/here');
    expect(res.status).to.equal(404);
    expect(errorCode(res)).to.equal('not_found');
  });

  it('renders an AppError with its status and code', async () => {
    const res = await api.get('/teapot');
    expect(res.status).to.equal(409);
    expect(errorCode(res)).to.equal('conflict');
  });

  it('turns an unknown error into a 500 with a request id and no internals', async () => {
    const res = await api.get('/boom');
    expect(res.status).to.equal(500);
    expect(errorCode(res)).to.equal('internal_error');
    expect(JSON.stringify(res.body)).not.to.contain('secret');
    expect(JSON.stringify(res.body)).not.to.contain('.ts');
    expect(res.body.error.details.request_id).to.equal(res.headers.get('x-request-id'));
  });

  it('serves every path under /api/v1 too', async () => {
    const res = await api.get('/api/v1/health');
    expect(res.status).to.equal(200);
  });
});
