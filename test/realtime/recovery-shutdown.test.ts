import { expect } from 'chai';
import { collect, connectError, disconnected, emitAck, nextEvent, openSocket, socketFor, untilCount, type ClientSocket } from '../helpers/sockets.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { clientMsgId, sentinelMessage, startNode, twoNodes, type Node } from '../helpers/realtime.js';
import { matchedPair } from '../helpers/users.js';

/** Drops the socket's connection as the network would, and resolves once the node has let go of it. */
async function drop(node: Node, s: ClientSocket, userId: string) {
  s.io.engine.close();
  await waitFor('the node to notice the drop', () => ![...node.rt.io.of('/').sockets.values()].some((x) => x.data.userId === userId));
}

/** The recovery credentials socket.io-client keeps for a reconnection. */
function sessionOf(s: ClientSocket): { pid: string; offset: string } {
  const raw = s as unknown as { _pid: string; _lastOffset: string };
  return { pid: raw._pid, offset: raw._lastOffset };
}

describe('realtime connection recovery, catch-up and graceful shutdown (two nodes)', () => {
  const { n1, n2, db, config } = twoNodes();
  const send = (s: ClientSocket, conversationId: string, body: string) =>
    emitAck(s, 'message:send', { conversation_id: conversationId, body, client_msg_id: clientMsgId() });

  it('a client that drops for 2 s while a message is sent gets it once on reconnect (recovered session)', async () => {
    const { a, b, conversationId } = await matchedPair(db(), config());
    const sb = await openSocket(n2.url, b.token);
    const sa = await openSocket(n1.url, a.token, { reconnection: true, reconnectionDelay: 2000, reconnectionDelayMax: 2000, randomizationFactor: 0 });
    const got = collect(sa, 'message:new');
    await send(sb, conversationId, 'before');
    await untilCount(got, 1);

    await drop(n1, sa, a.id); // the network drops
    expect(sa.connected).to.equal(false);
    const missed = await send(sb, conversationId, 'while away');
    const back = new Promise<void>((r) => sa.once('connect', () => r()));
    await back;
    expect(sa.recovered).to.equal(true);
    await untilCount(got, 2);
    const last = await sentinelMessage(sb, conversationId, [sa]);
    expect(got.map((p) => p.message.seq)).to.deep.equal([1, 2, last.seq]);
    expect(got[1].message).to.deep.equal(missed.message);
  });

  it('recovers the session on the other node too (clients of a stopped node reconnect elsewhere)', async () => {
    const { a, b, conversationId } = await matchedPair(db(), config());
    const sb = await openSocket(n2.url, b.token);
    const sa = await openSocket(n1.url, a.token);
    const first = nextEvent(sa, 'message:new');
    await send(sb, conversationId, 'one');
    await first;
    const session = sessionOf(sa);
    expect(session.pid).to.be.a('string');
    await drop(n1, sa, a.id);
    const missed = await send(sb, conversationId, 'two');

    // What the client's Manager would do if the gateway sent its reconnection to another node.
    const elsewhere = socketFor(n2.url, a.token);
    Object.assign(elsewhere, { _pid: session.pid, _lastOffset: session.offset });
    const got = collect(elsewhere, 'message:new');
    await new Promise<void>((resolve, reject) => {
      elsewhere.once('connect', () => resolve());
      elsewhere.once('connect_error', reject);
      elsewhere.connect();
    });
    expect(elsewhere.recovered).to.equal(true);
    await untilCount(got, 1);
    expect(got[0].message).to.deep.equal(missed.message);
    // The recovered socket is in its user's room again: live delivery continues.
    const live = await send(sb, conversationId, 'three');
    await untilCount(got, 2);
    expect(got[1].message.id).to.equal(live.message.id);
  });

  it('does not hand a recovered session to another user', async () => {
    const { a, b, conversationId } = await matchedPair(db(), config());
    const sb = await openSocket(n2.url, b.token);
    const sa = await openSocket(n1.url, a.token);
    const first = nextEvent(sa, 'message:new');
    await send(sb, conversationId, 'one');
    await first;
    const session = sessionOf(sa);
    await drop(n1, sa, a.id);
    const err = await openSocket(n2.url, undefined, { auth: { token: b.token, ...session } }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.equal('unauthorized');
  });

  it('catches up a longer gap with GET /chat/messages/{id}?after_seq=', async () => {
    const { a, b, conversationId } = await matchedPair(db(), config());
    const sb = await openSocket(n2.url, b.token);
    const sa = await openSocket(n1.url, a.token);
    const got = collect(sa, 'message:new');
    await send(sb, conversationId, 'm1');
    await untilCount(got, 1);
    sa.close();
    for (const body of ['m2', 'm3', 'm4']) await send(sb, conversationId, body);
    const lastSeen = got[got.length - 1].message.seq;
    const res = await n1.api.get(`/chat/messages/${conversationId}?after_seq=${lastSeen}`, { token: a.token });
    expect(res.status).to.equal(200);
    expect(res.body.messages.map((m: { body: string }) => m.body)).to.deep.equal(['m2', 'm3', 'm4']);
    expect(res.body.has_more).to.equal(false);
  });

  it('shuts down gracefully: in-flight acks finish, clients are told to reconnect, new connections are refused', async () => {
    const n3 = await startNode();
    try {
      const { a, b, conversationId } = await matchedPair(db(), config());
      const sa = await openSocket(n3.url, a.token, { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100 });
      const sb = await openSocket(n2.url, b.token);
      const gotB = collect(sb, 'message:new');
      const reason = disconnected(sa);
      const ack = send(sa, conversationId, 'last words');
      await sleep(0);
      const stopping = n3.rt.stop();
      const r = await ack;
      expect(r.ok).to.equal(true);
      expect(await reason).to.equal('transport close'); // not "io server disconnect": the client reconnects
      expect(sa.active).to.equal(true);
      await stopping;
      await untilCount(gotB, 1);
      const stored = await db()('messages').where({ conversation_id: conversationId });
      expect(stored).to.have.length(1);
      // The stopped node takes no one new (its HTTP server is still up until the caller closes it).
      const refused = await connectError(n3.url, a.token);
      expect(refused.message).to.not.equal('unauthorized');
      sa.close();
    } finally {
      await n3.close();
    }
  });
});
