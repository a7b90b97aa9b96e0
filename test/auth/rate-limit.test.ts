import { expect } from 'chai';
import { errorCode, type ApiResponse } from '../helpers/http.js';
import { loginViaApi, randomClientIp, signInitData } from '../helpers/telegram.js';
import { asClient, newTgUser, startAuth, type AuthApp } from './harness.js';

function expectLimited(res: ApiResponse) {
  expect(res.status).to.equal(429);
  expect(errorCode(res)).to.equal('rate_limited');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).to.be.within(1, 60);
}

describe('Auth rate limits', () => {
  describe('two instances on one Redis', () => {
    let one: AuthApp;
    let two: AuthApp;
    before(async () => {
      one = await startAuth({ RATE_LIMIT_AUTH_PER_MIN: '3', RATE_LIMIT_REFRESH_PER_MIN: '2' });
      two = await startAuth({ RATE_LIMIT_AUTH_PER_MIN: '3', RATE_LIMIT_REFRESH_PER_MIN: '2' });
    });
    after(async () => {
      await one.close();
      await two.close();
    });

    it('share the per-IP budget: the 4th request in the minute gets 429 with Retry-After', async () => {
      const headers = asClient();
      const body = { init_data: signInitData(newTgUser()) };
      expect((await one.api.post('/auth/validate', body, { headers })).status).to.equal(200);
      expect((await two.api.post('/auth/validate', body, { headers })).status).to.equal(200);
      expect((await one.api.post('/auth/validate', body, { headers })).status).to.equal(200);
      expectLimited(await two.api.post('/auth/validate', body, { headers }));
      expectLimited(await one.api.post('/auth/token', body, { headers }));
      // Another client is not affected.
      expect((await two.api.post('/auth/validate', body, { headers: asClient() })).status).to.equal(200);
    });

    it('count every /auth/* route, authenticated ones too', async () => {
      const me = await loginViaApi(one.url, newTgUser());
      const headers = asClient();
      for (let i = 0; i < 3; i++) expect((await (i % 2 ? one : two).api.get('/auth/verify', { token: me.access_token, headers })).status).to.equal(200);
      expectLimited(await one.api.get('/auth/sessions', { token: me.access_token, headers }));
    });

    it('limit a user on the authenticated routes, whatever the client address', async () => {
      const me = await loginViaApi(one.url, newTgUser());
      for (let i = 0; i < 3; i++) expect((await (i % 2 ? one : two).api.get('/auth/verify', { token: me.access_token, headers: asClient() })).status).to.equal(200);
      expectLimited(await one.api.get('/auth/sessions', { token: me.access_token, headers: asClient() }));
      // Another user is not affected.
      const other = await loginViaApi(two.url, newTgUser());
      expect((await two.api.get('/auth/verify', { token: other.access_token, headers: asClient() })).status).to.equal(200);
    });

    it('limit refreshes per user, whatever the client address', async () => {
      const me = await loginViaApi(one.url, newTgUser());
      let refresh = me.refresh_token;
      for (const app of [one, two]) {
        const res = await app.api.post('/auth/refresh', { refresh_token: refresh }, { headers: asClient() });
        expect(res.status).to.equal(200);
        refresh = res.body.refresh_token;
      }
      expectLimited(await one.api.post('/auth/refresh', { refresh_token: refresh }, { headers: asClient() }));
      // The refused attempt did not spend the token: it still works once the user's window allows.
      const other = await loginViaApi(two.url, newTgUser());
      expect((await two.api.post('/auth/refresh', { refresh_token: other.refresh_token }, { headers: asClient() })).status).to.equal(200);
      const row = await one.platform.db('refresh_tokens').whereNull('used_at').whereIn('session_id', one.platform.db('sessions').where({ user_id: me.user.id }).select('id'));
      expect(row).to.have.length(1);
    });
  });

  it('work in memory when there is no Redis (all-in-one mode)', async () => {
    const app = await startAuth({ REDIS_URL: undefined, RATE_LIMIT_AUTH_PER_MIN: '2' });
    try {
      const headers = { 'x-forwarded-for': randomClientIp() };
      const body = { init_data: signInitData(newTgUser()) };
      expect((await app.api.post('/auth/validate', body, { headers })).status).to.equal(200);
      expect((await app.api.post('/auth/validate', body, { headers })).status).to.equal(200);
      expectLimited(await app.api.post('/auth/validate', body, { headers }));
    } finally {
      await app.close();
    }
  });
});
