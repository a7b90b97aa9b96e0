import { expect } from 'chai';
import { closeSockets, emitAck, openSocket } from '../helpers/sockets.js';
import { waitFor } from '../helpers/wait.js';
import { clientMsgId, startNode, type Node } from '../helpers/realtime.js';
import { matchedPair } from '../helpers/users.js';

describe('realtime slow consumers', () => {
  let node: Node;

  before(async () => {
    node = await startNode({ RATE_LIMIT_MESSAGES_PER_MIN: '1000' }, { slowConsumers: { maxQueuedPackets: 20, checkMs: 50 } });
  });
  after(async () => {
    closeSockets();
    await node.close();
  });

  it('cuts a client that stops reading instead of buffering for it without bound', async () => {
    const { a, b, conversationId } = await matchedPair(node.platform.db, node.platform.config);
    // B speaks raw Engine.IO long-polling, connects, then never polls again.
    const base = `${node.url}/chat/connect/?EIO=4&transport=polling`;
    const open = await (await fetch(base)).text();
    const sid = JSON.parse(open.slice(open.indexOf('{'))).sid as string;
    const post = await fetch(`${base}&sid=${sid}`, { method: 'POST', body: `40${JSON.stringify({ token: b.token })}` });
    expect(post.status).to.equal(200);
    const connected = await (await fetch(`${base}&sid=${sid}`)).text();
    expect(connected).to.contain('40{');
    const bSocketsBefore = [...node.rt.io.of('/').sockets.values()].filter((s) => s.data.userId === b.id);
    expect(bSocketsBefore).to.have.length(1);

    const sa = await openSocket(node.url, a.token);
    for (let i = 0; i < 40; i++) {
      const r = await emitAck(sa, 'message:send', { conversation_id: conversationId, body: `flood ${i}`, client_msg_id: clientMsgId() });
      expect(r.ok).to.equal(true);
    }
    await waitFor('the slow client to be cut', () => ![...node.rt.io.of('/').sockets.values()].some((s) => s.data.userId === b.id), 5000);
    // Its session is gone: the next poll is refused, and A was not affected.
    const poll = await fetch(`${base}&sid=${sid}`);
    expect(poll.status).to.equal(400);
    expect(sa.connected).to.equal(true);
  });
});
