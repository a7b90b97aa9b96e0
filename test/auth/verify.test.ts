import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { signAccessToken } from '../../shared/jwt.js';
import { errorCode } from '../helpers/http.js';
import { loginViaApi } from '../helpers/telegram.js';
import { newTgUser, startAuth, type AuthApp } from './harness.js';

describe('GET /auth/verify and key rotation', () => {
  const OLD = 'the-old-signing-secret-0123456789';
  let app: AuthApp;
  before(async () => {
    app = await startAuth({ JWT_KEY_ID: 'k2', JWT_SECRET: 'the-new-signing-secret-0123456789', JWT_PREVIOUS_KEYS: `k1:${OLD}` });
  });
  after(() => app.close());

  it('signs with the current key id', async () => {
    const me = await loginViaApi(app.url, newTgUser());
    expect(jwt.decode(me.access_token, { complete: true })?.header.kid).to.equal('k2');
  });

  it('still accepts tokens of a previous key, and refuses unknown keys', async () => {
    const me = await loginViaApi(app.url, newTgUser());
    const userId = me.user.id;
    const sessionId: string = (await app.api.get('/auth/verify', { token: me.access_token })).body.session_id;
    const cfg = app.platform.config.jwt;
    const old = signAccessToken({ ...cfg, keyId: 'k1', secret: OLD }, { userId, sessionId });
    expect((await app.api.get('/auth/verify', { token: old })).body).to.include({ user_id: userId, session_id: sessionId });
    const unknown = signAccessToken({ ...cfg, keyId: 'k9', secret: OLD }, { userId, sessionId });
    expect((await app.api.get('/auth/verify', { token: unknown })).status).to.equal(401);
    const forged = signAccessToken({ ...cfg, keyId: 'k2', secret: OLD }, { userId, sessionId });
    expect((await app.api.get('/auth/verify', { token: forged })).status).to.equal(401);
  });

  it('answers an expired access token with 401 token_expired', async () => {
    const me = await loginViaApi(app.url, newTgUser());
    const sessionId = (await app.api.get('/auth/verify', { token: me.access_token })).body.session_id;
    const expired = signAccessToken(app.platform.config.jwt, { userId: me.user.id, sessionId }, -10);
    const res = await app.api.get('/auth/verify', { token: expired });
    expect(res.status).to.equal(401);
    expect(errorCode(res)).to.equal('token_expired');
  });
});
