// The acceptance test of the cluster mode: the real processes under PM2
// (gateway, auth, profile, discovery, media, two realtime instances, the
// matching and moderation workers) on PostgreSQL and Redis, used through the
// gateway only, as the WebApp would.
import { expect } from 'chai';
import { photoJpeg } from '../fixtures/images.js';
import { closeSockets, collect, emitAck, nextEvent, type ClientSocket } from '../helpers/sockets.js';
import { sleep, waitFor } from '../helpers/wait.js';
import type { ChatMessage } from '../../realtime/events.js';
import { api, chatSocket, clientMsgId, instanceOf, joinPlatform, startCluster, upgraded, type Cluster, type Member } from './harness.js';

async function send(socket: ClientSocket, conversationId: string, body: string): Promise<ChatMessage> {
  const ack = await emitAck(socket, 'message:send', { conversation_id: conversationId, body, client_msg_id: clientMsgId() }, 10_000);
  if (!ack.ok) throw new Error(`message:send refused: ${JSON.stringify(ack)}`);
  return ack.message as ChatMessage;
}

describe('cluster mode (PM2) through the gateway', function () {
  this.timeout(150_000);
  let cluster: Cluster;
  let ann: Member;
  let bob: Member;
  let annSocket: ClientSocket;
  let bobSocket: ClientSocket;
  let conversationId: string;
  const seenByBob = new Map<number, ChatMessage>();
  let bobDuplicates = 0;

  before(async function () {
    this.timeout(120_000);
    cluster = await startCluster({ realtimeInstances: 2 });
  });

  after(async function () {
    this.timeout(60_000);
    closeSockets();
    if (this.currentTest?.state === 'failed' && cluster) process.stderr.write(await cluster.logTail(40));
    await cluster?.stop();
  });

  it('answers GET /health on every port', async () => {
    const { gateway, auth, profile, discovery, media, realtime } = cluster.ports;
    for (const port of [gateway, auth, profile, discovery, media, ...realtime]) {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      expect(res.status, `port ${port}`).to.equal(200);
      expect(((await res.json()) as { status: string }).status).to.equal('healthy');
    }
  });

  it('logs two users in, makes profiles, has a photo approved, matches them live on sockets of two realtime instances', async () => {
    [ann, bob] = await Promise.all([joinPlatform(cluster.url, 'Ann', 'woman', 'man'), joinPlatform(cluster.url, 'Bob', 'man', 'woman')]);

    // Two sockets, each on its own realtime instance (the gateway deals handshakes round robin).
    annSocket = await chatSocket(cluster.url, ann);
    for (let attempt = 0; ; attempt++) {
      bobSocket = await chatSocket(cluster.url, bob);
      if (instanceOf(bobSocket) !== instanceOf(annSocket)) break;
      if (attempt > 6) throw new Error('every handshake went to one realtime instance');
      bobSocket.close();
      await sleep(300); // the gateway probes its instances every second
    }
    await Promise.all([upgraded(annSocket), upgraded(bobSocket)]);
    const bobMessages = collect(bobSocket, 'message:new');

    // A photo: uploaded through the gateway, approved by the moderation worker, announced live.
    const moderated = nextEvent(annSocket, 'media:moderated', { timeoutMs: 30_000 });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await photoJpeg(800, 600))], { type: 'image/jpeg' }), 'me.jpg');
    const uploaded = await fetch(`${cluster.url}/profiles/${ann.id}/photos`, { method: 'POST', headers: { authorization: `Bearer ${ann.token}` }, body: form });
    expect(uploaded.status).to.equal(202);
    const photo = (await uploaded.json()) as { id: string; status: string };
    expect(photo.status).to.equal('pending');
    expect(await moderated).to.deep.include({ id: photo.id, status: 'approved' });
    const photos = await api(cluster.url, bob).get(`/profiles/${ann.id}/photos`);
    expect(photos.body.photos.map((p: { id: string }) => p.id)).to.include(photo.id);

    // Likes both ways: the matching worker makes the match; both sockets hear of it.
    const annMatch = nextEvent(annSocket, 'match:new', { timeoutMs: 20_000 });
    const bobMatch = nextEvent(bobSocket, 'match:new', { timeoutMs: 20_000 });
    expect((await api(cluster.url, ann).post('/discovery/like', { target_id: bob.id })).status).to.equal(200);
    expect((await api(cluster.url, bob).post('/api/v1/discovery/like', { target_id: ann.id })).status).to.equal(200);
    const [a, b] = await Promise.all([annMatch, bobMatch]);
    expect(a.conversation_id).to.equal(b.conversation_id);
    expect(a.user?.user_id).to.equal(bob.id);
    conversationId = a.conversation_id;

    // Chat across the two instances, both ways.
    const annMessages = collect(annSocket, 'message:new');
    for (let i = 1; i <= 5; i++) await send(annSocket, conversationId, `ann ${i}`);
    for (let i = 1; i <= 5; i++) {
      const own = await send(bobSocket, conversationId, `bob ${i}`);
      seenByBob.set(own.seq, own); // a sender's own socket gets the ack, not a message:new
    }
    await waitFor('bob receives ann’s messages', () => bobMessages.filter((m) => m.message.sender_id === ann.id).length === 5, 15_000);
    await waitFor('ann receives bob’s messages', () => annMessages.filter((m) => m.message.sender_id === bob.id).length === 5, 15_000);
    expect(bobMessages.filter((m) => m.message.sender_id === ann.id).map((m) => m.message.body)).to.deep.equal(['ann 1', 'ann 2', 'ann 3', 'ann 4', 'ann 5']);
    for (const { message } of bobMessages) {
      if (seenByBob.has(message.seq)) bobDuplicates++;
      seenByBob.set(message.seq, message);
    }
    expect(instanceOf(annSocket)).to.not.equal(instanceOf(bobSocket));
  });

  it('moves the clients of a killed realtime instance to the other one, and nothing is lost or doubled', async () => {
    expect(conversationId, 'needs the previous test').to.be.a('string');
    const bobInstance = instanceOf(bobSocket);
    const victim = (await cluster.realtimeByTag()).get(bobInstance);
    expect(victim, `realtime process with tag ${bobInstance}`).to.not.equal(undefined);

    const live = collect(bobSocket, 'message:new');
    let reconnected = false;
    bobSocket.io.on('reconnect', () => (reconnected = true));
    process.kill(victim!.pid, 'SIGKILL');

    // Ann keeps chatting from the surviving instance while Bob is away.
    const sentWhileAway: ChatMessage[] = [];
    for (let i = 1; i <= 5; i++) sentWhileAway.push(await send(annSocket, conversationId, `while away ${i}`));
    await waitFor('bob reconnects through the gateway', () => reconnected && bobSocket.connected, 30_000);

    // Bob catches up the way the client does: everything after the last seq he has.
    const lastSeen = Math.max(...seenByBob.keys());
    const missed = await api(cluster.url, bob).get(`/chat/messages/${conversationId}?after_seq=${lastSeen}&limit=100`);
    expect(missed.status).to.equal(200);
    for (const m of [...live.map((e) => e.message), ...(missed.body.messages as ChatMessage[])]) {
      const known = seenByBob.get(m.seq);
      if (known) expect(known.id, `seq ${m.seq} is one message`).to.equal(m.id);
      seenByBob.set(m.seq, m);
    }

    // And live delivery works again, on whichever instance Bob is now.
    const after = nextEvent(bobSocket, 'message:new', { timeoutMs: 10_000, filter: (p) => p.message.body === 'after the move' });
    const last = await send(annSocket, conversationId, 'after the move');
    await after;
    seenByBob.set(last.seq, last);

    const history = await api(cluster.url, bob).get(`/chat/messages/${conversationId}?limit=100`);
    const stored = history.body.messages as ChatMessage[];
    expect(stored.map((m) => m.seq)).to.deep.equal(stored.map((_, i) => i + 1));
    expect(new Set(stored.map((m) => m.client_msg_id)).size).to.equal(stored.length);
    expect(stored.length).to.equal(5 + 5 + 5 + 1);
    expect([...seenByBob.keys()].sort((x, y) => x - y)).to.deep.equal(stored.map((m) => m.seq));
    for (const m of sentWhileAway) expect(seenByBob.get(m.seq)?.id).to.equal(m.id);
    expect(bobDuplicates).to.equal(0);
  });
});
