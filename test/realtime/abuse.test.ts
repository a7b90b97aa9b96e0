import { expect } from 'chai';
import { errorCode } from '../helpers/http.js';
import { closeSockets, emitAck, openSocket } from '../helpers/sockets.js';
import { containsContact } from '../../realtime/abuse/controls.js';
import { createMatch, matchedPair } from '../helpers/users.js';
import { clientMsgId, startNode, type Node } from '../helpers/realtime.js';

describe('chat abuse controls', () => {
  let node: Node;

  before(async () => {
    // Openers here repeat on purpose ("hey 1", "hey 2"): the unique-opener rule has its own tests.
    node = await startNode({ CHAT_LINK_FILTER_MESSAGES: '3', REPORTED_NEW_CONVERSATIONS_PER_DAY: '2', CHAT_OPENER_WINDOW_DAYS: '0' });
  });
  afterEach(() => closeSockets());
  after(() => node.close());

  const db = () => node.platform.db;
  const config = () => node.platform.config;
  const send = (token: string, conversationId: string, body: string) =>
    node.api.post('/chat/messages', { conversation_id: conversationId, body, client_msg_id: clientMsgId() }, { token });
  const stored = async (conversationId: string) => Number((await db()('messages').where('conversation_id', conversationId).count({ n: '*' }))[0].n);

  it('recognises links and phone numbers, also behind hidden characters', () => {
    for (const s of ['see https://x.example', 'www.site.org', 'write me at my-shop.com', 'tg: t.me/someone', '+1 (555) 123-4567', '0 1 2 3 4 5 6 7', 'call 555\u200B1234567', 'ｅｘａｍｐｌｅ.ｃｏｍ']) {
      expect(containsContact(s), s).to.equal(true);
    }
    for (const s of ['hi there!', 'I am 25 and 180 cm', 'meet at 7.30?', 'the year 2024', 'e.g. this']) {
      expect(containsContact(s), s).to.equal(false);
    }
  });

  it('refuses a link in the first messages of a conversation and stores nothing, then allows it later', async () => {
    const { a, b, conversationId } = await matchedPair(db(), config());
    const refused = await send(a.token, conversationId, 'add me on insta.com/me');
    expect(refused.status).to.equal(400);
    expect(errorCode(refused)).to.equal('validation_failed');
    expect(refused.body.error.details[0].field).to.equal('body');
    expect(await stored(conversationId)).to.equal(0);
    for (const [who, text] of [[a, 'hi'], [b, 'hello'], [a, 'how are you?']] as const) expect((await send(who.token, conversationId, text)).status).to.equal(201);
    expect((await send(b.token, conversationId, 'my number is +44 20 7946 0958')).status).to.equal(201);
  });

  it('refuses it over the socket with an ok:false ack', async () => {
    const { a, conversationId } = await matchedPair(db(), config());
    const s = await openSocket(node.url, a.token);
    const ack = await emitAck(s, 'message:send', { conversation_id: conversationId, body: 'https://spam.example/win', client_msg_id: clientMsgId() });
    expect(ack.ok).to.equal(false);
    expect(ack.error.code).to.equal('validation_failed');
    expect(await stored(conversationId)).to.equal(0);
  });

  it('lets a user recently reported by two people open only a few new conversations a day; replies in open ones are not limited', async () => {
    const reported = await matchedPair(db(), config());
    const others = [reported, await matchedPair(db(), config()), await matchedPair(db(), config())];
    await db()('reports').insert([
      { reporter_id: reported.b.id, target_id: reported.a.id, reason: 'spam' },
      { reporter_id: others[1].b.id, target_id: reported.a.id, reason: 'harassment' },
    ]);
    // Give user A two more conversations.
    const c2 = await createMatch(db(), reported.a.id, others[1].b.id);
    const c3 = await createMatch(db(), reported.a.id, others[2].b.id);
    expect((await send(reported.a.token, reported.conversationId, 'hey 1')).status).to.equal(201);
    expect((await send(reported.a.token, reported.conversationId, 'again, same conversation')).status).to.equal(201);
    expect((await send(reported.a.token, c2.conversationId, 'hey 2')).status).to.equal(201);
    const third = await send(reported.a.token, c3.conversationId, 'hey 3');
    expect(third.status).to.equal(429);
    expect(errorCode(third)).to.equal('rate_limited');
    expect(third.headers.get('retry-after')).to.match(/^\d+$/);
    expect(await stored(c3.conversationId)).to.equal(0);
    // The peer of a limited user can still write, and the user can still answer in old conversations.
    expect((await send(others[2].b.token, c3.conversationId, 'hi?')).status).to.equal(201);
    expect((await send(reported.a.token, c2.conversationId, 'still here')).status).to.equal(201);
  });

  it('does not limit a user whose reports were dismissed', async () => {
    const { a, b, conversationId } = await matchedPair(db(), config());
    const second = (await matchedPair(db(), config())).a;
    await db()('reports').insert([
      { reporter_id: b.id, target_id: a.id, reason: 'spam', status: 'dismissed' },
      { reporter_id: second.id, target_id: a.id, reason: 'spam', status: 'dismissed' },
    ]);
    for (let i = 0; i < 3; i++) {
      const other = await matchedPair(db(), config());
      const c = await createMatch(db(), a.id, other.b.id);
      expect((await send(a.token, c.conversationId, `hi ${i}`)).status).to.equal(201);
    }
    expect((await send(a.token, conversationId, 'hi')).status).to.equal(201);
  });
});
