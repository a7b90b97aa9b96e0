import { expect } from 'chai';
import { createUser, matchedPair } from '../helpers/users.js';
import { errorCode } from '../helpers/http.js';
import { closeSockets, collect, emitAck, nextEvent, openSocket, untilCount } from '../helpers/sockets.js';
import { clientMsgId, sentinelMessage, startNode, twoNodes } from '../helpers/realtime.js';
import { createProfile } from '../helpers/profiles.js';

describe('realtime chat REST fallback (two nodes)', () => {
  const { n1, n2, db, config } = twoNodes();

  it('a message sent over REST arrives live on the peer\'s socket and on the sender\'s sockets; a resend is 200 with the same message', async () => {
    const { a, b, conversationId } = await matchedPair(db(), config());
    const sb = await openSocket(n2.url, b.token);
    const sa = await openSocket(n2.url, a.token);
    const gotB = collect(sb, 'message:new');
    const gotA = collect(sa, 'message:new');
    const body = { conversation_id: conversationId, body: 'over REST', client_msg_id: clientMsgId() };
    const res = await n1.api.post('/chat/messages', body, { token: a.token });
    expect(res.status).to.equal(201);
    expect(res.body.message).to.include({ conversation_id: conversationId, seq: 1, sender_id: a.id, body: 'over REST' });
    await untilCount(gotB, 1);
    await untilCount(gotA, 1);
    expect(gotB[0].message).to.deep.equal(res.body.message);

    const again = await n2.api.post('/chat/messages', body, { token: a.token });
    expect(again.status).to.equal(200);
    expect(again.body.message).to.deep.equal(res.body.message);
    const last = await sentinelMessage(sa, conversationId, [sb]);
    expect(gotB.map((p) => p.message.id)).to.deep.equal([res.body.message.id, last.id]);
  });

  it('applies the same rules: auth, validation, membership, live match', async () => {
    const { a, b, conversationId, matchId } = await matchedPair(db(), config());
    const outsider = await createUser(db(), config());
    const post = (token: string | undefined, body: unknown) => n1.api.post('/chat/messages', body, { token });
    const ok = { conversation_id: conversationId, body: 'hi', client_msg_id: clientMsgId() };
    expect(errorCode(await post(undefined, ok))).to.equal('unauthorized');
    expect((await post(undefined, ok)).status).to.equal(401);
    const bad = await post(a.token, { ...ok, body: 'x'.repeat(4001) });
    expect(bad.status).to.equal(400);
    expect(errorCode(bad)).to.equal('validation_failed');
    expect(bad.body.error.details[0].field).to.equal('body');
    expect((await post(a.token, { ...ok, conversation_id: 'x' })).status).to.equal(400);
    expect((await n1.api.request('POST', '/chat/messages', { token: a.token, rawBody: '{oops', headers: { 'content-type': 'application/json' } })).status).to.equal(400);
    expect((await post(outsider.token, ok)).status).to.equal(404);
    await db()('blocks').insert({ blocker_id: a.id, blocked_id: b.id });
    const blocked = await post(b.token, ok);
    expect(blocked.status).to.equal(403);
    expect(errorCode(blocked)).to.equal('forbidden');
    await db()('blocks').where({ blocker_id: a.id }).del();
    await db()('matches').where({ id: matchId }).update({ ended_at: new Date() });
    expect((await post(a.token, ok)).status).to.equal(403);
    expect((await n1.api.get(`/chat/messages/${conversationId}`, { token: a.token })).status).to.equal(403);
    expect(await db()('messages').where({ conversation_id: conversationId })).to.have.length(0);
  });

  it('pages messages with before_seq / after_seq / limit and has_more', async () => {
    const { a, b, conversationId } = await matchedPair(db(), config());
    const sa = await openSocket(n1.url, a.token);
    for (let i = 1; i <= 7; i++) await emitAck(sa, 'message:send', { conversation_id: conversationId, body: `m${i}`, client_msg_id: clientMsgId() });
    const get = async (q: string) => {
      const res = await n2.api.get(`/chat/messages/${conversationId}${q}`, { token: b.token });
      expect(res.status).to.equal(200);
      return { seqs: (res.body.messages as { seq: number }[]).map((m) => m.seq), more: res.body.has_more as boolean };
    };
    expect(await get('')).to.deep.equal({ seqs: [1, 2, 3, 4, 5, 6, 7], more: false });
    expect(await get('?limit=3')).to.deep.equal({ seqs: [5, 6, 7], more: true });
    expect(await get('?limit=3&before_seq=5')).to.deep.equal({ seqs: [2, 3, 4], more: true });
    expect(await get('?limit=3&before_seq=3')).to.deep.equal({ seqs: [1, 2], more: false });
    expect(await get('?after_seq=2&limit=3')).to.deep.equal({ seqs: [3, 4, 5], more: true });
    expect(await get('?after_seq=5')).to.deep.equal({ seqs: [6, 7], more: false });
    expect(await get('?after_seq=1&before_seq=4')).to.deep.equal({ seqs: [2, 3], more: false });
    const bad = await n2.api.get(`/chat/messages/${conversationId}?limit=0`, { token: b.token });
    expect(bad.status).to.equal(400);
    expect((await n2.api.get(`/chat/messages/${conversationId}?after_seq=abc`, { token: b.token })).status).to.equal(400);
    expect((await n2.api.get('/chat/messages/not-a-uuid', { token: b.token })).status).to.equal(400);
    const outsider = await createUser(db(), config());
    expect((await n2.api.get(`/chat/messages/${conversationId}`, { token: outsider.token })).status).to.equal(404);
  });

  it('lists conversations with the peer, the last message and unread counts; marking read is 204 with a live receipt', async () => {
    const { a, b, conversationId, matchId } = await matchedPair(db(), config());
    await createProfile(db(), a.id, { display_name: 'Alice' });
    await createProfile(db(), b.id, { display_name: 'Bea' });
    const quiet = await createUser(db(), config());
    await createProfile(db(), quiet.id, { display_name: 'Quiet' });
    const { createMatch } = await import('../helpers/users.js');
    const q = await createMatch(db(), a.id, quiet.id);
    const sa = await openSocket(n1.url, a.token);
    for (let i = 1; i <= 3; i++) await emitAck(sa, 'message:send', { conversation_id: conversationId, body: `m${i}`, client_msg_id: clientMsgId() });

    const list = await n2.api.get('/chat/conversations', { token: b.token });
    expect(list.status).to.equal(200);
    expect(list.body.conversations).to.have.length(1);
    const c = list.body.conversations[0];
    expect(c).to.include({ conversation_id: conversationId, match_id: matchId, unread_count: 3 });
    expect(c.peer).to.include({ user_id: a.id, display_name: 'Alice' });
    expect(c.peer).to.not.have.any.keys('birthdate', 'lat', 'lon', 'telegram_id');
    expect(c.last_message).to.include({ seq: 3, body: 'm3', sender_id: a.id });

    const mine = await n1.api.get('/chat/conversations', { token: a.token });
    expect(mine.body.conversations.map((x: { conversation_id: string }) => x.conversation_id)).to.deep.equal([conversationId, q.conversationId]);
    expect(mine.body.conversations[0].unread_count).to.equal(0); // own messages are not unread
    expect(mine.body.conversations[1].last_message).to.equal(null);

    const receipt = nextEvent(sa, 'message:read');
    const read = await n2.api.post(`/chat/conversations/${conversationId}/read`, { seq: 2 }, { token: b.token });
    expect(read.status).to.equal(204);
    expect(await receipt).to.deep.equal({ conversation_id: conversationId, user_id: b.id, seq: 2 });
    const after = await n2.api.get('/chat/conversations', { token: b.token });
    expect(after.body.conversations[0].unread_count).to.equal(1);
    expect((await n2.api.post(`/chat/conversations/${conversationId}/read`, { seq: 'x' }, { token: b.token })).status).to.equal(400);
    expect((await n2.api.post(`/chat/conversations/${conversationId}/read`, {}, { token: b.token })).status).to.equal(400);

    // A blocked peer vanishes from the list, both ways.
    await db()('blocks').insert({ blocker_id: quiet.id, blocked_id: a.id });
    const withoutQuiet = await n1.api.get('/chat/conversations', { token: a.token });
    expect(withoutQuiet.body.conversations.map((x: { conversation_id: string }) => x.conversation_id)).to.deep.equal([conversationId]);
  });

  it('keeps a peer who hides or pauses the profile in the conversations (distance_km null there), and the chat goes on', async () => {
    for (const visibility of ['hidden', 'paused'] as const) {
      const { a, b, conversationId } = await matchedPair(db(), config());
      // Both located, 10 km apart: the conversation list still shows no distance (it has no viewer location).
      await createProfile(db(), a.id, { display_name: 'Alice', lat: 52.5, lon: 13.4 });
      await createProfile(db(), b.id, { display_name: 'Bea', visibility, lat: 52.59, lon: 13.4 });
      const sent = await n1.api.post('/chat/messages', { conversation_id: conversationId, body: 'still here?', client_msg_id: clientMsgId() }, { token: a.token });
      expect(sent.status, visibility).to.equal(201);
      const reply = await n2.api.post('/chat/messages', { conversation_id: conversationId, body: 'yes', client_msg_id: clientMsgId() }, { token: b.token });
      expect(reply.status, visibility).to.equal(201);

      const list = await n1.api.get('/chat/conversations', { token: a.token });
      expect(list.body.conversations, visibility).to.have.length(1);
      expect(list.body.conversations[0].conversation_id).to.equal(conversationId);
      expect(list.body.conversations[0].peer, visibility).to.include({ user_id: b.id, display_name: 'Bea', distance_km: null });
      expect(list.body.conversations[0].last_message).to.include({ seq: 2, sender_id: b.id });
    }
  });

  it('gives Engine.IO ids the node tag the gateway routes long-polling by: unique per node, never its port', async () => {
    const port = new URL(n1.url).port;
    const res = await fetch(`${n1.url}/chat/connect/?EIO=4&transport=polling`);
    const text = await res.text();
    const sid = JSON.parse(text.slice(text.indexOf('{'))).sid as string;
    expect(sid.startsWith(`${n1.rt.tag}.`)).to.equal(true);
    expect(n1.rt.tag).to.not.equal(port);
    expect(n1.rt.tag).to.not.equal(n2.rt.tag);

    const tagged = await startNode({ SERVICE_INSTANCE: 'rt-7' });
    try {
      const r = await fetch(`${tagged.url}/chat/connect/?EIO=4&transport=polling`);
      const t = await r.text();
      expect(JSON.parse(t.slice(t.indexOf('{'))).sid).to.match(/^rt-7-[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{20}$/);
      // The whole client works over long-polling too.
      const u = await createUser(db(), config());
      const s = await openSocket(tagged.url, u.token, { transports: ['polling'] });
      expect((await emitAck(s, 'presence:query', { user_ids: [] })).ok).to.equal(true);
    } finally {
      closeSockets();
      await tagged.close();
    }
  });
});
