// Builds the profile service's router from its dependencies (the composition
// roots, api/profile/main.ts and the all-in-one process, hand them in).
import type Router from '@koa/router';
import type { ServiceDeps } from '../../shared/platform.js';
import { profileRoutes } from './routes.js';
import { ProfileService } from './service.js';

export function createProfileRouter(deps: ServiceDeps): Router {
  const service = new ProfileService({ ...deps, logger: deps.logger.child({ component: 'profile' }) });
  return profileRoutes(service, deps);
}
