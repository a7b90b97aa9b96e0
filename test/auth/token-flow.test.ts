import { expect } from 'chai';
import { processEnv } from '../helpers/env.js';
import { client, errorCode } from '../helpers/http.js';
import { freePort, startTs, waitForHttp, type Proc } from '../helpers/processes.js';
import { loginViaApi, signInitData } from '../helpers/telegram.js';
import { asClient, newTgUser } from './harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Auth token flow, end to end on the auth process', function () {
  this.timeout(30_000);
  let proc: Proc;
  let url: string;
  let api: ReturnType<typeof client>;

  before(async () => {
    const port = await freePort();
    proc = startTs('api/auth/main.ts', processEnv({ AUTH_PORT: String(port), HOST: '127.0.0.1', RATE_LIMIT_AUTH_PER_MIN: '100000' }));
    url = `http://127.0.0.1:${port}`;
    api = client(url);
    await waitForHttp(`${url}/health`, 20_000).catch((err) => {
      throw new Error(`${err.message}\n${proc.output()}`);
    });
  });
  after(async () => {
    const code = await proc.stop('SIGTERM');
    expect(code, proc.output()).to.equal(0);
  });

  it('warns loudly at start in development mode', () => {
    expect(proc.output()).to.contain('DEVELOPMENT MODE');
  });

  it('token → verify → refresh → reused refresh is refused and kills the session', async () => {
    const tg = newTgUser({ username: 'ann_flow' });
    const first = await api.post('/auth/token', { init_data: signInitData(tg) }, { headers: { ...asClient(), 'user-agent': 'flow-test/1' } });
    expect(first.status).to.equal(200);
    expect(first.body).to.include({ token_type: 'Bearer', expires_in: 900 });
    expect(first.body.user).to.include({ first_name: 'Ann', username: tg.username, is_new: true });
    expect(first.body.user.id).to.match(UUID);
    expect(JSON.stringify(first.body)).not.to.contain(String(tg.id));

    const verified = await api.get('/auth/verify', { token: first.body.access_token });
    expect(verified.status).to.equal(200);
    expect(verified.body.user_id).to.equal(first.body.user.id);
    expect(verified.body.session_id).to.match(UUID);
    expect(verified.body.exp).to.be.within(Date.now() / 1000 + 800, Date.now() / 1000 + 901);

    const second = await api.post('/auth/refresh', { refresh_token: first.body.refresh_token });
    expect(second.status).to.equal(200);
    expect(second.body.refresh_token).to.be.a('string').and.not.equal(first.body.refresh_token);
    expect(second.body.user).to.include({ id: first.body.user.id, is_new: false });
    const verified2 = await api.get('/auth/verify', { token: second.body.access_token });
    expect(verified2.status).to.equal(200);
    expect(verified2.body.session_id).to.equal(verified.body.session_id);

    const reused = await api.post('/auth/refresh', { refresh_token: first.body.refresh_token });
    expect(reused.status).to.equal(401);
    expect(errorCode(reused)).to.equal('unauthorized');
    // The whole session is gone: its current access token and its newest refresh token too.
    expect((await api.get('/auth/verify', { token: second.body.access_token })).status).to.equal(401);
    expect((await api.get('/auth/verify', { token: first.body.access_token })).status).to.equal(401);
    expect((await api.post('/auth/refresh', { refresh_token: second.body.refresh_token })).status).to.equal(401);
  });

  it('a later login of the same Telegram user is the same user with updated fields', async () => {
    const tg = newTgUser();
    const a = await loginViaApi(url, tg);
    const b = await loginViaApi(url, { ...tg, first_name: 'Anna', username: 'anna_renamed' });
    expect(b.user).to.deep.equal({ id: a.user.id, first_name: 'Anna', username: 'anna_renamed', is_new: false });
  });

  it('logout kills the session: its access and refresh tokens stop working', async () => {
    const me = await loginViaApi(url, newTgUser());
    const other = await loginViaApi(url, newTgUser());
    const out = await api.post('/auth/logout', undefined, { token: me.access_token });
    expect(out.status).to.equal(204);
    const v = await api.get('/auth/verify', { token: me.access_token });
    expect(v.status).to.equal(401);
    expect(errorCode(v)).to.equal('unauthorized');
    expect((await api.post('/auth/refresh', { refresh_token: me.refresh_token })).status).to.equal(401);
    expect((await api.post('/auth/logout', undefined, { token: me.access_token })).status).to.equal(401);
    expect((await api.get('/auth/verify', { token: other.access_token })).status).to.equal(200);
  });

  it('lists the live sessions and marks the current one', async () => {
    const tg = newTgUser();
    const phone = await loginViaApi(url, tg);
    const laptop = await loginViaApi(url, tg);
    const res = await api.get('/auth/sessions', { token: phone.access_token });
    expect(res.status).to.equal(200);
    expect(res.body.sessions).to.have.length(2);
    const current = res.body.sessions.filter((s: { current: boolean }) => s.current);
    expect(current).to.have.length(1);
    const phoneSession = (await api.get('/auth/verify', { token: phone.access_token })).body.session_id;
    expect(current[0].id).to.equal(phoneSession);
    for (const s of res.body.sessions) {
      expect(s).to.have.keys('id', 'created_at', 'last_used_at', 'user_agent', 'current');
      expect(new Date(s.created_at).toISOString()).to.equal(s.created_at);
    }
    await api.post('/auth/logout', undefined, { token: laptop.access_token });
    const after = await api.get('/auth/sessions', { token: phone.access_token });
    expect(after.body.sessions.map((s: { id: string }) => s.id)).to.deep.equal([phoneSession]);
  });

  it("deletes one's own other session, and answers 404 for another user's", async () => {
    const tg = newTgUser();
    const phone = await loginViaApi(url, tg);
    const laptop = await loginViaApi(url, tg);
    const stranger = await loginViaApi(url, newTgUser());
    const laptopSession = (await api.get('/auth/verify', { token: laptop.access_token })).body.session_id;

    const theft = await api.del(`/auth/sessions/${laptopSession}`, { token: stranger.access_token });
    expect(theft.status).to.equal(404);
    expect(errorCode(theft)).to.equal('not_found');
    expect((await api.get('/auth/verify', { token: laptop.access_token })).status).to.equal(200);

    expect((await api.del(`/auth/sessions/${laptopSession}`, { token: phone.access_token })).status).to.equal(204);
    expect((await api.get('/auth/verify', { token: laptop.access_token })).status).to.equal(401);
    expect((await api.post('/auth/refresh', { refresh_token: laptop.refresh_token })).status).to.equal(401);
    expect((await api.get('/auth/verify', { token: phone.access_token })).status).to.equal(200);
    expect((await api.del(`/auth/sessions/${laptopSession}`, { token: phone.access_token })).status).to.equal(404);
    expect((await api.del('/auth/sessions/not-a-session', { token: phone.access_token })).status).to.equal(404);
  });

  it('refuses calls without a valid bearer token', async () => {
    for (const token of [undefined, 'nonsense', 'a.b.c']) {
      for (const res of [await api.get('/auth/verify', { token }), await api.get('/auth/sessions', { token }), await api.post('/auth/logout', undefined, { token })]) {
        expect(res.status).to.equal(401);
        expect(errorCode(res)).to.equal('unauthorized');
      }
    }
  });

  it('serves the same routes under /api/v1', async () => {
    const me = await loginViaApi(`${url}/api/v1`, newTgUser());
    expect((await api.get('/api/v1/auth/verify', { token: me.access_token })).status).to.equal(200);
  });
});
