// Photos and voice notes in chat (issue 18): sends with an attachment across
// two nodes, the signed URLs the media file route serves only while the
// conversation is live, unsend, the limits, and blurred photos with reveal.
// The media rows are approved fixtures with real files in the media app's
// storage (the upload and moderation pipeline has its own tests).
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import sharp from 'sharp';
import type { Knex } from 'knex';
import { createUser, matchedPair } from '../helpers/users.js';
import { createProfile } from '../helpers/profiles.js';
import { collect, emitAck, openSocket, untilCount } from '../helpers/sockets.js';
import { clientMsgId, twoNodes } from '../helpers/realtime.js';
import { startMediaApp, type MediaApp } from '../media/helpers.js';
import { signAttachmentUrl } from '../../shared/chat-attachments.js';
import { variantKey, avKey, blurredPreviewKey, mediaFiles } from '../../shared/storage/index.js';
import { expireUnattached } from '../../workers/moderation/repo.js';
import type { ChatMessage } from '../../realtime/events.js';

const JWT_SECRET = randomBytes(24).toString('hex');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Fixture {
  id: string;
}

/** An approved photo of `ownerId`: a real WebP as its large variant. */
async function approvedPhoto(db: Knex, media: MediaApp, ownerId: string, opts: { nsfw?: number; status?: string } = {}): Promise<Fixture> {
  const original = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 200, g: 30, b: 90 } } })
    // Noise that survives the JPEG: every fixture has content of its own (files shared by equal content outlive a delete).
    .composite([{ input: randomBytes(64 * 64 * 3), raw: { width: 64, height: 64, channels: 3 }, left: 0, top: 0 }])
    .jpeg()
    .toBuffer();
  const webp = await sharp(original).webp().toBuffer();
  const key = variantKey(sha(original), sha(webp));
  await media.storage.put(key, webp, 'image/webp');
  const [row] = await db('media')
    .insert({
      owner_id: ownerId,
      status: opts.status ?? 'approved',
      kind: 'image',
      mime: 'image/jpeg',
      size: original.length,
      width: 640,
      height: 480,
      sha256: sha(original),
      original_key: `originals/${sha(original).slice(0, 2)}/${sha(original)}.jpg`,
      variants: JSON.stringify({ large: { key, width: 640, height: 480 }, medium: { key, width: 640, height: 480 } }),
      nsfw_score: opts.nsfw ?? 0.01,
    })
    .returning('id');
  return { id: row.id };
}

const WAVEFORM = Array.from({ length: 64 }, (_, i) => Math.round(Math.abs(Math.sin(i / 5)) * 100) / 100);

/** An approved voice note of `ownerId` (its bytes need not be Opus here: the route serves what is stored). */
async function approvedVoice(db: Knex, media: MediaApp, ownerId: string): Promise<Fixture & { bytes: Buffer }> {
  const bytes = randomBytes(5000);
  const originalSha = sha(bytes);
  const key = avKey(originalSha, 'voice.webm');
  await media.storage.put(key, bytes, 'audio/webm');
  const [row] = await db('media')
    .insert({
      owner_id: ownerId,
      status: 'approved',
      kind: 'voice',
      mime: 'audio/ogg',
      size: bytes.length,
      duration_s: 3.5,
      waveform: JSON.stringify(WAVEFORM),
      sha256: originalSha,
      original_key: `originals/${originalSha.slice(0, 2)}/${originalSha}.ogg`,
      variants: JSON.stringify({ voice: { key, size: bytes.length, sha256: sha(bytes) } }),
    })
    .returning('id');
  return { id: row.id, bytes };
}

describe('chat attachments: photos and voice notes (two nodes, signed URLs)', () => {
  const { n1, n2, db, config } = twoNodes({ JWT_SECRET });
  let media: MediaApp;
  before(async () => {
    media = await startMediaApp({ JWT_SECRET });
  });
  after(async () => media?.close());

  async function chat() {
    const pair = await matchedPair(db(), config());
    const sa = await openSocket(n1.url, pair.a.token);
    const sb = await openSocket(n2.url, pair.b.token);
    const send = (from: typeof sa, fields: Record<string, unknown>) => emitAck(from, 'message:send', { conversation_id: pair.conversationId, client_msg_id: clientMsgId(), ...fields });
    const history = async (token: string) => (await n2.api.get(`/chat/messages/${pair.conversationId}`, { token })).body as { messages: ChatMessage[] };
    return { ...pair, sa, sb, send, history };
  }
  const fetchFile = (url: string, headers: Record<string, string> = {}) => fetch(`${media.running.url}${url}`, { headers });

  it('a photo without text: live to the peer on the other node and in the history, a signed URL the media route serves, no media id shown', async () => {
    const c = await chat();
    const photo = await approvedPhoto(db(), media, c.a.id);
    const got = collect(c.sb, 'message:new');
    const ack = await c.send(c.sa, { attachment: { media_id: photo.id } });
    expect(ack.ok, JSON.stringify(ack)).to.equal(true);
    const m = ack.message as ChatMessage;
    expect(m.body).to.equal(null);
    expect(m.attachment).to.include({ kind: 'image', width: 640, height: 480 });
    expect(m.attachment).to.not.have.property('blurred');
    expect(JSON.stringify(m)).to.not.include(photo.id);
    expect(m.attachment!.url).to.match(new RegExp(`^/media/files/chat/${m.id}/file\\?exp=\\d+&sig=`));
    await untilCount(got, 1);
    expect(got[0].message.attachment).to.deep.equal(m.attachment);
    const page = await c.history(c.b.token);
    expect(page.messages[0].attachment).to.include({ kind: 'image' });
    // Sent: attached, so the expiry sweep of unattached uploads leaves it alone.
    expect((await db()('media').where('id', photo.id).first()).in_chat).to.equal(true);
    // Nobody else reaches it as media (its content-addressed files would be public): not the peer, not by id nor in the owner's list.
    expect((await media.api.get(`/media/${photo.id}`, { token: c.b.token })).status).to.equal(404);
    expect((await media.api.get(`/media/${photo.id}`, { token: c.a.token })).status).to.equal(200);
    await createProfile(db(), c.a.id);
    const listed = await media.api.get(`/media/user/${c.a.id}`, { token: c.b.token });
    expect(listed.status).to.equal(200);
    expect(listed.body.media.map((x: { id: string }) => x.id)).to.not.include(photo.id);

    const res = await fetchFile(page.messages[0].attachment!.url);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('image/webp');
    expect(res.headers.get('cache-control')).to.match(/^private/);
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).width).to.equal(640);
    // A tampered signature, another file, or an expired URL: nothing.
    const url = new URL(m.attachment!.url, 'http://x');
    const sig = url.searchParams.get('sig')!;
    url.searchParams.set('sig', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
    expect((await fetchFile(`${url.pathname}${url.search}`)).status).to.equal(404);
    expect((await fetchFile(m.attachment!.url.replace('/file?', '/preview?'))).status).to.equal(404);
    const expired = signAttachmentUrl(config(), m.id, 'file', Date.now() - 2 * 86400_000);
    expect((await fetchFile(expired)).status).to.equal(404);
  });

  it('a voice note with text (REST fallback): duration and waveform, range requests; a resend is the same message once', async () => {
    const c = await chat();
    const voice = await approvedVoice(db(), media, c.a.id);
    const got = collect(c.sb, 'message:new');
    const body = { conversation_id: c.conversationId, client_msg_id: clientMsgId(), body: 'listen', attachment: { media_id: voice.id } };
    const res = await n1.api.post('/chat/messages', body, { token: c.a.token });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const m = res.body.message as ChatMessage;
    expect(m).to.include({ body: 'listen' });
    expect(m.attachment).to.deep.include({ kind: 'voice', duration_s: 3.5, waveform: WAVEFORM });
    await untilCount(got, 1);
    expect(got[0].message.attachment).to.deep.equal(m.attachment);
    const again = await n2.api.post('/chat/messages', body, { token: c.a.token });
    expect(again.status).to.equal(200);
    expect(again.body.message.id).to.equal(m.id);
    expect(await db()('messages').where('conversation_id', c.conversationId)).to.have.length(1);
    // Catch-up by after_seq, and the conversation list's last message, carry it too (node 1 this time).
    const caught = (await n1.api.get(`/chat/messages/${c.conversationId}?after_seq=0`, { token: c.b.token })).body as { messages: ChatMessage[] };
    expect(caught.messages.map((x) => x.attachment?.kind)).to.deep.equal(['voice']);
    await createProfile(db(), c.a.id);
    await createProfile(db(), c.b.id);
    const list = (await n1.api.get('/chat/conversations', { token: c.b.token })).body as { conversations: { last_message: ChatMessage | null }[] };
    expect(list.conversations[0].last_message?.attachment).to.deep.include({ kind: 'voice', waveform: WAVEFORM });

    const part = await fetchFile(m.attachment!.url, { range: 'bytes=100-199' });
    expect(part.status).to.equal(206);
    expect(part.headers.get('content-type')).to.equal('audio/webm');
    expect(Buffer.from(await part.arrayBuffer()).equals(voice.bytes.subarray(100, 200))).to.equal(true);
  });

  it('unmatch, block and unsend cut access to URLs handed out before; unsend clears the attachment', async () => {
    for (const cut of ['unmatch', 'block', 'unsend'] as const) {
      const c = await chat();
      const photo = await approvedPhoto(db(), media, c.a.id);
      const ack = await c.send(c.sa, { attachment: { media_id: photo.id } });
      const m = ack.message as ChatMessage;
      expect((await fetchFile(m.attachment!.url)).status).to.equal(200);
      if (cut === 'unmatch') await db()('matches').where('id', c.matchId).update({ ended_at: db().fn.now() });
      if (cut === 'block') await db()('blocks').insert({ blocker_id: c.b.id, blocked_id: c.a.id });
      if (cut === 'unsend') {
        const del = await emitAck(c.sa, 'message:delete', { conversation_id: c.conversationId, seq: m.seq });
        expect(del.ok, JSON.stringify(del)).to.equal(true);
        const row = await db()('messages').where('id', m.id).first();
        expect(row).to.include({ attachment_media_id: null, body: null });
        // Carried by no message now: released, so the next expiry sweep removes it and its files (the test below).
        expect((await db()('media').where('id', photo.id).first()).released_at).to.be.instanceOf(Date);
        const page = await c.history(c.b.token);
        expect(page.messages[0]).to.include({ deleted: true }).and.to.not.have.property('attachment');
      }
      expect((await fetchFile(m.attachment!.url)).status, cut).to.equal(404);
    }
  });

  it('unsend removes the photo from storage: hidden from others until the next expiry sweep, which deletes its row, its files and its blurred preview; media sent again is kept', async () => {
    const c = await chat();
    const photo = await approvedPhoto(db(), media, c.a.id, { nsfw: 0.35 });
    const again = await approvedPhoto(db(), media, c.a.id);
    const files = async (id: string) => {
      const row = await db()('media').where('id', id).first('sha256', 'original_key', 'variants');
      return row ? mediaFiles(row) : [];
    };
    const photoFiles = await files(photo.id);
    const ack = await c.send(c.sa, { attachment: { media_id: photo.id } });
    const m = ack.message as ChatMessage;
    expect((await fetchFile(m.attachment!.url)).status).to.equal(200); // makes the blurred preview
    expect(await media.storage.exists(blurredPreviewKey((await db()('media').where('id', photo.id).first()).sha256))).to.equal(true);
    const first = (await c.send(c.sa, { attachment: { media_id: again.id } })).message as ChatMessage;
    for (const sent of [m, first]) expect((await emitAck(c.sa, 'message:delete', { conversation_id: c.conversationId, seq: sent.seq })).ok).to.equal(true);
    // The second photo goes out again in a new message before the sweep: it is carried, so it stays.
    const resent = await c.send(c.sa, { attachment: { media_id: again.id } });
    expect(resent.ok, JSON.stringify(resent)).to.equal(true);
    expect(await db()('media').where('id', again.id).first('released_at')).to.deep.equal({ released_at: null });

    // Released, not public: what was sent privately never becomes media others can read.
    await createProfile(db(), c.a.id);
    expect((await media.api.get(`/media/${photo.id}`, { token: c.b.token })).status).to.equal(404);
    const listed = await media.api.get(`/media/user/${c.a.id}`, { token: c.b.token });
    expect(listed.body.media.map((x: { id: string }) => x.id)).to.not.include(photo.id);

    // The sweep does not wait for MEDIA_UNATTACHED_TTL_S (a day here) for released media.
    const removed: string[] = [];
    while ((await db()('media').where('id', photo.id).first()) && (await expireUnattached(db(), 86400, 1000, async (keys) => { removed.push(...keys); await media.storage.delete(keys); })) > 0);
    expect(await db()('media').where('id', photo.id).first()).to.equal(undefined);
    expect(removed).to.include.members(photoFiles);
    for (const key of photoFiles) expect(await media.storage.exists(key), key).to.equal(false);
    expect(await db()('media').where('id', again.id).first('id')).to.deep.equal({ id: again.id });
    expect(await media.storage.exists((await files(again.id))[1])).to.equal(true);
  });

  it('refused: not your media, not approved, a clip, neither body nor attachment, a malformed attachment', async () => {
    const c = await chat();
    const stranger = await createUser(db(), config());
    const theirs = await approvedPhoto(db(), media, stranger.id);
    const pending = await approvedPhoto(db(), media, c.a.id, { status: 'pending' });
    const peers = await approvedPhoto(db(), media, c.b.id);
    const [clip] = await db()('media')
      .insert({ owner_id: c.a.id, status: 'approved', kind: 'video', mime: 'video/mp4', size: 1, sha256: 'c'.repeat(64), original_key: `originals/cc/${'c'.repeat(64)}.mp4` })
      .returning('id');
    for (const id of [theirs.id, pending.id, peers.id, clip.id, '00000000-0000-4000-8000-000000000000']) {
      const ack = await c.send(c.sa, { body: 'look', attachment: { media_id: id } });
      expect(ack.error?.code, id).to.equal('not_found');
    }
    expect((await c.send(c.sa, {})).error.code).to.equal('validation_failed');
    expect((await c.send(c.sa, { attachment: {} })).error.code).to.equal('validation_failed');
    expect((await c.send(c.sa, { attachment: { media_id: 'x' } })).error.code).to.equal('validation_failed');
    expect((await c.send(c.sa, { attachment: { media_id: theirs.id, url: 'x' } })).error.code).to.equal('validation_failed');
    expect((await c.send(c.sa, { body: '', attachment: { media_id: theirs.id } })).error.code).to.equal('validation_failed');
    expect(await db()('messages').where('conversation_id', c.conversationId)).to.have.length(0);
  });

  it('a photo scored above CHAT_NSFW_BLUR_ABOVE arrives blurred (a blurred preview, the sender told too); reveal gives the original to members only', async () => {
    const c = await chat();
    const photo = await approvedPhoto(db(), media, c.a.id, { nsfw: 0.35 });
    const got = collect(c.sb, 'message:new');
    const ack = await c.send(c.sa, { attachment: { media_id: photo.id } });
    const m = ack.message as ChatMessage;
    expect(m.attachment).to.include({ kind: 'image', blurred: true });
    expect(m.attachment!.url).to.include(`/chat/${m.id}/preview?`);
    await untilCount(got, 1);
    expect(got[0].message.attachment).to.include({ blurred: true, url: m.attachment!.url });
    const preview = await fetchFile(m.attachment!.url);
    expect(preview.status).to.equal(200);
    const meta = await sharp(Buffer.from(await preview.arrayBuffer())).metadata();
    expect(meta).to.include({ format: 'webp', width: 320 });

    const revealed = await emitAck(c.sb, 'message:reveal', { conversation_id: c.conversationId, seq: m.seq });
    expect(revealed.ok, JSON.stringify(revealed)).to.equal(true);
    expect(revealed.url).to.include(`/chat/${m.id}/file?`);
    const original = await fetchFile(revealed.url);
    expect(original.status).to.equal(200);
    expect((await sharp(Buffer.from(await original.arrayBuffer())).metadata()).width).to.equal(640);
    const rest = await n1.api.post(`/chat/messages/${c.conversationId}/${m.seq}/reveal`, undefined, { token: c.b.token });
    expect(rest.status).to.equal(200);
    expect(rest.body.url).to.include('/file?');

    const outsider = await createUser(db(), config());
    const so = await openSocket(n1.url, outsider.token);
    expect((await emitAck(so, 'message:reveal', { conversation_id: c.conversationId, seq: m.seq })).error.code).to.equal('not_found');
    const text = await c.send(c.sa, { body: 'no photo' });
    expect((await emitAck(c.sb, 'message:reveal', { conversation_id: c.conversationId, seq: text.message.seq })).error.code).to.equal('not_found');
    // A photo below the threshold is not blurred.
    const plain = await c.send(c.sa, { attachment: { media_id: (await approvedPhoto(db(), media, c.a.id, { nsfw: 0.1 })).id } });
    expect(plain.message.attachment).to.not.have.property('blurred');
  });
});

describe('chat attachments: limits per user and per conversation', () => {
  const { n1, n2, db, config } = twoNodes({ JWT_SECRET, RATE_LIMIT_CHAT_ATTACHMENTS_PER_10MIN: '2', RATE_LIMIT_CHAT_ATTACHMENTS_PER_CONVERSATION_PER_10MIN: '3' });
  let media: MediaApp;
  before(async () => {
    media = await startMediaApp({ JWT_SECRET });
  });
  after(async () => media?.close());

  it('429 rate_limited past either limit, on either node; text still goes', async () => {
    const pair = await matchedPair(db(), config());
    const sa = await openSocket(n1.url, pair.a.token);
    const sb = await openSocket(n2.url, pair.b.token);
    const send = async (s: typeof sa, owner: string, withAttachment = true) =>
      emitAck(s, 'message:send', {
        conversation_id: pair.conversationId,
        client_msg_id: clientMsgId(),
        body: 'x',
        ...(withAttachment ? { attachment: { media_id: (await approvedPhoto(db(), media, owner)).id } } : {}),
      });
    expect((await send(sa, pair.a.id)).ok).to.equal(true);
    expect((await send(sa, pair.a.id)).ok).to.equal(true);
    const third = await send(sa, pair.a.id);
    expect(third.error.code).to.equal('rate_limited');
    expect(third.error.details.retry_after_s).to.be.greaterThan(0);
    expect((await send(sa, pair.a.id, false)).ok).to.equal(true);
    // B's first counts against the conversation (two by A, one refused by A's own limit): the conversation's third.
    expect((await send(sb, pair.b.id)).ok).to.equal(true);
    expect((await send(sb, pair.b.id)).error.code).to.equal('rate_limited');
    const rest = await n2.api.post(
      '/chat/messages',
      { conversation_id: pair.conversationId, client_msg_id: clientMsgId(), attachment: { media_id: (await approvedPhoto(db(), media, pair.b.id)).id } },
      { token: pair.b.token },
    );
    expect(rest.status).to.equal(429);
  });
});
