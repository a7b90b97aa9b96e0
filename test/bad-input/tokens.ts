// Access tokens that must be refused: expired, forged with another secret,
// `alg: none`, an unknown key id, another algorithm, the wrong `typ`, a
// revoked session, garbage. Made with jsonwebtoken and by hand (jsonwebtoken
// will not sign `none` with a kid).
import jwt from 'jsonwebtoken';
import type { Config } from '../../shared/config.js';
import { signAccessToken } from '../../shared/jwt.js';
import type { TestUser } from '../helpers/users.js';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

export interface BadToken {
  name: string;
  /** The Authorization header to send (undefined: none at all). */
  header: string | undefined;
  /** The token as a socket handshake would carry it. */
  token: string | undefined;
  /** The error code the contract gives. */
  code: string;
}

export function badTokens(config: Config, victim: TestUser, revoked: TestUser): BadToken[] {
  const { jwt: cfg } = config;
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: victim.id, sid: victim.sessionId, typ: 'access' };
  const sign = (payload: object, secret: string, opts: jwt.SignOptions) => jwt.sign(payload, secret, opts);
  const bearer = (t: string, code = 'unauthorized'): Omit<BadToken, 'name'> => ({ header: `Bearer ${t}`, token: t, code });
  const tokens: Record<string, Omit<BadToken, 'name'>> = {
    'no Authorization header': { header: undefined, token: undefined, code: 'unauthorized' },
    'a Basic scheme': { header: `Basic ${Buffer.from('alice:secret').toString('base64')}`, token: 'alice:secret', code: 'unauthorized' },
    'an empty Bearer': { header: 'Bearer ', token: '', code: 'unauthorized' },
    'garbage': bearer('not-a-jwt'),
    'three empty parts': bearer('..'),
    'an expired token': bearer(signAccessToken(cfg, { userId: victim.id, sessionId: victim.sessionId }, -60), 'token_expired'),
    'a token forged with another secret': bearer(sign(claims, 'another-secret-of-enough-length', { algorithm: 'HS256', keyid: cfg.keyId, expiresIn: 600 })),
    'alg none (unsigned)': bearer(`${b64({ alg: 'none', typ: 'JWT', kid: cfg.keyId })}.${b64({ ...claims, iat: now, exp: now + 600 })}.`),
    'a valid token with its signature stripped': bearer(signAccessToken(cfg, { userId: victim.id, sessionId: victim.sessionId }).split('.').slice(0, 2).join('.') + '.'),
    'an unknown key id': bearer(sign(claims, cfg.secret, { algorithm: 'HS256', keyid: 'k-unknown', expiresIn: 600 })),
    'no key id': bearer(sign(claims, cfg.secret, { algorithm: 'HS256', expiresIn: 600 })),
    'HS512 with the right secret': bearer(sign(claims, cfg.secret, { algorithm: 'HS512', keyid: cfg.keyId, expiresIn: 600 })),
    'a refresh-typed token': bearer(sign({ ...claims, typ: 'refresh' }, cfg.secret, { algorithm: 'HS256', keyid: cfg.keyId, expiresIn: 600 })),
    'a token without exp': bearer(sign(claims, cfg.secret, { algorithm: 'HS256', keyid: cfg.keyId })),
    'a token not valid yet': bearer(sign(claims, cfg.secret, { algorithm: 'HS256', keyid: cfg.keyId, expiresIn: 600, notBefore: 300 })),
    'a tampered payload (another sub)': bearer(
      (() => {
        const [h, , s] = signAccessToken(cfg, { userId: victim.id, sessionId: victim.sessionId }).split('.');
        return `${h}.${b64({ ...claims, sub: revoked.id, iat: now, exp: now + 600 })}.${s}`;
      })(),
    ),
    'a revoked session': bearer(revoked.token),
    'two tokens in one header': { header: `Bearer ${signAccessToken(cfg, { userId: victim.id, sessionId: victim.sessionId })}, Bearer x`, token: `${signAccessToken(cfg, { userId: victim.id, sessionId: victim.sessionId })} x`, code: 'unauthorized' },
    'a 10 KB token': bearer(`${'a'.repeat(5000)}.${'b'.repeat(5000)}.c`),
  };
  return Object.entries(tokens).map(([name, t]) => ({ name, ...t }));
}
