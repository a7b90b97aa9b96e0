import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startMatchingWorker, type MatchingWorker } from '../../workers/matching/index.js';
import { createMatch } from '../helpers/users.js';
import { errorCode } from '../helpers/http.js';
import { ADMIN_CAPABLE_ENV, loginViaApi, signInitData, randomClientIp } from '../helpers/telegram.js';
import { connectError, disconnected, openSocket } from '../helpers/sockets.js';
import { waitFor } from '../helpers/wait.js';
import { makePerson, newSpot } from '../discovery/fixtures.js';
import { twoNodes } from '../helpers/realtime.js';
import { auditOf, startAdmin, type AdminApp } from './fixtures.js';

describe('admin ban: effects across the platform (auth, discovery, chat, two realtime nodes)', () => {
  let app: AdminApp;
  // The admin's platform runs with a bot token (admins exist only outside development mode): the nodes share its secrets.
  const { n1, n2 } = twoNodes(ADMIN_CAPABLE_ENV);
  let matching: MatchingWorker;

  before(async () => {
    app = await startAdmin();
    matching = startMatchingWorker(app.platform, { group: `matching-${randomUUID().slice(0, 8)}`, startFrom: '$' });
    await matching.ready;
  });
  after(async () => {
    await matching.stop();
    await app.close();
  });

  const db = () => app.platform.db;
  const config = () => app.platform.config;

  it('disconnects the user on every node, kills access and refresh tokens, hides the profile from candidates, matches and chats, and refuses a new login', async () => {
    const spot = newSpot();
    const banned = await makePerson(db(), config(), spot, { gender: 'woman', age: 30, looking_for: ['man'], name: 'Banned' });
    const viewer = await makePerson(db(), config(), spot, { gender: 'man', age: 31, looking_for: ['woman'], at: [1, 1], name: 'Viewer' });
    const partner = await makePerson(db(), config(), spot, { gender: 'man', age: 29, looking_for: ['woman'], at: [2, 0], name: 'Partner' });
    const { matchId, conversationId } = await createMatch(db(), banned.id, partner.id);
    const tg = { id: banned.telegramId, first_name: 'Banned' };
    const phone = await loginViaApi(app.url, tg);
    const laptop = await loginViaApi(app.url, tg);

    // Before: visible everywhere, connected on both nodes.
    const candidates = async () => (await app.api.get('/discovery/candidates?limit=50', { token: viewer.token })).body.candidates.map((c: { user_id: string }) => c.user_id);
    const matches = async () => (await app.api.get('/discovery/matches', { token: partner.token })).body.matches.map((m: { match_id: string }) => m.match_id);
    const chats = async () => (await n1.api.get('/chat/conversations', { token: partner.token })).body.conversations.map((c: { conversation_id: string }) => c.conversation_id);
    expect(await candidates()).to.include(banned.id);
    expect(await matches()).to.include(matchId);
    expect(await chats()).to.include(conversationId);
    const gone = [
      disconnected(await openSocket(n1.url, phone.access_token)),
      disconnected(await openSocket(n2.url, laptop.access_token)),
      disconnected(await openSocket(n2.url, banned.token)),
    ];

    const res = await app.api.post(`/admin/users/${banned.id}/ban`, { reason: 'fake profile' }, { token: app.admin.token });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ user_id: banned.id, banned: true, ban_reason: 'fake profile', sessions_revoked: 3 });

    expect(await Promise.all(gone)).to.deep.equal(['io server disconnect', 'io server disconnect', 'io server disconnect']);
    for (const token of [phone.access_token, laptop.access_token, banned.token]) {
      const verify = await app.api.get('/auth/verify', { token });
      expect(verify.status).to.equal(401);
      expect((await app.api.get('/discovery/candidates', { token })).status).to.equal(401);
      expect((await connectError(n1.url, token)).message).to.equal('unauthorized');
    }
    for (const refresh of [phone.refresh_token, laptop.refresh_token]) {
      const r = await app.api.post('/auth/refresh', { refresh_token: refresh }, { headers: { 'x-forwarded-for': randomClientIp() } });
      expect(r.status).to.equal(401);
    }
    expect(await candidates()).to.not.include(banned.id);
    expect(await matches()).to.not.include(matchId);
    expect(await chats()).to.not.include(conversationId);
    await waitFor('the match to end', async () => (await db()('matches').where('id', matchId).first()).ended_at !== null, 5000);
    expect((await db()('matches').where('id', matchId).first()).ended_reason).to.equal('banned');
    expect(await db()('sessions').where('user_id', banned.id).whereNull('revoked_at')).to.have.length(0);

    const login = await app.api.post('/auth/token', { init_data: signInitData(tg) }, { headers: { 'x-forwarded-for': randomClientIp() } });
    expect(login.status).to.equal(403);
    expect(errorCode(login)).to.equal('forbidden');

    const [entry] = await auditOf(db(), banned.id);
    expect(entry).to.include({ admin_user_id: app.admin.id, action: 'user.ban', target_type: 'user' });
    expect(entry.details).to.include({ reason: 'fake profile', sessions_revoked: 3, was_banned: false });
  });

  it('unban lets the user log in again and shows the profile again; banning twice is harmless', async () => {
    const spot = newSpot();
    const user = await makePerson(db(), config(), spot, { gender: 'woman', age: 25, looking_for: ['man'], name: 'Again' });
    const viewer = await makePerson(db(), config(), spot, { gender: 'man', age: 26, looking_for: ['woman'], at: [0, 1] });
    const t = { token: app.admin.token };
    expect((await app.api.post(`/admin/users/${user.id}/ban`, { reason: 'first' }, t)).status).to.equal(200);
    const twice = await app.api.post(`/admin/users/${user.id}/ban`, { reason: 'second' }, t);
    expect(twice.status).to.equal(200);
    expect(twice.body.ban_reason).to.equal('second');

    const unban = await app.api.post(`/admin/users/${user.id}/unban`, undefined, t);
    expect(unban.status).to.equal(200);
    expect(unban.body).to.deep.equal({ user_id: user.id, banned: false, banned_at: null, ban_reason: null });
    const login = await loginViaApi(app.url, { id: user.telegramId, first_name: 'Again' });
    expect((await app.api.get('/auth/verify', { token: login.access_token })).status).to.equal(200);
    const candidates = await app.api.get('/discovery/candidates?limit=50', { token: viewer.token });
    expect(candidates.body.candidates.map((c: { user_id: string }) => c.user_id)).to.include(user.id);
    expect((await auditOf(db(), user.id)).map((e) => e.action)).to.deep.equal(['user.ban', 'user.ban', 'user.unban']);

    for (const [path, body] of [
      [`/admin/users/${user.id}/ban`, {}],
      [`/admin/users/${user.id}/ban`, { reason: '' }],
      [`/admin/users/${user.id}/ban`, { reason: 'x'.repeat(501) }],
      ['/admin/users/nope/ban', { reason: 'x' }],
    ] as const) {
      const bad = await app.api.post(path, body, t);
      expect(bad.status, JSON.stringify(body)).to.equal(400);
      expect(errorCode(bad)).to.equal('validation_failed');
    }
    expect((await app.api.post(`/admin/users/${randomUUID()}/ban`, { reason: 'x' }, t)).status).to.equal(404);
    expect((await db()('users').where('id', user.id).first()).banned_at).to.equal(null);
  });
});
