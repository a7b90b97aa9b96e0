import { expect } from 'chai';
import { createUser, type TestUser } from '../helpers/users.js';
import { errorCode } from '../helpers/http.js';
import { solid } from '../fixtures/images.js';
import { createProfile } from '../helpers/profiles.js';
import { startMediaApp, uploadTo, type MediaApp } from './helpers.js';

describe('profile photos (/profiles/{user_id}/photos)', () => {
  let app: MediaApp;
  let alice: TestUser;
  let bob: TestUser;
  let colours = 0;

  /** A small PNG that differs from every other one made here. */
  const png = () => solid('png', 40 + (colours % 7), 30, `#${(0x102030 + colours++ * 0x010305).toString(16).slice(-6)}`);
  const approve = (id: string) => app.platform.db('media').where('id', id).update({ status: 'approved' });

  beforeEach(async () => {
    app = await startMediaApp();
    alice = await createUser(app.platform.db, app.platform.config);
    bob = await createUser(app.platform.db, app.platform.config);
    await createProfile(app.platform.db, alice.id);
    await createProfile(app.platform.db, bob.id);
  });
  afterEach(() => app.close());

  it('adds up to 6 photos in order; the seventh is 409 with a clear code and stores nothing', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await uploadTo(app.api, `/profiles/${alice.id}/photos`, alice.token, await png());
      expect(res.status).to.equal(202);
      expect(res.body).to.include({ status: 'pending', position: i });
      ids.push(res.body.id);
    }
    const seventh = await uploadTo(app.api, `/profiles/${alice.id}/photos`, alice.token, await png());
    expect(seventh.status).to.equal(409);
    expect(errorCode(seventh)).to.equal('conflict');
    expect(seventh.body.error.details).to.deep.equal({ reason: 'photo_limit', max_photos: 6 });
    expect(seventh.body.error.message).to.match(/at most 6 photos/);
    expect(await app.platform.db('media').where('owner_id', alice.id).count<{ n: number }[]>({ n: '*' })).to.deep.equal([{ n: 6 }]);
    // Attaching already-uploaded media hits the same limit.
    const loose = await uploadTo(app.api, '/media/upload', alice.token, await png());
    const attach = await app.api.post(`/profiles/${alice.id}/photos`, { media_id: loose.body.id }, { token: alice.token });
    expect(attach.status).to.equal(409);
    const list = await app.api.get(`/profiles/${alice.id}/photos`, { token: alice.token });
    expect(list.body.photos.map((p: { id: string }) => p.id)).to.deep.equal(ids);
  });

  it('attaches the caller’s own media by media_id (202 with its status), idempotently', async () => {
    const up = await uploadTo(app.api, '/media/upload', alice.token, await png());
    await approve(up.body.id);
    const res = await app.api.post(`/profiles/${alice.id}/photos`, { media_id: up.body.id }, { token: alice.token });
    expect(res.status).to.equal(202);
    expect(res.body).to.deep.equal({ id: up.body.id, status: 'approved', position: 0 });
    const again = await app.api.post(`/profiles/${alice.id}/photos`, { media_id: up.body.id }, { token: alice.token });
    expect(again.body.position).to.equal(0);
    expect((await app.api.get(`/profiles/${alice.id}/photos`, { token: alice.token })).body.photos).to.have.length(1);
  });

  it("refuses another user's media_id (404), a bad media_id (400) and rejected media (409)", async () => {
    const bobs = await uploadTo(app.api, '/media/upload', bob.token, await png());
    const foreign = await app.api.post(`/profiles/${alice.id}/photos`, { media_id: bobs.body.id }, { token: alice.token });
    expect(foreign.status).to.equal(404);
    const bad = await app.api.post(`/profiles/${alice.id}/photos`, { media_id: 'nope' }, { token: alice.token });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.details[0].field).to.equal('media_id');
    const missing = await app.api.post(`/profiles/${alice.id}/photos`, {}, { token: alice.token });
    expect(missing.status).to.equal(400);
    const mine = await uploadTo(app.api, '/media/upload', alice.token, await png());
    await app.platform.db('media').where('id', mine.body.id).update({ status: 'rejected' });
    const rejected = await app.api.post(`/profiles/${alice.id}/photos`, { media_id: mine.body.id }, { token: alice.token });
    expect(rejected.status).to.equal(409);
  });

  it('lets only the owner add, move or delete photos (403)', async () => {
    const mine = await uploadTo(app.api, `/profiles/${alice.id}/photos`, alice.token, await png());
    const upload = await uploadTo(app.api, `/profiles/${alice.id}/photos`, bob.token, await png());
    expect(upload.status).to.equal(403);
    const move = await app.api.put(`/profiles/${alice.id}/photos/${mine.body.id}`, { position: 0 }, { token: bob.token });
    expect(move.status).to.equal(403);
    const del = await app.api.del(`/profiles/${alice.id}/photos/${mine.body.id}`, { token: bob.token });
    expect(del.status).to.equal(403);
    expect(errorCode(del)).to.equal('forbidden');
    expect(await app.platform.db('media').where('owner_id', bob.id)).to.have.length(0);
  });

  it('shows others approved photos only, and nothing of a hidden or blocking profile (404)', async () => {
    const a = await uploadTo(app.api, `/profiles/${alice.id}/photos`, alice.token, await png());
    const b = await uploadTo(app.api, `/profiles/${alice.id}/photos`, alice.token, await png());
    await approve(b.body.id);
    const own = await app.api.get(`/profiles/me/photos`, { token: alice.token });
    expect(own.body.photos.map((p: { id: string; status: string }) => [p.id, p.status])).to.deep.equal([
      [a.body.id, 'pending'],
      [b.body.id, 'approved'],
    ]);
    expect(own.body.photos[0].urls).to.deep.equal({ thumb: null, medium: null, large: null });

    const seen = await app.api.get(`/profiles/${alice.id}/photos`, { token: bob.token });
    expect(seen.status).to.equal(200);
    expect(seen.body.photos).to.have.length(1);
    expect(seen.body.photos[0]).to.include({ id: b.body.id, status: 'approved', position: 1 });

    await app.platform.db('profiles').where('user_id', alice.id).update({ visibility: 'hidden' });
    expect((await app.api.get(`/profiles/${alice.id}/photos`, { token: bob.token })).status).to.equal(404);
    expect((await app.api.get(`/profiles/${alice.id}/photos`, { token: alice.token })).body.photos).to.have.length(2);

    await app.platform.db('profiles').where('user_id', alice.id).update({ visibility: 'visible' });
    await app.platform.db('blocks').insert({ blocker_id: alice.id, blocked_id: bob.id });
    expect((await app.api.get(`/profiles/${alice.id}/photos`, { token: bob.token })).status).to.equal(404);
    expect((await app.api.get(`/media/${b.body.id}`, { token: bob.token })).status).to.equal(404);
  });

  it('moves a photo with PUT {position} and keeps the others in order', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await uploadTo(app.api, `/profiles/${alice.id}/photos`, alice.token, await png())).body.id);
    const res = await app.api.put(`/profiles/${alice.id}/photos/${ids[3]}`, { position: 0 }, { token: alice.token });
    expect(res.status).to.equal(200);
    expect(res.body.photos.map((p: { id: string }) => p.id)).to.deep.equal([ids[3], ids[0], ids[1], ids[2]]);
    expect(res.body.photos.map((p: { position: number }) => p.position)).to.deep.equal([0, 1, 2, 3]);
    const back = await app.api.put(`/profiles/${alice.id}/photos/${ids[3]}`, { position: 3 }, { token: alice.token });
    expect(back.body.photos.map((p: { id: string }) => p.id)).to.deep.equal(ids);
    const outOfRange = await app.api.put(`/profiles/${alice.id}/photos/${ids[0]}`, { position: 4 }, { token: alice.token });
    expect(outOfRange.status).to.equal(400);
    expect(outOfRange.body.error.details[0].field).to.equal('position');
    const notInt = await app.api.put(`/profiles/${alice.id}/photos/${ids[0]}`, { position: 'first' }, { token: alice.token });
    expect(notInt.status).to.equal(400);
    const unknown = await app.api.put(`/profiles/${alice.id}/photos/00000000-0000-4000-8000-000000000000`, { position: 0 }, { token: alice.token });
    expect(unknown.status).to.equal(404);
  });

  it('deletes a photo (204): row and files gone, the rest close up their positions', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await uploadTo(app.api, `/profiles/${alice.id}/photos`, alice.token, await png())).body.id);
    const key = (await app.platform.db('media').where('id', ids[1]).first()).original_key;
    expect(await app.storage.exists(key)).to.equal(true);
    const res = await app.api.del(`/profiles/${alice.id}/photos/${ids[1]}`, { token: alice.token });
    expect(res.status).to.equal(204);
    expect(await app.storage.exists(key)).to.equal(false);
    const list = await app.api.get(`/profiles/${alice.id}/photos`, { token: alice.token });
    expect(list.body.photos.map((p: { id: string; position: number }) => [p.id, p.position])).to.deep.equal([
      [ids[0], 0],
      [ids[2], 1],
    ]);
    expect((await app.api.del(`/profiles/${alice.id}/photos/${ids[1]}`, { token: alice.token })).status).to.equal(404);
  });

  it('keeps the limit under concurrent uploads', async () => {
    const results = await Promise.all(Array.from({ length: 9 }, async () => uploadTo(app.api, `/profiles/${alice.id}/photos`, alice.token, await png())));
    expect(results.filter((r) => r.status === 202)).to.have.length(6);
    expect(results.filter((r) => r.status === 409)).to.have.length(3);
    const positions = (await app.platform.db('media').where('owner_id', alice.id).orderBy('position')).map((r) => r.position);
    expect(positions).to.deep.equal([0, 1, 2, 3, 4, 5]);
  });
});
