// Builds the auth router from the platform's connections.
import type Router from '@koa/router';
import type { ServiceDeps } from '../../shared/platform.js';
import { DEFAULT_LOGIN_WRITER_OPTIONS, LoginWriter } from './login-writer.js';
import { AuthRepo } from './repo.js';
import { authRoutes } from './routes.js';
import { AuthService } from './service.js';
import { applyReferral } from '../telegram/referrals.js';

export function createAuthRouter(deps: ServiceDeps): Router {
  const { config } = deps;
  const logger = deps.logger.child({ component: 'auth' });
  const limit = (name: string, points: number, durationS = 60) => deps.limiter(name, points, durationS);
  const repo = new AuthRepo(deps.db);
  const service = new AuthService({
    config,
    logger,
    repo,
    logins: new LoginWriter(repo, { ...DEFAULT_LOGIN_WRITER_OPTIONS, ttlS: config.jwt.refreshTtlS }),
    revocations: deps.revocations,
    refreshLimit: limit('auth-refresh-user', config.rateLimits.refreshPerMin),
    tokenLimit: limit('auth-token-telegram-id', config.tokenPerUserPerHour, 3600),
    referral: (startParam, userId) => applyReferral({ db: deps.db, logger, perDay: config.telegram.referralsPerDay }, startParam, userId),
  });
  return authRoutes(service, {
    config,
    revocations: deps.revocations,
    ipLimit: limit('auth-ip', config.rateLimits.authPerMin),
    userLimit: limit('auth-user', config.rateLimits.authPerMin),
  });
}
