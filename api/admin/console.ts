// The moderator console's page shell and its two static files (web/admin/),
// under /admin/ beside the admin API. The shell is the same for everyone and
// holds no data; every data call it makes goes to the admin API, which keeps
// the ADMIN_TELEGRAM_IDS rule (403 to anyone else).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Router from '@koa/router';
import type { Config } from '../../shared/config.js';
import { projectRoot } from '../gateway/web.js';

const FILES = {
  // Without the trailing slash (the router matches /admin/ too), as the contract writes paths.
  '/admin': ['index.html', 'text/html; charset=utf-8'],
  '/admin/console.js': ['console.js', 'text/javascript; charset=utf-8'],
  '/admin/console.css': ['console.css', 'text/css; charset=utf-8'],
} as const;

// The Socket.IO client the console's live queue connects with: the package's own browser build (no build step here).
const SOCKET_CLIENT = createRequire(import.meta.url).resolve('socket.io-client/dist/socket.io.js');

/** Built once from configuration. Photos come from the media URL's origin when it has one of its own. */
function contentSecurityPolicy(config: Pick<Config, 'media'>): string {
  const media = /^https?:\/\//.test(config.media.publicUrl) ? [new URL(config.media.publicUrl).origin] : [];
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    ["img-src 'self' data: blob:", ...media].join(' '),
    ["media-src 'self' blob:", ...media].join(' '),
    "connect-src 'self'",
    // Opened as the bot's Mini App: Telegram's web clients frame it.
    'frame-ancestors https://web.telegram.org',
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** Adds GET /admin (and /admin/), /admin/console.js, /admin/console.css and /admin/socket.io.js to a router without a prefix. */
export function consoleRoutes(router: Router, config: Pick<Config, 'media'>, dir = path.join(projectRoot(), 'web', 'admin')): void {
  const csp = contentSecurityPolicy(config);
  const cache = new Map<string, Buffer>();
  const files: [string, string, string][] = [
    ...Object.entries(FILES).map(([route, [file, type]]): [string, string, string] => [route, path.join(dir, file), type]),
    ['/admin/socket.io.js', SOCKET_CLIENT, 'text/javascript; charset=utf-8'],
  ];
  for (const [route, file, type] of files) {
    router.get(route, (ctx) => {
      let body = cache.get(file);
      if (!body) cache.set(file, (body = fs.readFileSync(file)));
      ctx.type = type;
      // Small and changed with every deploy: revalidated on each load.
      ctx.set('cache-control', 'no-cache');
      ctx.set('x-content-type-options', 'nosniff');
      if (route === '/admin') {
        ctx.set('content-security-policy', csp);
        ctx.set('referrer-policy', 'no-referrer');
      }
      ctx.body = body;
    });
  }
}
