import { expect } from 'chai';
import { createUser, matchedPair } from '../helpers/users.js';
import { errorCode } from '../helpers/http.js';
import { collect, emitAck, openSocket, untilCount } from '../helpers/sockets.js';
import { clientMsgId, twoNodes } from '../helpers/realtime.js';
import type { ChatMessage } from '../../realtime/events.js';

describe('message actions: replies, reactions, edits, unsend (two nodes)', () => {
  const { n1, n2, db, config } = twoNodes();

  async function chat() {
    const pair = await matchedPair(db(), config());
    const sa = await openSocket(n1.url, pair.a.token);
    const sb = await openSocket(n2.url, pair.b.token);
    const send = async (from: typeof sa, body: string, extra: Record<string, unknown> = {}) => {
      const ack = await emitAck(from, 'message:send', { conversation_id: pair.conversationId, body, client_msg_id: clientMsgId(), ...extra });
      expect(ack.ok, JSON.stringify(ack)).to.equal(true);
      return ack.message as ChatMessage;
    };
    const history = async (token: string, query = '') =>
      (await n2.api.get(`/chat/messages/${pair.conversationId}${query}`, { token })).body as { messages: ChatMessage[]; has_more: boolean; change_seq: number };
    const lastSeq = async () => (await db()('conversations').where('id', pair.conversationId).first()).last_seq as number;
    return { ...pair, sa, sb, send, history, lastSeq };
  }

  it('a reply carries a quote of the original (sender, first 100 characters), live and in the history; an unknown seq is refused', async () => {
    const c = await chat();
    const long = 'q'.repeat(150);
    const original = await c.send(c.sa, long);
    const got = collect(c.sa, 'message:new');
    const reply = await c.send(c.sb, 'answer', { reply_to_seq: original.seq });
    expect(reply.reply_to).to.deep.equal({ seq: 1, sender_id: c.a.id, body: 'q'.repeat(100), deleted: false });
    await untilCount(got, 1);
    expect(got[0].message.reply_to).to.deep.equal(reply.reply_to);
    const page = await c.history(c.a.token);
    expect(page.messages[1].reply_to).to.deep.equal(reply.reply_to);
    const unknown = await emitAck(c.sb, 'message:send', { conversation_id: c.conversationId, body: 'x', client_msg_id: clientMsgId(), reply_to_seq: 9 });
    expect(unknown.error.code).to.equal('not_found');
    expect(await c.lastSeq()).to.equal(2);
  });

  it('reactions: one per user, live to the peer on the other node, counts and my own in the history, removed with null, retried once', async () => {
    const c = await chat();
    const m = await c.send(c.sa, 'react to me');
    const seen = collect(c.sa, 'message:reaction');
    const ack = await emitAck(c.sb, 'message:react', { conversation_id: c.conversationId, seq: m.seq, emoji: '❤️', client_id: 'r1' });
    expect(ack).to.include({ ok: true, emoji: '❤️', seq: 1 });
    expect(ack.reactions).to.deep.equal({ '❤️': 1 });
    await untilCount(seen, 1);
    expect(seen[0]).to.include({ user_id: c.b.id, emoji: '❤️', change_seq: ack.change_seq });
    // A retry (same client_id) and the same reaction again apply nothing and announce nothing.
    const retry = await emitAck(c.sb, 'message:react', { conversation_id: c.conversationId, seq: m.seq, emoji: '❤️', client_id: 'r1' });
    expect(retry.change_seq).to.equal(ack.change_seq);
    const again = await emitAck(c.sb, 'message:react', { conversation_id: c.conversationId, seq: m.seq, emoji: '❤️' });
    expect(again.change_seq).to.equal(ack.change_seq);
    // A's own reaction replaces nothing of B's.
    const mine = await emitAck(c.sa, 'message:react', { conversation_id: c.conversationId, seq: m.seq, emoji: '🔥' });
    expect(mine.reactions).to.deep.equal({ '❤️': 1, '🔥': 1 });
    const changed = await emitAck(c.sb, 'message:react', { conversation_id: c.conversationId, seq: m.seq, emoji: '😂' });
    expect(changed.reactions).to.deep.equal({ '😂': 1, '🔥': 1 });
    await untilCount(seen, 2);
    expect((await c.history(c.b.token)).messages[0]).to.include({ my_reaction: '😂' }).and.to.have.deep.property('reactions', { '😂': 1, '🔥': 1 });
    expect((await c.history(c.a.token)).messages[0]).to.include({ my_reaction: '🔥' });
    const removed = await emitAck(c.sb, 'message:react', { conversation_id: c.conversationId, seq: m.seq, emoji: null });
    expect(removed.reactions).to.deep.equal({ '🔥': 1 });
    expect(await db()('message_reactions').where({ message_id: m.id })).to.have.length(1);
    // Not a seq of the message stream.
    expect(await c.lastSeq()).to.equal(1);
  });

  it('reactions: only members of a live conversation, from the fixed set, to a message that exists', async () => {
    const c = await chat();
    const m = await c.send(c.sa, 'hi');
    const outsider = await createUser(db(), config());
    const so = await openSocket(n1.url, outsider.token);
    const react = (s: typeof so, fields: Record<string, unknown>) => emitAck(s, 'message:react', { conversation_id: c.conversationId, seq: m.seq, emoji: '👍', ...fields });
    expect((await react(so, {})).error.code).to.equal('not_found');
    expect((await react(c.sb, { emoji: '💩' })).error.code).to.equal('validation_failed');
    expect((await react(c.sb, { seq: 5 })).error.code).to.equal('not_found');
    await db()('blocks').insert({ blocker_id: c.a.id, blocked_id: c.b.id });
    expect((await react(c.sb, {})).error.code).to.equal('forbidden');
    expect(await db()('message_reactions').where({ message_id: m.id })).to.have.length(0);
  });

  it('edits: the sender within 15 minutes, live to the peer, latest text in the history; not the peer, not later, not a deleted message', async () => {
    const c = await chat();
    const m = await c.send(c.sa, 'helo');
    const seen = collect(c.sb, 'message:edited');
    const ack = await emitAck(c.sa, 'message:edit', { conversation_id: c.conversationId, seq: m.seq, body: 'hello', client_id: 'e1' });
    expect(ack.ok).to.equal(true);
    expect(ack.message).to.include({ seq: 1, body: 'hello' });
    expect(ack.message.edited_at).to.be.a('string');
    await untilCount(seen, 1);
    expect(seen[0].message).to.include({ body: 'hello', seq: 1 });
    // A retried edit applies once: with its client_id even after a later edit.
    await emitAck(c.sa, 'message:edit', { conversation_id: c.conversationId, seq: m.seq, body: 'hello!', client_id: 'e2' });
    const retried = await emitAck(c.sa, 'message:edit', { conversation_id: c.conversationId, seq: m.seq, body: 'hello', client_id: 'e1' });
    expect(retried.message.body).to.equal('hello!');
    await untilCount(seen, 2);
    expect((await c.history(c.b.token)).messages[0]).to.include({ body: 'hello!' });

    expect((await emitAck(c.sb, 'message:edit', { conversation_id: c.conversationId, seq: m.seq, body: 'mine now' })).error.code).to.equal('forbidden');
    expect((await emitAck(c.sa, 'message:edit', { conversation_id: c.conversationId, seq: m.seq, body: '' })).error.code).to.equal('validation_failed');
    expect((await emitAck(c.sa, 'message:edit', { conversation_id: c.conversationId, seq: 7, body: 'x' })).error.code).to.equal('not_found');
    await db()('messages').where({ id: m.id }).update({ created_at: db().raw(`now() - interval '16 minutes'`) });
    const late = await emitAck(c.sa, 'message:edit', { conversation_id: c.conversationId, seq: m.seq, body: 'too late' });
    expect(late.error.code).to.equal('forbidden');
    const fresh = await c.send(c.sa, 'to unsend');
    expect((await emitAck(c.sa, 'message:delete', { conversation_id: c.conversationId, seq: fresh.seq })).ok).to.equal(true);
    expect((await emitAck(c.sa, 'message:edit', { conversation_id: c.conversationId, seq: fresh.seq, body: 'back' })).error.code).to.equal('conflict');
    expect((await emitAck(c.sb, 'message:react', { conversation_id: c.conversationId, seq: fresh.seq, emoji: '👍' })).error.code).to.equal('conflict');
    expect(await c.lastSeq()).to.equal(2);
  });

  it('unsend: while unread, for both sides (body removed, placeholder at the same seq, quotes say deleted); after a read only for oneself', async () => {
    const c = await chat();
    const m1 = await c.send(c.sa, 'oops');
    await c.send(c.sb, 're: oops', { reply_to_seq: 1 });
    const m3 = await c.send(c.sa, 'read this');
    const seen = collect(c.sb, 'message:deleted');
    expect((await emitAck(c.sb, 'message:delete', { conversation_id: c.conversationId, seq: m1.seq })).error.code).to.equal('forbidden');
    const ack = await emitAck(c.sa, 'message:delete', { conversation_id: c.conversationId, seq: m1.seq });
    expect(ack).to.include({ ok: true, scope: 'everyone', seq: 1 });
    await untilCount(seen, 1);
    expect(seen[0]).to.include({ seq: 1, scope: 'everyone' });
    const row = await db()('messages').where({ id: m1.id }).first();
    expect(row.body).to.equal(null);
    const page = await c.history(c.b.token);
    expect(page.messages.map((m) => m.seq)).to.deep.equal([1, 2, 3]);
    expect(page.messages[0]).to.include({ deleted: true, body: null });
    expect(page.messages[1].reply_to).to.deep.equal({ seq: 1, sender_id: c.a.id, body: null, deleted: true });
    // Retried: applied once.
    expect((await emitAck(c.sa, 'message:delete', { conversation_id: c.conversationId, seq: m1.seq })).change_seq).to.equal(ack.change_seq);

    expect((await emitAck(c.sb, 'message:read', { conversation_id: c.conversationId, seq: 3 })).ok).to.equal(true);
    const read = await emitAck(c.sa, 'message:delete', { conversation_id: c.conversationId, seq: m3.seq });
    expect(read.error.code).to.equal('conflict');
    const mine = await emitAck(c.sa, 'message:delete', { conversation_id: c.conversationId, seq: m3.seq, scope: 'me' });
    expect(mine).to.include({ ok: true, scope: 'me' });
    expect((await c.history(c.a.token)).messages[2]).to.include({ deleted: true, body: null });
    expect((await c.history(c.b.token)).messages[2]).to.include({ body: 'read this' });
    expect(await c.lastSeq()).to.equal(3);
  });

  it('keeps retry keys for a day: an older key of the user is dropped at their next edit or reaction', async () => {
    const c = await chat();
    const m = await c.send(c.sa, 'keys');
    await emitAck(c.sb, 'message:react', { conversation_id: c.conversationId, seq: m.seq, emoji: '👍', client_id: 'old-key' });
    await db()('message_action_keys').where({ user_id: c.b.id }).update({ created_at: db().raw(`now() - interval '2 days'`) });
    await emitAck(c.sb, 'message:react', { conversation_id: c.conversationId, seq: m.seq, emoji: '😮', client_id: 'new-key' });
    expect((await db()('message_action_keys').where({ user_id: c.b.id })).map((k) => k.client_id)).to.deep.equal(['new-key']);
    expect((await emitAck(c.sb, 'message:react', { conversation_id: c.conversationId, seq: m.seq, emoji: '👍', client_id: 'old-key' })).emoji).to.equal('👍');
  });

  it('catch-up: edits, reactions and deletions made while a client was away come back by events_after, not a reload', async () => {
    const c = await chat();
    for (let i = 0; i < 4; i++) await c.send(c.sa, `m${i}`);
    const before = await c.history(c.b.token);
    expect(before.change_seq).to.equal(0);
    c.sb.disconnect();
    await emitAck(c.sa, 'message:edit', { conversation_id: c.conversationId, seq: 2, body: 'edited' });
    await emitAck(c.sa, 'message:react', { conversation_id: c.conversationId, seq: 1, emoji: '👏' });
    await emitAck(c.sa, 'message:delete', { conversation_id: c.conversationId, seq: 4 });
    const changes = await c.history(c.b.token, `?events_after=${before.change_seq}`);
    expect(changes.change_seq).to.equal(3);
    expect(changes.messages.map((m) => [m.seq, m.change_seq])).to.deep.equal([
      [2, 1],
      [1, 2],
      [4, 3],
    ]);
    expect(changes.messages[0]).to.include({ body: 'edited' });
    expect(changes.messages[1].reactions).to.deep.equal({ '👏': 1 });
    expect(changes.messages[2]).to.include({ deleted: true });
    const paged = await c.history(c.b.token, '?events_after=1&limit=1');
    expect(paged.has_more).to.equal(true);
    expect(paged.messages.map((m) => m.seq)).to.deep.equal([1]);
    expect((await c.history(c.b.token, '?events_after=3')).messages).to.have.length(0);
  });

  it('REST fallbacks: PUT …/reaction, PUT to edit, DELETE to unsend, with live events on the other node', async () => {
    const c = await chat();
    const m = await c.send(c.sa, 'over rest');
    const reactions = collect(c.sa, 'message:reaction');
    const edits = collect(c.sb, 'message:edited');
    const deletions = collect(c.sb, 'message:deleted');
    const path = `/chat/messages/${c.conversationId}/${m.seq}`;
    const r = await n1.api.put(`${path}/reaction`, { emoji: '🙏' }, { token: c.b.token });
    expect(r.status).to.equal(200);
    expect(r.body).to.include({ emoji: '🙏', seq: 1 });
    await untilCount(reactions, 1);
    const e = await n1.api.put(path, { body: 'over REST' }, { token: c.a.token });
    expect(e.status).to.equal(200);
    expect(e.body.message).to.include({ body: 'over REST' });
    await untilCount(edits, 1);
    expect(errorCode(await n1.api.put(path, { body: 'x' }, { token: c.b.token }))).to.equal('forbidden');
    expect(errorCode(await n1.api.del(`${path}?scope=all`, { token: c.a.token }))).to.equal('validation_failed');
    const d = await n1.api.del(path, { token: c.a.token });
    expect(d.status).to.equal(200);
    expect(d.body).to.include({ scope: 'everyone' });
    await untilCount(deletions, 1);
  });
});
