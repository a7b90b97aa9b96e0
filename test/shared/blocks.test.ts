// "Blocked either way" (shared/blocks.ts): the rule's cases, then every
// surface that applies it, each against the real database. A block is written
// straight into the table here (not through POST /discovery/block, which also
// ends the match), so each surface is shown to apply the rule by itself, as it
// must for the moment between a block and the ending of its match.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Platform } from '../../shared/platform.js';
import { AppError } from '../../shared/errors.js';
import { blockBetween, blockedEitherWaySql, blockedWithSql, isBlockedEitherWay } from '../../shared/blocks.js';
import { loadPublicProfiles } from '../../shared/public-profile.js';
import { FsStorage } from '../../shared/storage/index.js';
import { DiscoveryService } from '../../api/discovery/service.js';
import { ProfileService } from '../../api/profile/service.js';
import { MediaService } from '../../api/media/service.js';
import { ownerVisibleTo } from '../../api/media/repo.js';
import { sendBatch } from '../../realtime/chat/repo.js';
import { addPending, pendingOf, staleItems } from '../../workers/notifications/repo.js';
import { makeMatchIfMutual } from '../../workers/matching/repo.js';
import { testPlatform } from '../helpers/env.js';
import { createMatch } from '../helpers/users.js';
import { makePerson, newSpot, type Person } from '../discovery/fixtures.js';

type Who = 'a' | 'b' | 'c';

interface Case {
  name: string;
  blocks: [Who, Who][];
  /** Whether a and b are hidden from each other. */
  blocked: boolean;
}

const CASES: Case[] = [
  { name: 'a blocks b', blocks: [['a', 'b']], blocked: true },
  { name: 'b blocks a', blocks: [['b', 'a']], blocked: true },
  { name: 'each blocks the other', blocks: [['a', 'b'], ['b', 'a']], blocked: true },
  { name: 'no block', blocks: [], blocked: false },
  { name: 'blocks with a third party only', blocks: [['a', 'c'], ['c', 'b']], blocked: false },
];

describe('blocked either way', () => {
  let platform: Platform;
  let db: Knex;
  let discovery: DiscoveryService;
  let profiles: ProfileService;
  let media: MediaService;
  // Only the candidates cases get a location: everyone else stays out of every candidate list.
  const spot = newSpot();

  before(() => {
    platform = testPlatform();
    db = platform.db;
    discovery = new DiscoveryService(platform);
    profiles = new ProfileService(platform);
    media = new MediaService({ ...platform, storage: new FsStorage(path.join(os.tmpdir(), 'blocks-test-media')) });
  });
  after(() => platform.close());

  /** a (a woman looking for men), b (a man looking for women) and c, with the case's blocks. */
  async function people(c: Case, located = false): Promise<Record<Who, Person>> {
    const at = (north: number): [number, number] | null => (located ? [north, 0] : null);
    const p = {
      a: await makePerson(db, platform.config, spot, { name: 'Ann', gender: 'woman', age: 30, looking_for: ['man'], at: at(0) }),
      b: await makePerson(db, platform.config, spot, { name: 'Bob', gender: 'man', age: 31, looking_for: ['woman'], at: at(1) }),
      c: await makePerson(db, platform.config, spot, { name: 'Cy', gender: 'man', age: 32, looking_for: ['woman'], at: null }),
    };
    for (const [from, to] of c.blocks) await db('blocks').insert({ blocker_id: p[from].id, blocked_id: p[to].id });
    return p;
  }

  const visible = (c: Case) => (c.blocked ? 'hidden from each other' : 'shown to each other');
  const visibleOr404 = (c: Case) => (c.blocked ? 'hidden from each other (404)' : 'shown to each other');

  async function notFound(promise: Promise<unknown>): Promise<boolean> {
    try {
      await promise;
      return false;
    } catch (err) {
      if (err instanceof AppError && err.status === 404) return true;
      throw err;
    }
  }

  async function approvedPhoto(ownerId: string) {
    const sha = randomUUID().replace(/-/g, '').padEnd(64, '0');
    await db('media').insert({ owner_id: ownerId, status: 'approved', mime: 'image/jpeg', size: 1, sha256: sha, original_key: `originals/${sha}.jpg`, position: 0 });
  }

  describe('the rule', () => {
    for (const c of CASES) {
      it(`${c.name}: ${c.blocked ? 'blocked' : 'not blocked'}, whichever side asks`, async () => {
        const { a, b } = await people(c);
        for (const [x, y] of [
          [a, b],
          [b, a],
        ]) {
          expect(await isBlockedEitherWay(db, x.id, y.id)).to.equal(c.blocked);
          const { rows } = await db.raw(`SELECT ${blockedEitherWaySql('?::uuid', '?::uuid')} AS blocked, ?::uuid IN (${blockedWithSql('?::uuid')}) AS listed`, [
            x.id,
            y.id,
            y.id,
            x.id,
          ]);
          expect(rows[0]).to.deep.equal({ blocked: c.blocked, listed: c.blocked });
          const outer = await db('users as u').where('u.id', y.id).whereExists(blockBetween(db, x.id, db.ref('u.id'))).first('u.id');
          expect(Boolean(outer)).to.equal(c.blocked);
        }
      });
    }

    it('self: blocking and being blocked by others never blocks a user from themselves', async () => {
      const { a } = await people({ name: 'self', blocks: [['a', 'b'], ['c', 'a']], blocked: true });
      expect(await isBlockedEitherWay(db, a.id, a.id)).to.equal(false);
      expect(await ownerVisibleTo(db, a.id, a.id)).to.equal(true);
      expect((await loadPublicProfiles(db, platform.config, [a.id], { userId: a.id })).has(a.id)).to.equal(true);
    });
  });

  for (const c of CASES) {
    describe(`where it applies: ${c.name}`, () => {
      it(`candidates: ${visible(c)}`, async () => {
        const { a, b } = await people(c, true);
        const offered = async (viewer: Person) => (await discovery.candidates(viewer.id, { limit: 50, debug: false })).candidates.map((x) => x.user_id);
        expect(await offered(a)).to.satisfy((ids: string[]) => ids.includes(b.id) !== c.blocked);
        expect(await offered(b)).to.satisfy((ids: string[]) => ids.includes(a.id) !== c.blocked);
      });

      it(`profile view: ${visibleOr404(c)}`, async () => {
        const { a, b } = await people(c);
        expect(await notFound(profiles.view(a.id, b.id))).to.equal(c.blocked);
        expect(await notFound(profiles.view(b.id, a.id))).to.equal(c.blocked);
      });

      it(`likes: ${c.blocked ? 'a like from a blocked person is left out' : 'the like is listed'}`, async () => {
        const { a, b } = await people(c);
        await db('swipes').insert({ swiper_id: b.id, target_id: a.id, action: 'like' });
        const { likes } = await discovery.likes(a.id, 50);
        expect(likes.map((l) => l.user_id)).to.deep.equal(c.blocked ? [] : [b.id]);
      });

      it(`matches: ${c.blocked ? 'the match is left out of both lists' : 'the match is listed for both'}`, async () => {
        const { a, b } = await people(c);
        const { matchId } = await createMatch(db, a.id, b.id);
        for (const me of [a, b]) {
          const { matches } = await discovery.matches(me.id);
          expect(matches.map((m) => m.match_id)).to.deep.equal(c.blocked ? [] : [matchId]);
        }
      });

      it(`media of the user: ${visibleOr404(c)}`, async () => {
        const { a, b } = await people(c);
        await approvedPhoto(a.id);
        await approvedPhoto(b.id);
        for (const [viewer, owner] of [
          [a, b],
          [b, a],
        ]) {
          expect(await notFound(media.photos(viewer.id, owner.id))).to.equal(c.blocked);
          expect(await notFound(media.listByUser(viewer.id, owner.id))).to.equal(c.blocked);
        }
      });

      it(`chat send: ${c.blocked ? 'the conversation is not live, nothing is stored' : 'both members send'}`, async () => {
        const { a, b } = await people(c);
        const { conversationId } = await createMatch(db, a.id, b.id);
        const r = await sendBatch(
          db,
          [a, b].map((p) => ({ conversationId, senderId: p.id, body: `hi from ${p.name}`, clientMsgId: randomUUID() })),
        );
        expect(r.conversations.get(conversationId)?.live).to.equal(!c.blocked);
        expect(r.inserted.map((m) => m.sender_id)).to.have.members(c.blocked ? [] : [a.id, b.id]);
      });

      it(`notifications: ${c.blocked ? 'what either has pending from the other goes stale' : 'pending items stay'}`, async () => {
        const { a, b } = await people(c);
        for (const [me, actor] of [
          [a, b],
          [b, a],
        ]) {
          const ref = randomUUID();
          await addPending(db, me.id, { kind: 'like', ref_id: ref, actor_id: actor.id, conversation_id: null, seq: null, note: null }, new Date(), 60);
          const stale = await staleItems(db, me.id, await pendingOf(db, me.id));
          expect(stale.has(`like:${ref}`)).to.equal(c.blocked);
        }
      });

      it(`match creation: ${c.blocked ? 'mutual likes make no match' : 'mutual likes make the match'}`, async () => {
        const { a, b } = await people(c);
        await db('swipes').insert([
          { swiper_id: a.id, target_id: b.id, action: 'like' },
          { swiper_id: b.id, target_id: a.id, action: 'superlike' },
        ]);
        const announced: string[] = [];
        const r = await makeMatchIfMutual(db, a.id, b.id, async (_trx, m) => void announced.push(m.match_id));
        expect(r.outcome).to.equal(c.blocked ? 'not_mutual' : 'created');
        expect(announced).to.have.length(c.blocked ? 0 : 1);
      });
    });
  }
});
