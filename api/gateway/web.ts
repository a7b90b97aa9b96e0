// The reference Mini App (web/), served at `/` by the gateway in every mode.
// index.html is revalidated on every load; the content-hashed assets are
// cached for a year and served brotli/gzip-compressed when the client takes
// it. When web/dist has no build yet (a fresh clone started with `npm
// start`), the first router to need it builds it once with esbuild.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../../shared/config.js';
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { contractRouter } from './contract.js';

export interface WebRouterOptions {
  /** The built client (default: web/dist of the project). */
  dir?: string;
  /** Build the client when `dir` has none (default true). */
  buildIfMissing?: boolean;
  logger?: Logger;
}

const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
};

/** The folder with package.json above this file (works from sources and from a compiled dist/). */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

/**
 * Built once from configuration: nothing a request carries (Host, X-Forwarded-Host) reaches
 * the header. CSP3's 'self' covers same-origin ws: and wss:, so the socket needs no host here.
 */
function contentSecurityPolicy(config: Config): string {
  const media = /^https?:\/\//.test(config.media.publicUrl) ? [new URL(config.media.publicUrl).origin] : [];
  return [
    "default-src 'self'",
    // telegram-web-app.js is loaded only inside Telegram.
    "script-src 'self' https://telegram.org",
    "style-src 'self' 'unsafe-inline'",
    ["img-src 'self' data: blob:", ...media].join(' '),
    ["connect-src 'self'", ...config.csp.connectSrc].join(' '),
    // Telegram's web clients show a Mini App in an iframe; nobody else may frame it.
    `frame-ancestors ${config.csp.frameAncestors.join(' ') || "'none'"}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

export function webRouter(config: Config, opts: WebRouterOptions = {}): Router {
  const dir = path.resolve(opts.dir ?? path.join(projectRoot(), 'web', 'dist'));
  const indexFile = path.join(dir, 'index.html');
  let building: Promise<void> | null = null;

  const ensureBuilt = (): Promise<void> => {
    if (fs.existsSync(indexFile)) return Promise.resolve();
    if (opts.buildIfMissing === false) return Promise.reject(new Error('not built'));
    building ??= (async () => {
      const started = Date.now();
      const { buildWeb } = await import('../../web/build.js');
      const b = await buildWeb(dir);
      opts.logger?.info({ dir, bytes: b.totalBytes, gzip_bytes: b.totalGzip, ms: Date.now() - started }, 'web client built');
    })().catch((err: unknown) => {
      building = null;
      opts.logger?.error({ err }, 'web client build failed');
      throw err;
    });
    return building;
  };
  // Start a missing build now, so it is ready by the first visit.
  if (!fs.existsSync(indexFile) && opts.buildIfMissing !== false) ensureBuilt().catch(() => {});

  const csp = contentSecurityPolicy(config);
  const serveIndex = async (ctx: Context) => {
    try {
      await ensureBuilt();
    } catch {
      throw new AppError(503, 'unavailable', 'The web client is not built: run `npm run build:web`');
    }
    ctx.set({
      'Cache-Control': 'no-cache',
      // No X-Frame-Options: it has no way to allow Telegram's origins; frame-ancestors replaces it.
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = await fs.promises.readFile(indexFile);
  };

  const serveAsset = async (ctx: Context) => {
    const name = String(ctx.params.name ?? '');
    if (!ASSET_NAME.test(name)) throw AppError.notFound();
    const file = path.join(dir, 'assets', name);
    const type = TYPES[path.extname(name)];
    if (!type) throw AppError.notFound();
    // A precompressed copy when the client accepts it (the build writes .br and .gz).
    const encoding = ctx.acceptsEncodings('br', 'gzip', 'identity');
    let served = file;
    let contentEncoding: string | undefined;
    for (const [enc, ext] of [['br', '.br'], ['gzip', '.gz']] as const) {
      if (encoding === enc && fs.existsSync(file + ext)) {
        served = file + ext;
        contentEncoding = enc;
        break;
      }
    }
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(served);
    } catch {
      throw AppError.notFound();
    }
    if (!stat.isFile()) throw AppError.notFound();
    ctx.set({
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
      Vary: 'Accept-Encoding',
    });
    if (contentEncoding) ctx.set('Content-Encoding', contentEncoding);
    // HEAD: no file stream to leave open; Koa sends the headers only.
    ctx.body = ctx.method === 'HEAD' ? Buffer.alloc(0) : fs.createReadStream(served);
    ctx.type = type;
    ctx.length = stat.size;
  };

  const router = new Router();
  router.get('/', serveIndex);
  router.get('/index.html', serveIndex);
  router.get('/assets/:name', serveAsset);
  // The contract's documents are served wherever the client is (gateway and all-in-one).
  router.use(contractRouter().routes());
  return router;
}
