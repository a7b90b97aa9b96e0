import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { waitFor } from '../helpers/wait.js';
import sharp from 'sharp';
import { createUser, type TestUser } from '../helpers/users.js';
import { createProfile } from '../helpers/profiles.js';
import { errorCode } from '../helpers/http.js';
import { photoJpeg } from '../fixtures/images.js';
import { clip, voice } from '../fixtures/av.js';
import { filesUnder, moderated, startMediaApp, uploadTo, type MediaApp } from './helpers.js';
import { startModerationWorker, type ModerationWorker } from '../../workers/moderation/index.js';
import { ffmpegPath, probe } from '../../shared/ffmpeg.js';
import { loadPublicProfiles } from '../../shared/public-profile.js';
import { nsfwScore, type RgbImage } from '../../workers/moderation/nsfw.js';
import { scoreFrames } from '../../workers/moderation/pipeline.js';
import { AvRefused, processClip } from '../../workers/moderation/video.js';

const run = promisify(execFile);

function uploadClip(app: MediaApp, token: string, data: Buffer, name = 'clip.mp4', fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(data)], { type: 'video/mp4' }), name);
  return app.api.request('POST', '/media/upload', { token, rawBody: form });
}

/** What ffmpeg says of a stored file: its streams and whether the MP4 index comes before the media data. */
async function inspectStored(app: MediaApp, key: string) {
  const file = path.join(app.storage.root, key);
  const info = (await probe(file, { timeoutMs: 10_000, maxMemoryMb: 512 }))!;
  const { stderr } = await run(ffmpegPath(), ['-hide_banner', '-i', file]).catch((e) => e as { stderr: string });
  const bytes = await fsp.readFile(file);
  const moov = bytes.indexOf('moov');
  const mdat = bytes.indexOf('mdat');
  return { info, dump: stderr, faststart: moov > 0 && moov < mdat, size: bytes.length };
}

describe('video clips: upload (POST /media/upload)', function () {
  this.timeout(60_000);
  let app: MediaApp;
  let alice: TestUser;

  before(async () => {
    app = await startMediaApp({ MEDIA_MAX_BYTES: String(256 * 1024), MEDIA_MAX_VIDEO_BYTES: String(1024 * 1024) });
    alice = await createUser(app.platform.db, app.platform.config);
  });
  after(() => app.close());

  it('accepts an MP4 (H.264 + AAC) as a pending video with its duration and size, decided by content', async () => {
    const res = await uploadClip(app, alice.token, await clip({ width: 640, height: 360, seconds: 2 }), 'holiday.bin');
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    expect(res.body).to.include({ status: 'pending', kind: 'video', mime: 'video/mp4', width: 640, height: 360 });
    expect(res.body.duration_s).to.be.closeTo(2, 0.1);
    const row = await app.platform.db('media').where('id', res.body.id).first();
    expect(row).to.include({ kind: 'video', status: 'pending' });
    expect(row.original_key).to.match(/\.mp4$/);
  });

  it('accepts MOV and WebM (VP9) clips', async () => {
    const mov = await uploadClip(app, alice.token, await clip({ container: 'mov', seed: 1 }), 'a.mov');
    expect(mov.status).to.equal(202);
    expect(mov.body).to.include({ kind: 'video', mime: 'video/quicktime' });
    const webm = await uploadClip(app, alice.token, await clip({ container: 'webm', seed: 2, width: 320, height: 240 }), 'a.webm');
    expect(webm.status).to.equal(202);
    expect(webm.body).to.include({ kind: 'video', mime: 'video/webm', width: 320, height: 240 });
  });

  it('accepts HEVC in MP4, and VP8 and AV1 in WebM, by content', async () => {
    const cases = [
      { codec: 'hevc', container: 'mp4', mime: 'video/mp4', seed: 31 },
      { codec: 'vp8', container: 'webm', mime: 'video/webm', seed: 32 },
      { codec: 'av1', container: 'webm', mime: 'video/webm', seed: 33 },
    ] as const;
    for (const c of cases) {
      const data = await clip({ codec: c.codec, container: c.container, width: 160, height: 96, seconds: 0.5, audio: false, seed: c.seed });
      const res = await uploadClip(app, alice.token, data, `clip.${c.container}`);
      expect(res.status, `${c.codec}: ${JSON.stringify(res.body)}`).to.equal(202);
      expect(res.body, c.codec).to.include({ kind: 'video', mime: c.mime, width: 160, height: 96 });
    }
  });

  it('refuses a truncated MP4 with 400 invalid_video', async () => {
    const whole = await clip({ seconds: 2, seed: 3 });
    const res = await uploadClip(app, alice.token, whole.subarray(0, Math.floor(whole.length / 2)));
    expect(res.status).to.equal(400);
    expect(errorCode(res)).to.equal('invalid_video');
    expect(res.body.error.details).to.include({ reason: 'unreadable' });
  });

  it('refuses a container with no video track (AAC in .mp4) with 400 invalid_video', async () => {
    const res = await uploadClip(app, alice.token, await voice({ container: 'mp4' }));
    expect(res.status).to.equal(400);
    expect(errorCode(res)).to.equal('invalid_video');
    expect(res.body.error.details).to.include({ reason: 'no_video_track' });
  });

  it('refuses a 16-second clip (MEDIA_MAX_VIDEO_SECONDS 15) with 400 invalid_video', async () => {
    const res = await uploadClip(app, alice.token, await clip({ width: 64, height: 64, seconds: 16, audio: false }));
    expect(res.status).to.equal(400);
    expect(errorCode(res)).to.equal('invalid_video');
    expect(res.body.error.details).to.include({ reason: 'too_long', max_seconds: 15 });
  });

  it('refuses a clip larger than 4K with 400 invalid_video', async () => {
    const res = await uploadClip(app, alice.token, await clip({ width: 3900, height: 64, seconds: 0.2, audio: false }));
    expect(res.status).to.equal(400);
    expect(errorCode(res)).to.equal('invalid_video');
    expect(res.body.error.details).to.include({ reason: 'too_large', width: 3900, height: 64 });
  });

  it('refuses a disguised file (text named .mp4, sent as video/mp4) with 415', async () => {
    const res = await uploadClip(app, alice.token, Buffer.from('not a video at all, just text pretending '.repeat(200)), 'clip.mp4');
    expect(res.status).to.equal(415);
    expect(errorCode(res)).to.equal('unsupported_media_type');
  });

  it('holds clips to MEDIA_MAX_VIDEO_BYTES and everything else to MEDIA_MAX_BYTES (413)', async () => {
    // Random bytes do not compress: a clip of about 1.5 MiB.
    const noise = await clip({ width: 640, height: 360, seconds: 1, audio: false, seed: 4 });
    const tooBig = Buffer.concat([noise, Buffer.alloc(1536 * 1024, 1)]);
    const big = await uploadClip(app, alice.token, tooBig);
    expect(big.status).to.equal(413);
    expect(big.body.error.details).to.deep.equal({ max_bytes: 1024 * 1024 });
    // An image over MEDIA_MAX_BYTES is refused even though a clip of its size would pass.
    const jpeg = Buffer.concat([await photoJpeg(200, 200), Buffer.alloc(400 * 1024, 1)]);
    const image = await uploadTo(app.api, '/media/upload', alice.token, jpeg);
    expect(image.status).to.equal(413);
    expect(image.body.error.details).to.deep.equal({ max_bytes: 256 * 1024 });
  });

  it('refuses an unknown kind field with 400', async () => {
    const res = await uploadClip(app, alice.token, await clip({ seed: 5 }), 'a.mp4', { kind: 'hologram' });
    expect(res.status).to.equal(400);
    expect(errorCode(res)).to.equal('validation_failed');
  });
});

describe('video clips: moderation, serving and the profile clip', function () {
  this.timeout(90_000);
  let app: MediaApp;
  let worker: ModerationWorker;
  let alice: TestUser;
  let bob: TestUser;
  let clipId: string;
  let row: Awaited<ReturnType<typeof moderated>>;

  before(async () => {
    app = await startMediaApp({ BUS_VISIBILITY_TIMEOUT_MS: '1000' });
    worker = startModerationWorker(app.platform, { storage: app.storage });
    await worker.ready;
    alice = await createUser(app.platform.db, app.platform.config);
    bob = await createUser(app.platform.db, app.platform.config);
    await createProfile(app.platform.db, alice.id);
    await createProfile(app.platform.db, bob.id);
    const res = await uploadClip(app, alice.token, await clip({ width: 1280, height: 720, seconds: 2, title: 'private-title-marker', seed: 6 }));
    expect(res.status).to.equal(202);
    clipId = res.body.id;
    row = await moderated(app.platform.db, clipId, 60_000);
  });
  after(async () => {
    await worker.stop();
    await app.close();
  });

  it('transcodes to H.264 MP4 with faststart at 720p and 480p, AAC audio, no metadata, a WebP poster, and stores duration and size', async () => {
    expect(row.status).to.equal('approved');
    expect(row).to.include({ width: 1280, height: 720 });
    const full = await app.platform.db('media').where('id', clipId).first();
    expect(full.duration_s).to.be.closeTo(2, 0.15);
    for (const [name, w, h] of [['v720', 1280, 720], ['v480', 854, 480]] as const) {
      const f = row.variants[name];
      expect(f).to.include({ width: w, height: h });
      const out = await inspectStored(app, f.key);
      expect(out.info.streams.map((s) => `${s.type}:${s.codec}`)).to.deep.equal(['video:h264', 'audio:aac']);
      expect(out.info).to.include({ width: w, height: h });
      expect(out.info.duration).to.be.closeTo(2, 0.15);
      expect(out.faststart, 'moov before mdat').to.equal(true);
      expect(out.dump).not.to.include('private-title-marker');
      expect(f.size).to.equal(out.size);
    }
    const poster = (await app.storage.read(row.variants.poster.key))!;
    const meta = await sharp(poster).metadata();
    expect(meta).to.include({ format: 'webp', width: 1280, height: 720 });
  });

  it('never upscales: a small portrait clip keeps its own size under both names', async () => {
    const res = await uploadClip(app, alice.token, await clip({ width: 240, height: 426, seconds: 1, seed: 7, audio: false }));
    const small = await moderated(app.platform.db, res.body.id, 60_000);
    expect(small.status).to.equal('approved');
    expect(small.variants.v720).to.include({ width: 240, height: 426 });
    expect(small.variants.v480).to.include({ width: 240, height: 426 });
    const out = await inspectStored(app, small.variants.v720.key);
    expect(out.info.streams.map((s) => s.type)).to.deep.equal(['video']);
  });

  it('serves renditions with range requests (206, Accept-Ranges, Content-Range, 416), ETag and immutable caching', async () => {
    const view = await app.api.get(`/media/${clipId}`, { token: bob.token });
    expect(view.status).to.equal(200);
    expect(view.body).to.include({ kind: 'video', status: 'approved' });
    const { url_720: url, poster_url: poster } = view.body.video;
    const stored = (await app.storage.read(row.variants.v720.key))!;

    const whole = await fetch(`${app.running.url}${url}`);
    expect(whole.status).to.equal(200);
    expect(whole.headers.get('content-type')).to.equal('video/mp4');
    expect(whole.headers.get('accept-ranges')).to.equal('bytes');
    expect(whole.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
    const etag = whole.headers.get('etag')!;
    expect(etag).to.equal(`"${row.variants.v720.sha256}"`);
    expect(Buffer.from(await whole.arrayBuffer()).equals(stored)).to.equal(true);

    const part = await fetch(`${app.running.url}${url}`, { headers: { range: 'bytes=100-199' } });
    expect(part.status).to.equal(206);
    expect(part.headers.get('content-range')).to.equal(`bytes 100-199/${stored.length}`);
    expect(part.headers.get('content-length')).to.equal('100');
    expect(Buffer.from(await part.arrayBuffer()).equals(stored.subarray(100, 200))).to.equal(true);

    const open = await fetch(`${app.running.url}${url}`, { headers: { range: `bytes=${stored.length - 10}-` } });
    expect(open.status).to.equal(206);
    expect(open.headers.get('content-range')).to.equal(`bytes ${stored.length - 10}-${stored.length - 1}/${stored.length}`);
    const suffix = await fetch(`${app.running.url}${url}`, { headers: { range: 'bytes=-5' } });
    expect(Buffer.from(await suffix.arrayBuffer()).equals(stored.subarray(stored.length - 5))).to.equal(true);

    const beyond = await fetch(`${app.running.url}${url}`, { headers: { range: `bytes=${stored.length}-` } });
    expect(beyond.status).to.equal(416);
    expect(beyond.headers.get('content-range')).to.equal(`bytes */${stored.length}`);
    expect((await beyond.json()).error.code).to.equal('range_not_satisfiable');

    expect((await fetch(`${app.running.url}${url}`, { headers: { 'if-none-match': etag } })).status).to.equal(304);
    const posterRes = await fetch(`${app.running.url}${poster}`);
    expect(posterRes.status).to.equal(200);
    expect(posterRes.headers.get('content-type')).to.equal('image/webp');
  });

  it('serves nothing of a clip that is not approved, and shows it only to its owner', async () => {
    await app.platform.db('media').where('id', clipId).update({ status: 'review' });
    try {
      expect((await fetch(`${app.running.url}/media/files/${row.variants.v720.key}`)).status).to.equal(404);
      expect((await app.api.get(`/media/${clipId}`, { token: bob.token })).status).to.equal(404);
      const own = await app.api.get(`/media/${clipId}`, { token: alice.token });
      expect(own.body).to.include({ status: 'review', video: null });
    } finally {
      await app.platform.db('media').where('id', clipId).update({ status: 'approved' });
    }
  });

  it('sets, replaces and removes the profile clip; the public view shows it once approved', async () => {
    const set = await app.api.post('/profiles/me/video', { media_id: clipId }, { token: alice.token });
    expect(set.status, JSON.stringify(set.body)).to.equal(200);
    expect(set.body).to.include({ id: clipId, status: 'approved' });
    expect(set.body.video.url_720).to.equal(`/media/files/${row.variants.v720.key}`);

    const seen = (await loadPublicProfiles(app.platform.db, app.platform.config, [alice.id], { userId: bob.id })).get(alice.id)!;
    expect(seen.video).to.deep.equal({
      url_720: `/media/files/${row.variants.v720.key}`,
      url_480: `/media/files/${row.variants.v480.key}`,
      poster_url: `/media/files/${row.variants.poster.key}`,
      duration_s: set.body.duration_s,
    });

    // A pending clip replaces it: the public view shows no clip until it is approved.
    const second = await uploadClip(app, alice.token, await clip({ seed: 8, seconds: 1 }));
    expect((await app.api.post('/profiles/me/video', { media_id: second.body.id }, { token: alice.token })).status).to.equal(200);
    expect(await app.platform.db('media').where({ owner_id: alice.id, profile_video: true }).pluck('id')).to.deep.equal([second.body.id]);
    await moderated(app.platform.db, second.body.id, 60_000);
    const after = (await loadPublicProfiles(app.platform.db, app.platform.config, [alice.id], { userId: bob.id })).get(alice.id)!;
    expect(after.video!.url_720).to.not.equal(seen.video!.url_720);

    expect((await app.api.post(`/profiles/${alice.id}/video`, { media_id: clipId }, { token: bob.token })).status).to.equal(403);
    expect((await app.api.post('/profiles/me/video', { media_id: clipId }, { token: bob.token })).status).to.equal(404);
    const photo = await uploadTo(app.api, '/media/upload', alice.token, await photoJpeg(300, 200, { seed: 21 }));
    const notVideo = await app.api.post('/profiles/me/video', { media_id: photo.body.id }, { token: alice.token });
    expect(notVideo.status).to.equal(409);
    expect(notVideo.body.error.details).to.include({ reason: 'not_a_video' });

    expect((await app.api.del('/profiles/me/video', { token: alice.token })).status).to.equal(204);
    expect(await app.platform.db('media').where('id', second.body.id).first()).to.equal(undefined);
    expect((await app.api.del('/profiles/me/video', { token: alice.token })).status).to.equal(404);
    const none = (await loadPublicProfiles(app.platform.db, app.platform.config, [alice.id], { userId: bob.id })).get(alice.id)!;
    expect(none.video).to.equal(null);
  });
});

describe('video clips: limits of the transcode', function () {
  this.timeout(90_000);
  let app: MediaApp;
  let alice: TestUser;

  before(async () => {
    app = await startMediaApp({ BUS_VISIBILITY_TIMEOUT_MS: '1000', MEDIA_TRANSCODE_MAX_MEMORY_MB: '64' });
    alice = await createUser(app.platform.db, app.platform.config);
  });
  after(() => app.close());

  it('rejects a clip the transcode cannot make within its memory limit, and goes on with the queue', async () => {
    const worker = startModerationWorker(app.platform, { storage: app.storage });
    try {
      await worker.ready;
      const bad = await uploadClip(app, alice.token, await clip({ seed: 9, seconds: 1 }));
      const photo = await uploadTo(app.api, '/media/upload', alice.token, await photoJpeg(300, 200, { seed: 22 }));
      const rejected = await moderated(app.platform.db, bad.body.id, 60_000);
      expect(rejected).to.include({ status: 'rejected', reject_reason: 'transcode_failed', variants: null });
      expect((await moderated(app.platform.db, photo.body.id, 60_000)).status).to.equal('approved');
      const sha = (await app.platform.db('media').where('id', bad.body.id).first()).sha256;
      expect((await filesUnder(app.storage.root)).filter((f) => f.startsWith(`av/${sha.slice(0, 2)}/${sha}/`))).to.deep.equal([]);
    } finally {
      await worker.stop();
    }
  });
});

describe('video clips: the transcode on its own (processClip)', function () {
  this.timeout(60_000);
  let app: MediaApp;
  const limits = { timeoutMs: 60_000, maxMemoryMb: 2048 };

  before(async () => {
    app = await startMediaApp();
  });
  after(() => app.close());

  const avFiles = async (sha: string) => (await filesUnder(app.storage.root)).filter((f) => f.startsWith(`av/${sha.slice(0, 2)}/${sha}/`));

  it('strips the sound when asked (MEDIA_VIDEO_KEEP_AUDIO=false), and keeps it otherwise', async () => {
    const data = await clip({ width: 320, height: 240, seconds: 1, seed: 40 });
    const sha = createHash('sha256').update(data).digest('hex');
    const silent = await processClip(data, sha, app.storage, { limits, maxSeconds: 15, keepAudio: false });
    for (const name of ['v720', 'v480'] as const) {
      expect((await inspectStored(app, silent.files[name]!.key)).info.streams.map((s) => s.type), name).to.deep.equal(['video']);
    }
    const voiced = await processClip(data, sha, app.storage, { limits, maxSeconds: 15 });
    expect((await inspectStored(app, voiced.files.v720!.key)).info.streams.map((s) => `${s.type}:${s.codec}`)).to.deep.equal(['video:h264', 'audio:aac']);
  });

  it('makes the same H.264 renditions of HEVC, VP8 and AV1 sources', async () => {
    for (const [codec, container] of [['hevc', 'mp4'], ['vp8', 'webm'], ['av1', 'webm']] as const) {
      const data = await clip({ codec, container, width: 160, height: 96, seconds: 0.5, seed: 42 });
      const sha = createHash('sha256').update(data).digest('hex');
      const made = await processClip(data, sha, app.storage, { limits, maxSeconds: 15 });
      expect(made.files.v720, codec).to.include({ width: 160, height: 96 });
      const out = await inspectStored(app, made.files.v720!.key);
      expect(out.info.streams[0], codec).to.include({ type: 'video', codec: 'h264' });
      expect(out.faststart, codec).to.equal(true);
    }
  });

  it('refuses a clip it cannot make within its time limit (transcode_timeout), leaving no files and no scratch folder', async () => {
    const scratchBefore = new Set((await fsp.readdir(os.tmpdir())).filter((f) => f.startsWith('moderation-av-')));
    const data = await clip({ width: 1280, height: 720, seconds: 3, seed: 41 });
    const sha = createHash('sha256').update(data).digest('hex');
    const started = Date.now();
    const err = await processClip(data, sha, app.storage, { limits: { timeoutMs: 150, maxMemoryMb: 2048 }, maxSeconds: 15 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(AvRefused);
    expect((err as AvRefused).reason).to.equal('transcode_timeout');
    expect(Date.now() - started).to.be.below(15_000);
    expect(await avFiles(sha)).to.deep.equal([]);
    expect((await fsp.readdir(os.tmpdir())).filter((f) => f.startsWith('moderation-av-') && !scratchBefore.has(f))).to.deep.equal([]);
  });
});

describe('video clips: worker killed mid-transcode', function () {
  this.timeout(90_000);
  let app: MediaApp;
  let alice: TestUser;

  before(async () => {
    app = await startMediaApp({ BUS_VISIBILITY_TIMEOUT_MS: '300' });
    alice = await createUser(app.platform.db, app.platform.config);
  });
  after(() => app.close());

  it('a second worker finishes the clip exactly once: one outcome, the same files, no duplicates, no temporary files', async () => {
    // Other processes on this machine may have scratch folders of their own: only this test's count.
    const scratchBefore = new Set((await fsp.readdir(os.tmpdir())).filter((f) => f.startsWith('moderation-av-')));
    let target = '';
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const inHand = new Promise<void>((r) => (reached = r));
    const first = startModerationWorker(app.platform, {
      storage: app.storage,
      consumer: 'doomed',
      async beforeCommit(id) {
        if (id !== target) return;
        reached();
        await gate; // the "crash": renditions written, outcome not committed
      },
    });
    await first.ready;
    const res = await uploadClip(app, alice.token, await clip({ seed: 10, seconds: 1 }));
    target = res.body.id;
    await inHand;
    await first.stop({ abandon: true });
    const sha = (await app.platform.db('media').where('id', target).first()).sha256;
    const dir = `av/${sha.slice(0, 2)}/${sha}/`;
    const before = (await filesUnder(app.storage.root)).filter((f) => f.startsWith(dir)).sort();
    expect(before).to.deep.equal([`${dir}480.mp4`, `${dir}720.mp4`, `${dir}poster.webp`]);
    const firstBytes = await app.storage.read(`${dir}720.mp4`);

    const second = startModerationWorker(app.platform, { storage: app.storage, consumer: 'rescuer' });
    try {
      await second.ready;
      const done = await moderated(app.platform.db, target, 60_000);
      expect(done.status).to.equal('approved');
      release();
      const files = (await filesUnder(app.storage.root)).filter((f) => f.startsWith(dir)).sort();
      expect(files).to.deep.equal(before);
      expect(Object.values(done.variants).map((v: any) => v.key).sort()).to.deep.equal(before);
      // Bit-exact: the redone rendition is the same file.
      expect((await app.storage.read(`${dir}720.mp4`))!.equals(firstBytes!)).to.equal(true);
      // The abandoned run, released, drops its outcome and removes its scratch folder too.
      const scratch = async () => (await fsp.readdir(os.tmpdir())).filter((f) => f.startsWith('moderation-av-') && !scratchBefore.has(f));
      await waitFor('no scratch folder of either run left', async () => (await scratch()).length === 0, 10_000).catch(async () => {
        expect(await scratch()).to.deep.equal([]);
      });
    } finally {
      release();
      await second.stop();
    }
  });
});

describe('video clips: NSFW on frames spread over the clip', function () {
  this.timeout(120_000);
  let app: MediaApp;
  let alice: TestUser;
  let worker: ModerationWorker | undefined;

  before(async () => {
    app = await startMediaApp({ NSFW_ENABLED: 'true', BUS_VISIBILITY_TIMEOUT_MS: '2000' });
    alice = await createUser(app.platform.db, app.platform.config);
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });
  after(() => app.close());

  const withThresholds = (approveBelow: number, rejectAbove: number) => ({
    ...app.platform,
    config: { ...app.platform.config, media: { ...app.platform.config.media, nsfw: { enabled: true, approveBelow, rejectAbove } } },
  });

  it('scores the frames and approves a harmless clip under the default thresholds', async () => {
    worker = startModerationWorker(app.platform, { storage: app.storage, preloadModel: true });
    await worker.ready;
    const res = await uploadClip(app, alice.token, await clip({ seconds: 2, seed: 14 }));
    const row = await moderated(app.platform.db, res.body.id, 60_000);
    expect(row.nsfw_score).to.be.a('number');
    expect(row.nsfw_score).to.be.closeTo(nsfwScore(row.nsfw_scores), 1e-6);
    expect(row.nsfw_score!).to.be.below(0.4);
    expect(row.status).to.equal('approved');
  });

  it('lets the frame with the highest score decide, under the photo thresholds', async () => {
    // A stand-in for the model that scores each frame by its first byte, so which frame is worst is known.
    const frame = (n: number): RgbImage => ({ data: new Uint8Array([n]), width: 1, height: 1 });
    const model = { classify: async (f: RgbImage) => ({ drawing: 0, hentai: 0, neutral: 1 - f.data[0] / 100, porn: f.data[0] / 100, sexy: 0 }) };
    const t = { approveBelow: 0.4, rejectAbove: 0.8 };
    const clean = await scoreFrames(model, [frame(1), frame(5), frame(2)], t);
    expect(clean).to.include({ status: 'approved', score: 0.05 });
    // One frame in the review band among clean ones holds the whole clip, whatever its place.
    expect(await scoreFrames(model, [frame(1), frame(2), frame(3), frame(50), frame(1)], t)).to.include({ status: 'review', score: 0.5 });
    const worst = await scoreFrames(model, [frame(90), frame(1), frame(60)], t);
    expect(worst).to.include({ status: 'rejected', score: 0.9 });
    expect(worst.scores.porn).to.equal(0.9);
  });

  it('holds a clip in the review band for review (renditions kept, not served), and rejects above the threshold with no renditions', async () => {
    worker = startModerationWorker(withThresholds(0, 1), { storage: app.storage });
    await worker.ready;
    const held = await uploadClip(app, alice.token, await clip({ seconds: 1, seed: 15 }));
    const review = await moderated(app.platform.db, held.body.id, 60_000);
    expect(review).to.include({ status: 'review', reject_reason: null });
    expect(Object.keys(review.variants).sort()).to.deep.equal(['poster', 'v480', 'v720']);
    expect((await fetch(`${app.running.url}/media/files/${review.variants.v720.key}`)).status).to.equal(404);
    await worker.stop();

    worker = startModerationWorker(withThresholds(0, 0), { storage: app.storage });
    await worker.ready;
    const bad = await uploadClip(app, alice.token, await clip({ seconds: 1, seed: 16 }));
    const rejected = await moderated(app.platform.db, bad.body.id, 60_000);
    expect(rejected).to.include({ status: 'rejected', reject_reason: 'nsfw', variants: null });
    const sha = (await app.platform.db('media').where('id', bad.body.id).first()).sha256;
    expect((await filesUnder(app.storage.root)).filter((f) => f.startsWith(`av/${sha.slice(0, 2)}/${sha}/`))).to.deep.equal([]);
  });
});
