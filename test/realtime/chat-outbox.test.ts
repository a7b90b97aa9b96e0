// The chat's group commit writes a batch's messages and its messages.created
// event in ONE statement (realtime/chat/repo.ts sendBatch with
// shared/outbox/enqueue.ts enqueueInStatement): the event the database builds
// must be valid for the catalogue, tell exactly the messages stored, and exist
// exactly when they do. On a database of its own with no
// relay, so the rows stay to be read.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createPlatform, type Platform } from '../../shared/platform.js';
import { validatePayload } from '../../shared/bus/bus.js';
import { payloadsOfRow } from '../../shared/outbox/enqueue.js';
import { sendBatch, type SendRow } from '../../realtime/chat/repo.js';
import { testConfig } from '../helpers/env.js';
import { isolatedDatabase, type IsolatedDatabase } from '../helpers/database.js';
import { createMatch, createUser } from '../helpers/users.js';

describe('chat group commit: messages and their events in one statement', function () {
  this.timeout(30_000);
  let database: IsolatedDatabase;
  let p: Platform;

  before(async () => {
    database = await isolatedDatabase('chat-outbox');
    p = createPlatform(testConfig({ DATABASE_URL: database.url }), 'chat-outbox-test');
  });
  after(async () => {
    await p.close();
    await database.drop();
  });

  const rows = async () => (await p.db('outbox').orderBy('id').select('id', 'type', 'payload')) as { id: number; type: string; payload: unknown }[];
  async function pair() {
    const a = await createUser(p.db, p.config);
    const b = await createUser(p.db, p.config);
    const { conversationId } = await createMatch(p.db, a.id, b.id);
    return { a, b, conversationId };
  }
  const send = (conversationId: string, senderId: string, clientMsgId = randomUUID()): SendRow => ({ conversationId, senderId, body: 'hi', clientMsgId });

  it('writes one outbox row per batch holding one event that tells the inserted messages, in order, as the catalogue wants them', async () => {
    const one = await pair();
    const two = await pair();
    const before = (await rows()).length;
    const resent = send(one.conversationId, one.a.id);
    await sendBatch(p.db, [resent]);
    const batch = [send(one.conversationId, one.a.id), send(two.conversationId, two.b.id), send(one.conversationId, one.b.id), resent, send(two.conversationId, two.a.id)];
    const r = await sendBatch(p.db, batch);
    expect(r.inserted).to.have.length(4);
    expect(r.stored).to.have.length(1);

    const written = (await rows()).slice(before);
    expect(written).to.have.length(2); // the first batch's row, then this batch's one row
    expect(written.every((w) => w.type === 'messages.created')).to.equal(true);
    for (const w of written) {
      expect(payloadsOfRow(w.payload), 'one event per row').to.have.length(1);
      validatePayload('messages.created', w.payload as never);
    }
    expect((written[0].payload as { messages: unknown[] }).messages).to.have.length(1);

    const told = (written[1].payload as { messages: Record<string, unknown>[] }).messages;
    const expected = [...r.inserted]
      .sort((x, y) => (x.conversation_id === y.conversation_id ? x.seq - y.seq : x.conversation_id < y.conversation_id ? -1 : 1))
      .map((m) => {
        const members = m.conversation_id === one.conversationId ? [one.a.id, one.b.id] : [two.a.id, two.b.id];
        return { message_id: m.id, conversation_id: m.conversation_id, seq: m.seq, sender_id: m.sender_id, recipient_ids: members.filter((id) => id !== m.sender_id), created_at: m.created_at };
      });
    expect(told).to.deep.equal(expected);
  });

  it('writes no event when nothing is stored (resends, a dead conversation, a non-member), and none when the statement fails', async () => {
    const { a, b, conversationId } = await pair();
    const stranger = await createUser(p.db, p.config);
    const first = send(conversationId, a.id);
    await sendBatch(p.db, [first]);
    const before = (await rows()).length;
    await sendBatch(p.db, [first, send(conversationId, stranger.id)]);
    await p.db('conversations').where('id', conversationId).update({ closed_at: new Date() });
    await sendBatch(p.db, [send(conversationId, b.id)]);
    expect(await rows()).to.have.length(before);

    // A statement that fails (a message id clash on the unique index cannot be forced from here, so a bad
    // conversation id type) takes its events with it: nothing half-written.
    const live = await pair();
    let failed = false;
    try {
      await sendBatch(p.db, [send(live.conversationId, live.a.id), { ...send(live.conversationId, live.b.id), senderId: 'not-a-uuid' }]);
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
    expect(await rows()).to.have.length(before);
    expect(Number((await p.db('messages').where('conversation_id', live.conversationId).count({ n: '*' }).first())?.n)).to.equal(0);
  });
});
