import { expect } from 'chai';
import sharp from 'sharp';
import { createUser, type TestUser } from '../helpers/users.js';
import { photoJpeg, photoPng, solid } from '../fixtures/images.js';
import { waitFor } from '../helpers/wait.js';
import { capturingLogger, type LogLine } from '../helpers/logs.js';
import { redisOf } from '../helpers/redis.js';
import { outboxDrained } from '../helpers/database.js';
import { filesUnder, moderated, startMediaApp, uploadTo, type MediaApp } from '../media/helpers.js';
import { startModerationWorker, type ModerationWorker } from '../../workers/moderation/index.js';
import { STREAMS } from '../../shared/events.js';
import { originalKey } from '../../shared/storage/index.js';

/** The stream's events of a type, once the outbox relay has published every committed one. */
async function eventsOf(app: MediaApp, type: string, mediaId?: string) {
  await outboxDrained(app.platform.db);
  const entries = await redisOf(app.platform.config).xrange(`${app.platform.config.redisPrefix}${STREAMS.media}`, '-', '+');
  return entries
    .map(([id, f]) => ({ id, type: f[f.indexOf('type') + 1], payload: JSON.parse(f[f.indexOf('payload') + 1]) }))
    .filter((e) => e.type === type && (!mediaId || e.payload.media_id === mediaId));
}

async function expectCleanWebp(app: MediaApp, key: string, width: number, height?: number) {
  const data = (await app.storage.read(key))!;
  const meta = await sharp(data).metadata();
  expect(meta.format).to.equal('webp');
  expect(meta.width).to.equal(width);
  if (height) expect(meta.height).to.equal(height);
  expect(meta.exif, 'EXIF stripped').to.equal(undefined);
  expect(meta.icc, 'ICC stripped').to.equal(undefined);
  expect(data.includes(Buffer.from('private-exif-marker'))).to.equal(false);
}

describe('moderation worker (real Redis stream)', () => {
  let app: MediaApp;
  let worker: ModerationWorker;
  let alice: TestUser;

  before(async () => {
    app = await startMediaApp({ BUS_VISIBILITY_TIMEOUT_MS: '400' });
    alice = await createUser(app.platform.db, app.platform.config);
    worker = startModerationWorker(app.platform, { storage: app.storage });
    await worker.ready;
  });
  after(async () => {
    await worker.stop();
    await app.close();
  });

  it('approves a real JPEG with thumb/medium/large WebP variants of 320/720/1280 px and no EXIF', async () => {
    const res = await uploadTo(app.api, '/media/upload', alice.token, await photoJpeg(1600, 1200));
    expect(res.status).to.equal(202);
    const row = await moderated(app.platform.db, res.body.id);
    expect(row.status).to.equal('approved');
    expect(row.nsfw_score).to.equal(null); // NSFW scoring is off in this block
    expect(row.variants.thumb).to.include({ width: 320, height: 240 });
    expect(row.variants.medium).to.include({ width: 720, height: 540 });
    expect(row.variants.large).to.include({ width: 1280, height: 960 });
    await expectCleanWebp(app, row.variants.thumb.key, 320, 240);
    await expectCleanWebp(app, row.variants.medium.key, 720, 540);
    await expectCleanWebp(app, row.variants.large.key, 1280, 960);
    const [event] = await eventsOf(app, 'media.moderated', res.body.id);
    expect(event.payload).to.deep.equal({ media_id: res.body.id, owner_id: alice.id, status: 'approved', nsfw_score: null });
  });

  it('approves a real PNG (with alpha) the same way', async () => {
    const res = await uploadTo(app.api, '/media/upload', alice.token, await photoPng(1400, 900));
    const row = await moderated(app.platform.db, res.body.id);
    expect(row.status).to.equal('approved');
    await expectCleanWebp(app, row.variants.thumb.key, 320);
    await expectCleanWebp(app, row.variants.medium.key, 720);
    await expectCleanWebp(app, row.variants.large.key, 1280);
  });

  it('applies the EXIF orientation and never upscales', async () => {
    // Stored 1600×1200 with orientation 6: shown 1200×1600, narrower than "large".
    const res = await uploadTo(app.api, '/media/upload', alice.token, await photoJpeg(1600, 1200, { orientation: 6, seed: 3 }));
    expect(res.body).to.include({ width: 1200, height: 1600 });
    const row = await moderated(app.platform.db, res.body.id);
    expect(row).to.include({ status: 'approved', width: 1200, height: 1600 });
    await expectCleanWebp(app, row.variants.thumb.key, 320, 427);
    await expectCleanWebp(app, row.variants.large.key, 1200, 1600);
  });

  it('does no work for an event of media that is already moderated', async () => {
    const res = await uploadTo(app.api, '/media/upload', alice.token, await solid('png', 50, 50, '#123456'));
    const first = await moderated(app.platform.db, res.body.id);
    const before = await app.platform.db('media').where('id', res.body.id).first();
    const row = await app.platform.db('media').where('id', res.body.id).first();
    await app.platform.bus.publish('media.uploaded', { media_id: row.id, owner_id: alice.id, storage_key: row.original_key, mime: row.mime });
    // A later upload is handled after the duplicate: once it is done, the duplicate was seen.
    const probe = await uploadTo(app.api, '/media/upload', alice.token, await solid('png', 51, 51, '#654321'));
    await moderated(app.platform.db, probe.body.id);
    const after = await app.platform.db('media').where('id', res.body.id).first();
    expect(after.moderated_at.getTime()).to.equal(before.moderated_at.getTime());
    expect(first.status).to.equal('approved');
    expect(await eventsOf(app, 'media.moderated', res.body.id)).to.have.length(1);
  });

  it('rejects media whose stored original does not decode, with no variants', async () => {
    const bogus = Buffer.from('not an image at all');
    const sha = 'f'.repeat(64);
    const key = originalKey(sha, 'jpg');
    await app.storage.put(key, bogus, 'image/jpeg');
    const [row] = await app.platform.db('media').insert({ owner_id: alice.id, mime: 'image/jpeg', size: bogus.length, sha256: sha, original_key: key }).returning('*');
    await app.platform.bus.publish('media.uploaded', { media_id: row.id, owner_id: alice.id, storage_key: key, mime: 'image/jpeg' });
    const done = await moderated(app.platform.db, row.id);
    expect(done).to.include({ status: 'rejected', reject_reason: 'undecodable', variants: null });
    const [event] = await eventsOf(app, 'media.moderated', row.id);
    expect(event.payload.status).to.equal('rejected');
  });

  it('removes the media and unshared files of a deleted profile (profile.deleted)', async () => {
    const bob = await createUser(app.platform.db, app.platform.config);
    const shared = await solid('png', 60, 60, '#00aa00');
    const own = await uploadTo(app.api, '/media/upload', bob.token, await solid('png', 61, 61, '#0000aa'));
    const bobShared = await uploadTo(app.api, '/media/upload', bob.token, shared);
    const aliceShared = await uploadTo(app.api, '/media/upload', alice.token, shared);
    const ownRow = await moderated(app.platform.db, own.body.id);
    const sharedRow = await moderated(app.platform.db, bobShared.body.id);
    await moderated(app.platform.db, aliceShared.body.id);
    const ownFiles = [(await app.platform.db('media').where('id', own.body.id).first()).original_key, ...Object.values(ownRow.variants).map((v: any) => v.key)];
    await app.platform.bus.publish('profile.deleted', { user_id: bob.id });
    await waitFor('bob media gone', async () => (await app.platform.db('media').where('owner_id', bob.id)).length === 0);
    const files = await filesUnder(app.storage.root);
    for (const k of ownFiles) expect(files, k).to.not.include(k);
    // Alice's copy of the same bytes keeps its files.
    for (const v of Object.values(sharedRow.variants) as { key: string }[]) expect(files).to.include(v.key);
    expect(await app.platform.db('media').where('id', aliceShared.body.id).first()).to.not.equal(undefined);
  });
});

describe('moderation worker killed mid-job', () => {
  let app: MediaApp;
  let alice: TestUser;

  before(async () => {
    app = await startMediaApp({ BUS_VISIBILITY_TIMEOUT_MS: '300' });
    alice = await createUser(app.platform.db, app.platform.config);
  });
  after(() => app.close());

  it('a second worker finishes the image exactly once: one outcome, one event, no duplicate variants', async () => {
    const jpeg = await photoJpeg(1500, 1000, { seed: 7 });
    let target = '';
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const inHand = new Promise<void>((r) => (reached = r));
    const firstLogs: LogLine[] = [];
    const first = startModerationWorker({ ...app.platform, logger: capturingLogger(firstLogs, 'info') }, {
      storage: app.storage,
      consumer: 'doomed',
      async beforeCommit(id) {
        if (id !== target) return;
        reached();
        await gate; // the "crash" happens here: variants written, outcome not committed
      },
    });
    await first.ready;
    const res = await uploadTo(app.api, '/media/upload', alice.token, jpeg);
    target = res.body.id;
    await inHand;
    await first.stop({ abandon: true });
    const sha = (await app.platform.db('media').where('id', target).first()).sha256;
    const variantDir = `variants/${sha.slice(0, 2)}/${sha}/`;
    expect((await filesUnder(app.storage.root)).filter((f) => f.startsWith(variantDir))).to.have.length(3);
    expect((await app.platform.db('media').where('id', target).first()).status).to.equal('pending');

    const second = startModerationWorker(app.platform, { storage: app.storage, consumer: 'rescuer' });
    try {
      await second.ready;
      const row = await moderated(app.platform.db, target);
      expect(row.status).to.equal('approved');
      // The abandoned run now wakes up and tries to commit too: it must change nothing.
      release();
      await waitFor('the abandoned run to drop its outcome', () => firstLogs.some((l) => l.msg === 'outcome already recorded elsewhere; dropped'), 5000);
      const variantFiles = (await filesUnder(app.storage.root)).filter((f) => f.startsWith(variantDir));
      expect(variantFiles).to.have.length(3);
      expect(variantFiles.map((f) => `${f}`).sort()).to.deep.equal(Object.values(row.variants).map((v: any) => v.key).sort());
      expect(await eventsOf(app, 'media.moderated', target)).to.have.length(1);
      const final = await app.platform.db('media').where('id', target).first();
      expect(final.moderated_at.getTime()).to.equal(row.moderated_at.getTime());
      // Acked: nothing of the group is left pending.
      const pending = (await redisOf(app.platform.config).xpending(`${app.platform.config.redisPrefix}${STREAMS.media}`, 'moderation')) as [number, ...unknown[]];
      expect(pending[0]).to.equal(0);
    } finally {
      release();
      await second.stop();
    }
  });
});
