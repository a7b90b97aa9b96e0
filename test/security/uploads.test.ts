// Uploads cannot be abused (issue 13 §4, §5): an oversized upload is answered
// with a 413 that Node's fetch can read, whatever the framing and whichever
// part carries the bytes; each user has an upload rate and a quota of uploads
// attached to nothing; and such uploads expire (rows and files) through the
// moderation worker's sweep.
import { expect } from 'chai';
import { createUser, type TestUser } from '../helpers/users.js';
import { errorCode, type ApiResponse } from '../helpers/http.js';
import { testEnv } from '../helpers/env.js';
import { isolatedDatabase, type IsolatedDatabase } from '../helpers/database.js';
import { solid } from '../fixtures/images.js';
import { createProfile } from '../helpers/profiles.js';
import { waitFor } from '../helpers/wait.js';
import { filesUnder, startMediaApp, uploadTo, type MediaApp } from '../media/helpers.js';
import { startModerationWorker, type ModerationWorker } from '../../workers/moderation/index.js';

const MAX_BYTES = 256 * 1024;
const BOUNDARY = 'uploads-test-boundary';
const FILE_HEAD = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;

/**
 * A multipart body that starts with `head` and goes on with `size` bytes,
 * written 16 KiB at a time with a pause every 128 KiB, as a client on a real
 * link sends it: still sending when the server decides.
 */
function pacedBody(head: string, size: number): { stream: ReadableStream<Uint8Array>; length: number } {
  const chunk = 16 * 1024;
  const chunks = Math.ceil(size / chunk);
  const tail = `\r\n--${BOUNDARY}--\r\n`;
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (i === 0) c.enqueue(new TextEncoder().encode(head));
      if (i % 8 === 7) await new Promise((r) => setTimeout(r, 1));
      if (i++ < chunks) c.enqueue(new Uint8Array(chunk).fill(0xff));
      else {
        c.enqueue(new TextEncoder().encode(tail));
        c.close();
      }
    },
  });
  return { stream, length: Buffer.byteLength(head) + chunks * chunk + Buffer.byteLength(tail) };
}

/** POSTs a streamed multipart body with Node's global fetch; a network error fails the test with its cause. */
async function postStream(url: string, token: string, body: { stream: ReadableStream<Uint8Array>; length: number }, opts: { declareLength: boolean }): Promise<ApiResponse> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
  if (opts.declareLength) headers['content-length'] = String(body.length);
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body: body.stream, duplex: 'half' } as RequestInit);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`fetch could not read the answer: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  return { status: res.status, body: await res.json(), headers: res.headers };
}

function expectTooLarge(res: ApiResponse) {
  expect(res.status, JSON.stringify(res.body)).to.equal(413);
  expect(errorCode(res)).to.equal('payload_too_large');
  expect(res.body.error.details).to.deep.equal({ max_bytes: MAX_BYTES });
}

describe('uploads over MEDIA_MAX_BYTES are refused readably (issue 13 §5)', () => {
  let app: MediaApp;
  let alice: TestUser;

  before(async () => {
    app = await startMediaApp({ MEDIA_MAX_BYTES: String(MAX_BYTES), RATE_LIMIT_UPLOADS_PER_10MIN: '1000' });
    alice = await createUser(app.platform.db, app.platform.config);
  });
  after(() => app.close());

  it('answers a declared length over the limit with a 413 that fetch reads, though the client is still sending', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await postStream(`${app.running.url}/media/upload`, alice.token, pacedBody(FILE_HEAD, 6 * 1024 * 1024), { declareLength: true });
      expectTooLarge(res);
    }
  });

  it('answers a chunked stream that grows over the limit with a 413 that fetch reads, and keeps no file', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await postStream(`${app.running.url}/media/upload`, alice.token, pacedBody(FILE_HEAD, 6 * 1024 * 1024), { declareLength: false });
      expectTooLarge(res);
    }
    await waitFor('the temporary files to go', async () => (await filesUnder(app.uploadDir)).length === 0);
  });

  it('counts every part against the limit: a huge text field or a second file part is a 413 too', async () => {
    const field = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="caption"\r\n\r\n`;
    const otherFile = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="thumbnail"; filename="t.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
    for (const head of [field, otherFile]) {
      const res = await postStream(`${app.running.url}/media/upload`, alice.token, pacedBody(head, 1024 * 1024), { declareLength: false });
      expectTooLarge(res);
    }
    // With the length declared as well, and through FormData as a browser builds it.
    const form = new FormData();
    form.append('caption', 'x'.repeat(MAX_BYTES));
    form.append('file', new Blob([new Uint8Array(await solid('png'))], { type: 'image/png' }), 'a.png');
    expectTooLarge(await app.api.request('POST', '/media/upload', { token: alice.token, rawBody: form }));
  });

  it('still accepts an upload just under the limit on the same server', async () => {
    const res = await uploadTo(app.api, '/media/upload', alice.token, await solid('png'));
    expect(res.status).to.equal(202);
  });
});

let colours = 0;
/** A small PNG unlike every other one made here. */
const png = () => solid('png', 30 + (colours % 5), 20, `#${(0x204060 + colours++ * 0x030507).toString(16).slice(-6)}`);

describe('per-user upload rate (issue 13 §4)', () => {
  let app: MediaApp;

  before(async () => {
    app = await startMediaApp({ RATE_LIMIT_UPLOADS_PER_10MIN: '3' });
  });
  after(() => app.close());

  it('refuses the upload after RATE_LIMIT_UPLOADS_PER_10MIN with 429 rate_limited and Retry-After, on both upload routes, for that user only', async () => {
    const [carol, dave] = [await createUser(app.platform.db, app.platform.config), await createUser(app.platform.db, app.platform.config)];
    await createProfile(app.platform.db, carol.id);
    expect((await uploadTo(app.api, '/media/upload', carol.token, await png())).status).to.equal(202);
    expect((await uploadTo(app.api, '/profiles/me/photos', carol.token, await png())).status).to.equal(202);
    expect((await uploadTo(app.api, '/profiles/me/photos', carol.token, await png())).status).to.equal(202);
    for (const path of ['/media/upload', '/profiles/me/photos']) {
      const refused = await uploadTo(app.api, path, carol.token, await png());
      expect(refused.status, path).to.equal(429);
      expect(errorCode(refused)).to.equal('rate_limited');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).to.be.within(1, 600);
    }
    expect(await app.platform.db('media').where('owner_id', carol.id).count<{ n: number }[]>({ n: '*' })).to.deep.equal([{ n: 3 }]);
    expect((await uploadTo(app.api, '/media/upload', dave.token, await png())).status).to.equal(202);
  });
});

describe('per-user quota of unattached uploads (issue 13 §4)', () => {
  let app: MediaApp;

  before(async () => {
    app = await startMediaApp({ MEDIA_UNATTACHED_MAX: '2' });
  });
  after(() => app.close());

  it('refuses an upload beyond MEDIA_UNATTACHED_MAX with 429 quota_exceeded; photo uploads still go, and attaching or deleting one makes room', async () => {
    const erin = await createUser(app.platform.db, app.platform.config);
    await createProfile(app.platform.db, erin.id);
    const upload = async () => uploadTo(app.api, '/media/upload', erin.token, await png());
    const first = await upload();
    const second = await upload();
    expect([first.status, second.status]).to.deep.equal([202, 202]);

    const refused = await upload();
    expect(refused.status).to.equal(429);
    expect(errorCode(refused)).to.equal('quota_exceeded');
    // The oldest unattached upload expires a day (MEDIA_UNATTACHED_TTL_S) after it was made.
    expect(Number(refused.headers.get('retry-after'))).to.be.within(86_000, 86_400);
    expect(await app.platform.db('media').where('owner_id', erin.id).count<{ n: number }[]>({ n: '*' })).to.deep.equal([{ n: 2 }]);

    // A photo is attached from the start: the quota does not apply to it.
    const photo = await uploadTo(app.api, '/profiles/me/photos', erin.token, await png());
    expect(photo.status).to.equal(202);
    expect(photo.body.position).to.equal(0);

    expect((await app.api.post('/profiles/me/photos', { media_id: first.body.id }, { token: erin.token })).status).to.equal(202);
    expect((await upload()).status).to.equal(202);
    expect((await upload()).status).to.equal(429);
    expect((await app.api.del(`/media/${second.body.id}`, { token: erin.token })).status).to.equal(204);
    expect((await upload()).status).to.equal(202);
  });
});

describe('unattached uploads expire (issue 13 §4)', function () {
  this.timeout(30_000);
  let database: IsolatedDatabase;
  let app: MediaApp;
  const workers: ModerationWorker[] = [];

  before(async () => {
    // The sweep looks at every unattached upload: a database of its own.
    database = await isolatedDatabase('upload_expiry');
    app = await startMediaApp({ DATABASE_URL: database.url, REDIS_PREFIX: `${testEnv.redisPrefix}upload-expiry:` });
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await app.close();
    await database.drop();
  });

  it('removes rows and files of uploads attached to nothing after MEDIA_UNATTACHED_TTL_S, and leaves photos and fresh uploads', async () => {
    const owner = await createUser(app.platform.db, app.platform.config);
    await createProfile(app.platform.db, owner.id);
    const { db } = app.platform;
    const upload = async (path: string, colour: string) => {
      const res = await uploadTo(app.api, path, owner.token, await solid('png', 40, 30, colour));
      expect(res.status).to.equal(202);
      return (await db('media').where('id', res.body.id).first()) as { id: string; original_key: string };
    };
    const stale = await upload('/media/upload', '#101010');
    const staleFileGone = await upload('/media/upload', '#202020');
    const photo = await upload('/profiles/me/photos', '#303030');
    const fresh = await upload('/media/upload', '#404040');
    // Two days old: past the default TTL of a day. One of them lost its file already.
    await db('media').whereIn('id', [stale.id, staleFileGone.id, photo.id]).update({ created_at: db.raw("now() - interval '2 days'") });
    await app.storage.delete([staleFileGone.original_key]);
    // More expired uploads than one batch, shared by two workers sweeping at once.
    const others = await createUser(db, app.platform.config);
    await db('media').insert(
      Array.from({ length: 150 }, (_, i) => ({
        owner_id: others.id,
        mime: 'image/png',
        size: 10,
        sha256: i.toString(16).padStart(64, '0'),
        original_key: `originals/00/${i.toString(16).padStart(64, '0')}.png`,
        created_at: db.raw("now() - interval '3 days'"),
      })),
    );

    let passes = 0;
    for (const consumer of ['expiry-a', 'expiry-b']) {
      workers.push(startModerationWorker(app.platform, { storage: app.storage, consumer, expiry: { everyMs: 100, afterPass: () => passes++ } }));
    }
    await waitFor('the expired uploads to go', async () => (await db('media').whereIn('id', [stale.id, staleFileGone.id]).orWhere('owner_id', others.id).first()) === undefined);
    expect(await app.storage.exists(stale.original_key)).to.equal(false);

    // Two more completed passes: at least one saw the photo and the fresh upload from start to end.
    const after = passes;
    await waitFor('two more sweep passes', async () => passes >= after + 2);
    const left = await db('media').where('owner_id', owner.id).pluck('id');
    expect(left).to.have.members([photo.id, fresh.id]);
    expect(await app.storage.exists(photo.original_key)).to.equal(true);
    expect(await app.storage.exists(fresh.original_key)).to.equal(true);
  });
});
