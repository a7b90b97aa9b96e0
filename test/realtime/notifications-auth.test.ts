import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { signAccessToken } from '../../shared/jwt.js';
import { createUser, matchedPair, newSession } from '../helpers/users.js';
import { collect, connectError, disconnected, emitAck, nextEvent, openSocket, untilCount } from '../helpers/sockets.js';
import { waitFor } from '../helpers/wait.js';
import { twoNodes } from '../helpers/realtime.js';
import { createProfile } from '../helpers/profiles.js';

describe('realtime live notifications and socket auth (two nodes)', () => {
  const { n1, n2, db, config } = twoNodes();
  const bus = () => n1.platform.bus;

  it('delivers a match.created event from the stream once to every device of both users, whatever their node', async () => {
    const { a, b, matchId, conversationId } = await matchedPair(db(), config());
    // Both located: match:new still shows no distance (the event has no viewer location).
    await createProfile(db(), a.id, { display_name: 'Alice', lat: 52.5, lon: 13.4 });
    await createProfile(db(), b.id, { display_name: 'Bea', lat: 52.59, lon: 13.4 });
    const a2 = await newSession(db(), config(), a.id);
    const got = {
      a1: collect(await openSocket(n1.url, a.token), 'match:new'),
      a2: collect(await openSocket(n2.url, a2.token), 'match:new'),
      b: collect(await openSocket(n2.url, b.token), 'match:new'),
    };
    await bus().publish('match.created', { match_id: matchId, conversation_id: conversationId, user_ids: [a.id, b.id], created_at: new Date().toISOString() });
    // A later match.created to the same devices: by then a duplicate of the first would have arrived.
    const later = randomUUID();
    await bus().publish('match.created', { match_id: later, conversation_id: randomUUID(), user_ids: [a.id, b.id], created_at: new Date().toISOString() });
    for (const list of Object.values(got)) await waitFor('the later match:new', () => list.some((m) => m.match_id === later), 5000);
    // Once each; the two nodes share the group's events, so their order across nodes is not fixed.
    for (const list of Object.values(got)) expect(list.map((m) => m.match_id).sort()).to.deep.equal([matchId, later].sort());
    const first = (list: typeof got.a1) => list.find((m) => m.match_id === matchId)!;
    expect(first(got.a1)).to.include({ match_id: matchId, conversation_id: conversationId });
    expect(first(got.a1).user).to.include({ user_id: b.id, display_name: 'Bea', distance_km: null });
    expect(first(got.b).user).to.include({ user_id: a.id, display_name: 'Alice' });
    expect(first(got.b).user).to.not.have.any.keys('birthdate', 'lat', 'lon', 'telegram_id', 'settings');
  });

  it('relays match.removed to both users and media.moderated to the owner', async () => {
    const { a, b, matchId, conversationId } = await matchedPair(db(), config());
    const sa = await openSocket(n1.url, a.token);
    const sb = await openSocket(n2.url, b.token);
    const removedA = nextEvent(sa, 'match:removed');
    const removedB = nextEvent(sb, 'match:removed');
    await bus().publish('match.removed', { match_id: matchId, conversation_id: conversationId, user_ids: [a.id, b.id], reason: 'unmatch' });
    expect(await removedA).to.deep.equal({ match_id: matchId, conversation_id: conversationId });
    expect(await removedB).to.deep.equal({ match_id: matchId, conversation_id: conversationId });

    const mediaId = '5d4f6cb2-3179-4ad0-8c42-ff74a4fffd3b';
    const moderatedB = collect(sb, 'media:moderated');
    const moderated = nextEvent(sa, 'media:moderated');
    await bus().publish('media.moderated', { media_id: mediaId, owner_id: a.id, status: 'approved', nsfw_score: 0.01 });
    expect(await moderated).to.deep.equal({ id: mediaId, status: 'approved' });
    // B's own media.moderated, published later: by then A's would have reached B too, had it been sent there.
    const bMediaId = randomUUID();
    await bus().publish('media.moderated', { media_id: bMediaId, owner_id: b.id, status: 'approved', nsfw_score: 0.01 });
    await waitFor("B's media:moderated", () => moderatedB.length > 0, 5000);
    expect(moderatedB).to.deep.equal([{ id: bMediaId, status: 'approved' }]);
  });

  it('refuses a missing, forged, expired or revoked token with connect_error unauthorized', async () => {
    const u = await createUser(db(), config());
    expect((await connectError(n1.url, undefined)).message).to.equal('unauthorized');
    expect((await connectError(n1.url, 'garbage')).message).to.equal('unauthorized');
    const forged = signAccessToken({ ...config().jwt, secret: 'another-secret-of-enough-length' }, { userId: u.id, sessionId: u.sessionId });
    expect((await connectError(n1.url, forged)).message).to.equal('unauthorized');
    const expired = signAccessToken(config().jwt, { userId: u.id, sessionId: u.sessionId }, -10);
    const e = await connectError(n1.url, expired);
    expect(e.message).to.equal('unauthorized');
    expect(e.data?.code).to.equal('token_expired');
    await n1.platform.revocations.revoke([u.sessionId]);
    expect((await connectError(n2.url, u.token)).message).to.equal('unauthorized');
  });

  it('logout (session.revoked) disconnects that session\'s sockets on every node and leaves the other devices alone', async () => {
    const u = await createUser(db(), config());
    const other = await newSession(db(), config(), u.id);
    const s1 = await openSocket(n1.url, u.token);
    const s2 = await openSocket(n2.url, u.token);
    const keep = await openSocket(n2.url, other.token);
    const gone1 = disconnected(s1);
    const gone2 = disconnected(s2);
    await n1.platform.revocations.revoke([u.sessionId]);
    await bus().publish('session.revoked', { session_id: u.sessionId, user_id: u.id, reason: 'logout' });
    expect(await gone1).to.equal('io server disconnect');
    expect(await gone2).to.equal('io server disconnect');
    // A round trip on the other device after its node disconnected the session: it would fail had that device gone too.
    expect((await emitAck(keep, 'presence:query', { user_ids: [] })).ok).to.equal(true);
    expect(keep.connected).to.equal(true);
  });

  it('a ban (user.banned) disconnects every socket of the user', async () => {
    const u = await createUser(db(), config());
    const other = await newSession(db(), config(), u.id);
    const gone = [disconnected(await openSocket(n1.url, u.token)), disconnected(await openSocket(n2.url, other.token))];
    await bus().publish('user.banned', { user_id: u.id, reason: 'spam' });
    expect(await Promise.all(gone)).to.deep.equal(['io server disconnect', 'io server disconnect']);
  });

  it('disconnects a socket whose token expires, unless the client refreshed it with auth:refresh', async () => {
    const u = await createUser(db(), config());
    const short = (ttl: number) => signAccessToken(config().jwt, { userId: u.id, sessionId: u.sessionId }, ttl);
    const doomed = await openSocket(n1.url, short(2));
    const expiredEvent = nextEvent(doomed, 'auth:expired', { timeoutMs: 4000 });
    const reason = disconnected(doomed, 5000);
    expect(await expiredEvent).to.deep.equal({ reason: 'token_expired' });
    expect(await reason).to.equal('io server disconnect');

    // Two sockets on one token; only `kept` refreshes it. Once the twin is cut, the old token's expiry has been acted on.
    const token = short(2);
    const kept = await openSocket(n1.url, token);
    const twinCut = disconnected(await openSocket(n1.url, token), 5000);
    const refreshed = await emitAck(kept, 'auth:refresh', { token: short(600) });
    expect(refreshed.ok).to.equal(true);
    expect(refreshed.exp).to.be.greaterThan(Date.now() / 1000 + 500);
    expect(await twinCut).to.equal('io server disconnect');
    expect((await emitAck(kept, 'presence:query', { user_ids: [] })).ok).to.equal(true);
    expect(kept.connected).to.equal(true);

    const stranger = await createUser(db(), config());
    const wrong = await emitAck(kept, 'auth:refresh', { token: stranger.token });
    expect(wrong.error.code).to.equal('forbidden');
    expect((await emitAck(kept, 'auth:refresh', { token: 'nope' })).error.code).to.equal('unauthorized');
  });
});
