import { expect } from 'chai';
import { createHttpApp } from '../../shared/http/app.js';
import type { Platform } from '../../shared/platform.js';
import { STREAMS, type BusEvent } from '../../shared/events.js';
import { createProfileRouter } from '../../api/profile/index.js';
import { testPlatform } from '../helpers/env.js';
import { client, errorCode, startHttp, type Running } from '../helpers/http.js';
import { createMatch, createUser, type TestUser } from '../helpers/users.js';
import { birthdateYearsAgo } from '../helpers/profiles.js';
import { waitFor } from '../helpers/wait.js';
import { insertPhoto, validProfile } from './fixtures.js';

describe('Profile service: create, read, update, delete', () => {
  let platform: Platform;
  let running: Running;
  let api: ReturnType<typeof client>;

  before(async () => {
    platform = testPlatform({}, 'profile');
    const app = createHttpApp({ service: 'profile', logger: platform.logger, readiness: platform, routers: [createProfileRouter(platform)] });
    running = await startHttp(app.callback());
    api = client(running.url);
  });
  after(async () => {
    await running.close();
    await platform.close();
  });

  async function userWithProfile(fields: Record<string, unknown> = {}): Promise<TestUser> {
    const u = await createUser(platform.db, platform.config);
    const res = await api.post('/profiles', validProfile(fields), { token: u.token });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return u;
  }

  describe('create', () => {
    it('creates the caller\'s profile and answers 201 with the owner view and its defaults', async () => {
      const u = await createUser(platform.db, platform.config);
      const birthdate = birthdateYearsAgo(30);
      const res = await api.post('/profiles', { display_name: '  Alice ', birthdate, gender: 'woman' }, { token: u.token });
      expect(res.status).to.equal(201);
      expect(res.body).to.include({
        user_id: u.id,
        display_name: 'Alice',
        birthdate,
        age: 30,
        gender: 'woman',
        bio: '',
        age_min: 18,
        age_max: 100,
        max_distance_km: 50,
        visibility: 'visible',
        location: null,
        goal: null,
        goals: null,
        height_cm: null,
      });
      expect(res.body.interests).to.deep.equal([]);
      expect(res.body.looking_for).to.deep.equal([]);
      expect(res.body.photos).to.deep.equal([]);
      expect(res.body.settings).to.deep.equal({ show_distance: true, show_age: true, notifications: true, quiet_hours: null, timezone: null });
      expect(new Date(res.body.created_at).toISOString()).to.equal(res.body.created_at);
      expect(new Date(res.body.updated_at).toISOString()).to.equal(res.body.updated_at);
    });

    it('takes every contract field at once', async () => {
      const u = await createUser(platform.db, platform.config);
      const full = validProfile({
        bio: 'Climber.\nCook.',
        interests: ['climbing', 'Cooking', 'cooking', ' jazz '],
        looking_for: ['man', 'nonbinary', 'man'],
        age_min: 25,
        age_max: 40,
        max_distance_km: 30,
        location: { lat: 52.52, lon: 13.405 },
        visibility: 'paused',
        settings: { show_distance: false, notifications: { messages: true, new_match: false }, quiet_hours: { start: '22:00', end: '07:30' }, timezone: 'Europe/Berlin' },
        goal: 'relationship',
        goals: ['relationship', 'friendship'],
        height_cm: 172,
        education: 'master',
        children: 'open',
        smoking: 'never',
        drinking: 'socially',
      });
      const res = await api.post('/profiles', full, { token: u.token });
      expect(res.status).to.equal(201);
      expect(res.body.interests, 'trimmed, deduplicated case-insensitively').to.deep.equal(['climbing', 'Cooking', 'jazz']);
      expect(res.body.looking_for).to.deep.equal(['man', 'nonbinary']);
      expect(res.body.location).to.deep.equal({ lat: 52.52, lon: 13.405 });
      expect(res.body.settings).to.deep.equal({
        show_distance: false,
        show_age: true,
        notifications: { messages: true, new_match: false },
        quiet_hours: { start: '22:00', end: '07:30' },
        timezone: 'Europe/Berlin',
      });
      expect(res.body).to.include({ visibility: 'paused', goal: 'relationship', height_cm: 172, education: 'master', children: 'open', smoking: 'never', drinking: 'socially' });
      expect(res.body.goals).to.deep.equal(['relationship', 'friendship']);
    });

    it('answers 409 to a second create and leaves the first profile as it was', async () => {
      const u = await userWithProfile({ display_name: 'First' });
      const res = await api.post('/profiles', validProfile({ display_name: 'Second' }), { token: u.token });
      expect(res.status).to.equal(409);
      expect(errorCode(res)).to.equal('conflict');
      expect((await api.get('/profiles/me', { token: u.token })).body.display_name).to.equal('First');
    });

    it('answers 409 once when two creates race', async () => {
      const u = await createUser(platform.db, platform.config);
      const results = await Promise.all([1, 2, 3].map(() => api.post('/profiles', validProfile(), { token: u.token })));
      expect(results.map((r) => r.status).sort()).to.deep.equal([201, 409, 409]);
    });

    it('requires a valid access token on every route', async () => {
      const u = await userWithProfile();
      for (const res of [
        await api.post('/profiles', validProfile()),
        await api.get('/profiles/me'),
        await api.get(`/profiles/${u.id}`, { token: 'not-a-token' }),
        await api.put(`/profiles/${u.id}`, { bio: 'x' }),
        await api.del(`/profiles/${u.id}`),
      ]) {
        expect(res.status).to.equal(401);
        expect(errorCode(res)).to.equal('unauthorized');
      }
    });
  });

  describe('read', () => {
    it('shows the owner everything, with the photos of every status in order', async () => {
      const u = await userWithProfile({ location: { lat: 48.85, lon: 2.35 }, settings: { show_age: false } });
      const approved = await insertPhoto(platform.db, u.id, { status: 'approved', position: 1 });
      const pending = await insertPhoto(platform.db, u.id, { status: 'pending', position: 0 });
      await insertPhoto(platform.db, u.id, { status: 'approved', position: null }); // an upload not on the profile
      const res = await api.get('/profiles/me', { token: u.token });
      expect(res.status).to.equal(200);
      expect(res.body).to.have.keys(
        'user_id', 'display_name', 'birthdate', 'age', 'gender', 'bio', 'interests', 'looking_for', 'age_min', 'age_max',
        'max_distance_km', 'location', 'visibility', 'settings', 'goal', 'goals', 'height_cm', 'education', 'children',
        'smoking', 'drinking', 'photos', 'created_at', 'updated_at',
      );
      expect(res.body.location).to.deep.equal({ lat: 48.85, lon: 2.35 });
      expect(res.body.age, 'the owner sees their age even when hidden from others').to.be.a('number');
      expect(res.body.photos.map((p: { id: string; status: string; position: number }) => [p.id, p.status, p.position])).to.deep.equal([
        [pending, 'pending', 0],
        [approved, 'approved', 1],
      ]);
      expect(res.body.photos[1].urls.thumb).to.match(/^\/media\/files\/.+/);
      expect(res.body.photos[0].urls).to.deep.equal({ thumb: null, medium: null, large: null });

      const byId = await api.get(`/profiles/${u.id}`, { token: u.token });
      expect(byId.status).to.equal(200);
      expect(byId.body).to.deep.equal(res.body);
    });

    it('answers 404 to /profiles/me before the profile exists', async () => {
      const u = await createUser(platform.db, platform.config);
      const res = await api.get('/profiles/me', { token: u.token });
      expect(res.status).to.equal(404);
      expect(errorCode(res)).to.equal('not_found');
    });

    it('shows another user only the public view: no birthdate, location, settings or preferences, approved photos only', async () => {
      const owner = await userWithProfile({
        display_name: 'Bea',
        birthdate: birthdateYearsAgo(27),
        bio: 'hi',
        interests: ['chess'],
        location: { lat: 52.52, lon: 13.405 },
        looking_for: ['man'],
        goal: 'casual',
        height_cm: 180,
      });
      const approved = await insertPhoto(platform.db, owner.id, { status: 'approved', position: 0 });
      await insertPhoto(platform.db, owner.id, { status: 'pending', position: 1 });
      await insertPhoto(platform.db, owner.id, { status: 'rejected', position: 2 });
      // The viewer is in Potsdam, 27.2 km away; measured between coarse points (each within ~0.71 km of the exact one).
      const viewer = await userWithProfile({ location: { lat: 52.39, lon: 13.065 } });
      const res = await api.get(`/profiles/${owner.id}`, { token: viewer.token });
      expect(res.status).to.equal(200);
      expect(res.body).to.have.keys('user_id', 'display_name', 'age', 'gender', 'bio', 'interests', 'photos', 'video', 'distance_km');
      expect(res.body.video, 'no clip').to.equal(null);
      expect(res.body).to.include({ user_id: owner.id, display_name: 'Bea', age: 27, gender: 'woman', bio: 'hi' });
      expect(res.body.distance_km).to.be.within(26, 29);
      expect(Number.isInteger(res.body.distance_km)).to.equal(true);
      expect(res.body.photos.map((p: { id: string }) => p.id)).to.deep.equal([approved]);
      const text = JSON.stringify(res.body);
      for (const secret of ['birthdate', '52.52', '13.405', 'settings', 'looking_for', 'telegram']) expect(text).not.to.contain(secret);
    });

    it('leaves out the distance when the owner hides it, or the viewer has no location, and the age when the owner hides it', async () => {
      const owner = await userWithProfile({ location: { lat: 52.52, lon: 13.405 }, settings: { show_distance: false, show_age: false } });
      const viewer = await userWithProfile({ location: { lat: 52.39, lon: 13.065 } });
      const res = await api.get(`/profiles/${owner.id}`, { token: viewer.token });
      expect(res.status).to.equal(200);
      expect(res.body.distance_km).to.equal(null);
      expect(res.body.age).to.equal(null);

      const shown = await userWithProfile({ location: { lat: 52.52, lon: 13.405 } });
      const nowhere = await createUser(platform.db, platform.config); // no profile, so no location
      const res2 = await api.get(`/profiles/${shown.id}`, { token: nowhere.token });
      expect(res2.status).to.equal(200);
      expect(res2.body.distance_km).to.equal(null);
    });

    it('hides a hidden profile from others (404, no IDOR) but not from its owner; a paused one only from non-matches', async () => {
      const owner = await userWithProfile({ visibility: 'hidden' });
      const other = await userWithProfile();
      const match = await userWithProfile();
      await createMatch(platform.db, owner.id, match.id);
      const res = await api.get(`/profiles/${owner.id}`, { token: other.token });
      expect(res.status).to.equal(404);
      expect(errorCode(res)).to.equal('not_found');
      expect(JSON.stringify(res.body)).not.to.contain(owner.id);
      expect((await api.get(`/profiles/${owner.id}`, { token: owner.token })).status).to.equal(200);
      expect((await api.get(`/profiles/${owner.id}`, { token: match.token })).status, 'hidden: not even a match').to.equal(404);

      await api.put(`/profiles/${owner.id}`, { visibility: 'paused' }, { token: owner.token });
      expect((await api.get(`/profiles/${owner.id}`, { token: other.token })).status, 'paused: out of discovery').to.equal(404);
      expect((await api.get(`/profiles/${owner.id}`, { token: match.token })).status, 'paused: still seen by a match').to.equal(200);
    });

    it('answers 404 for a banned user, a block either way, and a user without a profile', async () => {
      const viewer = await userWithProfile();
      const banned = await userWithProfile();
      await platform.db('users').where('id', banned.id).update({ banned_at: new Date() });
      const blockedByViewer = await userWithProfile();
      const blockerOfViewer = await userWithProfile();
      await platform.db('blocks').insert([
        { blocker_id: viewer.id, blocked_id: blockedByViewer.id },
        { blocker_id: blockerOfViewer.id, blocked_id: viewer.id },
      ]);
      const noProfile = await createUser(platform.db, platform.config);
      for (const id of [banned.id, blockedByViewer.id, blockerOfViewer.id, noProfile.id, '00000000-0000-4000-8000-000000000000']) {
        const res = await api.get(`/profiles/${id}`, { token: viewer.token });
        expect(res.status, id).to.equal(404);
        expect(errorCode(res)).to.equal('not_found');
      }
    });

    it('answers 400 for a malformed user id in the path', async () => {
      const u = await userWithProfile();
      for (const bad of ['123', 'not-a-uuid', `${u.id}x`, "1' OR '1'='1"]) {
        const res = await api.get(`/profiles/${encodeURIComponent(bad)}`, { token: u.token });
        expect(res.status, bad).to.equal(400);
        expect(errorCode(res)).to.equal('validation_failed');
        expect(res.body.error.details[0].field).to.equal('user_id');
      }
      expect((await api.put('/profiles/nope', { bio: 'x' }, { token: u.token })).status).to.equal(400);
      expect((await api.del('/profiles/nope', { token: u.token })).status).to.equal(400);
    });
  });

  describe('update', () => {
    it('changes only the given fields and answers the owner view', async () => {
      const u = await userWithProfile({ bio: 'before', interests: ['a'], location: { lat: 1, lon: 2 }, height_cm: 170 });
      const before = (await api.get('/profiles/me', { token: u.token })).body;
      const res = await api.put(`/profiles/${u.id}`, { bio: 'after', age_min: 30, height_cm: null }, { token: u.token });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ bio: 'after', age_min: 30, height_cm: null, display_name: before.display_name });
      expect(res.body.interests).to.deep.equal(['a']);
      expect(res.body.location).to.deep.equal({ lat: 1, lon: 2 });
      expect(new Date(res.body.updated_at).getTime()).to.be.at.least(new Date(before.updated_at).getTime());
      expect((await api.get('/profiles/me', { token: u.token })).body).to.deep.equal(res.body);
    });

    it('merges settings key by key and clears the location with null', async () => {
      const u = await userWithProfile({ settings: { show_age: false, timezone: 'Asia/Tokyo' }, location: { lat: 1, lon: 2 } });
      const res = await api.put('/profiles/me', { settings: { show_distance: false }, location: null }, { token: u.token });
      expect(res.status).to.equal(200);
      expect(res.body.settings).to.include({ show_age: false, show_distance: false, timezone: 'Asia/Tokyo' });
      expect(res.body.location).to.equal(null);
    });

    it('accepts an empty patch as a no-op', async () => {
      const u = await userWithProfile();
      const before = (await api.get('/profiles/me', { token: u.token })).body;
      const res = await api.put(`/profiles/${u.id}`, {}, { token: u.token });
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal(before);
    });

    it('checks age_min ≤ age_max against the stored values it does not change', async () => {
      const u = await userWithProfile({ age_min: 20, age_max: 30 });
      const res = await api.put(`/profiles/${u.id}`, { age_min: 35 }, { token: u.token });
      expect(res.status).to.equal(400);
      expect(errorCode(res)).to.equal('validation_failed');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).to.include('age_min');
      const after = (await api.get('/profiles/me', { token: u.token })).body;
      expect(after).to.include({ age_min: 20, age_max: 30 });
      expect((await api.put(`/profiles/${u.id}`, { age_min: 35, age_max: 45 }, { token: u.token })).status).to.equal(200);
      const created = await api.post('/profiles', validProfile({ age_min: 40, age_max: 30 }), { token: (await createUser(platform.db, platform.config)).token });
      expect(created.status).to.equal(400);
    });

    it('answers 403 to anyone but the owner and changes nothing', async () => {
      const owner = await userWithProfile({ bio: 'mine' });
      const other = await userWithProfile();
      const res = await api.put(`/profiles/${owner.id}`, { bio: 'pwned' }, { token: other.token });
      expect(res.status).to.equal(403);
      expect(errorCode(res)).to.equal('forbidden');
      expect((await api.get('/profiles/me', { token: owner.token })).body.bio).to.equal('mine');
    });

    it('answers 404 to an update before the profile exists', async () => {
      const u = await createUser(platform.db, platform.config);
      const res = await api.put(`/profiles/${u.id}`, { bio: 'x' }, { token: u.token });
      expect(res.status).to.equal(404);
    });
  });

  describe('delete', () => {
    it('deletes the profile, answers 204, and publishes profile.deleted', async () => {
      const owner = await userWithProfile();
      const other = await userWithProfile();
      const seen: BusEvent[] = [];
      const consumer = platform.bus.consume({
        group: `profile-test-${Date.now()}`,
        streams: [STREAMS.users],
        startFrom: '$',
        handler: async (e) => void seen.push(e),
      });
      await consumer.ready;
      try {
        const res = await api.del(`/profiles/${owner.id}`, { token: owner.token });
        expect(res.status).to.equal(204);
        expect((await api.get('/profiles/me', { token: owner.token })).status).to.equal(404);
        expect((await api.get(`/profiles/${owner.id}`, { token: other.token })).status).to.equal(404);
        expect(await platform.db('profiles').where('user_id', owner.id).first()).to.equal(undefined);
        await waitFor('profile.deleted', () => seen.some((e) => e.type === 'profile.deleted' && (e.payload as { user_id: string }).user_id === owner.id), 5000);
      } finally {
        await consumer.stop();
      }
      expect((await api.del(`/profiles/${owner.id}`, { token: owner.token })).status, 'a second delete').to.equal(404);
      // The user may start over.
      expect((await api.post('/profiles', validProfile(), { token: owner.token })).status).to.equal(201);
    });

    it('answers 403 to anyone but the owner and deletes nothing', async () => {
      const owner = await userWithProfile();
      const other = await userWithProfile();
      const res = await api.del(`/profiles/${owner.id}`, { token: other.token });
      expect(res.status).to.equal(403);
      expect(errorCode(res)).to.equal('forbidden');
      expect((await api.get('/profiles/me', { token: owner.token })).status).to.equal(200);
    });
  });
});
