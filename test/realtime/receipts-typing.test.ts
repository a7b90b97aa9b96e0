import { expect } from 'chai';
import { createUser, matchedPair, newSession } from '../helpers/users.js';
import { closeSockets, collect, emitAck, nextEvent, openSocket, untilCount } from '../helpers/sockets.js';
import { clientMsgId, startNode, twoNodes } from '../helpers/realtime.js';

describe('realtime read receipts and typing (two nodes)', () => {
  const { n1, n2, db, config } = twoNodes({}, { typingTtlMs: 400 });

  it('sends a read receipt to the peer on another node; the read position only moves forward and never past the last message', async () => {
    const { a, b, conversationId } = await matchedPair(db(), config());
    const b2 = await newSession(db(), config(), b.id);
    const sa = await openSocket(n1.url, a.token);
    const sb = await openSocket(n2.url, b.token);
    const sb2 = await openSocket(n1.url, b2.token);
    for (let i = 0; i < 3; i++) await emitAck(sa, 'message:send', { conversation_id: conversationId, body: `m${i}`, client_msg_id: clientMsgId() });
    const receipts = collect(sa, 'message:read');
    const otherDevice = collect(sb2, 'message:read');

    const ack = await emitAck(sb, 'message:read', { conversation_id: conversationId, seq: 2 });
    expect(ack).to.deep.equal({ ok: true, conversation_id: conversationId, seq: 2 });
    await untilCount(receipts, 1);
    expect(receipts[0]).to.deep.equal({ conversation_id: conversationId, user_id: b.id, seq: 2 });
    await untilCount(otherDevice, 1);

    expect((await emitAck(sb, 'message:read', { conversation_id: conversationId, seq: 1 })).seq).to.equal(2);
    expect((await emitAck(sb, 'message:read', { conversation_id: conversationId, seq: 99 })).seq).to.equal(3);
    await untilCount(receipts, 2);
    const member = await db()('conversation_members').where({ conversation_id: conversationId, user_id: b.id }).first();
    expect(member.last_read_seq).to.equal(3);
    // A later read that moves: by then a receipt for the one that did not move would have arrived.
    await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'm3', client_msg_id: clientMsgId() });
    await emitAck(sb, 'message:read', { conversation_id: conversationId, seq: 4 });
    await untilCount(receipts, 3);
    expect(receipts.map((r) => r.seq)).to.deep.equal([2, 3, 4]);
  });

  it('refuses read receipts from outsiders and bad positions', async () => {
    const { conversationId, a } = await matchedPair(db(), config());
    const outsider = await createUser(db(), config());
    const so = await openSocket(n1.url, outsider.token);
    const sa = await openSocket(n1.url, a.token);
    expect((await emitAck(so, 'message:read', { conversation_id: conversationId, seq: 1 })).error.code).to.equal('not_found');
    expect((await emitAck(sa, 'message:read', { conversation_id: conversationId, seq: -1 })).error.code).to.equal('validation_failed');
    expect((await emitAck(sa, 'message:read', { conversation_id: conversationId, seq: 1.5 })).error.code).to.equal('validation_failed');
  });

  it('relays typing to the peer across nodes, stops it on typing:stop, and expires it by itself', async () => {
    const { a, b, conversationId } = await matchedPair(db(), config());
    const sa = await openSocket(n1.url, a.token);
    const sb = await openSocket(n2.url, b.token);
    const seen = collect(sb, 'typing');

    expect((await emitAck(sa, 'typing:start', { conversation_id: conversationId })).ok).to.equal(true);
    await untilCount(seen, 1);
    expect(seen[0]).to.include({ conversation_id: conversationId, user_id: a.id, typing: true });
    expect(seen[0].expires_in_ms).to.be.a('number');
    expect((await emitAck(sa, 'typing:stop', { conversation_id: conversationId })).ok).to.equal(true);
    await untilCount(seen, 2);
    expect(seen[1]).to.deep.equal({ conversation_id: conversationId, user_id: a.id, typing: false });

    // Left alone, it expires (this node's TTL is 400 ms).
    const started = Date.now();
    await emitAck(sa, 'typing:start', { conversation_id: conversationId });
    const expired = await nextEvent(sb, 'typing', { filter: (p) => p.typing === false, timeoutMs: 3000 });
    expect(expired.user_id).to.equal(a.id);
    expect(Date.now() - started).to.be.within(300, 2000);
    // Never stored.
    expect(await db()('messages').where({ conversation_id: conversationId }).count('* as n').first()).to.deep.equal({ n: 0 });
  });

  it('ends typing when the typist sends the message or disconnects', async () => {
    const { a, b, conversationId } = await matchedPair(db(), config());
    const sa = await openSocket(n1.url, a.token);
    const sb = await openSocket(n2.url, b.token);
    const seen = collect(sb, 'typing');
    await emitAck(sa, 'typing:start', { conversation_id: conversationId });
    await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'done', client_msg_id: clientMsgId() });
    await untilCount(seen, 2);
    expect(seen.map((t) => t.typing)).to.deep.equal([true, false]);
    await emitAck(sa, 'typing:start', { conversation_id: conversationId });
    await untilCount(seen, 3);
    sa.close();
    await untilCount(seen, 4);
    expect(seen[3].typing).to.equal(false);
  });

  it('refuses typing in a conversation the user is not in, and rate limits it', async () => {
    const limited = await startNode({ RATE_LIMIT_TYPING_PER_MIN: '2' });
    try {
      const { a, conversationId } = await matchedPair(db(), config());
      const outsider = await createUser(db(), config());
      const so = await openSocket(limited.url, outsider.token);
      expect((await emitAck(so, 'typing:start', { conversation_id: conversationId })).error.code).to.equal('not_found');
      expect((await emitAck(so, 'typing:start', { conversation_id: 'nope' })).error.code).to.equal('validation_failed');
      const sa = await openSocket(limited.url, a.token);
      expect((await emitAck(sa, 'typing:start', { conversation_id: conversationId })).ok).to.equal(true);
      expect((await emitAck(sa, 'typing:start', { conversation_id: conversationId })).ok).to.equal(true);
      expect((await emitAck(sa, 'typing:start', { conversation_id: conversationId })).error.code).to.equal('rate_limited');
    } finally {
      closeSockets();
      await limited.close();
    }
  });
});
