// The moderator console's page shell and its two static files (web/admin/),
// under /admin/ beside the admin API. The shell is the same for everyone and
// holds no data (only the bot's public username, for the Telegram Login
// Widget); every data call it makes goes to the admin API, which keeps the
// ADMIN_TELEGRAM_IDS rule (403 to anyone else).
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

/** A bot username Telegram would accept (the login widget names the bot); anything else shows no widget. */
const BOT_USERNAME = /^[A-Za-z][A-Za-z0-9_]{3,31}$/;

/** The bot the Telegram Login Widget signs in with, when BOT_USERNAME is configured. */
function loginBot(config: Pick<Config, 'telegram'>): string | null {
  const name = config.telegram.botUsername?.replace(/^@/, '');
  return name && BOT_USERNAME.test(name) ? name : null;
}

/**
 * Built once from configuration. Photos come from the media URL's origin when
 * it has one of its own; with a login bot, Telegram's widget script and the
 * frame it opens are allowed too.
 */
function contentSecurityPolicy(config: Pick<Config, 'media' | 'telegram'>): string {
  const media = /^https?:\/\//.test(config.media.publicUrl) ? [new URL(config.media.publicUrl).origin] : [];
  const widget = loginBot(config) !== null;
  return [
    "default-src 'self'",
    widget ? "script-src 'self' https://telegram.org" : "script-src 'self'",
    ...(widget ? ['frame-src https://oauth.telegram.org'] : []),
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

/** The page shell with the login bot's name in its `telegram-login-bot` meta tag (empty without one). */
function withLoginBot(html: Buffer, bot: string | null): Buffer {
  return bot ? Buffer.from(html.toString('utf8').replace('<meta name="telegram-login-bot" content="">', `<meta name="telegram-login-bot" content="${bot}">`)) : html;
}

/** Adds GET /admin (and /admin/), /admin/console.js, /admin/console.css and /admin/socket.io.js to a router without a prefix. */
export function consoleRoutes(router: Router, config: Pick<Config, 'media' | 'telegram'>, dir = path.join(projectRoot(), 'web', 'admin')): void {
  const csp = contentSecurityPolicy(config);
  const bot = loginBot(config);
  const cache = new Map<string, Buffer>();
  const files: [string, string, string][] = [
    ...Object.entries(FILES).map(([route, [file, type]]): [string, string, string] => [route, path.join(dir, file), type]),
    ['/admin/socket.io.js', SOCKET_CLIENT, 'text/javascript; charset=utf-8'],
  ];
  for (const [route, file, type] of files) {
    router.get(route, (ctx) => {
      let body = cache.get(file);
      if (!body) cache.set(file, (body = route === '/admin' ? withLoginBot(fs.readFileSync(file), bot) : fs.readFileSync(file)));
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
