import { expect } from 'chai';
import { createUser, type TestUser } from '../helpers/users.js';
import { errorCode } from '../helpers/http.js';
import { photoJpeg, solid } from '../fixtures/images.js';
import { createProfile } from '../helpers/profiles.js';
import { moderated, startMediaApp, uploadTo, type MediaApp } from './helpers.js';
import { startModerationWorker, type ModerationWorker } from '../../workers/moderation/index.js';
import { filesPath } from '../../api/media/index.js';

describe('media reads and file serving', () => {
  let app: MediaApp;
  let worker: ModerationWorker;
  let alice: TestUser;
  let bob: TestUser;
  let approvedId: string;
  let approvedVariants: Record<string, { key: string }>;

  before(async () => {
    app = await startMediaApp({ BUS_VISIBILITY_TIMEOUT_MS: '500' });
    worker = startModerationWorker(app.platform, { storage: app.storage });
    await worker.ready;
    alice = await createUser(app.platform.db, app.platform.config);
    bob = await createUser(app.platform.db, app.platform.config);
    await createProfile(app.platform.db, alice.id);
    await createProfile(app.platform.db, bob.id);
    const res = await uploadTo(app.api, `/profiles/${alice.id}/photos`, alice.token, await photoJpeg(900, 700, { seed: 11 }));
    approvedId = res.body.id;
    approvedVariants = (await moderated(app.platform.db, approvedId)).variants;
  });
  after(async () => {
    await worker.stop();
    await app.close();
  });

  it('serves an approved variant with ETag and immutable caching, and 304 on If-None-Match', async () => {
    const view = await app.api.get(`/media/${approvedId}`, { token: bob.token });
    expect(view.status).to.equal(200);
    expect(view.body).to.include({ id: approvedId, owner_id: alice.id, status: 'approved', mime: 'image/jpeg', width: 900, height: 700 });
    expect(view.body.urls.medium).to.equal(`/media/files/${approvedVariants.medium.key}`);
    const res = await fetch(`${app.running.url}${view.body.urls.medium}`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('image/webp');
    expect(res.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
    const etag = res.headers.get('etag')!;
    expect(etag).to.match(/^"[0-9a-f]{64}"$/);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals((await app.storage.read(approvedVariants.medium.key))!)).to.equal(true);
    expect(Number(res.headers.get('content-length'))).to.equal(body.length);

    const again = await fetch(`${app.running.url}${view.body.urls.medium}`, { headers: { 'if-none-match': etag } });
    expect(again.status).to.equal(304);
    expect(again.headers.get('etag')).to.equal(etag);
    expect((await again.arrayBuffer()).byteLength).to.equal(0);
    const weak = await fetch(`${app.running.url}${view.body.urls.medium}`, { headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(weak.status).to.equal(304);
    // Also under the versioned prefix, with no token (img tags send none).
    expect((await fetch(`${app.running.url}/api/v1${view.body.urls.thumb}`)).status).to.equal(200);
  });

  it('keeps a pending photo 404 to another user, and shows it to its owner', async () => {
    await worker.stop(); // nothing gets moderated while this test looks
    try {
      const res = await uploadTo(app.api, `/profiles/${alice.id}/photos`, alice.token, await solid('png', 70, 70, '#777777'));
      expect((await app.api.get(`/media/${res.body.id}`, { token: bob.token })).status).to.equal(404);
      const own = await app.api.get(`/media/${res.body.id}`, { token: alice.token });
      expect(own.status).to.equal(200);
      expect(own.body.status).to.equal('pending');
      const photos = await app.api.get(`/profiles/${alice.id}/photos`, { token: bob.token });
      expect(photos.body.photos.map((p: { id: string }) => p.id)).to.deep.equal([approvedId]);
      const list = await app.api.get(`/media/user/${alice.id}`, { token: bob.token });
      expect(list.body.media.map((m: { id: string }) => m.id)).to.deep.equal([approvedId]);
      const ownList = await app.api.get(`/media/user/${alice.id}`, { token: alice.token });
      expect(ownList.body.media.map((m: { id: string }) => m.id)).to.include(res.body.id);
      // The owner may fetch their own original; nobody else can, and no public URL leads to it.
      const original = await app.api.get(`/media/${res.body.id}/original`, { token: alice.token });
      expect(original.status).to.equal(200);
      expect(original.headers.get('cache-control')).to.match(/private/);
      expect((await app.api.get(`/media/${res.body.id}/original`, { token: bob.token })).status).to.equal(404);
      const key = (await app.platform.db('media').where('id', res.body.id).first()).original_key;
      expect((await fetch(`${app.running.url}/media/files/${key}`)).status).to.equal(404);
    } finally {
      worker = startModerationWorker(app.platform, { storage: app.storage });
      await worker.ready;
    }
  });

  it('never serves variants of rejected or review media, nor originals', async () => {
    const res = await uploadTo(app.api, '/media/upload', alice.token, await solid('png', 72, 72, '#abcdef'));
    const row = await moderated(app.platform.db, res.body.id);
    const url = `${app.running.url}/media/files/${(row.variants as Record<string, { key: string }>).thumb.key}`;
    expect((await fetch(url)).status).to.equal(200);
    await app.platform.db('media').where('id', res.body.id).update({ status: 'review' });
    expect((await fetch(url)).status).to.equal(404);
    const original = (await app.platform.db('media').where('id', res.body.id).first()).original_key;
    expect((await fetch(`${app.running.url}/media/files/${original}`)).status).to.equal(404);
  });

  it('refuses path traversal and junk keys with 404', async () => {
    for (const p of ['/media/files/../../etc/passwd', '/media/files/%2e%2e/%2e%2e/etc/passwd', '/media/files/variants/..%2F..%2F..%2Fpackage.json', '/media/files/', '/media/files/variants']) {
      const res = await fetch(`${app.running.url}${p}`);
      expect(res.status, p).to.equal(404);
      expect(errorCode({ status: res.status, body: await res.json(), headers: res.headers })).to.equal('not_found');
    }
  });

  it('answers 404 for unknown or malformed media ids, and 401 without a token', async () => {
    expect((await app.api.get('/media/00000000-0000-4000-8000-000000000000', { token: bob.token })).status).to.equal(404);
    expect((await app.api.get('/media/not-a-uuid', { token: bob.token })).status).to.equal(404);
    expect((await app.api.get(`/media/${approvedId}`)).status).to.equal(401);
    expect((await app.api.get('/media/user/not-a-uuid', { token: bob.token })).status).to.equal(404);
  });

  it('deletes media for its owner only: 403 for others who can see it, files removed', async () => {
    const res = await uploadTo(app.api, '/media/upload', alice.token, await solid('png', 73, 73, '#fedcba'));
    const row = await moderated(app.platform.db, res.body.id);
    const keys = [(await app.platform.db('media').where('id', res.body.id).first()).original_key, ...Object.values(row.variants as Record<string, { key: string }>).map((v) => v.key)];
    const forbidden = await app.api.del(`/media/${res.body.id}`, { token: bob.token });
    expect(forbidden.status).to.equal(403);
    const ok = await app.api.del(`/media/${res.body.id}`, { token: alice.token });
    expect(ok.status).to.equal(204);
    for (const k of keys) expect(await app.storage.exists(k), k).to.equal(false);
    expect((await app.api.get(`/media/${res.body.id}`, { token: alice.token })).status).to.equal(404);
    expect((await fetch(`${app.running.url}/media/files/${keys[1]}`)).status).to.equal(404);
  });

  it('derives the files route from MEDIA_PUBLIC_URL (a path, or the path of a CDN URL)', () => {
    expect(filesPath('/media/files/')).to.equal('/media/files/');
    expect(filesPath('/static/m')).to.equal('/static/m/');
    expect(filesPath('https://cdn.example.com/media/files/')).to.equal('/media/files/');
  });
});
