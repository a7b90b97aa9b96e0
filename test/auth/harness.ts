// An auth service on port 0 against the run's PostgreSQL and Redis.
import { createHttpApp } from '../../shared/http/app.js';
import type { Platform } from '../../shared/platform.js';
import { createAuthRouter } from '../../api/auth/index.js';
import { testPlatform, uniqueTelegramId } from '../helpers/env.js';
import { client, startHttp } from '../helpers/http.js';
import { randomClientIp, type TgUser } from '../helpers/telegram.js';

export interface AuthApp {
  platform: Platform;
  url: string;
  api: ReturnType<typeof client>;
  close(): Promise<void>;
}

/**
 * Limits are lifted unless a test sets them: most tests are not about them. The test stands
 * where the gateway does (one trusted hop), so asClient() picks the client's address.
 */
export async function startAuth(overrides: Record<string, string | undefined> = {}): Promise<AuthApp> {
  const platform = testPlatform(
    { TRUSTED_PROXY_HOPS: '1', RATE_LIMIT_AUTH_PER_MIN: '1000000', RATE_LIMIT_REFRESH_PER_MIN: '1000000', RATE_LIMIT_TOKEN_PER_USER_PER_HOUR: '1000000', ...overrides },
    'auth',
  );
  const app = createHttpApp({
    service: 'auth',
    logger: platform.logger,
    readiness: platform,
    routers: [createAuthRouter(platform)],
    trustedHops: platform.config.trustedProxyHops,
  });
  const running = await startHttp(app.callback());
  return {
    platform,
    url: running.url,
    api: client(running.url),
    async close() {
      await running.close();
      await platform.close();
    },
  };
}

export function newTgUser(fields: Partial<TgUser> = {}): TgUser {
  const id = uniqueTelegramId();
  return { id, first_name: 'Ann', username: `ann_${id}`, ...fields };
}

/** Headers of a distinct client (its own per-IP budget). */
export const asClient = (ip = randomClientIp()) => ({ 'x-forwarded-for': ip });
