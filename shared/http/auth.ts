// Bearer authentication for every service: a valid access JWT whose session
// has not been revoked. Sets ctx.state.auth = {userId, sessionId, exp}.
import type { Context, Next } from 'koa';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { verifyAccessToken, type AccessClaims } from '../jwt.js';
import type { SessionRevocations } from '../revocation.js';

export interface AuthDeps {
  config: Pick<Config, 'jwt'>;
  revocations: SessionRevocations;
}

export async function authenticate(deps: AuthDeps, token: string | undefined): Promise<AccessClaims> {
  if (!token) throw AppError.unauthorized();
  const claims = verifyAccessToken(deps.config.jwt, token);
  if (await deps.revocations.isRevoked(claims.sessionId)) throw AppError.unauthorized('Session revoked');
  return claims;
}

export function bearerToken(ctx: Context): string | undefined {
  const h = ctx.get('authorization');
  const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(h);
  return m?.[1];
}

export function requireAuth(deps: AuthDeps) {
  return async function authenticated(ctx: Context, next: Next) {
    ctx.state.auth = await authenticate(deps, bearerToken(ctx));
    await next();
  };
}

/** The caller, for routes behind requireAuth. */
export function caller(ctx: Context): AccessClaims {
  const a = ctx.state.auth as AccessClaims | undefined;
  if (!a) throw AppError.unauthorized();
  return a;
}
