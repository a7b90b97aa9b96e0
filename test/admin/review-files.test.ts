// Media in review is served to admins only, by GET /admin/media/{id}/{variant}
// (the public file route serves approved media alone), and the queue links to
// those routes rather than to public URLs.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createStorage, type Storage } from '../../shared/storage/index.js';
import { errorCode } from '../helpers/http.js';
import { createUser, type TestUser } from '../helpers/users.js';
import { createPhoto, startAdmin, type AdminApp } from './fixtures.js';

describe('admin API: files of media in review (GET /admin/media/{id}/{variant})', () => {
  let app: AdminApp;
  let dataDir: string;
  let storage: Storage;
  let owner: TestUser;
  let photoId: string;
  let medium: Buffer;

  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'admin-review-files-'));
    app = await startAdmin({ DATA_DIR: dataDir });
    storage = createStorage(app.platform.config);
    owner = await createUser(app.platform.db, app.platform.config, { firstName: 'Olga' });
    photoId = await createPhoto(app.platform.db, owner.id, { status: 'review', nsfw_score: 0.6 });
    const { variants } = await app.platform.db('media').where('id', photoId).first('variants');
    medium = randomBytes(2048);
    await storage.put(variants.medium.key, medium, 'image/webp');
  });

  after(async () => {
    await app?.close();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  const get = (p: string, token?: string) => fetch(`${app.url}${p}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('gives an admin the bytes of a photo in review, never to be cached', async () => {
    const res = await get(`/admin/media/${photoId}/medium`, app.admin.token);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('image/webp');
    expect(res.headers.get('cache-control')).to.equal('private, no-store');
    expect(Buffer.from(await res.arrayBuffer()).equals(medium)).to.equal(true);
  });

  it('the queue links to these routes, not to public URLs', async () => {
    const res = await app.api.get('/admin/queue?kind=photo', { token: app.admin.token });
    expect(res.status).to.equal(200);
    const item = res.body.items.find((i: { id: string }) => i.id === photoId);
    expect(item.media.urls).to.deep.equal({ thumb: `/admin/media/${photoId}/thumb`, medium: `/admin/media/${photoId}/medium`, large: `/admin/media/${photoId}/large` });
    expect(item.media.video).to.equal(null);
  });

  it('answers 403 to a non-admin and 401 without a token', async () => {
    const res = await app.api.get(`/admin/media/${photoId}/medium`, { token: owner.token });
    expect(res.status).to.equal(403);
    expect(errorCode(res)).to.equal('forbidden');
    expect((await get(`/admin/media/${photoId}/medium`)).status).to.equal(401);
  });

  it('answers 404 for an unknown item, a name its kind has not, or a file not stored; 400 for a name that is none', async () => {
    const nobody = '00000000-0000-4000-8000-000000000000';
    for (const p of [`/admin/media/${nobody}/medium`, `/admin/media/${photoId}/poster`, `/admin/media/${photoId}/large`]) {
      const res = await app.api.get(p, { token: app.admin.token });
      expect(res.status, p).to.equal(404);
      expect(errorCode(res)).to.equal('not_found');
    }
    const res = await app.api.get(`/admin/media/${photoId}/original`, { token: app.admin.token });
    expect(res.status).to.equal(400);
    expect(errorCode(res)).to.equal('validation_failed');
  });

  it("serves a clip's poster and renditions, and the queue gives their routes", async () => {
    const hex = randomBytes(32).toString('hex');
    const file = (key: string, size: number) => ({ key, size, sha256: hex });
    const poster = randomBytes(512);
    const v480 = randomBytes(4096);
    const [{ id }] = await app.platform
      .db('media')
      .insert({
        owner_id: owner.id,
        status: 'review',
        kind: 'video',
        mime: 'video/mp4',
        size: 9999,
        sha256: hex,
        original_key: `o/${hex}.mp4`,
        duration_s: 3,
        nsfw_score: 0.55,
        variants: JSON.stringify({ poster: file(`av/${hex}-poster.webp`, poster.length), v720: file(`av/${hex}-720.mp4`, 1), v480: file(`av/${hex}-480.mp4`, v480.length) }),
      })
      .returning('id');
    await storage.put(`av/${hex}-poster.webp`, poster, 'image/webp');
    await storage.put(`av/${hex}-480.mp4`, v480, 'video/mp4');

    const posterRes = await get(`/admin/media/${id}/poster`, app.admin.token);
    expect(posterRes.headers.get('content-type')).to.equal('image/webp');
    expect(Buffer.from(await posterRes.arrayBuffer()).equals(poster)).to.equal(true);
    const clipRes = await get(`/admin/media/${id}/480`, app.admin.token);
    expect(clipRes.headers.get('content-type')).to.equal('video/mp4');
    expect(Buffer.from(await clipRes.arrayBuffer()).equals(v480)).to.equal(true);
    expect((await app.api.get(`/admin/media/${id}/medium`, { token: app.admin.token })).status).to.equal(404);

    const queue = await app.api.get('/admin/queue?kind=photo', { token: app.admin.token });
    const item = queue.body.items.find((i: { id: string }) => i.id === id);
    expect(item.media.video).to.deep.equal({ url_720: `/admin/media/${id}/720`, url_480: `/admin/media/${id}/480`, poster_url: `/admin/media/${id}/poster` });
  });
});
