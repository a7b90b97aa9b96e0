import path from 'node:path';
import { expect } from 'chai';
import { createUser, type TestUser } from '../helpers/users.js';
import { errorCode } from '../helpers/http.js';
import { photoJpeg } from '../fixtures/images.js';
import { clip, voice } from '../fixtures/av.js';
import { moderated, startMediaApp, uploadTo, type MediaApp } from './helpers.js';
import { startModerationWorker, type ModerationWorker } from '../../workers/moderation/index.js';
import { probe } from '../../shared/ffmpeg.js';
import { findAttachableMedia, loadAttachments, markSentInChat } from '../../shared/media-attachment.js';
import { expireUnattached } from '../../workers/moderation/repo.js';

function uploadVoice(app: MediaApp, token: string, data: Buffer, name: string, type: string, kind?: string) {
  const form = new FormData();
  if (kind) form.append('kind', kind);
  form.append('file', new Blob([new Uint8Array(data)], { type }), name);
  return app.api.request('POST', '/media/upload', { token, rawBody: form });
}

describe('voice notes', function () {
  this.timeout(90_000);
  let app: MediaApp;
  let worker: ModerationWorker;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    app = await startMediaApp({ BUS_VISIBILITY_TIMEOUT_MS: '1000' });
    worker = startModerationWorker(app.platform, { storage: app.storage });
    await worker.ready;
    alice = await createUser(app.platform.db, app.platform.config);
    bob = await createUser(app.platform.db, app.platform.config);
  });
  after(async () => {
    await worker.stop();
    await app.close();
  });

  it('accepts Ogg/Opus and M4A/AAC by content, and WebM/Opus sent as kind=voice', async () => {
    const ogg = await uploadVoice(app, alice.token, await voice({ container: 'ogg', seconds: 3 }), 'a.ogg', 'audio/ogg');
    expect(ogg.status, JSON.stringify(ogg.body)).to.equal(202);
    expect(ogg.body).to.include({ kind: 'voice', mime: 'audio/ogg', width: null, height: null });
    expect(ogg.body.duration_s).to.be.closeTo(3, 0.1);
    const m4a = await uploadVoice(app, alice.token, await voice({ container: 'm4a', seed: 1 }), 'a.m4a', 'audio/mp4');
    expect(m4a.status).to.equal(202);
    expect(m4a.body).to.include({ kind: 'voice', mime: 'audio/x-m4a' });
    const webm = await uploadVoice(app, alice.token, await voice({ container: 'webm', seed: 2 }), 'a.webm', 'audio/webm', 'voice');
    expect(webm.status).to.equal(202);
    expect(webm.body).to.include({ kind: 'voice', mime: 'video/webm' });
  });

  it('refuses a voice note over 2 minutes, one with video, one with no sound, and a truncated one (400 invalid_audio)', async () => {
    const long = await uploadVoice(app, alice.token, await voice({ container: 'ogg', seconds: 121, seed: 3 }), 'long.ogg', 'audio/ogg');
    expect(long.status).to.equal(400);
    expect(errorCode(long)).to.equal('invalid_audio');
    expect(long.body.error.details).to.include({ reason: 'too_long', max_seconds: 120 });

    const withVideo = await uploadVoice(app, alice.token, await clip({ container: 'webm', seconds: 1, seed: 11 }), 'v.webm', 'audio/webm', 'voice');
    expect(withVideo.status).to.equal(400);
    expect(withVideo.body.error.details).to.include({ reason: 'has_video' });

    const silent = await uploadVoice(app, alice.token, await clip({ container: 'mp4', seconds: 1, audio: false, seed: 12 }), 'v.mp4', 'audio/mp4', 'voice');
    expect(silent.status).to.equal(400);
    expect(errorCode(silent)).to.equal('invalid_audio');

    const whole = await voice({ container: 'm4a', seconds: 2, seed: 4 });
    const cut = await uploadVoice(app, alice.token, whole.subarray(0, Math.floor(whole.length / 2)), 'cut.m4a', 'audio/mp4');
    expect(cut.status).to.equal(400);
    expect(errorCode(cut)).to.equal('invalid_audio');
  });

  it('refuses a text file sent as a voice note (415)', async () => {
    const res = await uploadVoice(app, alice.token, Buffer.from('hello, this is not audio '.repeat(100)), 'a.ogg', 'audio/ogg', 'voice');
    expect(res.status).to.equal(415);
    expect(errorCode(res)).to.equal('unsupported_media_type');
  });

  it('transcodes to Opus in WebM with a 64-peak waveform and its duration, served with ranges once approved', async () => {
    const res = await uploadVoice(app, alice.token, await voice({ container: 'm4a', seconds: 4, seed: 5 }), 'note.m4a', 'audio/mp4');
    const row = await moderated(app.platform.db, res.body.id, 60_000);
    expect(row.status).to.equal('approved');
    const full = await app.platform.db('media').where('id', res.body.id).first();
    expect(full.duration_s).to.be.closeTo(4, 0.1);
    expect(full.waveform).to.have.length(64);
    expect(Math.max(...full.waveform)).to.equal(1);
    expect(full.waveform.every((p: number) => p >= 0 && p <= 1)).to.equal(true);
    // The tone swells and fades (|sin t|): the waveform is not flat.
    expect(Math.min(...full.waveform)).to.be.below(0.5);

    const out = (await probe(path.join(app.storage.root, row.variants.voice.key), { timeoutMs: 10_000, maxMemoryMb: 512 }))!;
    expect(out.streams.map((s) => `${s.type}:${s.codec}`)).to.deep.equal(['audio:opus']);

    const view = await app.api.get(`/media/${res.body.id}`, { token: alice.token });
    expect(view.body.voice).to.deep.equal({ url: `/media/files/${row.variants.voice.key}`, duration_s: full.duration_s, waveform: full.waveform });
    const file = await fetch(`${app.running.url}${view.body.voice.url}`, { headers: { range: 'bytes=0-9' } });
    expect(file.status).to.equal(206);
    expect(file.headers.get('content-type')).to.equal('audio/webm');
    expect(file.headers.get('content-range')).to.equal(`bytes 0-9/${row.variants.voice.size}`);
  });

  it('lets the chat look up an approved photo or voice note its sender owns, and nothing else', async () => {
    const note = await uploadVoice(app, alice.token, await voice({ container: 'ogg', seconds: 2, seed: 6 }), 'n.ogg', 'audio/ogg');
    const photo = await uploadTo(app.api, '/media/upload', alice.token, await photoJpeg(800, 600, { seed: 31 }));
    const noteRow = await moderated(app.platform.db, note.body.id, 60_000);
    await moderated(app.platform.db, photo.body.id, 60_000);
    const cfg = app.platform.config;

    const a = (await findAttachableMedia(app.platform.db, cfg, alice.id, note.body.id))!;
    expect(a).to.include({ media_id: note.body.id, kind: 'voice', url: `/media/files/${noteRow.variants.voice.key}`, poster_url: null });
    expect(a.waveform).to.have.length(64);
    expect(a.duration_s).to.be.closeTo(2, 0.1);
    const p = (await findAttachableMedia(app.platform.db, cfg, alice.id, photo.body.id))!;
    expect(p).to.include({ kind: 'image', width: 800, height: 600, waveform: null });
    expect(p.url).to.match(/^\/media\/files\/variants\/.+\.webp$/);

    expect(await findAttachableMedia(app.platform.db, cfg, bob.id, note.body.id), 'not the owner').to.equal(undefined);
    await app.platform.db('media').where('id', photo.body.id).update({ status: 'review' });
    expect(await findAttachableMedia(app.platform.db, cfg, alice.id, photo.body.id), 'not approved').to.equal(undefined);
    expect(await findAttachableMedia(app.platform.db, cfg, alice.id, note.body.id, ['image']), 'not of the kinds asked').to.equal(undefined);
    const many = await loadAttachments(app.platform.db, cfg, [note.body.id, photo.body.id]);
    expect([...many.keys()]).to.deep.equal([note.body.id]);
  });

  it('never expires a voice note sent in chat nor a profile clip; other unattached uploads do expire', async () => {
    const db = app.platform.db;
    const sent = await uploadVoice(app, alice.token, await voice({ container: 'ogg', seconds: 1, seed: 7 }), 's.ogg', 'audio/ogg');
    const loose = await uploadVoice(app, alice.token, await voice({ container: 'ogg', seconds: 1, seed: 8 }), 'l.ogg', 'audio/ogg');
    const profileClip = await uploadVoice(app, alice.token, await clip({ seconds: 1, seed: 13 }), 'c.mp4', 'video/mp4');
    await db.transaction((trx) => markSentInChat(trx, sent.body.id));
    await db('media').where('id', profileClip.body.id).update({ profile_video: true });
    // Oldest first, a batch at a time: the run's database holds other tests' loose uploads too.
    const isLeft = async (id: string) => (await db('media').where('id', id).first()) !== undefined;
    while ((await isLeft(loose.body.id)) && (await expireUnattached(db, 0, 1000, async () => {})) > 0);
    const left = await db('media').whereIn('id', [sent.body.id, loose.body.id, profileClip.body.id]).pluck('id');
    expect(left.sort()).to.deep.equal([sent.body.id, profileClip.body.id].sort());
  });
});
