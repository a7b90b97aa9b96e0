// The route table of the contract (shared/contract/operations.ts, which the
// OpenAPI document is generated from) against the routes the Koa routers of
// every service register: no route without its entry, no entry without its route.
import type Router from '@koa/router';
import { expect } from 'chai';
import { createAdminRouter } from '../../api/admin/index.js';
import { createTelegramRouter } from '../../api/telegram/index.js';
import { createPaymentsRouters } from '../../api/payments/index.js';
import { createAuthRouter } from '../../api/auth/index.js';
import { createDiscoveryRouter } from '../../api/discovery/index.js';
import { webRouter } from '../../api/gateway/web.js';
import { createMediaRouter } from '../../api/media/index.js';
import { createProfileRouter } from '../../api/profile/index.js';
import { createRealtime } from '../../realtime/index.js';
import { healthRouter } from '../../shared/http/health.js';
import { OPERATIONS } from '../../shared/contract/operations.js';
import { openApiDocument } from '../../shared/contract/openapi.js';
import type { Platform } from '../../shared/platform.js';
import { testPlatform } from '../helpers/env.js';

/** `GET /profiles/{user_id}` for each method and path a router answers (HEAD rides along with GET). */
function registered(router: Router): string[] {
  return router.stack.flatMap((layer) =>
    layer.methods
      .filter((m) => m !== 'HEAD')
      .map((m) => `${m} ${String(layer.path).replace(/:(\w+)/g, '{$1}').replace(/\{\*(\w+)\}/g, '{$1}')}`),
  );
}

describe('contract routes', () => {
  let platform: Platform;
  let routes: string[];
  let stopRealtime: () => Promise<void>;

  before(async () => {
    // Development mode (no BOT_TOKEN), so the development-only route is registered too.
    platform = testPlatform();
    const realtime = createRealtime(platform);
    stopRealtime = () => realtime.stop();
    const routers = [
      healthRouter('test', {}),
      webRouter(platform.config, { buildIfMissing: false }),
      createAuthRouter(platform),
      createProfileRouter(platform),
      createDiscoveryRouter(platform),
      createMediaRouter(platform),
      realtime.router,
      createAdminRouter(platform),
      createTelegramRouter(platform),
      ...createPaymentsRouters(platform),
    ];
    routes = routers.flatMap(registered);
  });
  after(async () => {
    await stopRealtime?.();
    await platform?.close();
  });

  const documented = () => OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path}`);

  it('documents every route a service registers', () => {
    const missing = routes.filter((r) => !documented().includes(r));
    expect(missing, `routes without an entry in shared/contract/operations.ts:\n${missing.join('\n')}`).to.deep.equal([]);
  });

  it('documents no route that no service registers', () => {
    const stale = documented().filter((d) => !routes.includes(d));
    expect(stale, `entries of shared/contract/operations.ts no router registers:\n${stale.join('\n')}`).to.deep.equal([]);
  });

  it('lists each route once, and the document has exactly the table', () => {
    expect(new Set(documented()).size).to.equal(documented().length);
    const doc = openApiDocument({ version: 'test' }) as { paths: Record<string, Record<string, unknown>> };
    const inDoc = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
    expect(inDoc.sort()).to.deep.equal(documented().sort());
  });
});
