// The whole platform in one Koa app + Socket.IO server (allinone/app.ts) on
// port 0, over the run's PostgreSQL and Redis, with a logger whose error lines
// the suite reads; a cast of users with profiles, photos, matches, messages
// and reports to aim bad input at; and the two checks every case makes:
// the answer is a 4xx in the contract's error shape, and nothing changed
// (a fingerprint of every row the cast owns, the row counts and the media files).
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { buildAllInOne, type AllInOne } from '../../allinone/app.js';
import { createPlatform, type Platform } from '../../shared/platform.js';
import { testConfig, uniqueTelegramId } from '../helpers/env.js';
import { client, errorCode, startHttp, type ApiResponse, type Running } from '../helpers/http.js';
import { createMatch, createUser, newSession, type TestUser } from '../helpers/users.js';
import { createProfile, type ProfileFields } from '../helpers/profiles.js';
import { capturingLogger } from '../helpers/logs.js';
import { waitFor } from '../helpers/wait.js';
import { unpublishedOutboxRows } from '../helpers/database.js';
import { closeSockets } from '../helpers/sockets.js';
import { redisOf } from '../helpers/redis.js';
import { ADMIN_CAPABLE_ENV } from '../helpers/telegram.js';
import { expectContract } from '../contract/response-check.js';
import { FakeBotApi } from '../notifications/fake-bot-api.js';
import { STREAMS } from '../../shared/events.js';

/** A small upload limit, so a 413 costs little. */
/** The bot webhook's secret (X-Telegram-Bot-Api-Secret-Token) in this suite. */
export const WEBHOOK_SECRET = 'bad-input-webhook-secret';
export const MEDIA_MAX_BYTES = 256 * 1024;

export interface LogLine {
  level: number;
  msg?: string;
  err?: { type?: string; message?: string; stack?: string };
  [k: string]: unknown;
}

export interface Cast {
  /** The caller of most cases: profile, two photos, a pending upload, a live match with bob. */
  alice: TestUser;
  bob: TestUser;
  /** A stranger with a hidden profile, photos, media and sessions of their own. */
  carol: TestUser;
  /** dave and erin: a match and a conversation alice is not part of. */
  dave: TestUser;
  erin: TestUser;
  /** A match with alice that has ended (its conversation is closed). */
  frank: TestUser;
  /** A user with no profile yet (POST /profiles is theirs to make). */
  newbie: TestUser;
  admin: TestUser;
  /** Banned by an admin: sessions revoked, logins refused. */
  banned: TestUser;
  ab: { matchId: string; conversationId: string };
  de: { matchId: string; conversationId: string };
  af: { matchId: string; conversationId: string };
  alicePhotos: string[];
  alicePending: string;
  carolPhoto: string;
  carolPending: string;
  /** A photo of carol's in the admin review queue. */
  carolReview: string;
  /** A second session of carol's (DELETE /auth/sessions/{id} by others). */
  carolSession: string;
  /** An open report by dave against erin. */
  report: string;
  /** An approved photo of bob's (visible to alice: they are matched). */
  bobPhoto: string;
  /** dave has all 6 photos, and one more upload that is not a photo. */
  davePending: string;
}

export interface Harness {
  platform: Platform;
  url: string;
  api: ReturnType<typeof client>;
  cast: Cast;
  dataDir: string;
  /** Error-level (and worse) log lines since the start. */
  errors: LogLine[];
  /** `METHOD /path?query` of every request sent through `api`. */
  sent: string[];
  fingerprint(): Promise<string>;
  close(): Promise<void>;
}

/** The number of cases the suite ran (printed at the end). */
export const tally = { cases: 0, propertyRuns: 0 };

const EXTRA_TABLES = ['refresh_tokens', 'admin_audit', 'notification_pending', 'notification_state', 'message_reactions', 'message_hidden', 'message_action_keys'];

/**
 * One string that changes when any row of the cast changes (every column), or
 * when any table gains or loses a row, or a media file appears or goes.
 */
async function fingerprintOf(db: Knex, ids: string[], mediaDir: string): Promise<string> {
  const digest = (table: string, where: string) =>
    `(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM ${table} x WHERE ${where}) AS "${table}"`;
  const counts = ['users', 'sessions', 'profiles', 'media', 'swipes', 'matches', 'conversations', 'conversation_members', 'messages', 'blocks', 'reports', ...EXTRA_TABLES]
    .map((t) => `(SELECT count(*) FROM ${t}) AS "n_${t}"`)
    .join(', ');
  const { rows } = await db.raw(
    `SELECT ${counts},
       ${digest('users', 'x.id = ANY(:ids)')},
       ${digest('sessions', 'x.user_id = ANY(:ids)')},
       ${digest('refresh_tokens', 'x.session_id IN (SELECT id FROM sessions WHERE user_id = ANY(:ids))')},
       ${digest('profiles', 'x.user_id = ANY(:ids)')},
       ${digest('media', 'x.owner_id = ANY(:ids)')},
       ${digest('swipes', 'x.swiper_id = ANY(:ids) OR x.target_id = ANY(:ids)')},
       ${digest('matches', 'x.user_a = ANY(:ids) OR x.user_b = ANY(:ids)')},
       ${digest('conversations', 'x.match_id IN (SELECT id FROM matches WHERE user_a = ANY(:ids) OR user_b = ANY(:ids))')},
       ${digest('conversation_members', 'x.user_id = ANY(:ids)')},
       ${digest('messages', 'x.sender_id = ANY(:ids)')},
       ${digest('blocks', 'x.blocker_id = ANY(:ids) OR x.blocked_id = ANY(:ids)')},
       ${digest('reports', 'x.reporter_id = ANY(:ids) OR x.target_id = ANY(:ids)')}`,
    { ids },
  );
  let files: string[] = [];
  try {
    files = (await fsp.readdir(mediaDir, { recursive: true })).map(String).sort();
  } catch {
    /* no media directory yet */
  }
  return JSON.stringify({ ...rows[0], files });
}

/** The cast's profiles: in a spot of their own (71.5 N, 100.5 E), each looking for everyone. */
async function profile(db: Knex, userId: string, fields: ProfileFields = {}) {
  await createProfile(db, userId, { birthdate: '1994-06-15', looking_for: ['man', 'woman'], lat: 71.5, lon: 100.5, ...fields });
}

async function photo(db: Knex, ownerId: string, fields: { status?: string; position?: number | null } = {}): Promise<string> {
  const hex = randomBytes(32).toString('hex');
  const variants = {
    thumb: { key: `v/${hex}-320.webp`, width: 320, height: 427 },
    medium: { key: `v/${hex}-720.webp`, width: 720, height: 960 },
    large: { key: `v/${hex}-1280.webp`, width: 1280, height: 1707 },
  };
  const [row] = await db('media')
    .insert({
      owner_id: ownerId,
      status: fields.status ?? 'approved',
      mime: 'image/jpeg',
      size: 1234,
      width: 1500,
      height: 2000,
      sha256: hex,
      original_key: `o/${hex}.jpg`,
      variants: fields.status === 'pending' ? null : JSON.stringify(variants),
      nsfw_score: fields.status === 'pending' ? null : 0.6,
      position: fields.position === undefined ? null : fields.position,
    })
    .returning('id');
  return row.id as string;
}

async function messages(db: Knex, conversationId: string, senders: string[]) {
  let seq = 0;
  for (const sender of senders) {
    seq++;
    await db('messages').insert({ conversation_id: conversationId, seq, sender_id: sender, body: `hello ${seq}`, client_msg_id: `seed-${randomBytes(6).toString('hex')}` });
  }
  await db('conversations').where('id', conversationId).update({ last_seq: seq, last_message_at: new Date() });
}

async function makeCast(p: Platform, adminTelegramId: number): Promise<Cast> {
  const { db, config } = p;
  const user = (firstName: string, telegramId?: number) => createUser(db, config, { firstName, telegramId });
  const [alice, bob, carol, dave, erin, frank, newbie, admin, banned] = await Promise.all([
    user('Alice'),
    user('Bob'),
    user('Carol'),
    user('Dave'),
    user('Erin'),
    user('Frank'),
    user('Newbie'),
    user('Admin', adminTelegramId),
    user('Banned'),
  ]);
  await profile(db, alice.id, { display_name: 'Alice', settings: { show_distance: true } });
  await profile(db, bob.id, { display_name: 'Bob', gender: 'man' });
  await profile(db, carol.id, { display_name: 'Carol', visibility: 'hidden' });
  await profile(db, dave.id, { display_name: 'Dave', gender: 'man' });
  await profile(db, erin.id, { display_name: 'Erin' });
  await profile(db, frank.id, { display_name: 'Frank', gender: 'man' });
  await profile(db, admin.id, { display_name: 'Admin' });
  const ab = await createMatch(db, alice.id, bob.id);
  const de = await createMatch(db, dave.id, erin.id);
  const af = await createMatch(db, alice.id, frank.id);
  await db('matches').where('id', af.matchId).update({ ended_at: new Date(), ended_reason: 'unmatch', ended_by: frank.id });
  await db('conversations').where('id', af.conversationId).update({ closed_at: new Date() });
  await messages(db, ab.conversationId, [alice.id, bob.id, bob.id]);
  await messages(db, de.conversationId, [dave.id, erin.id]);
  await messages(db, af.conversationId, [frank.id]);
  const alicePhotos = [await photo(db, alice.id, { position: 0 }), await photo(db, alice.id, { position: 1 })];
  const alicePending = await photo(db, alice.id, { status: 'pending' });
  const carolPhoto = await photo(db, carol.id, { position: 0 });
  const carolPending = await photo(db, carol.id, { status: 'pending' });
  const carolReview = await photo(db, carol.id, { status: 'review' });
  const bobPhoto = await photo(db, bob.id, { position: 0 });
  const carolSession = (await newSession(db, config, carol.id)).sessionId;
  for (let i = 0; i < 6; i++) await photo(db, dave.id, { position: i });
  const davePending = await photo(db, dave.id, { status: 'review' });
  // alice's superlike of the day is used up (SUPERLIKES_PER_DAY = 1).
  await db('swipes').insert({ swiper_id: alice.id, target_id: frank.id, action: 'superlike' });
  await db('swipes').insert({ swiper_id: alice.id, target_id: erin.id, action: 'pass' });
  await profile(db, banned.id, { display_name: 'Banned' });
  await db('users').where('id', banned.id).update({ banned_at: new Date(), ban_reason: 'seed' });
  await db('sessions').where('user_id', banned.id).update({ revoked_at: new Date(), revoke_reason: 'banned' });
  await p.revocations.revoke([banned.sessionId]);
  const [report] = await db('reports').insert({ reporter_id: dave.id, target_id: erin.id, reason: 'spam', details: 'seed' }).returning('id');
  return {
    alice,
    bob,
    carol,
    dave,
    erin,
    frank,
    newbie,
    admin,
    banned,
    ab,
    de,
    af,
    alicePhotos,
    alicePending,
    carolPhoto,
    carolPending,
    carolReview,
    carolSession,
    report: report.id as string,
    bobPhoto,
    davePending,
  };
}

/** The workers whose effects the fingerprint sees (their consumer groups in the all-in-one process). */
const WATCHED_GROUPS = new Set(['notifications', 'matching', 'moderation']);

/**
 * Waits until every event an earlier request caused has had its effect: the
 * outbox is empty and the workers' groups have read and acknowledged every
 * entry of every stream. A fingerprint taken before that could see a worker's
 * late write (a notification gathered for an offline user) as a change.
 */
async function settled(platform: Platform, timeoutMs = 15_000): Promise<void> {
  const redis = redisOf(platform.config);
  await waitFor('the workers to catch up with the bus', () => caughtUp(platform, redis), { timeoutMs, everyMs: 20 });
}

/** The outbox is empty and every watched group has read and acknowledged its streams' last entry. */
async function caughtUp(platform: Platform, redis: ReturnType<typeof redisOf>): Promise<boolean> {
  if ((await unpublishedOutboxRows(platform.db)) > 0) return false;
  for (const stream of Object.values(STREAMS)) {
    const key = `${platform.config.redisPrefix}${stream}`;
    if (!(await redis.exists(key))) continue;
    const info = (await redis.xinfo('STREAM', key)) as unknown[];
    const last = info[info.indexOf('last-generated-id') + 1];
    for (const group of (await redis.xinfo('GROUPS', key)) as unknown[][]) {
      const g = Object.fromEntries(Array.from({ length: group.length / 2 }, (_, i) => [group[2 * i], group[2 * i + 1]]));
      if (WATCHED_GROUPS.has(String(g.name)) && (g['last-delivered-id'] !== last || Number(g.pending) > 0)) return false;
    }
  }
  return true;
}

export async function startHarness(): Promise<Harness> {
  const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'bad-input-'));
  const adminTelegramId = uniqueTelegramId();
  const botApi = await new FakeBotApi().start();
  const config = testConfig({
    DATA_DIR: dataDir,
    NSFW_ENABLED: 'false',
    MEDIA_MAX_BYTES: String(MEDIA_MAX_BYTES),
    // Clips have the same limit here, so a declared length over it is refused before reading whatever the file is.
    MEDIA_MAX_VIDEO_BYTES: String(MEDIA_MAX_BYTES),
    // Production-like: a bot token (admins exist only outside development mode), and a fake
    // Bot API so the notification worker this mode starts never reaches the real one.
    ...ADMIN_CAPABLE_ENV,
    TELEGRAM_API_URL: botApi.url,
    TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // The fingerprint counts whole tables: the expiry sweep must not remove another suite's
    // old unattached uploads (test/admin makes some days old) while a case runs.
    MEDIA_UNATTACHED_TTL_S: String(10 * 365 * 86_400),
    // Bot messages gather for a day, so none is sent (and the fingerprint moves) mid-suite.
    NOTIFY_GATHER_S: '86400',
    ADMIN_TELEGRAM_IDS: String(adminTelegramId),
    // The suite sends a few thousand requests from one address; limits have their own tests.
    RATE_LIMIT_AUTH_PER_MIN: '1000000',
    RATE_LIMIT_REFRESH_PER_MIN: '1000000',
    RATE_LIMIT_MESSAGES_PER_MIN: '1000000',
    RATE_LIMIT_TYPING_PER_MIN: '1000000',
    RATE_LIMIT_CANDIDATES_PER_MIN: '1000000',
    RATE_LIMIT_REPORTS_PER_DAY: '1000000',
    RATE_LIMIT_UPLOADS_PER_10MIN: '1000000',
    RATE_LIMIT_INVOICES_PER_10MIN: '1000000',
    SOCKET_EVENTS_PER_S: '1000000',
    SOCKET_EVENTS_BURST: '1000000',
    SUPERLIKES_PER_DAY: '1',
  });
  const errors: LogLine[] = [];
  const platform = createPlatform(config, 'bad-input', { logger: capturingLogger(errors, 'error', { service: 'bad-input' }) });
  let aio: AllInOne | undefined;
  let running: Running | undefined;
  try {
    aio = await buildAllInOne(platform);
    running = await startHttp(aio.callback);
    await aio.attach(running.server);
    const cast = await makeCast(platform, adminTelegramId);
    const ids = Object.values(cast).filter((v): v is TestUser => typeof v === 'object' && v !== null && 'token' in v).map((u) => u.id);
    const mediaDir = path.join(dataDir, 'media');
    const api = client(running.url);
    const sent: string[] = [];
    const request = api.request;
    // Every answer, refusals included, must keep the document (docs/openapi.json).
    api.request = async (method, urlPath, opts) => {
      sent.push(`${method} ${urlPath}`);
      const res = await request(method, urlPath, opts);
      expectContract({ method, url: urlPath, status: res.status, contentType: res.headers.get('content-type') ?? '', body: res.body });
      return res;
    };
    return {
      platform,
      url: running.url,
      api: { ...api, get: (p, o) => api.request('GET', p, o), post: (p, b, o) => api.request('POST', p, { ...o, body: b }), put: (p, b, o) => api.request('PUT', p, { ...o, body: b }), del: (p, o) => api.request('DELETE', p, o) },
      sent,
      cast,
      dataDir,
      errors,
      fingerprint: async () => {
        await settled(platform);
        return fingerprintOf(platform.db, ids, mediaDir);
      },
      async close() {
        closeSockets();
        await aio?.stop();
        await running?.close();
        await platform.close();
        await botApi.close();
        await fsp.rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await aio?.stop().catch(() => {});
    await running?.close().catch(() => {});
    await platform.close().catch(() => {});
    await botApi.close().catch(() => {});
    throw err;
  }
}

export type Status = number | number[];

/** A 4xx (one of `status` when given) in the contract's error shape, with `code` when given. */
export function expectRefusal(res: ApiResponse, status?: Status, code?: string | string[]) {
  const what = `${res.status} ${typeof res.body === 'string' ? res.body.slice(0, 300) : JSON.stringify(res.body).slice(0, 300)}`;
  expect(res.status, what).to.be.within(400, 499);
  if (status !== undefined) expect([status].flat(), what).to.include(res.status);
  const c = errorCode(res);
  expect(res.body.error.code).to.match(/^[a-z][a-z0-9_]*$/);
  expect(JSON.stringify(res.body), 'no stack trace').not.to.match(/\n\s+at |node_modules|\.ts:\d+/);
  if (code !== undefined) expect([code].flat(), what).to.include(c);
  if (res.status === 429) expect(Number(res.headers.get('retry-after')), 'Retry-After').to.be.above(0);
}

/** No error was logged since `from` (index into h.errors). */
export function expectNoErrorLogged(h: Harness, from: number) {
  const fresh = h.errors.slice(from);
  expect(fresh.map((l) => `${l.msg}: ${l.err?.message ?? ''}`), 'error lines in the server log').to.deep.equal([]);
}

/**
 * Runs one refused request: the fingerprint before and after must be equal,
 * the answer a 4xx in the error shape, and the log free of errors.
 */
export async function refused(h: Harness, send: () => Promise<ApiResponse>, status?: Status, code?: string | string[]): Promise<ApiResponse> {
  const before = await h.fingerprint();
  const logFrom = h.errors.length;
  const res = await send();
  expectRefusal(res, status, code);
  expect(await h.fingerprint(), 'nothing changed').to.equal(before);
  expectNoErrorLogged(h, logFrom);
  return res;
}
