// Matches, likes and safety: the match list with the last message, unmatch,
// block (hides both ways everywhere), report.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Platform } from '../../shared/platform.js';
import { STREAMS } from '../../shared/events.js';
import { testPlatform } from '../helpers/env.js';
import { errorCode } from '../helpers/http.js';
import { createMatch, createUser } from '../helpers/users.js';
import { waitFor } from '../helpers/wait.js';
import { EventProbe, makePerson, newSpot, startDiscovery, type DiscoveryApp, type ProfileSpec } from './fixtures.js';

describe('discovery matches, likes, block and report', () => {
  let platform: Platform;
  let app: DiscoveryApp;
  let probe: EventProbe;
  const spot = newSpot();
  const woman = (extra: Partial<ProfileSpec> = {}) =>
    makePerson(platform.db, platform.config, spot, { gender: 'woman', age: 30, looking_for: ['man'], at: [0, 0], ...extra });
  const man = (extra: Partial<ProfileSpec> = {}) =>
    makePerson(platform.db, platform.config, spot, { gender: 'man', age: 31, looking_for: ['woman'], at: [0, 7], ...extra });

  before(async () => {
    platform = testPlatform();
    app = await startDiscovery(platform);
    probe = await new EventProbe(platform, [STREAMS.matches, STREAMS.reports]).start();
  });
  after(async () => {
    await probe.stop();
    await app.close();
    await platform.close();
  });

  async function message(conversationId: string, senderId: string, seq: number, body: string) {
    await platform.db('messages').insert({ conversation_id: conversationId, seq, sender_id: senderId, body, client_msg_id: randomUUID() });
    await platform.db('conversations').where('id', conversationId).update({ last_seq: seq, last_message_at: new Date() });
  }

  describe('GET /discovery/matches', () => {
    it('lists live matches with the peer’s public profile and the last message', async () => {
      const [me, quiet, chatty, ended] = [await woman(), await man(), await man(), await man()];
      const m1 = await createMatch(platform.db, me.id, quiet.id);
      const m2 = await createMatch(platform.db, chatty.id, me.id);
      const m3 = await createMatch(platform.db, me.id, ended.id);
      await platform.db('matches').where('id', m3.matchId).update({ ended_at: new Date(), ended_reason: 'unmatch' });
      await message(m2.conversationId, me.id, 1, 'hi');
      await message(m2.conversationId, chatty.id, 2, 'hello there');

      const res = await app.api.get('/discovery/matches', { token: me.token });
      expect(res.status).to.equal(200);
      expect(res.body.matches.map((m: { match_id: string }) => m.match_id)).to.deep.equal([m2.matchId, m1.matchId]);
      const [withChat, withoutChat] = res.body.matches;
      expect(withChat).to.include({ match_id: m2.matchId, conversation_id: m2.conversationId });
      expect(withChat.created_at).to.match(/^\d{4}-\d\d-\d\dT.*Z$/);
      expect(withChat.user).to.include({ user_id: chatty.id, display_name: chatty.name, age: 31, gender: 'man' });
      // 7 km apart, measured between coarse points (each within ~0.71 km of the exact one).
      expect(withChat.user.distance_km).to.be.oneOf([6, 7, 8]);
      expect(withChat.user).not.to.have.property('birthdate');
      expect(withChat.last_message).to.include({ seq: 2, sender_id: chatty.id, body: 'hello there' });
      expect(Object.keys(withChat.last_message).sort()).to.deep.equal(['body', 'created_at', 'id', 'sender_id', 'seq']);
      expect(withoutChat.last_message).to.equal(null);
      expect(withoutChat.user.user_id).to.equal(quiet.id);
    });

    it('keeps a matched peer who hides or pauses the profile in the matches, with the public profile', async () => {
      const [me, hiding, pausing] = [await woman(), await man(), await man()];
      const mh = await createMatch(platform.db, me.id, hiding.id);
      const mp = await createMatch(platform.db, me.id, pausing.id);
      await platform.db('profiles').where('user_id', hiding.id).update({ visibility: 'hidden' });
      await platform.db('profiles').where('user_id', pausing.id).update({ visibility: 'paused' });

      const res = await app.api.get('/discovery/matches', { token: me.token });
      expect(res.status).to.equal(200);
      const byMatch = new Map(res.body.matches.map((m: { match_id: string; user: { user_id: string } | null }) => [m.match_id, m.user?.user_id]));
      expect(byMatch.get(mh.matchId), 'hidden peer').to.equal(hiding.id);
      expect(byMatch.get(mp.matchId), 'paused peer').to.equal(pausing.id);
      // And the one who hid still sees the match.
      const theirs = await app.api.get('/discovery/matches', { token: hiding.token });
      expect(theirs.body.matches.map((m: { match_id: string }) => m.match_id)).to.deep.equal([mh.matchId]);
      expect(theirs.body.matches[0].user.user_id).to.equal(me.id);
    });

    it('shows nothing of other people’s matches', async () => {
      const [a, b, outsider] = [await woman(), await man(), await woman()];
      await createMatch(platform.db, a.id, b.id);
      const res = await app.api.get('/discovery/matches', { token: outsider.token });
      expect(res.body).to.deep.equal({ matches: [] });
    });
  });

  describe('DELETE /discovery/matches/{id}', () => {
    it('unmatches for both: match ended, chat closed, match.removed announced', async () => {
      const [me, him] = [await woman(), await man()];
      const m = await createMatch(platform.db, me.id, him.id);
      const res = await app.api.del(`/discovery/matches/${m.matchId}`, { token: him.token });
      expect(res.status).to.equal(204);
      const row = await platform.db('matches').where('id', m.matchId).first();
      expect(row).to.include({ ended_reason: 'unmatch', ended_by: him.id });
      expect((await platform.db('conversations').where('id', m.conversationId).first()).closed_at).to.be.instanceOf(Date);
      await waitFor('match.removed', () => probe.of('match.removed', (p) => p.match_id === m.matchId).length === 1, 5000);
      expect(probe.of('match.removed', (p) => p.match_id === m.matchId)[0].payload).to.deep.equal({
        match_id: m.matchId,
        conversation_id: m.conversationId,
        user_ids: [row.user_a, row.user_b],
        reason: 'unmatch',
      });
      for (const p of [me, him]) expect((await app.api.get('/discovery/matches', { token: p.token })).body.matches).to.deep.equal([]);
      // Gone now: a second unmatch is a 404.
      expect((await app.api.del(`/discovery/matches/${m.matchId}`, { token: me.token })).status).to.equal(404);
    });

    it('is 404 for anyone but the two members, 404 for an unknown id, 400 for a malformed one', async () => {
      const [a, b, outsider] = [await woman(), await man(), await woman()];
      const m = await createMatch(platform.db, a.id, b.id);
      let res = await app.api.del(`/discovery/matches/${m.matchId}`, { token: outsider.token });
      expect(res.status).to.equal(404);
      expect(errorCode(res)).to.equal('not_found');
      res = await app.api.del(`/discovery/matches/${randomUUID()}`, { token: a.token });
      expect(res.status).to.equal(404);
      res = await app.api.del('/discovery/matches/12345', { token: a.token });
      expect(res.status).to.equal(400);
      expect(errorCode(res)).to.equal('validation_failed');
      expect((await platform.db('matches').where('id', m.matchId).first()).ended_at).to.equal(null);
    });
  });

  describe('POST /discovery/block', () => {
    it('ends the match, closes the chat and hides each from the other in candidates, likes and matches', async () => {
      const [me, him] = [await woman(), await man()];
      await platform.db('swipes').insert({ swiper_id: him.id, target_id: me.id, action: 'like' });
      const seesHim = async () => ({
        candidates: (await app.api.get('/discovery/candidates', { token: me.token })).body.candidates.some((c: { user_id: string }) => c.user_id === him.id),
        likes: (await app.api.get('/discovery/likes', { token: me.token })).body.likes.some((l: { user_id: string }) => l.user_id === him.id),
      });
      expect(await seesHim()).to.deep.equal({ candidates: true, likes: true });

      const m = await createMatch(platform.db, me.id, him.id);
      const res = await app.api.post('/discovery/block', { target_id: him.id }, { token: me.token });
      expect(res.status).to.equal(204);
      expect(await platform.db('matches').where('id', m.matchId).first()).to.include({ ended_reason: 'block', ended_by: me.id });
      expect((await platform.db('conversations').where('id', m.conversationId).first()).closed_at).to.be.instanceOf(Date);
      await waitFor('match.removed', () => probe.of('match.removed', (p) => p.match_id === m.matchId && p.reason === 'block').length === 1, 5000);

      expect(await seesHim()).to.deep.equal({ candidates: false, likes: false });
      const hisView = (await app.api.get('/discovery/candidates', { token: him.token })).body.candidates;
      expect(hisView.some((c: { user_id: string }) => c.user_id === me.id)).to.equal(false);
      for (const p of [me, him]) expect((await app.api.get('/discovery/matches', { token: p.token })).body.matches).to.deep.equal([]);
      // Neither can swipe on the other any more.
      expect((await app.api.post('/discovery/like', { target_id: me.id }, { token: him.token })).status).to.equal(404);
    });

    it('is harmless to repeat, and refuses self, unknown and malformed targets', async () => {
      const [me, him] = [await woman(), await man()];
      expect((await app.api.post('/discovery/block', { target_id: him.id }, { token: me.token })).status).to.equal(204);
      expect((await app.api.post('/discovery/block', { target_id: him.id }, { token: me.token })).status).to.equal(204);
      expect(await platform.db('blocks').where({ blocker_id: me.id })).to.have.length(1);
      for (const [body, status] of [
        [{ target_id: me.id }, 400],
        [{ target_id: randomUUID() }, 404],
        [{ target_id: 'x' }, 400],
        [{}, 400],
      ] as const) {
        const res = await app.api.post('/discovery/block', body, { token: me.token });
        expect(res.status, JSON.stringify(body)).to.equal(status);
        errorCode(res);
      }
    });
  });

  describe('POST /discovery/report', () => {
    it('stores the report for moderation (202) and announces it', async () => {
      const [me, him] = [await woman(), await man()];
      // Reports are only about someone the reporter has met: here, he liked her.
      await platform.db('swipes').insert({ swiper_id: him.id, target_id: me.id, action: 'like' });
      const res = await app.api.post('/discovery/report', { target_id: him.id, reason: 'spam', details: 'sends links' }, { token: me.token });
      expect(res.status).to.equal(202);
      expect(res.body).to.include({ status: 'open' });
      const row = await platform.db('reports').where('id', res.body.id).first();
      expect(row).to.include({ reporter_id: me.id, target_id: him.id, reason: 'spam', details: 'sends links', status: 'open' });
      await waitFor('report.created', () => probe.of('report.created', (p) => p.report_id === res.body.id).length === 1, 5000);
      expect(probe.of('report.created', (p) => p.report_id === res.body.id)[0].payload).to.deep.equal({
        report_id: res.body.id,
        reporter_id: me.id,
        target_id: him.id,
        reason: 'spam',
      });
    });

    it('refuses bad reports and stores none', async () => {
      const [me, him] = [await woman(), await man()];
      for (const [body, status] of [
        [{ target_id: him.id }, 400],
        [{ target_id: him.id, reason: '' }, 400],
        [{ target_id: him.id, reason: 'x'.repeat(33) }, 400],
        [{ target_id: him.id, reason: 'spam', details: 'x'.repeat(1001) }, 400],
        [{ target_id: me.id, reason: 'spam' }, 400],
        [{ target_id: randomUUID(), reason: 'spam' }, 404],
      ] as const) {
        const res = await app.api.post('/discovery/report', body, { token: me.token });
        expect(res.status, JSON.stringify(body).slice(0, 80)).to.equal(status);
        errorCode(res);
      }
      expect(await platform.db('reports').where({ reporter_id: me.id })).to.have.length(0);
    });
  });

  describe('GET /discovery/likes', () => {
    it('lists who swiped right on me and is still unanswered, superlikes first; hidden and blocked people left out', async () => {
      const me = await woman();
      const [liker, superliker, answered, passer, hidden, blocked, banned] = [
        await man(),
        await man(),
        await man(),
        await man(),
        await man({ visibility: 'hidden' }),
        await man(),
        await man(),
      ];
      await platform.db('swipes').insert([
        { swiper_id: liker.id, target_id: me.id, action: 'like' },
        { swiper_id: superliker.id, target_id: me.id, action: 'superlike' },
        { swiper_id: answered.id, target_id: me.id, action: 'like' },
        { swiper_id: me.id, target_id: answered.id, action: 'pass' },
        { swiper_id: passer.id, target_id: me.id, action: 'pass' },
        { swiper_id: hidden.id, target_id: me.id, action: 'like' },
        { swiper_id: blocked.id, target_id: me.id, action: 'like' },
        { swiper_id: banned.id, target_id: me.id, action: 'like' },
      ]);
      await platform.db('blocks').insert({ blocker_id: blocked.id, blocked_id: me.id });
      await platform.db('users').where('id', banned.id).update({ banned_at: new Date() });

      const res = await app.api.get('/discovery/likes', { token: me.token });
      expect(res.status).to.equal(200);
      expect(res.body.likes.map((l: { user_id: string }) => l.user_id)).to.deep.equal([superliker.id, liker.id]);
      expect(res.body.likes[0]).to.include({ action: 'superlike' });
      expect(res.body.likes[0].user).to.include({ user_id: superliker.id, display_name: superliker.name });
      expect(res.body.likes[0].user).not.to.have.property('birthdate');

      // Answering takes them off the list.
      await app.api.post('/discovery/like', { target_id: liker.id }, { token: me.token });
      const after = await app.api.get('/discovery/likes', { token: me.token });
      expect(after.body.likes.map((l: { user_id: string }) => l.user_id)).to.deep.equal([superliker.id]);
      expect((await app.api.get('/discovery/likes?limit=0', { token: me.token })).status).to.equal(400);
    });

    it('leaves out a liker who paused the profile (they cannot be liked back), and still fills the page', async () => {
      const me = await woman();
      const [older, paused] = [await man(), await man({ visibility: 'paused' })];
      await platform.db('swipes').insert([
        { swiper_id: older.id, target_id: me.id, action: 'like', created_at: new Date(Date.now() - 60_000) },
        { swiper_id: paused.id, target_id: me.id, action: 'like' },
      ]);
      const res = await app.api.get('/discovery/likes?limit=1', { token: me.token });
      expect(res.body.likes.map((l: { user_id: string }) => l.user_id)).to.deep.equal([older.id]);
      expect((await app.api.post('/discovery/like', { target_id: paused.id }, { token: me.token })).status).to.equal(404);
    });

    it('is empty for someone nobody liked, profile or not', async () => {
      const ghost = await createUser(platform.db, platform.config);
      expect((await app.api.get('/discovery/likes', { token: ghost.token })).body).to.deep.equal({ likes: [] });
      expect((await app.api.get('/discovery/matches', { token: ghost.token })).body).to.deep.equal({ matches: [] });
    });
  });
});
