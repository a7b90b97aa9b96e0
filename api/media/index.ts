// The media service's router, built from the platform: /media/* (upload,
// read, delete, per-user lists, served files) and /profiles/{user_id}/photos.
import type Router from '@koa/router';
import type { ServiceDeps } from '../../shared/platform.js';
import { createStorage, type Storage } from '../../shared/storage/index.js';
import { mediaRoutes, type RouteOptions } from './routes.js';
import { MediaService } from './service.js';

export interface MediaRouterOptions extends RouteOptions {
  /** Defaults to the one configured (STORAGE_DRIVER). */
  storage?: Storage;
}

export function createMediaRouter(deps: ServiceDeps, opts: MediaRouterOptions = {}): Router {
  const storage = opts.storage ?? createStorage(deps.config);
  const service = new MediaService({ ...deps, logger: deps.logger.child({ component: 'media' }), storage });
  return mediaRoutes(deps, service, opts);
}

export { filesPath } from './routes.js';
