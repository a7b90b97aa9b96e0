import net from 'node:net';
import fsp from 'node:fs/promises';
import { expect } from 'chai';
import { createUser, type TestUser } from '../helpers/users.js';
import { errorCode } from '../helpers/http.js';
import { photoJpeg, photoPng, pixelBombPng, solid, truncatedJpeg } from '../fixtures/images.js';
import { waitFor } from '../helpers/wait.js';
import { redisOf } from '../helpers/redis.js';
import { outboxDrained } from '../helpers/database.js';
import { filesUnder, startMediaApp, uploadTo, type MediaApp } from './helpers.js';
import { STREAMS } from '../../shared/events.js';

describe('media upload (POST /media/upload)', () => {
  let app: MediaApp;
  let alice: TestUser;

  before(async () => {
    app = await startMediaApp({ MEDIA_MAX_BYTES: String(2 * 1024 * 1024), MEDIA_MAX_PIXELS: String(40_000_000) });
    alice = await createUser(app.platform.db, app.platform.config);
  });
  after(() => app.close());

  async function lastUploadedEvent(mediaId: string) {
    await outboxDrained(app.platform.db);
    const entries = await redisOf(app.platform.config).xrange(`${app.platform.config.redisPrefix}${STREAMS.media}`, '-', '+');
    return entries
      .map(([, f]) => ({ type: f[f.indexOf('type') + 1], payload: JSON.parse(f[f.indexOf('payload') + 1]) }))
      .find((e) => e.type === 'media.uploaded' && e.payload.media_id === mediaId);
  }

  it('accepts a JPEG as pending, stores the original by content hash and publishes media.uploaded', async () => {
    const jpeg = await photoJpeg(1600, 1200);
    const res = await uploadTo(app.api, '/media/upload', alice.token, jpeg, { filename: 'me.jpg', type: 'image/jpeg' });
    expect(res.status).to.equal(202);
    expect(res.body).to.include({ status: 'pending', mime: 'image/jpeg', size: jpeg.length, width: 1600, height: 1200 });
    const row = await app.platform.db('media').where('id', res.body.id).first();
    expect(row.owner_id).to.equal(alice.id);
    expect(row.original_key).to.match(new RegExp(`^originals/[0-9a-f]{2}/${row.sha256}\\.jpg$`));
    expect(await app.storage.read(row.original_key)).to.deep.equal(jpeg);
    const event = await lastUploadedEvent(res.body.id);
    expect(event?.payload).to.deep.equal({ media_id: res.body.id, owner_id: alice.id, storage_key: row.original_key, mime: 'image/jpeg' });
  });

  it('accepts a PNG and decides the type by content, not by the name', async () => {
    const png = await photoPng(300, 200);
    const res = await uploadTo(app.api, '/media/upload', alice.token, png, { filename: 'looks-like.jpg', type: 'image/jpeg' });
    expect(res.status).to.equal(202);
    expect(res.body.mime).to.equal('image/png');
  });

  it('accepts WebP and AVIF (sharp reads both)', async () => {
    for (const [format, mime] of [['webp', 'image/webp'], ['avif', 'image/avif']] as const) {
      const res = await uploadTo(app.api, '/media/upload', alice.token, await solid(format), { filename: `x.${format}` });
      expect(res.status, format).to.equal(202);
      expect(res.body.mime).to.equal(mime);
    }
  });

  it('refuses a text file renamed .jpg with 415', async () => {
    const res = await uploadTo(app.api, '/media/upload', alice.token, Buffer.from('just some text, honestly\n'.repeat(20)), { filename: 'cat.jpg', type: 'image/jpeg' });
    expect(res.status).to.equal(415);
    expect(errorCode(res)).to.equal('unsupported_media_type');
  });

  it('refuses other real formats (GIF) with 415', async () => {
    const gif = await (await import('sharp')).default({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).gif().toBuffer();
    const res = await uploadTo(app.api, '/media/upload', alice.token, gif, { filename: 'x.gif' });
    expect(res.status).to.equal(415);
    expect(res.body.error.details.detected).to.equal('image/gif');
  });

  it('refuses a truncated JPEG with 400 invalid_image', async () => {
    const res = await uploadTo(app.api, '/media/upload', alice.token, await truncatedJpeg());
    expect(res.status).to.equal(400);
    expect(errorCode(res)).to.equal('invalid_image');
  });

  it('refuses a pixel bomb (30000×30000 PNG header) with 400 image_too_large, without decoding it', async () => {
    const bomb = pixelBombPng(30000);
    expect(bomb.length).to.be.below(2048);
    const started = Date.now();
    const res = await uploadTo(app.api, '/media/upload', alice.token, bomb, { filename: 'bomb.png' });
    expect(res.status).to.equal(400);
    expect(errorCode(res)).to.equal('image_too_large');
    expect(res.body.error.details).to.include({ width: 30000, height: 30000, max_pixels: 40_000_000 });
    expect(Date.now() - started).to.be.below(2000);
  });

  it('refuses a declared body over MEDIA_MAX_BYTES with 413 before reading it', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 1);
    const res = await uploadTo(app.api, '/media/upload', alice.token, big);
    expect(res.status).to.equal(413);
    expect(errorCode(res)).to.equal('payload_too_large');
  });

  it('cuts off a streamed (chunked) upload over the limit with 413: read no further than the limit and MEDIA_DRAIN_MAX_BYTES, nothing left on disk', async () => {
    const total = 64 * 1024 * 1024; // 32× the limit, more than 3× the limit and the default drain (16 MiB) together
    const boundary = 'xxBOUNDARYxx';
    // A raw client that sends on whatever it is told, until the server closes on it.
    const { answer, sent } = await new Promise<{ answer: string; sent: number }>((resolve, reject) => {
      const socket = net.connect(Number(new URL(app.running.url).port), '127.0.0.1');
      let answer = '';
      let sent = 0;
      const chunk = Buffer.concat([Buffer.from(`10000\r\n`), Buffer.alloc(0x10000, 7), Buffer.from('\r\n')]);
      socket.on('data', (d) => (answer += d.toString('latin1')));
      socket.on('error', () => {}); // the server closes the connection on us: expected
      socket.on('close', () => resolve({ answer, sent }));
      socket.write(
        `POST /media/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nTransfer-Encoding: chunked\r\n\r\n`,
      );
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
      socket.write(`${Buffer.byteLength(head).toString(16)}\r\n${head}\r\n`);
      const pump = () => {
        while (sent < total && !socket.destroyed) {
          sent += 0x10000;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
      setTimeout(() => reject(new Error('the connection was never closed')), 15_000).unref();
    });
    expect(answer).to.match(/^HTTP\/1\.1 413 /);
    expect(answer).to.include('"code":"payload_too_large"');
    expect(sent).to.be.below(total / 2);
    await waitFor('the temporary file to go', async () => (await fsp.readdir(app.uploadDir)).length === 0);
  });

  it('requires a `file` field, a token, and multipart', async () => {
    const wrongField = await uploadTo(app.api, '/media/upload', alice.token, await solid('png'), { field: 'image' });
    expect(wrongField.status).to.equal(400);
    expect(wrongField.body.error.details[0].field).to.equal('file');
    const json = await app.api.post('/media/upload', { file: 'abc' }, { token: alice.token });
    expect(json.status).to.equal(400);
    const anon = await uploadTo(app.api, '/media/upload', '', await solid('png'));
    expect(anon.status).to.equal(401);
  });

  it('refuses an empty file with 400', async () => {
    const res = await uploadTo(app.api, '/media/upload', alice.token, Buffer.alloc(0));
    expect(res.status).to.equal(400);
    expect(errorCode(res)).to.equal('validation_failed');
  });

  it('leaves no temporary files and stores identical uploads once', async () => {
    const png = await solid('png', 40, 40, '#aa0000');
    const a = await uploadTo(app.api, '/media/upload', alice.token, png);
    const b = await uploadTo(app.api, '/media/upload', alice.token, png);
    expect(a.status).to.equal(202);
    expect(b.status).to.equal(202);
    expect(a.body.id).to.not.equal(b.body.id);
    const rows = await app.platform.db('media').whereIn('id', [a.body.id, b.body.id]).select('original_key');
    expect(rows[0].original_key).to.equal(rows[1].original_key);
    expect((await filesUnder(app.storage.root)).filter((f) => f === rows[0].original_key)).to.have.length(1);
    expect(await fsp.readdir(app.uploadDir)).to.deep.equal([]);
  });
});
