// The discovery service (API.md § Discovery): candidates, swipes and quotas,
// matches, likes, block and report. Built from the platform's dependencies.
import type Router from '@koa/router';
import type { ServiceDeps } from '../../shared/platform.js';
import { discoveryRoutes } from './routes.js';
import { DiscoveryService, type DiscoveryOptions } from './service.js';

export { DiscoveryService, type DiscoveryOptions } from './service.js';

export function createDiscoveryRouter(deps: ServiceDeps, opts: DiscoveryOptions = {}): Router {
  return discoveryRoutes(deps, new DiscoveryService(deps, opts));
}
