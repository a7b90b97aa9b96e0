import { expect } from 'chai';
import { createMatch, createUser, matchedPair } from '../helpers/users.js';
import { errorCode } from '../helpers/http.js';
import { collect, emitAck, openSocket, untilCount } from '../helpers/sockets.js';
import { clientMsgId, twoNodes } from '../helpers/realtime.js';
import { copiedOpener, normaliseOpener } from '../../realtime/abuse/openers.js';
import { englishMatch, englishMatchExhaustive, isOffensive } from '../../realtime/abuse/offensive.js';
import { reportedUsers } from '../../api/admin/repo.js';

describe('openers that are not copy-paste, "are you sure?" and "does this bother you?"', () => {
  describe('the rules on their own', () => {
    it('normalises case, spacing, emoji, digits and punctuation before comparing openers', () => {
      expect(normaliseOpener('  Hi 👋  ANNA!!1 ')).to.equal('hi anna');
      expect(copiedOpener('hey there, love your smile 😍', ['Hey there,  love your SMILE!!! 🔥'], 0.85)).to.not.equal(undefined);
      expect(copiedOpener('hey there, love your smiles', ['hey there, love your smile'], 0.85)).to.not.equal(undefined);
      expect(copiedOpener('what are you reading these days?', ['hey there, love your smile'], 0.85)).to.equal(undefined);
      expect(copiedOpener('👋', ['👋'], 0.85), 'nothing left to compare').to.equal(undefined);
    });

    it('flags offensive language in English and Russian, look-alike characters included, and leaves ordinary words alone', () => {
      for (const t of ['you are a b1tch', 'fuuuck off', 'shitty', 'ты сука', 'иди нахуй', 'п и з д е ц', 'xуй', 'бляяяя', 'ёбаный']) expect(isOffensive(t), t).to.equal(true);
      for (const t of ['hello there', 'classic assassin', 'Scunthorpe', 'it costs 455', 'meet at 7:17', 'привет, как дела?', 'застрахуешь машину', 'мандарины', 'ребалансировка', 'находка']) {
        expect(isOffensive(t), t).to.equal(false);
      }
    });

    it("decides English exactly as the matcher's exhaustive search does: its one-scan first pass only lets clean texts skip it", () => {
      // A seeded mix: swear words spelled plainly, in leetspeak, stretched and spaced out, inside ordinary text, and noise.
      let seed = 42;
      const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
      const words = ['fuck', 'shit', 'bitch', 'cunt', 'dick', 'pussy', 'bastard', 'cock', 'asshole', 'whore', 'slut', 'nigger', 'fag', 'hello', 'class', 'assassin', 'Scunthorpe', 'grape', 'therapist', 'cocktail', 'dickens', 'shitake', 'lorem', 'ipsum'];
      const leet: Record<string, string[]> = { a: ['4', '@'], e: ['3'], i: ['1', '!'], o: ['0'], s: ['$', '5'], t: ['7'], u: ['v', 'uu'], c: ['(', 'k'] };
      const spell = (w: string) =>
        [...w]
          .map((ch) => {
            const r = rnd(10);
            if (r === 0 && leet[ch]) return leet[ch][rnd(leet[ch].length)];
            if (r === 1) return ch.repeat(2 + rnd(3));
            if (r === 2) return `${ch} `;
            if (r === 3) return ch.toUpperCase();
            return ch;
          })
          .join('');
      const noise = () => Array.from({ length: 1 + rnd(12) }, () => String.fromCharCode(32 + rnd(95))).join('');
      const texts = Array.from({ length: 3000 }, () => Array.from({ length: 1 + rnd(6) }, () => (rnd(3) ? spell(words[rnd(words.length)]) : noise())).join(rnd(2) ? ' ' : ''));
      let flagged = 0;
      for (const t of texts) {
        const exhaustive = englishMatchExhaustive(t);
        expect(englishMatch(t), t).to.equal(exhaustive);
        if (exhaustive) flagged++;
      }
      expect(flagged, 'the mix has both kinds').to.be.within(300, 2700);
    });
  });

  describe('over the chat (two nodes)', () => {
    const { n1, n2, db, config } = twoNodes();
    const stored = async (conversationId: string) => Number((await db()('messages').where('conversation_id', conversationId).count({ n: '*' }))[0].n);

    it('refuses a first message that copies an opener the sender used in the last 30 days, stores nothing, and lets other messages through', async () => {
      const a = await createUser(db(), config());
      const [b, c, d] = await Promise.all([createUser(db(), config()), createUser(db(), config()), createUser(db(), config())]);
      const ab = await createMatch(db(), a.id, b.id);
      const ac = await createMatch(db(), a.id, c.id);
      const ad = await createMatch(db(), a.id, d.id);
      const sa = await openSocket(n1.url, a.token);
      const send = (conversationId: string, body: string) => emitAck(sa, 'message:send', { conversation_id: conversationId, body, client_msg_id: clientMsgId() });
      expect((await send(ab.conversationId, 'Hey you, love your smile 😍')).ok).to.equal(true);
      const copy = await send(ac.conversationId, 'hey you,  LOVE your smile!! 🔥');
      expect(copy.ok).to.equal(false);
      expect(copy.error.code).to.equal('opener_not_unique');
      expect(await stored(ac.conversationId)).to.equal(0);
      // Over REST the same, as 409.
      const rest = await n2.api.post('/chat/messages', { conversation_id: ac.conversationId, body: 'Hey you love your smile', client_msg_id: clientMsgId() }, { token: a.token });
      expect(rest.status).to.equal(409);
      expect(errorCode(rest)).to.equal('opener_not_unique');
      expect((await send(ac.conversationId, 'Your hiking photo: where was it taken?')).ok).to.equal(true);
      // Later messages may repeat anything.
      expect((await send(ab.conversationId, 'Hey you, love your smile 😍')).ok).to.equal(true);
      // The peer opening first makes ours not an opener.
      const sd = await openSocket(n2.url, d.token);
      expect((await emitAck(sd, 'message:send', { conversation_id: ad.conversationId, body: 'hi!', client_msg_id: clientMsgId() })).ok).to.equal(true);
      expect((await send(ad.conversationId, 'Hey you, love your smile')).ok).to.equal(true);
      // An opener older than the window no longer counts.
      const e = await createUser(db(), config());
      const ae = await createMatch(db(), a.id, e.id);
      expect((await send(ae.conversationId, 'your hiking photo: where was it taken')).error.code).to.equal('opener_not_unique');
      await db()('messages').where({ sender_id: a.id, seq: 1 }).update({ created_at: db().raw(`now() - interval '31 days'`) });
      expect((await send(ae.conversationId, 'your hiking photo: where was it taken')).ok).to.equal(true);
    });

    it('asks "are you sure?" before a flagged message, sends it with confirm, counts it for moderators, and the reader can report it with evidence', async () => {
      const { a, b, conversationId } = await matchedPair(db(), config());
      const sa = await openSocket(n1.url, a.token);
      const sb = await openSocket(n2.url, b.token);
      const got = collect(sb, 'message:new');
      const payload = { conversation_id: conversationId, body: 'ты сука', client_msg_id: clientMsgId() };
      const asked = await emitAck(sa, 'message:send', payload);
      expect(asked.ok).to.equal(false);
      expect(asked.error.code).to.equal('needs_confirmation');
      expect(await stored(conversationId)).to.equal(0);
      const sent = await emitAck(sa, 'message:send', { ...payload, confirm: true });
      expect(sent.ok).to.equal(true);
      expect(sent.message.flagged).to.equal(true);
      await untilCount(got, 1);
      expect(got[0].message.flagged).to.equal(true);
      const english = await n1.api.post('/chat/messages', { conversation_id: conversationId, body: 'what the fuck', client_msg_id: clientMsgId() }, { token: a.token });
      expect(english.status).to.equal(409);
      expect(errorCode(english)).to.equal('needs_confirmation');
      // An edit into such a text asks too.
      const plain = await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'sorry', client_msg_id: clientMsgId() });
      expect((await emitAck(sa, 'message:edit', { conversation_id: conversationId, seq: plain.message.seq, body: 'fuck it' })).error.code).to.equal('needs_confirmation');

      // "Does this bother you?": one tap, once, with the message as evidence; not one's own.
      const report = await emitAck(sb, 'message:report', { conversation_id: conversationId, seq: 1 });
      expect(report).to.include({ ok: true, duplicate: false });
      expect((await emitAck(sb, 'message:report', { conversation_id: conversationId, seq: 1 })).duplicate).to.equal(true);
      expect((await emitAck(sa, 'message:report', { conversation_id: conversationId, seq: 1 })).error.code).to.equal('forbidden');
      const row = await db()('reports').where({ id: report.report_id }).first();
      expect(row).to.include({ reporter_id: b.id, target_id: a.id, reason: 'offensive_message', priority: 2, message_id: sent.message.id });
      expect(row.evidence).to.include({ conversation_id: conversationId, seq: 1, body: 'ты сука', flagged: true });

      // Above a profile report with more reporters, with the sender's flagged count.
      const other = await createUser(db(), config());
      const [r1, r2] = [await createUser(db(), config()), await createUser(db(), config())];
      await db()('reports').insert([
        { reporter_id: r1.id, target_id: other.id, reason: 'spam' },
        { reporter_id: r2.id, target_id: other.id, reason: 'spam' },
      ]);
      const queue = await reportedUsers(db(), 1000);
      const ranks = queue.map((u) => u.user_id);
      expect(ranks.indexOf(a.id)).to.be.lessThan(ranks.indexOf(other.id));
      expect(queue.find((u) => u.user_id === a.id)!.flagged_messages).to.equal(1);
    });

    it('the REST report answers 201 then 200, and refuses an unknown message', async () => {
      const { a, b, conversationId } = await matchedPair(db(), config());
      const sa = await openSocket(n1.url, a.token);
      await emitAck(sa, 'message:send', { conversation_id: conversationId, body: 'plain words', client_msg_id: clientMsgId() });
      const first = await n2.api.post(`/chat/messages/${conversationId}/1/report`, { reason: 'rude' }, { token: b.token });
      expect(first.status).to.equal(201);
      expect((await n2.api.post(`/chat/messages/${conversationId}/1/report`, {}, { token: b.token })).status).to.equal(200);
      expect((await n2.api.post(`/chat/messages/${conversationId}/2/report`, {}, { token: b.token })).status).to.equal(404);
      expect((await db()('reports').where({ id: first.body.report_id }).first()).priority).to.equal(1);
    });
  });
});
