import { expect } from 'chai';
import { STREAMS } from '../../shared/events.js';
import { createUser } from '../helpers/users.js';
import { errorCode } from '../helpers/http.js';
import { closeSockets, nextEvent, openSocket } from '../helpers/sockets.js';
import { waitFor } from '../helpers/wait.js';
import { EventProbe } from '../discovery/fixtures.js';
import { startNode, type Node } from '../helpers/realtime.js';
import { ADMIN_CAPABLE_ENV } from '../helpers/telegram.js';
import { auditOf, createPhoto, createReport, startAdmin, type AdminApp } from './fixtures.js';

describe('admin API: access, moderation queue, photo decisions, report reviews, audit log', () => {
  let app: AdminApp;
  let probe: EventProbe;
  let rt: Node;

  before(async () => {
    app = await startAdmin();
    probe = await new EventProbe(app.platform, [STREAMS.media, STREAMS.users]).start();
    rt = await startNode(ADMIN_CAPABLE_ENV); // the admin platform's secrets (admins need a bot token)
  });
  afterEach(() => closeSockets());
  after(async () => {
    await probe.stop();
    await rt.close();
    await app.close();
  });

  const db = () => app.platform.db;
  const config = () => app.platform.config;
  const zero = '00000000-0000-4000-8000-000000000000';

  const routes = (ids: { media: string; report: string; user: string }): [string, string, unknown][] => [
    ['GET', '/admin/queue', undefined],
    ['GET', '/admin/audit', undefined],
    ['POST', `/admin/media/${ids.media}/approve`, undefined],
    ['POST', `/admin/media/${ids.media}/reject`, { reason: 'nsfw' }],
    ['POST', `/admin/reports/${ids.report}/review`, { action: 'ban' }],
    ['POST', `/admin/users/${ids.user}/ban`, { reason: 'spam' }],
    ['POST', `/admin/users/${ids.user}/unban`, {}],
  ];

  it('answers 401 without a token and 403 to a non-admin on every admin route, even with a bad body, changing nothing', async () => {
    const owner = await createUser(db(), config());
    const reporter = await createUser(db(), config());
    const media = await createPhoto(db(), owner.id);
    const report = await createReport(db(), reporter.id, owner.id);
    const ids = { media, report, user: owner.id };
    for (const [method, path, body] of routes(ids)) {
      const anon = await app.api.request(method, path, { body });
      expect(anon.status, `${method} ${path}`).to.equal(401);
      expect(errorCode(anon)).to.equal('unauthorized');
      const res = await app.api.request(method, path, { token: owner.token, body });
      expect(res.status, `${method} ${path}`).to.equal(403);
      expect(errorCode(res)).to.equal('forbidden');
      const badPath = path.replace(media, 'x').replace(report, 'y');
      const bad = await app.api.request(method, method === 'GET' ? `${badPath}?limit=-1` : badPath, { token: reporter.token, body: method === 'GET' ? undefined : { nonsense: 1 } });
      expect(bad.status, `${method} ${path} (bad input)`).to.equal(403);
    }
    expect((await db()('media').where('id', media).first()).status).to.equal('review');
    expect((await db()('reports').where('id', report).first()).status).to.equal('open');
    expect((await db()('users').where('id', owner.id).first()).banned_at).to.equal(null);
    expect(await auditOf(db(), owner.id)).to.have.length(0);
    expect(probe.of('media.moderated', (p) => p.media_id === media)).to.have.length(0);
  });

  it('lists unsure photos and reported users in one queue by priority, with the reports and the photo URLs', async () => {
    const owner = await createUser(db(), config());
    const [r1, r2, r3] = [await createUser(db(), config()), await createUser(db(), config()), await createUser(db(), config())];
    const mild = await createPhoto(db(), owner.id, { nsfw_score: 0.45, position: 0 });
    const nearReject = await createPhoto(db(), owner.id, { nsfw_score: 0.8 });
    const old = await createPhoto(db(), owner.id, { nsfw_score: 0.45, created_at: new Date(Date.now() - 4 * 86_400_000) });
    await createPhoto(db(), owner.id, { status: 'approved', nsfw_score: 0.1 });
    const once = await createUser(db(), config());
    const thrice = await createUser(db(), config());
    await createReport(db(), r1.id, once.id, 'fake');
    for (const r of [r1, r2, r3]) await createReport(db(), r.id, thrice.id, 'harassment');
    const dismissed = await createReport(db(), r2.id, once.id);
    await db()('reports').where('id', dismissed).update({ status: 'dismissed' });

    const res = await app.api.get('/admin/queue?limit=200', { token: app.admin.token });
    expect(res.status).to.equal(200);
    const mine = res.body.items.filter((i: { id: string }) => [mild, nearReject, old, once.id, thrice.id].includes(i.id));
    // thrice: 2 × 3 reporters = 6; old: 1.44 + 4 days; nearReject: 4.56; once: 2; mild: 1.44
    expect(mine.map((i: { id: string }) => i.id)).to.deep.equal([thrice.id, old, nearReject, once.id, mild]);
    const priorities = res.body.items.map((i: { priority: number }) => i.priority);
    expect(priorities).to.deep.equal([...priorities].sort((a, b) => b - a));

    const photo = mine.find((i: { id: string }) => i.id === mild);
    expect(photo.kind).to.equal('photo');
    expect(photo.media).to.include({ id: mild, owner_id: owner.id, status: 'review', nsfw_score: 0.45, is_profile_photo: true });
    // The admin route, not a public URL: the photo is not approved (test/admin/review-files.test.ts).
    expect(photo.media.urls.thumb).to.equal(`/admin/media/${mild}/thumb`);
    expect(photo.owner).to.deep.equal({ user_id: owner.id, display_name: null, banned: false });
    const user = mine.find((i: { id: string }) => i.id === thrice.id);
    expect(user).to.include({ kind: 'user', open_reports: 3, reporters: 3 });
    expect(user.reports).to.have.length(3);
    expect(user.reports[0]).to.have.keys('id', 'reporter_id', 'reason', 'details', 'created_at');
    expect(mine.find((i: { id: string }) => i.id === once.id).open_reports).to.equal(1);

    const photosOnly = await app.api.get('/admin/queue?kind=photo&limit=200', { token: app.admin.token });
    expect(photosOnly.body.items.every((i: { kind: string }) => i.kind === 'photo')).to.equal(true);
    for (const q of ['?kind=video', '?limit=0', '?limit=abc', '?limit=1000']) {
      const bad = await app.api.get(`/admin/queue${q}`, { token: app.admin.token });
      expect(bad.status, q).to.equal(400);
      expect(errorCode(bad)).to.equal('validation_failed');
    }
  });

  it('approves a queued photo: stored, gone from the queue, audited, and the owner\'s socket receives media:moderated', async () => {
    const owner = await createUser(db(), config());
    const media = await createPhoto(db(), owner.id, { nsfw_score: 0.5, position: 0 });
    const socket = await openSocket(rt.url, owner.token);
    const live = nextEvent(socket, 'media:moderated', { filter: (p) => p.id === media });

    const res = await app.api.post(`/admin/media/${media}/approve`, undefined, { token: app.admin.token });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ id: media, owner_id: owner.id, status: 'approved', nsfw_score: 0.5 });
    expect(await live).to.deep.equal({ id: media, status: 'approved' });

    expect((await db()('media').where('id', media).first()).status).to.equal('approved');
    const queue = await app.api.get('/admin/queue?kind=photo&limit=200', { token: app.admin.token });
    expect(queue.body.items.map((i: { id: string }) => i.id)).to.not.include(media);
    const [entry] = await auditOf(db(), media);
    expect(entry).to.include({ admin_user_id: app.admin.id, action: 'media.approve', target_type: 'media', target_id: media });
    expect(entry.details).to.deep.include({ owner_id: owner.id, previous_status: 'review' });
    expect(probe.of('media.moderated', (p) => p.media_id === media).map((e) => e.payload)).to.deep.equal([
      { media_id: media, owner_id: owner.id, status: 'approved', nsfw_score: 0.5 },
    ]);
  });

  it('rejects a photo with a reason; refuses a photo still being processed, an unknown one and a malformed id', async () => {
    const owner = await createUser(db(), config());
    const media = await createPhoto(db(), owner.id, { nsfw_score: 0.7 });
    const res = await app.api.post(`/admin/media/${media}/reject`, { reason: 'nudity' }, { token: app.admin.token });
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal('rejected');
    const row = await db()('media').where('id', media).first();
    expect(row).to.include({ status: 'rejected', reject_reason: 'nudity' });
    await waitFor('media.moderated', () => probe.of('media.moderated', (p) => p.media_id === media && p.status === 'rejected').length === 1, 5000);

    const pending = await createPhoto(db(), owner.id, { status: 'pending', nsfw_score: null, variants: false });
    const conflict = await app.api.post(`/admin/media/${pending}/approve`, undefined, { token: app.admin.token });
    expect(conflict.status).to.equal(409);
    expect(errorCode(conflict)).to.equal('conflict');
    const missing = await app.api.post(`/admin/media/${zero}/approve`, undefined, { token: app.admin.token });
    expect(missing.status).to.equal(404);
    expect(errorCode(missing)).to.equal('not_found');
    const malformed = await app.api.post('/admin/media/not-a-uuid/approve', undefined, { token: app.admin.token });
    expect(malformed.status).to.equal(400);
    expect(errorCode(malformed)).to.equal('validation_failed');
    const badBody = await app.api.post(`/admin/media/${media}/reject`, { reason: 'x'.repeat(65) }, { token: app.admin.token });
    expect(badBody.status).to.equal(400);
    const notJson = await app.api.request('POST', `/admin/media/${media}/reject`, { token: app.admin.token, rawBody: 'reason=x', headers: { 'content-type': 'text/plain' } });
    expect(notJson.status).to.equal(415);
    expect((await db()('media').where('id', pending).first()).status).to.equal('pending');
    expect(await auditOf(db(), pending)).to.have.length(0);
  });

  it('reviews reports: dismiss, warn (the user is told through user.warned), and a second review of the same report is a conflict', async () => {
    const target = await createUser(db(), config());
    const reporter = await createUser(db(), config());
    const r1 = await createReport(db(), reporter.id, target.id, 'spam');
    const r2 = await createReport(db(), reporter.id, target.id, 'rude');

    const dismiss = await app.api.post(`/admin/reports/${r1}/review`, { action: 'dismiss', note: 'not spam' }, { token: app.admin.token });
    expect(dismiss.status).to.equal(200);
    expect(dismiss.body.action).to.equal('dismiss');
    expect(dismiss.body.report).to.include({ id: r1, status: 'dismissed', reviewed_by: app.admin.id, target_id: target.id });
    const again = await app.api.post(`/admin/reports/${r1}/review`, { action: 'ban' }, { token: app.admin.token });
    expect(again.status).to.equal(409);
    expect((await db()('users').where('id', target.id).first()).banned_at).to.equal(null);

    const warn = await app.api.post(`/admin/reports/${r2}/review`, { action: 'warn', note: 'be nice' }, { token: app.admin.token });
    expect(warn.status).to.equal(200);
    expect((await db()('reports').where('id', r2).first()).status).to.equal('warned');
    await waitFor('user.warned', () => probe.of('user.warned', (p) => p.user_id === target.id).length === 1, 5000);
    expect(probe.of('user.warned', (p) => p.user_id === target.id)[0].payload).to.deep.equal({ user_id: target.id, report_id: r2, note: 'be nice' });

    for (const body of [{}, { action: 'delete' }, { action: 'warn', note: '' }, { action: 'warn', extra: 1 }]) {
      const bad = await app.api.post(`/admin/reports/${r2}/review`, body, { token: app.admin.token });
      expect(bad.status, JSON.stringify(body)).to.equal(400);
      expect(errorCode(bad)).to.equal('validation_failed');
    }
    expect((await app.api.post(`/admin/reports/${zero}/review`, { action: 'dismiss' }, { token: app.admin.token })).status).to.equal(404);
    expect((await auditOf(db(), r1)).map((e) => e.action)).to.deep.equal(['report.dismiss']);
    expect((await auditOf(db(), r2)).map((e) => e.action)).to.deep.equal(['report.warn']);
  });

  it('a ban from a report bans the target and settles all their open reports; an admin cannot be banned', async () => {
    const target = await createUser(db(), config());
    const [a, b] = [await createUser(db(), config()), await createUser(db(), config())];
    const r1 = await createReport(db(), a.id, target.id, 'scam');
    const r2 = await createReport(db(), b.id, target.id, 'scam');
    const res = await app.api.post(`/admin/reports/${r1}/review`, { action: 'ban', note: 'scammer' }, { token: app.admin.token });
    expect(res.status).to.equal(200);
    expect(res.body.ban).to.include({ user_id: target.id, banned: true, ban_reason: 'scammer', reports_closed: 2 });
    expect((await db()('reports').whereIn('id', [r1, r2]).pluck('status')).sort()).to.deep.equal(['banned', 'banned']);
    expect((await db()('users').where('id', target.id).first()).ban_reason).to.equal('scammer');
    await waitFor('user.banned', () => probe.of('user.banned', (p) => p.user_id === target.id).length === 1, 5000);

    const refused = await app.api.post(`/admin/users/${app.admin2.id}/ban`, { reason: 'oops' }, { token: app.admin.token });
    expect(refused.status).to.equal(403);
    expect((await db()('users').where('id', app.admin2.id).first()).banned_at).to.equal(null);
  });

  it('records every admin action in the audit log with who, what, which target and when, newest first, filtered and paged', async () => {
    const before = Date.now() - 1000;
    const user = await createUser(db(), config());
    const media = await createPhoto(db(), user.id);
    const report = await createReport(db(), app.admin2.id, user.id);
    const t = { token: app.admin.token };
    expect((await app.api.post(`/admin/media/${media}/reject`, {}, t)).status).to.equal(200);
    expect((await app.api.post(`/admin/media/${media}/approve`, undefined, t)).status).to.equal(200);
    expect((await app.api.post(`/admin/reports/${report}/review`, { action: 'dismiss' }, t)).status).to.equal(200);
    expect((await app.api.post(`/admin/users/${user.id}/ban`, { reason: 'testing' }, t)).status).to.equal(200);
    expect((await app.api.post(`/admin/users/${user.id}/unban`, { note: 'appeal accepted' }, { token: app.admin2.token })).status).to.equal(200);

    const all = await app.api.get('/admin/audit?limit=500', t);
    expect(all.status).to.equal(200);
    const mine = all.body.entries.filter((e: { target_id: string }) => [media, report, user.id].includes(e.target_id));
    expect(mine.map((e: { action: string }) => e.action)).to.deep.equal(['user.unban', 'user.ban', 'report.dismiss', 'media.approve', 'media.reject']);
    expect(mine.map((e: { admin_user_id: string }) => e.admin_user_id)).to.deep.equal([app.admin2.id, app.admin.id, app.admin.id, app.admin.id, app.admin.id]);
    for (const e of mine) {
      expect(e).to.have.keys('id', 'admin_user_id', 'action', 'target_type', 'target_id', 'details', 'created_at');
      expect(Date.parse(e.created_at)).to.be.within(before, Date.now() + 1000);
    }
    expect(mine[0].details).to.deep.equal({ was_banned: true, previous_reason: 'testing', note: 'appeal accepted' });
    expect(mine[1]).to.include({ target_type: 'user', target_id: user.id });

    const byTarget = await app.api.get(`/admin/audit?target_id=${user.id}`, t);
    expect(byTarget.body.entries.map((e: { action: string }) => e.action)).to.deep.equal(['user.unban', 'user.ban']);
    const byAdmin = await app.api.get(`/admin/audit?admin_id=${app.admin2.id}&action=user.unban`, t);
    expect(byAdmin.body.entries.map((e: { target_id: string }) => e.target_id)).to.include(user.id);
    const page1 = await app.api.get(`/admin/audit?target_id=${media}&limit=1`, t);
    expect(page1.body.entries.map((e: { action: string }) => e.action)).to.deep.equal(['media.approve']);
    const page2 = await app.api.get(`/admin/audit?target_id=${media}&limit=1&before_id=${page1.body.next_before_id}`, t);
    expect(page2.body.entries.map((e: { action: string }) => e.action)).to.deep.equal(['media.reject']);
    for (const q of ['?limit=0', '?before_id=x', '?admin_id=nope']) {
      expect((await app.api.get(`/admin/audit${q}`, t)).status, q).to.equal(400);
    }
  });
});
