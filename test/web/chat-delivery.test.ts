// The web client's chat delivery code (web/src/chat-delivery.ts with the
// outbox of web/src/outbox.ts), as the chat screen and the fault suite run
// it, against a real realtime node over a real socket and REST. The network
// between them can lose an ack, refuse an event or drop a live message, so
// each rule of delivery is seen doing its work.
import { expect } from 'chai';
import type { ChatMessage, ClientToServerEvents } from '../../realtime/events.js';
import { ChatDelivery, type DeliveryEvent } from '../../web/src/chat-delivery.js';
import type { ChatSocket, ChatTransport } from '../../web/src/chat-transport.js';
import { ApiError } from '../../web/src/http.js';
import { Outbox, type OutboxEvent } from '../../web/src/outbox.js';
import { closeSockets, emitAck, openSocket, type ClientSocket } from '../helpers/sockets.js';
import type { TestUser } from '../helpers/users.js';
import { startNode, type Node } from '../helpers/realtime.js';
import { matchedPair } from '../helpers/users.js';

/** What the network between one client and the node does wrong; changeable during a test. */
interface Network {
  /** The next `n` answers to these events are lost after the server did the work (a timeout for the client). */
  loseAcks: Partial<Record<keyof ClientToServerEvents, number>>;
  /** Events refused over the socket (the client falls back to REST where it can). */
  refuse: Set<keyof ClientToServerEvents>;
  /** Live messages that never arrive. */
  dropLive: (m: ChatMessage) => boolean;
}

type Answer = Awaited<ReturnType<ChatSocket['request']>>;

function transport(node: Node, user: TestUser, socket: ClientSocket, net: Network): ChatTransport {
  const s = socket as unknown as { on(e: string, f: unknown): void; off(e: string, f: unknown): void };
  const rest = async <T>(res: Promise<{ status: number; body: any }>): Promise<T> => {
    const r = await res;
    if (r.status >= 300) throw new ApiError(r.status, r.body?.error?.code ?? 'error', r.body?.error?.message ?? '');
    return r.body as T;
  };
  return {
    socket: {
      get connected() {
        return socket.connected;
      },
      async request(event, payload) {
        if (!socket.connected || net.refuse.has(event)) return { ok: false, error: { code: 'offline', message: 'Not connected' } } as Answer as never;
        const ack = await emitAck<Answer>(socket, event, payload);
        if (net.loseAcks[event]) {
          net.loseAcks[event]--;
          return { ok: false, error: { code: 'timeout', message: 'No answer from the server' } } as never;
        }
        return ack as never;
      },
      on(event, fn) {
        const listener =
          event === 'message:new' ? (p: { message: ChatMessage }) => !net.dropLive(p.message) && (fn as (p: unknown) => void)(p) : fn;
        s.on(event, listener);
        return () => s.off(event, listener);
      },
      onConnect(fn) {
        socket.on('connect', fn);
        return () => void socket.off('connect', fn);
      },
    },
    rest: {
      get: (path) => rest(node.api.get(path, { token: user.token })),
      post: (path, body) => rest(node.api.post(path, body ?? {}, { token: user.token })),
      put: (path, body) => rest(node.api.put(path, body ?? {}, { token: user.token })),
      del: (path) => rest(node.api.del(path, { token: user.token })),
    },
  };
}

/** The first event `on` reports that matches, or a timeout naming `what`. Subscribe before the action. */
function next<E, M extends E = E>(source: { on(fn: (e: E) => void): () => void }, match: (e: E) => e is M, what: string, timeoutMs = 5000): Promise<M> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = source.on((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

type MessageEvent = Extract<DeliveryEvent, { type: 'message' }>;
const message = (seq: number, source?: MessageEvent['source']) => (e: DeliveryEvent): e is MessageEvent =>
  e.type === 'message' && e.message.seq === seq && (!source || e.source === source);

describe('web client chat delivery (against a realtime node)', () => {
  let node: Node;
  const closing: (() => void)[] = [];

  before(async () => {
    node = await startNode();
  });
  afterEach(() => {
    for (const close of closing.splice(0)) close();
    closeSockets();
  });
  after(() => node.close());

  const db = () => node.platform.db;

  /** One user with the conversation open, as the chat screen opens it. */
  async function openChat(user: TestUser, conversationId: string, net: Partial<Network> = {}) {
    const network: Network = { loseAcks: {}, refuse: new Set(), dropLive: () => false, ...net };
    const socket = await openSocket(node.url, user.token);
    const t = transport(node, user, socket, network);
    const outbox = new Outbox(t);
    const delivery = new ChatDelivery(t, outbox, { conversationId, userId: user.id });
    const events: DeliveryEvent[] = [];
    const sends: OutboxEvent[] = [];
    delivery.on((e) => events.push(e));
    outbox.on((e) => sends.push(e));
    closing.push(() => (delivery.close(), outbox.close()));
    await delivery.loadLatest();
    return { socket, outbox, delivery, events, sends, network };
  }

  const stored = (conversationId: string) => db()('messages').where({ conversation_id: conversationId }).orderBy('seq').select('id', 'seq', 'client_msg_id', 'body');

  it('applies reactions, edits and unsends live, and over REST while the socket is down', async () => {
    const { a, b, conversationId } = await matchedPair(db(), node.platform.config);
    const alice = await openChat(a, conversationId);
    const bob = await openChat(b, conversationId);
    const atBob = next(bob.delivery, message(1, 'live'), 'live message at Bob');
    alice.delivery.send('hello there');
    await atBob;

    const reacted = next(alice.delivery, message(1, 'change'), 'the reaction at Alice');
    await bob.delivery.react(1, '🔥');
    expect((await reacted).message.reactions).to.deep.equal({ '🔥': 1 });
    expect(bob.delivery.messages.get(1)).to.include({ my_reaction: '🔥' });
    expect(alice.delivery.messages.get(1)?.my_reaction).to.equal(undefined);

    const edited = next(bob.delivery, (e): e is MessageEvent => e.type === 'message' && e.source === 'change' && e.message.body === 'hello there!', 'the edit at Bob');
    await alice.delivery.edit(1, 'hello there!');
    expect((await edited).message.edited_at).to.be.a('string');
    expect(bob.delivery.messages.get(1)).to.include({ my_reaction: '🔥' }); // the peers' copy of an edit keeps our own reaction

    alice.socket.disconnect();
    alice.delivery.send('oops');
    await next(alice.outbox, (e): e is OutboxEvent => e.type === 'acked', 'the REST send');
    const gone = next(bob.delivery, (e): e is MessageEvent => e.type === 'message' && e.message.seq === 2 && e.message.deleted === true, 'the unsend at Bob');
    await alice.delivery.remove(2, 'everyone');
    await gone;
    expect(alice.delivery.messages.get(2)).to.include({ deleted: true, body: null });
    const refused = await bob.delivery.edit(1, 'not mine').catch((err: ApiError) => err.code);
    expect(refused).to.equal('forbidden');
  });

  it('catches up on edits, reactions and deletions made while it was away (events_after), without a reload', async () => {
    const { a, b, conversationId } = await matchedPair(db(), node.platform.config);
    const alice = await openChat(a, conversationId);
    for (const body of ['one', 'two', 'three']) alice.delivery.send(body);
    await next(alice.outbox, (e): e is OutboxEvent => e.type === 'acked' && alice.delivery.pending().length === 0, "Alice's acks");
    const bob = await openChat(b, conversationId, { dropLive: () => true });
    bob.socket.disconnect();
    await alice.delivery.edit(1, 'one, edited');
    await alice.delivery.react(2, '👏');
    await alice.delivery.remove(3, 'everyone');

    const pages: string[] = [];
    const caughtUp = next(bob.delivery, (e): e is MessageEvent => e.type === 'message' && e.source === 'change' && e.message.seq === 3, 'the deletion at Bob');
    bob.socket.connect();
    await caughtUp;
    pages.push(...bob.events.filter((e): e is MessageEvent => e.type === 'message' && e.source === 'change').map((e) => `${e.message.seq}`));
    expect(pages).to.deep.equal(['1', '2', '3']);
    expect(bob.delivery.messages.get(1)).to.include({ body: 'one, edited' });
    expect(bob.delivery.messages.get(2)?.reactions).to.deep.equal({ '👏': 1 });
    expect(bob.delivery.messages.get(3)).to.include({ deleted: true, body: null });
    expect(bob.delivery.changeSeq).to.equal(3);
  });

  it('holds back a copied opener and a flagged message until the user acts: another text, or confirm', async () => {
    const { a, b, conversationId } = await matchedPair(db(), node.platform.config);
    const alice = await openChat(a, conversationId);
    await openChat(b, conversationId);
    const failedFor = (code: string) =>
      next(alice.outbox, (e): e is Extract<OutboxEvent, { type: 'changed' }> => e.type === 'changed' && e.pending.state === 'failed' && e.pending.code === code, code);
    const asked = failedFor('needs_confirmation');
    const p = alice.delivery.send('fuck off');
    await asked;
    expect(await stored(conversationId)).to.deep.equal([]);
    const acked = next(alice.outbox, (e): e is Extract<OutboxEvent, { type: 'acked' }> => e.type === 'acked', 'the confirmed send');
    alice.delivery.confirm(p.client_msg_id);
    expect((await acked).message).to.include({ body: 'fuck off', flagged: true });
    expect(alice.delivery.pending()).to.deep.equal([]);
  });

  it('retries a send whose ack was lost with the same client_msg_id, and the conversation holds it once', async () => {
    const { a, b, conversationId } = await matchedPair(db(), node.platform.config);
    const alice = await openChat(a, conversationId, { loseAcks: { 'message:send': 1 } });
    const bob = await openChat(b, conversationId);
    const acked = next(alice.outbox, (e): e is Extract<OutboxEvent, { type: 'acked' }> => e.type === 'acked', 'ack');
    const atBob = next(bob.delivery, message(1, 'live'), 'live message at Bob');

    const sent = alice.delivery.send('hello, once');
    const { message: m } = await acked;

    expect(m).to.include({ client_msg_id: sent.client_msg_id, seq: 1, body: 'hello, once' });
    expect(alice.sends.filter((e) => e.type === 'attempt').map((e) => e.pending.client_msg_id)).to.deep.equal([sent.client_msg_id, sent.client_msg_id]);
    expect(alice.sends.filter((e) => e.type === 'retry').map((e) => e.type === 'retry' && e.code)).to.deep.equal(['timeout']);
    expect(await stored(conversationId)).to.deep.equal([{ id: m.id, seq: 1, client_msg_id: sent.client_msg_id, body: 'hello, once' }]);
    expect(alice.delivery.pending()).to.deep.equal([]);
    expect(alice.delivery.messages.get(1)?.id).to.equal(m.id);
    expect((await atBob).message.id).to.equal(m.id);
  });

  it('fetches what a gap in seq shows to be missing', async () => {
    const { a, b, conversationId } = await matchedPair(db(), node.platform.config);
    const alice = await openChat(a, conversationId);
    const bob = await openChat(b, conversationId, { dropLive: (m) => m.seq === 2 });
    const filled = next(bob.delivery, message(2, 'catch-up'), 'seq 2 fetched by a catch-up');

    for (const body of ['one', 'two', 'three']) alice.delivery.send(body);
    await filled;

    expect(bob.delivery.contiguous).to.equal(3);
    expect([...bob.delivery.messages.values()].map((m) => m.body).sort()).to.deep.equal(['one', 'three', 'two']);
    // The live seq 3 showed the gap; the catch-up that followed it brought seq 2.
    const kinds = bob.events.map((e) => (e.type === 'message' ? `${e.source} ${e.message.seq}` : e.type));
    expect(kinds.slice(0, kinds.indexOf('catch-up 2') + 1)).to.deep.equal(['live 1', 'catch-up', 'live 3', 'catch-up 2']);
  });

  it('catches up on a reconnect, and sends over REST while the socket is down', async () => {
    const { a, b, conversationId } = await matchedPair(db(), node.platform.config);
    const alice = await openChat(a, conversationId);
    const bob = await openChat(b, conversationId);
    bob.socket.disconnect();
    const viaRest = next(bob.outbox, (e): e is Extract<OutboxEvent, { type: 'acked' }> => e.type === 'acked', "Bob's ack");
    const aliceAcks = next(alice.outbox, (e): e is OutboxEvent => e.type === 'acked' && alice.delivery.pending().length === 0, "Alice's acks");

    bob.delivery.send('sent while offline');
    alice.delivery.send('missed one');
    alice.delivery.send('missed two');
    await Promise.all([viaRest, aliceAcks]);
    expect(bob.sends.filter((e) => e.type === 'attempt').map((e) => e.type === 'attempt' && e.via)).to.deep.equal(['rest']);

    const caughtUp = next(bob.delivery, (e): e is MessageEvent => e.type === 'message' && e.source === 'catch-up' && bob.delivery.contiguous === 3, 'the catch-up');
    bob.socket.connect();
    await caughtUp;
    const bodies = [1, 2, 3].map((seq) => bob.delivery.messages.get(seq)?.body);
    expect(bodies.filter((x) => x !== 'sent while offline')).to.deep.equal(['missed one', 'missed two']);
    expect(bodies).to.include('sent while offline');
  });

  it("keeps both read positions: the reader's goes to the server, the sender sees it as the peer's", async () => {
    const { a, b, conversationId } = await matchedPair(db(), node.platform.config);
    const alice = await openChat(a, conversationId);
    const bob = await openChat(b, conversationId);
    const bobRead = next(bob.delivery, (e): e is DeliveryEvent => e.type === 'read' && e.seq === 2, "Bob's read of seq 2");
    const aliceSees = next(alice.delivery, (e): e is DeliveryEvent => e.type === 'peer-read' && e.seq === 2, 'peer-read 2 at Alice');

    alice.delivery.send('first');
    alice.delivery.send('second');
    await Promise.all([bobRead, aliceSees]);

    expect(bob.delivery.myReadSeq).to.equal(2);
    expect(alice.delivery.peerReadSeq).to.equal(2);
    expect(alice.delivery.myReadSeq).to.equal(0); // her own messages are not hers to read
    const row = await db()('conversation_members').where({ conversation_id: conversationId, user_id: b.id }).first();
    expect(Number(row.last_read_seq)).to.equal(2);
  });

  it('sends the read position over REST when the socket refuses it', async () => {
    const { a, b, conversationId } = await matchedPair(db(), node.platform.config);
    const alice = await openChat(a, conversationId);
    const bob = await openChat(b, conversationId, { refuse: new Set(['message:read']) });
    const aliceSees = next(alice.delivery, (e): e is DeliveryEvent => e.type === 'peer-read' && e.seq === 1, 'peer-read 1 at Alice');

    alice.delivery.send('read me');
    await aliceSees;
    expect(bob.delivery.myReadSeq).to.equal(1);
  });
});
