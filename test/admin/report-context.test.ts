// What an admin sees around a report: the reported user's whole report
// history with each queue item, and the conversation a reported message was
// in, as the reporter saw it. Messages are sent, hidden, unsent and reported
// through the chat's own routes on a realtime node.
import { expect } from 'chai';
import { errorCode } from '../helpers/http.js';
import { clientMsgId, startNode, type Node } from '../helpers/realtime.js';
import { ADMIN_CAPABLE_ENV } from '../helpers/telegram.js';
import { createMatch, createUser, type TestUser } from '../helpers/users.js';
import { createPhoto, createReport, startAdmin, type AdminApp } from './fixtures.js';
import { expireUnattached } from '../../workers/moderation/repo.js';

describe('admin API: report history and the reported conversation', () => {
  let app: AdminApp;
  let rt: Node;

  before(async () => {
    app = await startAdmin();
    rt = await startNode({ ...ADMIN_CAPABLE_ENV, RATE_LIMIT_MESSAGES_PER_MIN: '1000' });
  });
  after(async () => {
    await rt?.close();
    await app?.close();
  });

  const db = () => app.platform.db;
  const config = () => app.platform.config;

  async function send(from: TestUser, conversationId: string, body: string, extra: Record<string, unknown> = {}): Promise<number> {
    const res = await rt.api.post('/chat/messages', { conversation_id: conversationId, body, client_msg_id: clientMsgId(), ...extra }, { token: from.token });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.message.seq;
  }

  async function reportMessage(reporter: TestUser, conversationId: string, seq: number): Promise<string> {
    const res = await rt.api.post(`/chat/messages/${conversationId}/${seq}/report`, { reason: 'harassment' }, { token: reporter.token });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.report_id;
  }

  const excerpt = (reportId: string, token = app.admin.token) => app.api.get(`/admin/reports/${reportId}/conversation`, { token });

  it('shows the conversation up to the reported message as the reporter saw it: their hidden messages left out, unsent ones as placeholders, no other conversation', async () => {
    const rita = await createUser(db(), config(), { firstName: 'Rita' });
    const otto = await createUser(db(), config(), { firstName: 'Otto' });
    const carl = await createUser(db(), config());
    const dora = await createUser(db(), config());
    const { conversationId } = await createMatch(db(), rita.id, otto.id);
    const ritaCarl = (await createMatch(db(), rita.id, carl.id)).conversationId;
    const ottoDora = (await createMatch(db(), otto.id, dora.id)).conversationId;
    const tag = clientMsgId('t');

    const s1 = await send(otto, conversationId, `hello there ${tag}`);
    const s2 = await send(rita, conversationId, 'hi Otto');
    const s3 = await send(otto, conversationId, 'a message Rita deleted for herself');
    await send(carl, ritaCarl, `Carl to Rita ${tag}`);
    await send(otto, ottoDora, `Otto to Dora ${tag}`);
    const s4 = await send(otto, conversationId, 'a message Otto unsent');
    const photo = await createPhoto(db(), otto.id, { status: 'approved', nsfw_score: 0.1 });
    const s5 = await send(otto, conversationId, 'look at this', { attachment: { media_id: photo } });
    const s6 = await send(rita, conversationId, 'please stop');
    const s7 = await send(otto, conversationId, 'the reported message');
    const s8 = await send(otto, conversationId, 'sent after the reported one');
    // Rita deletes s3 for herself; Otto deletes Rita's s2 for himself (Rita still sees it); Otto unsends s4.
    expect((await rt.api.del(`/chat/messages/${conversationId}/${s3}?scope=me`, { token: rita.token })).status).to.equal(200);
    expect((await rt.api.del(`/chat/messages/${conversationId}/${s2}?scope=me`, { token: otto.token })).status).to.equal(200);
    expect((await rt.api.del(`/chat/messages/${conversationId}/${s4}?scope=everyone`, { token: otto.token })).status).to.equal(200);
    const reportId = await reportMessage(rita, conversationId, s7);

    const res = await excerpt(reportId);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ report_id: reportId, conversation_id: conversationId, reported_seq: s7 });
    const messages = res.body.messages;
    expect(messages.map((m: { seq: number }) => m.seq)).to.deep.equal([s1, s2, s4, s5, s6, s7]);
    expect(messages.map((m: { sender: string }) => m.sender)).to.deep.equal(['reported', 'reporter', 'reported', 'reported', 'reporter', 'reported']);
    expect(messages.map((m: { reported: boolean }) => m.reported)).to.deep.equal([false, false, false, false, false, true]);
    expect(messages[0].body).to.equal(`hello there ${tag}`);
    expect(messages[1].body).to.equal('hi Otto');
    expect(messages[2]).to.include({ body: null, deleted: true, attachment: null });
    expect(messages[3].body).to.equal('look at this');
    // The photo by the admin-only file route, never a public or signed chat URL.
    expect(messages[3].attachment).to.deep.equal({ kind: 'image', media_id: photo, url: `/admin/media/${photo}/medium` });
    expect(messages[5]).to.include({ body: 'the reported message', deleted: false, edited_at: null });
    const text = JSON.stringify(res.body);
    for (const absent of ['a message Rita deleted for herself', 'a message Otto unsent', 'sent after the reported one', 'Carl to Rita', 'Otto to Dora']) {
      expect(text, absent).not.to.contain(absent);
    }
    expect(s8).to.equal(s7 + 1);

    // Only admins: the file route too.
    expect((await excerpt(reportId, rita.token)).status).to.equal(403);
    expect(errorCode(await excerpt(reportId, otto.token))).to.equal('forbidden');
    expect((await app.api.get(`/admin/reports/${reportId}/conversation`)).status).to.equal(401);
    expect((await app.api.get(messages[3].attachment.url, { token: rita.token })).status).to.equal(403);
  });

  it('keeps a reported photo as evidence: named by the report (higher priority when it arrived blurred), shown after its sender unsends it, and kept by the expiry sweep until the report is closed', async () => {
    const rita = await createUser(db(), config());
    const otto = await createUser(db(), config());
    const { conversationId } = await createMatch(db(), rita.id, otto.id);
    const photo = await createPhoto(db(), otto.id, { status: 'approved', nsfw_score: 0.9 });
    const plain = await createPhoto(db(), otto.id, { status: 'approved', nsfw_score: 0.01 });
    const s1 = await send(otto, conversationId, 'look', { attachment: { media_id: photo } });
    const s2 = await send(otto, conversationId, 'and this', { attachment: { media_id: plain } });
    const reportId = await reportMessage(rita, conversationId, s1);
    const plainReport = await reportMessage(rita, conversationId, s2);
    const row = await db()('reports').where('id', reportId).first();
    expect(row).to.include({ evidence_media_id: photo, priority: 2 });
    expect(row.evidence.attachment).to.deep.equal({ media_id: photo, kind: 'image', blurred: true });
    const plainRow = await db()('reports').where('id', plainReport).first();
    expect(plainRow).to.include({ evidence_media_id: plain, priority: 1 });
    expect(plainRow.evidence.attachment).to.deep.equal({ media_id: plain, kind: 'image', blurred: false });

    // Otto unsends the photo: gone for Rita, kept for the moderators.
    expect((await rt.api.del(`/chat/messages/${conversationId}/${s1}?scope=everyone`, { token: otto.token })).status).to.equal(200);
    const res = await excerpt(reportId);
    const reported = res.body.messages.find((m: { reported: boolean }) => m.reported);
    expect(reported).to.include({ seq: s1, deleted: true, body: null });
    expect(reported.attachment).to.deep.equal({ kind: 'image', media_id: photo, url: `/admin/media/${photo}/medium` });
    const queue = await app.api.get('/admin/queue?limit=200', { token: app.admin.token });
    const item = queue.body.items.find((i: { id: string }) => i.id === otto.id);
    expect(item.reports.find((r: { id: string }) => r.id === reportId).evidence.attachment).to.deep.equal({ media_id: photo, kind: 'image', blurred: true });

    // The sweep removes released media at once, but not while an open report holds it.
    const sweep = () => expireUnattached(db(), 86400, 1000, async () => {});
    await sweep();
    expect(await db()('media').where('id', photo).first('id')).to.deep.equal({ id: photo });
    const review = await app.api.post(`/admin/reports/${reportId}/review`, { action: 'dismiss' }, { token: app.admin.token });
    expect(review.status, JSON.stringify(review.body)).to.equal(200);
    while ((await db()('media').where('id', photo).first()) && (await sweep()) > 0);
    expect(await db()('media').where('id', photo).first()).to.equal(undefined);
    expect((await db()('reports').where('id', reportId).first()).evidence_media_id).to.equal(null);
  });

  it('gives at most the last 20 messages up to the reported one, and nothing sent after the match ended', async () => {
    const rita = await createUser(db(), config());
    const otto = await createUser(db(), config());
    const { conversationId, matchId } = await createMatch(db(), rita.id, otto.id);
    const tag = clientMsgId('n');
    let last = 0;
    for (let i = 1; i <= 25; i++) last = await send(i % 2 ? otto : rita, conversationId, `message ${i} ${tag}`);
    const reportId = await reportMessage(rita, conversationId, last);
    const res = await excerpt(reportId);
    expect(res.body.messages.map((m: { seq: number }) => m.seq)).to.deep.equal(Array.from({ length: 20 }, (_, i) => last - 19 + i));

    // A match that ended before the messages' time shows nothing past its end (an unmatch or a block closes the chat).
    await db()('matches').where('id', matchId).update({ ended_at: new Date(Date.now() - 3_600_000), ended_reason: 'unmatch' });
    expect((await excerpt(reportId)).body.messages).to.deep.equal([]);
  });

  it('answers a report that names no message with no conversation, an unknown report 404, a malformed id 400', async () => {
    const rita = await createUser(db(), config());
    const otto = await createUser(db(), config());
    const reportId = await createReport(db(), rita.id, otto.id, 'fake');
    const res = await excerpt(reportId);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ report_id: reportId, conversation_id: null, reported_seq: null, messages: [] });
    const missing = await excerpt('00000000-0000-4000-8000-000000000000');
    expect(missing.status).to.equal(404);
    expect(errorCode(missing)).to.equal('not_found');
    const bad = await excerpt('not-a-uuid');
    expect(bad.status).to.equal(400);
    expect(errorCode(bad)).to.equal('validation_failed');
  });

  it("lists every report against a queue item's user, any status, newest first, at most 20, the reporter as a short id and the decision with its note", async () => {
    const otto = await createUser(db(), config());
    const rita = await createUser(db(), config());
    const bob = await createUser(db(), config());
    const other = await createUser(db(), config());
    const photo = await createPhoto(db(), otto.id, { nsfw_score: 0.6 });
    const t0 = Date.now() - 30 * 86_400_000;
    const ids: string[] = [];
    for (let i = 0; i < 22; i++) ids.push(await createReport(db(), i % 2 ? rita.id : bob.id, otto.id, `reason-${i}`, new Date(t0 + i * 3_600_000)));
    await createReport(db(), rita.id, other.id, 'not-about-otto');
    // Two decided with the admin API (one with a note), the newest stays open.
    const dismissed = await app.api.post(`/admin/reports/${ids[20]}/review`, { action: 'dismiss', note: 'nothing abusive' }, { token: app.admin.token });
    expect(dismissed.status).to.equal(200);
    expect((await app.api.post(`/admin/reports/${ids[19]}/review`, { action: 'warn' }, { token: app.admin.token })).status).to.equal(200);

    const queue = await app.api.get('/admin/queue?limit=200', { token: app.admin.token });
    expect(queue.status).to.equal(200);
    const userItem = queue.body.items.find((i: { id: string }) => i.id === otto.id);
    const photoItem = queue.body.items.find((i: { id: string }) => i.id === photo);
    for (const [name, history] of [['user item', userItem.report_history], ['photo item', photoItem.report_history]]) {
      expect(history.map((r: { id: string }) => r.id), name).to.deep.equal(ids.slice(2).reverse());
      expect(history.map((r: { reason: string }) => r.reason), name).not.to.include('not-about-otto');
    }
    const byId = new Map(userItem.report_history.map((r: { id: string }) => [r.id, r]));
    expect(byId.get(ids[21])).to.deep.include({ status: 'open', decision: null, reporter: rita.id.slice(0, 8), has_message: false, reason: 'reason-21' });
    expect(byId.get(ids[20])).to.deep.include({ status: 'dismissed', reporter: bob.id.slice(0, 8) });
    expect((byId.get(ids[20]) as { decision: unknown }).decision).to.deep.include({ action: 'dismiss', reviewed_by: app.admin.id, note: 'nothing abusive' });
    expect((byId.get(ids[19]) as { decision: unknown }).decision).to.deep.include({ action: 'warn', note: null });
    expect(userItem.report_history[0]).to.have.keys('id', 'reason', 'status', 'created_at', 'reporter', 'has_message', 'decision');
    // Nothing beyond the short id names the reporter in the history.
    expect(JSON.stringify(userItem.report_history)).not.to.contain(rita.id).and.not.to.contain(bob.id);
  });
});
