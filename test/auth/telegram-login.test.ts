import { expect } from 'chai';
import crypto from 'node:crypto';
import { DEV_BOT_TOKEN } from '../../shared/config.js';
import { errorCode, type ApiResponse } from '../helpers/http.js';
import { loginViaApi, signInitData, signLoginWidget } from '../helpers/telegram.js';
import { asClient, newTgUser, startAuth, type AuthApp } from './harness.js';

const now = () => Math.floor(Date.now() / 1000);

function expectInvalid(res: ApiResponse, what: string) {
  expect(res.status, what).to.equal(401);
  expect(errorCode(res), what).to.equal('invalid_login_data');
}

describe('Auth: Telegram Login Widget (POST /auth/telegram-login)', () => {
  let app: AuthApp;
  before(async () => {
    app = await startAuth({ AUTH_MAX_AGE_S: '3600' });
  });
  after(() => app.close());

  const login = (body: unknown, headers = asClient()) => app.api.post('/auth/telegram-login', body, { headers });

  it('logs in with the login link\'s fields: the same token pair and user as init data gives', async () => {
    const tg = newTgUser({ last_name: 'Lee', photo_url: 'https://t.me/i/userpic/320/ann.jpg' });
    const res = await login(signLoginWidget(tg));
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ token_type: 'Bearer', expires_in: app.platform.config.jwt.accessTtlS });
    expect(res.body.user).to.include({ first_name: 'Ann', username: tg.username, is_new: true });
    const verify = await app.api.get('/auth/verify', { token: res.body.access_token, headers: asClient() });
    expect(verify.status).to.equal(200);
    expect(verify.body.user_id).to.equal(res.body.user.id);
    const row = await app.platform.db('users').where('telegram_id', tg.id).first();
    expect(row).to.include({ id: res.body.user.id, last_name: 'Lee', photo_url: tg.photo_url });
    // The refresh token rotates like any other.
    const refreshed = await app.api.post('/auth/refresh', { refresh_token: res.body.refresh_token }, { headers: asClient() });
    expect(refreshed.status).to.equal(200);
    // The Mini App's init data later finds the same user.
    const again = await loginViaApi(app.url, tg);
    expect(again.user).to.include({ id: res.body.user.id, is_new: false });
  });

  it('takes the widget callback\'s numbers as well as the link\'s strings, and keeps a language it does not carry', async () => {
    const tg = newTgUser({ language_code: 'de' });
    await loginViaApi(app.url, tg);
    const fields = signLoginWidget(tg);
    const res = await login({ ...fields, id: Number(fields.id), auth_date: Number(fields.auth_date) });
    expect(res.status).to.equal(200);
    expect(res.body.user.is_new).to.equal(false);
    expect((await app.platform.db('users').where('telegram_id', tg.id).first()).language_code).to.equal('de');
  });

  it('covers fields Telegram may add later with the hash', async () => {
    const tg = newTgUser();
    const fields = signLoginWidget(tg, { extra: { new_field: 'x' } });
    expect((await login(fields)).status).to.equal(200);
    expectInvalid(await login({ ...fields, new_field: 'y' }), 'an added field changed');
  });

  it('refuses a bad hash, a changed field, init data\'s key and another bot\'s token with 401 invalid_login_data', async () => {
    const tg = newTgUser();
    const fields = signLoginWidget(tg);
    expectInvalid(await login({ ...fields, hash: 'a'.repeat(64) }), 'a made-up hash');
    expectInvalid(await login({ ...fields, hash: fields.hash.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }), 'one digit changed');
    expectInvalid(await login({ ...fields, first_name: 'Eve' }), 'a renamed user');
    expectInvalid(await login({ ...fields, id: String(tg.id + 1) }), 'another id');
    expectInvalid(await login({ ...fields, username: 'someone_else' }), 'an added username');
    expectInvalid(await login(signLoginWidget(tg, { botToken: '7000000001:AAanother-bot' })), "another bot's token");
    // The Mini App's key (HMAC "WebAppData") over the same lines: init data's signing cannot pass for the widget's.
    const lines = Object.keys(fields).filter((k) => k !== 'hash').sort().map((k) => `${k}=${fields[k]}`).join('\n');
    const webAppKey = crypto.createHmac('sha256', 'WebAppData').update(DEV_BOT_TOKEN).digest();
    expectInvalid(await login({ ...fields, hash: crypto.createHmac('sha256', webAppKey).update(lines).digest('hex') }), "the WebApp key's hash");
    expect(await app.platform.db('users').where('telegram_id', tg.id).first()).to.equal(undefined);
  });

  it('refuses an auth_date older than AUTH_MAX_AGE_S or in the future', async () => {
    const tg = newTgUser();
    expectInvalid(await login(signLoginWidget(tg, { authDate: now() - 3601 })), 'older than the max age');
    expectInvalid(await login(signLoginWidget(tg, { authDate: now() + 3600 })), 'in the future');
    expect((await login(signLoginWidget(tg, { authDate: now() - 3500 }))).status).to.equal(200);
  });

  it('answers missing or malformed fields with 400 validation_failed naming them', async () => {
    const fields = signLoginWidget(newTgUser());
    for (const field of ['id', 'first_name', 'auth_date', 'hash']) {
      const { [field]: _gone, ...rest } = fields;
      const res = await login(rest);
      expect(res.status, `without ${field}`).to.equal(400);
      expect(errorCode(res)).to.equal('validation_failed');
      expect(res.body.error.details.map((d: { field: string }) => d.field), `without ${field}`).to.include(field);
    }
    for (const [body, field] of [
      [{ ...fields, id: 'ann' }, 'id'],
      [{ ...fields, id: -5 }, 'id'],
      [{ ...fields, auth_date: 1.5 }, 'auth_date'],
      [{ ...fields, hash: 'xyz' }, 'hash'],
      [{ ...fields, extra: { nested: true } }, 'extra'],
    ] as const) {
      const res = await login(body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).to.include(field);
    }
    for (const body of [null, [], 'id=1', {}]) expect((await login(body)).status, JSON.stringify(body)).to.equal(400);
  });

  it('refuses a banned user with 403 and opens no session', async () => {
    const tg = newTgUser();
    const first = await login(signLoginWidget(tg));
    await app.platform.db('users').where('id', first.body.user.id).update({ banned_at: new Date(), ban_reason: 'test' });
    const res = await login(signLoginWidget(tg));
    expect(res.status).to.equal(403);
    expect(errorCode(res)).to.equal('forbidden');
    expect(await app.platform.db('sessions').where('user_id', first.body.user.id)).to.have.length(1);
  });

  it('checks with the configured bot token outside development mode (the development token signs nothing there)', async () => {
    const botToken = '7000000001:AAprod-like-token';
    const prod = await startAuth({ BOT_TOKEN: botToken, JWT_SECRET: 'a-test-secret-of-enough-length' });
    try {
      const tg = newTgUser();
      expect((await prod.api.post('/auth/telegram-login', signLoginWidget(tg, { botToken }), { headers: asClient() })).status).to.equal(200);
      expectInvalid(await prod.api.post('/auth/telegram-login', signLoginWidget(tg), { headers: asClient() }), 'signed with the development token');
    } finally {
      await prod.close();
    }
  });

  describe('rate limits (like POST /auth/token)', () => {
    let limited: AuthApp;
    before(async () => {
      limited = await startAuth({ RATE_LIMIT_AUTH_PER_MIN: '2', RATE_LIMIT_TOKEN_PER_USER_PER_HOUR: '2' });
    });
    after(() => limited.close());

    it('counts a client address over every /auth/* route: the 3rd request in the minute is 429 with Retry-After', async () => {
      const headers = asClient();
      expect((await limited.api.post('/auth/telegram-login', signLoginWidget(newTgUser()), { headers })).status).to.equal(200);
      expect((await limited.api.post('/auth/validate', { init_data: signInitData(newTgUser()) }, { headers })).status).to.equal(200);
      const res = await limited.api.post('/auth/telegram-login', signLoginWidget(newTgUser()), { headers });
      expect(res.status).to.equal(429);
      expect(errorCode(res)).to.equal('rate_limited');
      expect(Number(res.headers.get('retry-after'))).to.be.within(1, 60);
    });

    it('counts the logins of one Telegram id, from any address and by either way in', async () => {
      const tg = newTgUser();
      expect((await limited.api.post('/auth/telegram-login', signLoginWidget(tg), { headers: asClient() })).status).to.equal(200);
      expect((await limited.api.post('/auth/token', { init_data: signInitData(tg) }, { headers: asClient() })).status).to.equal(200);
      const res = await limited.api.post('/auth/telegram-login', signLoginWidget(tg), { headers: asClient() });
      expect(res.status).to.equal(429);
      expect(errorCode(res)).to.equal('rate_limited');
      // Forged data does not spend the user's logins: refused as invalid, not counted.
      expectInvalid(await limited.api.post('/auth/telegram-login', { ...signLoginWidget(newTgUser()), hash: 'b'.repeat(64) }, { headers: asClient() }), 'forged');
    });
  });
});
