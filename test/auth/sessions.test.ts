import { expect } from 'chai';
import type { BusEvent } from '../../shared/events.js';
import { STREAMS } from '../../shared/events.js';
import type { Consumer } from '../../shared/bus/index.js';
import { verifyAccessToken } from '../../shared/jwt.js';
import { errorCode } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';
import { loginViaApi, signInitData } from '../helpers/telegram.js';
import { newTgUser, startAuth, type AuthApp } from './harness.js';

describe('Auth sessions: revocation, events, users', () => {
  let app: AuthApp;
  let consumer: Consumer;
  const revoked: BusEvent<'session.revoked'>[] = [];

  before(async () => {
    app = await startAuth();
    consumer = app.platform.bus.consume({
      group: `auth-test-${Date.now()}`,
      streams: [STREAMS.users],
      startFrom: '$',
      handler: async (e) => {
        if (e.type === 'session.revoked') revoked.push(e as BusEvent<'session.revoked'>);
      },
    });
    await consumer.ready;
  });
  after(async () => {
    await consumer.stop();
    await app.close();
  });

  const sessionOf = (token: string) => verifyAccessToken(app.platform.config.jwt, token).sessionId;
  async function eventFor(sessionId: string) {
    return (await waitFor(`session.revoked for ${sessionId}`, () => revoked.find((x) => x.payload.session_id === sessionId), 2000)).payload;
  }

  it('publishes session.revoked and lists the session as revoked on logout, delete and refresh-token reuse', async () => {
    const tg = newTgUser();
    const a = await loginViaApi(app.url, tg);
    const b = await loginViaApi(app.url, tg);
    const c = await loginViaApi(app.url, tg);
    await app.api.post('/auth/logout', undefined, { token: a.access_token });
    await app.api.del(`/auth/sessions/${sessionOf(b.access_token)}`, { token: c.access_token });
    await app.api.post('/auth/refresh', { refresh_token: c.refresh_token });
    await app.api.post('/auth/refresh', { refresh_token: c.refresh_token });

    const userId = a.user.id;
    expect(await eventFor(sessionOf(a.access_token))).to.deep.equal({ session_id: sessionOf(a.access_token), user_id: userId, reason: 'logout' });
    expect(await eventFor(sessionOf(b.access_token))).to.include({ user_id: userId, reason: 'deleted' });
    expect(await eventFor(sessionOf(c.access_token))).to.include({ user_id: userId, reason: 'refresh_token_reuse' });
    for (const t of [a, b, c]) expect(await app.platform.revocations.isRevoked(sessionOf(t.access_token))).to.equal(true);

    const rows = await app.platform.db('sessions').where({ user_id: userId }).orderBy('created_at').select('revoked_at', 'revoke_reason');
    expect(rows.map((r) => r.revoke_reason)).to.deep.equal(['logout', 'deleted', 'refresh_token_reuse']);
  });

  it('stores refresh tokens only as hashes, chained per session', async () => {
    const me = await loginViaApi(app.url, newTgUser());
    const next = await app.api.post('/auth/refresh', { refresh_token: me.refresh_token });
    const rows = await app.platform.db('refresh_tokens').where({ session_id: sessionOf(me.access_token) }).orderBy('created_at');
    expect(rows).to.have.length(2);
    expect(JSON.stringify(rows)).not.to.contain(me.refresh_token).and.not.to.contain(next.body.refresh_token);
    expect(rows[0].used_at).to.be.instanceOf(Date);
    expect(rows[1].parent_hash).to.equal(rows[0].token_hash);
    expect(rows[1].used_at).to.equal(null);
  });

  it('gives at most one new pair for two concurrent refreshes of one token', async () => {
    const me = await loginViaApi(app.url, newTgUser());
    const results = await Promise.all([1, 2, 3].map(() => app.api.post('/auth/refresh', { refresh_token: me.refresh_token })));
    expect(results.filter((r) => r.status === 200).length).to.be.at.most(1);
    expect(results.filter((r) => r.status === 401).length).to.be.at.least(2);
  });

  it('refuses an unknown refresh token with 401', async () => {
    const res = await app.api.post('/auth/refresh', { refresh_token: 'x'.repeat(43) });
    expect(res.status).to.equal(401);
    expect(errorCode(res)).to.equal('unauthorized');
  });

  it('refuses a banned user: 403 at /auth/token, 401 at /auth/refresh', async () => {
    const tg = newTgUser();
    const me = await loginViaApi(app.url, tg);
    await app.platform.db('users').where({ id: me.user.id }).update({ banned_at: new Date(), ban_reason: 'test' });
    const login = await app.api.post('/auth/token', { init_data: signInitData({ ...tg, first_name: 'Changed' }) });
    expect(login.status).to.equal(403);
    expect(errorCode(login)).to.equal('forbidden');
    const refresh = await app.api.post('/auth/refresh', { refresh_token: me.refresh_token });
    expect(refresh.status).to.equal(401);
    const user = await app.platform.db('users').where({ id: me.user.id }).first();
    expect(user.first_name).to.equal('Ann');
    expect(await app.platform.db('sessions').where({ user_id: me.user.id }).count('* as n').first()).to.deep.equal({ n: 1 });
  });

  it('creates the user on first login and keeps its Telegram fields up to date', async () => {
    const tg = newTgUser({ last_name: 'Lee', language_code: 'en', is_premium: true, photo_url: 'https://t.me/i/userpic/320/x.svg' });
    const first = await loginViaApi(app.url, tg);
    expect(first.user.is_new).to.equal(true);
    let row = await app.platform.db('users').where({ id: first.user.id }).first();
    expect(row).to.include({ telegram_id: tg.id, first_name: 'Ann', last_name: 'Lee', language_code: 'en', is_premium: true });

    const { last_name: _l, photo_url: _p, ...rest } = tg;
    await loginViaApi(app.url, { ...rest, first_name: 'Annie', language_code: 'de', is_premium: false });
    row = await app.platform.db('users').where({ id: first.user.id }).first();
    expect(row).to.include({ first_name: 'Annie', last_name: null, photo_url: null, language_code: 'de', is_premium: false });
  });

  it('updates last_active_at on login and on refresh', async () => {
    const tg = newTgUser();
    const me = await loginViaApi(app.url, tg);
    const old = new Date('2020-01-01T00:00:00Z');
    const lastActive = async () => (await app.platform.db('users').where({ id: me.user.id }).first()).last_active_at as Date;

    await app.platform.db('users').where({ id: me.user.id }).update({ last_active_at: old });
    await app.api.post('/auth/refresh', { refresh_token: me.refresh_token });
    expect((await lastActive()).getTime()).to.be.greaterThan(Date.now() - 60_000);

    await app.platform.db('users').where({ id: me.user.id }).update({ last_active_at: old });
    await loginViaApi(app.url, tg);
    expect((await lastActive()).getTime()).to.be.greaterThan(Date.now() - 60_000);
  });

  it('refuses a refresh token once its session has expired', async () => {
    const me = await loginViaApi(app.url, newTgUser());
    await app.platform.db('sessions').where({ id: sessionOf(me.access_token) }).update({ expires_at: new Date(Date.now() - 1000) });
    expect((await app.api.post('/auth/refresh', { refresh_token: me.refresh_token })).status).to.equal(401);
    expect((await app.api.get('/auth/sessions', { token: me.access_token })).body.sessions).to.deep.equal([]);
  });
});
