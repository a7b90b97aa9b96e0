// Access tokens: short-lived HS256 JWTs carrying the user id (sub) and the
// session id (sid), with a key id in the header so secrets can rotate
// (JWT_PREVIOUS_KEYS keeps old keys verifiable until their tokens expire).
import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from './config.js';
import { AppError } from './errors.js';

export interface AccessClaims {
  userId: string;
  sessionId: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

type JwtConfig = Config['jwt'];

// jsonwebtoken turns a string secret into a KeyObject on every call, first
// trying (and failing) to parse it as a PEM key: ~0.5 ms per call. Once per secret instead.
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let k = keys.get(secret);
  if (!k) keys.set(secret, (k = createSecretKey(Buffer.from(secret))));
  return k;
}

export function signAccessToken(cfg: JwtConfig, claims: { userId: string; sessionId: string }, ttlS = cfg.accessTtlS): string {
  return jwt.sign({ sid: claims.sessionId, typ: 'access' }, keyOf(cfg.secret), {
    algorithm: 'HS256',
    subject: claims.userId,
    expiresIn: ttlS,
    keyid: cfg.keyId,
  });
}

function secretFor(cfg: JwtConfig, kid: unknown): string | undefined {
  if (kid === cfg.keyId) return cfg.secret;
  if (typeof kid === 'string' && Object.hasOwn(cfg.previousKeys, kid)) return cfg.previousKeys[kid];
  return undefined;
}

/** Verifies signature, algorithm, expiry and shape; throws a 401 AppError otherwise. */
export function verifyAccessToken(cfg: JwtConfig, token: string): AccessClaims {
  if (typeof token !== 'string' || token.length > 4096) throw AppError.unauthorized('Invalid access token');
  const decoded = jwt.decode(token, { complete: true });
  const secret = decoded && typeof decoded === 'object' ? secretFor(cfg, decoded.header.kid) : undefined;
  if (!secret) throw AppError.unauthorized('Invalid access token');
  let payload: jwt.JwtPayload;
  try {
    payload = jwt.verify(token, keyOf(secret), { algorithms: ['HS256'] }) as jwt.JwtPayload;
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) throw AppError.unauthorized('Access token expired', 'token_expired');
    throw AppError.unauthorized('Invalid access token');
  }
  if (payload.typ !== 'access' || typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') {
    throw AppError.unauthorized('Invalid access token');
  }
  return { userId: payload.sub, sessionId: payload.sid, exp: payload.exp };
}
