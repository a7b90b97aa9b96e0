// The fault suite's all-in-one case (issue 14 §1): the real `npm start`
// process (allinone/main.ts) without Redis, so its event bus is the in-memory
// one, killed with SIGKILL while changes it committed have not reached that
// bus yet, then started again. Every event those changes enqueued in the
// outbox must reach its consumers once: the like pairs' swipes the matching
// worker (one match each, one match.created each, match:new to both users
// once), the uploads the moderation worker (each decided once, media:moderated
// once), the unmatch and the ban their match.removed (the ban's through the
// matching worker, which ends the banned user's match), the report the bus
// (it has no consumer in the platform: it is published once).
//
// How the events are held between commit and publish, without a switch in the
// product: the relay moves rows in id order and a round that cannot publish
// rolls back and is retried, so a row the bus refuses (a type the catalogue
// does not know; enqueue() could never write it, the test inserts it) standing
// first in line keeps every later row in the outbox. With OUTBOX_BATCH_SIZE=1 a
// round claims that row alone, so nothing behind it is published, not even
// from a round that failed. The relay's own "could not publish" warning is the
// signal that it runs and is held. The first life commits the changes behind
// that row and is killed. The second life starts behind it too, so that the
// users' sockets can connect before anything is published (live notifications
// are only seen by sockets that are connected); then the test takes the row
// out and the running relay publishes what the dead process left.
//
// "Once" is counted when a later event has come through the same way: a last
// like pair and upload, made after everything else, whose notifications arrive
// after any repeat of the earlier ones would have.
//
// The database is the machine's PostgreSQL (a database of the test's own,
// test/helpers/database.ts), not the embedded one: the test reads the outbox
// while the process runs. What is under test is the process and its memory bus.
import { expect } from 'chai';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { loadConfig } from '../../shared/config.js';
import { isolatedDatabase, outboxDrained, unpublishedOutboxRows, type IsolatedDatabase } from '../helpers/database.js';
import { testEnv, uniqueTelegramId } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { freePort, startTs, waitForHttp, type Proc } from '../helpers/processes.js';
import { createProfile } from '../helpers/profiles.js';
import { closeSockets, collect, openSocket, type ClientSocket } from '../helpers/sockets.js';
import { ADMIN_CAPABLE_ENV } from '../helpers/telegram.js';
import { createMatch, createUser, type TestUser } from '../helpers/users.js';
import { waitFor } from '../helpers/wait.js';
import { photoJpeg } from '../fixtures/images.js';
import { uploadTo } from '../media/helpers.js';
import { FakeBotApi } from '../notifications/fake-bot-api.js';

/** Like pairs whose swipes the killed process commits. */
const PAIRS = 4;
/** Uploads the killed process commits. */
const UPLOADS = 2;
/** A type the event catalogue does not have: the bus refuses it. */
const UNPUBLISHABLE = 'faults.unpublishable';
const HELD = 'outbox relay could not publish';

describe('faults: the all-in-one process (memory bus) killed between commit and publish', function () {
  this.timeout(120_000);
  let database: IsolatedDatabase | undefined;
  let db: Knex;
  let bot: FakeBotApi;
  let dataDir: string;
  let proc: Proc | undefined;
  const lives: Proc[] = [];

  before(async function () {
    const probe = knexFactory({ client: 'pg', connection: testEnv.adminDatabaseUrl, pool: { min: 0, max: 1 } });
    try {
      await probe.raw('select 1');
    } catch (err) {
      process.stdout.write(`all-in-one fault case skipped: no PostgreSQL at ${testEnv.adminDatabaseUrl} (${(err as Error).message})\n`);
      this.skip();
    } finally {
      await probe.destroy();
    }
    database = await isolatedDatabase('faults_aio');
    db = knexFactory({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
    bot = await new FakeBotApi().start();
    dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'faults-aio-'));
  });

  after(async () => {
    closeSockets();
    await proc?.stop('SIGKILL');
    await db?.destroy();
    await database?.drop();
    await bot?.close();
    if (dataDir) await fsp.rm(dataDir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') for (const [i, p] of lives.entries()) process.stderr.write(`--- life ${i + 1} ---\n${p.output().slice(-6000)}\n`);
  });

  it('delivers every event the killed process committed, once each, after a restart', async () => {
    const port = await freePort();
    const adminTelegramId = uniqueTelegramId();
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      GATEWAY_PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: database!.url,
      // No REDIS_URL: the memory bus. An admin needs a bot token; the bot messages go to a fake Bot API.
      ...ADMIN_CAPABLE_ENV,
      ADMIN_TELEGRAM_IDS: String(adminTelegramId),
      TELEGRAM_API_URL: bot.url,
      NSFW_ENABLED: 'false',
      // One row per round: the unpublishable row alone, never the rows behind it.
      OUTBOX_BATCH_SIZE: '1',
    };
    const config = loadConfig(env);
    const url = `http://127.0.0.1:${port}`;
    const api = client(url);
    const start = async () => {
      proc = startTs('allinone/main.ts', env);
      lives.push(proc);
      await waitForHttp(`${url}/ready`, 60_000);
      const life = proc;
      await waitFor('the outbox relay to be held by the unpublishable row', () => life.output().includes(HELD), { timeoutMs: 15_000 });
    };

    // --- the cast, made directly in the database ---
    const user = async () => {
      const u = await createUser(db, config);
      await createProfile(db, u.id);
      return u;
    };
    const pairs: [TestUser, TestUser][] = [];
    for (let i = 0; i < PAIRS; i++) pairs.push([await user(), await user()]);
    const uploader = await user();
    const [unmatcher, unmatched] = [await user(), await user()];
    const unmatchMatch = await createMatch(db, unmatcher.id, unmatched.id);
    const [reporter, reported] = [await user(), await user()];
    await createMatch(db, reporter.id, reported.id);
    const admin = await createUser(db, config, { telegramId: adminTelegramId });
    const [banned, bannedPeer] = [await user(), await user()];
    const banMatch = await createMatch(db, banned.id, bannedPeer.id);
    const last: [TestUser, TestUser] = [await user(), await user()];

    await db('outbox').insert({ type: UNPUBLISHABLE, payload: JSON.stringify({}) });

    // --- first life: commit, then die before anything is published ---
    await start();
    for (const [a, b] of pairs) {
      expect((await api.post('/discovery/like', { target_id: b.id }, { token: a.token })).status).to.equal(200);
      expect((await api.post('/discovery/like', { target_id: a.id }, { token: b.token })).status).to.equal(200);
    }
    const uploads: string[] = [];
    for (let i = 0; i < UPLOADS; i++) {
      const res = await uploadTo(api, '/media/upload', uploader.token, await photoJpeg(640, 480, { seed: i }));
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      uploads.push(res.body.id);
    }
    expect((await api.post('/discovery/report', { target_id: reported.id, reason: 'spam' }, { token: reporter.token })).status).to.equal(202);
    expect((await api.del(`/discovery/matches/${unmatchMatch.matchId}`, { token: unmatcher.token })).status).to.equal(204);
    expect((await api.post(`/admin/users/${banned.id}/ban`, { reason: 'fault suite' }, { token: admin.token })).status).to.equal(200);

    // Committed, and still in the outbox: nothing of it reached the bus (the relay never got past the first row).
    const waiting = await outboxByType(db, { published: false });
    expect(waiting).to.deep.equal({
      [UNPUBLISHABLE]: 1,
      'swipe.created': 2 * PAIRS,
      'media.uploaded': UPLOADS,
      'report.created': 1,
      'match.removed': 1,
      'user.banned': 1,
    });
    expect(await outboxByType(db, { published: true })).to.deep.equal({});
    const killed = proc!;
    killed.child.kill('SIGKILL');
    await killed.stop();
    expect(killed.child.signalCode).to.equal('SIGKILL');

    // --- second life: the same rows, published by the new process once the first row goes ---
    await start();
    // What each user's socket hears, from before anything is published.
    const inbox = new Map<string, Inbox>();
    for (const u of [...pairs.flat(), ...last, uploader, unmatcher, unmatched, bannedPeer]) inbox.set(u.id, listen(await openSocket(url, u.token)));
    const of = (u: TestUser) => inbox.get(u.id)!;

    await db('outbox').where('type', UNPUBLISHABLE).delete();
    await waitFor(
      'match:new for every like pair, media:moderated for every upload, match:removed for the unmatch and the ban',
      () =>
        pairs.flat().every((u) => of(u).matchNew.length >= 1) &&
        of(uploader).moderated.length >= UPLOADS &&
        of(unmatcher).matchRemoved.length >= 1 &&
        of(unmatched).matchRemoved.length >= 1 &&
        of(bannedPeer).matchRemoved.length >= 1,
      { timeoutMs: 20_000 },
    );

    // A last like pair and upload, through the same relay, bus and consumers: once they arrive, so would have any repeat.
    expect((await api.post('/discovery/like', { target_id: last[1].id }, { token: last[0].token })).status).to.equal(200);
    expect((await api.post('/discovery/like', { target_id: last[0].id }, { token: last[1].token })).status).to.equal(200);
    const lastUpload = await uploadTo(api, '/media/upload', uploader.token, await photoJpeg(640, 480, { seed: 99 }));
    expect(lastUpload.status).to.equal(202);
    await waitFor('the last pair matched live and the last upload moderated live', () => last.every((u) => of(u).matchNew.length === 1) && of(uploader).moderated.some((m) => m.id === lastUpload.body.id), {
      timeoutMs: 20_000,
    });
    await outboxDrained(db, 20_000);

    // The matching worker: one match per like pair, each announced once, and live to both users once.
    const matchIds: string[] = [];
    for (const [a, b] of pairs) {
      const rows = await db('matches')
        .whereRaw('LEAST(user_a, user_b) = LEAST(?::uuid, ?::uuid) AND GREATEST(user_a, user_b) = GREATEST(?::uuid, ?::uuid)', [a.id, b.id, a.id, b.id])
        .select('id', 'ended_at');
      expect(rows, 'matches of a like pair').to.have.length(1);
      expect(rows[0].ended_at).to.equal(null);
      matchIds.push(rows[0].id);
      for (const u of [a, b]) expect(of(u).matchNew.map((m) => m.match_id), 'match:new').to.deep.equal([rows[0].id]);
    }
    const lastMatch = of(last[0]).matchNew[0].match_id;
    const announced = await db('outbox').where('type', 'match.created').select(db.raw("payload->>'match_id' AS id"));
    expect(announced.map((r) => r.id).sort(), 'match.created once per match').to.deep.equal([...matchIds, lastMatch].sort());
    const created = logLines(proc!).filter((l) => l.msg === 'match created').map((l) => l.match_id);
    expect(created.sort(), "the matching worker's 'match created'").to.deep.equal([...matchIds, lastMatch].sort());

    // The moderation worker: each upload decided once, and told to its owner once.
    const decided = await db('media').whereIn('id', uploads).select('id', 'status');
    expect(decided.map((m) => m.status)).to.deep.equal(uploads.map(() => 'approved'));
    const moderatedEvents = await db('outbox').where('type', 'media.moderated').select(db.raw("payload->>'media_id' AS id"));
    expect(moderatedEvents.map((r) => r.id).sort(), 'media.moderated once per upload').to.deep.equal([...uploads, lastUpload.body.id].sort());
    expect(of(uploader).moderated.map((m) => m.id).sort(), 'media:moderated').to.deep.equal([...uploads, lastUpload.body.id].sort());

    // The unmatch: told to both once. The ban: the matching worker ended the banned user's match once, told to the peer once.
    for (const u of [unmatcher, unmatched]) expect(of(u).matchRemoved.map((m) => m.match_id), 'match:removed (unmatch)').to.deep.equal([unmatchMatch.matchId]);
    const ended = await db('matches').where('id', banMatch.matchId).first('ended_reason');
    expect(ended.ended_reason).to.equal('banned');
    const removed = await db('outbox').where('type', 'match.removed').select(db.raw("payload->>'match_id' AS id"), db.raw("payload->>'reason' AS reason"));
    expect(removed.map((r) => `${r.reason} ${r.id}`).sort(), 'match.removed once each').to.deep.equal([`banned ${banMatch.matchId}`, `unmatch ${unmatchMatch.matchId}`].sort());
    expect(of(bannedPeer).matchRemoved.map((m) => m.match_id), 'match:removed (ban)').to.deep.equal([banMatch.matchId]);

    // Every row the dead process left was published by the new one, and nothing else came of them.
    expect(await unpublishedOutboxRows(db)).to.equal(0);
    expect(await outboxByType(db, { published: true })).to.deep.equal({
      'swipe.created': 2 * PAIRS + 2,
      'match.created': PAIRS + 1,
      'media.uploaded': UPLOADS + 1,
      'media.moderated': UPLOADS + 1,
      'report.created': 1,
      'match.removed': 2,
      'user.banned': 1,
    });
    const lines = logLines(proc!);
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg), 'error lines of the second life').to.deep.equal([]);
    process.stdout.write(
      `      ${2 * PAIRS} swipes, ${UPLOADS} uploads, 1 report, 1 unmatch, 1 ban committed by the killed process; each delivered once by the next one\n`,
    );
  });
});

type Inbox = ReturnType<typeof listen>;

function listen(s: ClientSocket) {
  return { matchNew: collect(s, 'match:new'), matchRemoved: collect(s, 'match:removed'), moderated: collect(s, 'media:moderated') };
}

async function outboxByType(db: Knex, opts: { published: boolean }): Promise<Record<string, number>> {
  const q = db('outbox').select('type').count({ n: '*' }).groupBy('type');
  if (opts.published) q.whereNotNull('published_at');
  else q.whereNull('published_at');
  const rows = (await q) as { type: string; n: string }[];
  return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
}

interface Line {
  level: number;
  msg?: string;
  [k: string]: unknown;
}

/** The process's JSON log lines (pino), without the rest of its output. */
function logLines(p: Proc): Line[] {
  return p
    .output()
    .split('\n')
    .flatMap((l) => {
      try {
        const parsed = JSON.parse(l) as Line;
        return typeof parsed?.level === 'number' ? [parsed] : [];
      } catch {
        return [];
      }
    });
}
