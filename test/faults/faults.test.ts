// The fault suite (`npm run test:faults`, run by `npm test` after the main
// suite, about 75 s; see README § Guarantees): the real
// cluster processes under PM2 (test/cluster/harness.ts) on a Redis and a
// PostgreSQL of the suite's own (stores.ts), each scenario under a steady load
// of chat between 20 pairs over both realtime instances, likes and uploads
// (load.ts, scenario.ts):
//   1. kill -9 of one realtime instance (PM2 starts it again);
//   2. Redis stopped and started again (it comes back empty);
//   3. kill -9 of the matching and the moderation worker with jobs in flight;
//   4. PostgreSQL stopped and started again.
// Each must end with every acked message stored once and held by the peer
// once at its seq, every like pair matched exactly once, every upload decided,
// and the platform working again within the stated time. The counts are printed.
import { expect } from 'chai';
import knexFactory, { type Knex } from 'knex';
import { Redis } from 'ioredis';
import { startCluster, type Cluster } from '../cluster/harness.js';
import { missingServers, OwnPostgres, OwnRedis } from './stores.js';
import { formatReport, runScenario, summary, type ScenarioReport } from './scenario.js';
import { eventually, sleep } from './load.js';

/** The stated recovery bound: the platform works again within this long after a fault ends. */
const RECOVERY_LIMIT_MS = 30_000;
/** Reclaim of work a dead worker held (the cluster default is 30 s; the suite uses less to stay short). */
const VISIBILITY_TIMEOUT_MS = 5_000;
/** How long Redis and PostgreSQL stay down. */
const DOWN_MS = Number(process.env.FAULTS_DOWN_MS ?? 3000);

describe('faults: the cluster under load survives', function () {
  this.timeout(300_000);
  let redis: OwnRedis;
  let pg: OwnPostgres;
  let cluster: Cluster;
  let db: Knex;
  const reports: ScenarioReport[] = [];

  before(async function () {
    this.timeout(180_000);
    const missing = missingServers();
    if (missing) {
      process.stdout.write(`fault suite skipped: ${missing} (it runs a Redis and a PostgreSQL of its own; .ci/run installs both)\n`);
      this.skip();
    }
    [redis, pg] = await Promise.all([OwnRedis.start(), OwnPostgres.start()]);
    cluster = await startCluster({
      realtimeInstances: 2,
      env: {
        DATABASE_URL: pg.adminUrl('faults'),
        REDIS_URL: redis.url,
        DATABASE_POOL_MAX: '6',
        BUS_VISIBILITY_TIMEOUT_MS: String(VISIBILITY_TIMEOUT_MS),
        // The limits are not what is under test here.
        RATE_LIMIT_MESSAGES_PER_MIN: '100000',
        // Every upload retried through an outage counts again; every client is on 127.0.0.1.
        RATE_LIMIT_UPLOADS_PER_10MIN: '100000',
        RATE_LIMIT_CANDIDATES_PER_MIN: '100000',
        LOG_LEVEL: 'warn',
      },
    });
    // The suite's own look at the database (its pool warns of connections the restart ended: not news here).
    db = knexFactory({ client: 'pg', connection: pg.adminUrl('faults'), pool: { min: 0, max: 2 }, log: { warn() {} } });
  });

  after(async function () {
    this.timeout(120_000);
    if (reports.length) process.stdout.write(`\n${summary(reports)}\n`);
    await db?.destroy().catch(() => {});
    await cluster?.stop().catch(() => {});
    await Promise.all([redis?.destroy(), pg?.destroy()].map((p) => p?.catch(() => {})));
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && cluster) process.stderr.write(await cluster.logTail(60));
  });

  function check(r: ScenarioReport) {
    reports.push(r);
    process.stdout.write(`${formatReport(r)}\n`);
    expect(r.chat.acked, 'acked = sent').to.equal(r.chat.sent);
    expect(r.chat.stored, 'stored = acked').to.equal(r.chat.acked);
    expect(r.chat.delivered, 'delivered = acked').to.equal(r.chat.acked);
    expect(r.chat.duplicates, 'duplicates').to.equal(0);
    expect(r.chat.lost, 'lost').to.equal(0);
    expect(r.chat.refused, 'refused sends').to.equal(0);
    expect(r.chat.fetchedAtEnd, 'messages the clients had not got by themselves (live or by their own catch-up)').to.equal(0);
    expect(r.likes.matched, 'like pairs matched exactly once').to.equal(r.likes.pairs);
    expect(r.uploads.pending, 'uploads still pending').to.equal(0);
    expect(r.uploads.approved + r.uploads.rejected).to.equal(r.uploads.accepted);
    expect(r.recovery.healthyMs, 'healthy again within the stated time').to.be.below(RECOVERY_LIMIT_MS);
    // An outage is answered as one (503 / ack service_unavailable, retried), never as a server bug.
    expect(Object.keys(r.failures).filter((k) => /HTTP 500|internal_error/.test(k)), 'answers that looked like bugs').to.deep.equal([]);
  }

  it('1. kill -9 of one realtime instance (PM2 starts it again)', async () => {
    check(
      await runScenario(cluster, db, {
        name: 'kill -9 realtime',
        recoveryLimitMs: RECOVERY_LIMIT_MS,
        async fault({ cluster, chat, note }) {
          const byTag = await cluster.realtimeByTag();
          const victimTag = chat.clients[0][0].instance;
          const victim = byTag.get(victimTag)!;
          // Tags are random per process (the registry): the port is what PM2 restarts it on.
          const port = Number(victim.pm2_env.REALTIME_PORT);
          note(`killed realtime ${victimTag} (pid ${victim.pid}) holding ${chat.instances().get(victimTag)} chat sockets`);
          const killed = Date.now();
          process.kill(victim.pid, 'SIGKILL');
          // Fault ends at once: PM2 restarts the process by itself.
          void eventually(
            'the killed instance answers again',
            async () => {
              const back = [...(await cluster.realtimeByTag()).values()].find((p) => Number(p.pm2_env.REALTIME_PORT) === port && p.pid !== victim.pid);
              return back !== undefined && (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
            },
            60_000,
            100,
          ).then(
            () => note(`realtime on port ${port} back (new process and tag, /health 200) ${((Date.now() - killed) / 1000).toFixed(1)} s after the kill`),
            (err) => note(String(err)),
          );
        },
      }),
    );
  });

  it('2. Redis stopped and started again (empty) during the load', async () => {
    check(
      await runScenario(cluster, db, {
        name: 'Redis restart',
        recoveryLimitMs: RECOVERY_LIMIT_MS,
        async fault({ burst, note }) {
          // Likes and uploads in flight as Redis goes away.
          await burst();
          await sleep(30);
          await redis.stop();
          await sleep(DOWN_MS);
          await redis.start();
          note(`Redis down for ${DOWN_MS / 1000} s, back empty (no persistence)`);
        },
      }),
    );
  });

  it('3. kill -9 of the matching and the moderation worker with jobs in flight', async () => {
    check(
      await runScenario(cluster, db, {
        name: 'kill -9 workers',
        recoveryLimitMs: RECOVERY_LIMIT_MS,
        async fault({ cluster, db, burst, note }) {
          const workers = (await cluster.processes()).filter((p) => p.name === 'matching' || p.name === 'moderation');
          const bus = new Redis(redis.url);
          const prefix = cluster.env.REDIS_PREFIX;
          // Events a group has handed to a consumer and not seen acked: the jobs in the workers' hands.
          const inHand = async (stream: string, group: string) => Number(((await bus.xpending(`${prefix}${stream}`, group)) as [number])[0]);
          try {
            await burst();
            // Kill while the moderation worker holds a job (and the matching worker, most likely, its burst of likes).
            await eventually('the moderation worker holds a job', async () => (await inHand('events:media', 'moderation')) > 0, 10_000, 5);
            const held = { media: await inHand('events:media', 'moderation'), swipes: await inHand('events:swipes', 'matching') };
            const waiting = Number((await db('media').where('status', 'pending').count({ n: '*' }))[0].n);
            for (const w of workers) process.kill(w.pid, 'SIGKILL');
            note(
              `killed ${workers.map((w) => `${w.name} (pid ${w.pid})`).join(' and ')} holding ${held.media} upload and ${held.swipes} swipe events; ${waiting} uploads waiting for moderation`,
            );
          } finally {
            bus.disconnect();
          }
        },
      }),
    );
  });

  it('4. PostgreSQL stopped and started again during the load', async () => {
    check(
      await runScenario(cluster, db, {
        name: 'PostgreSQL restart',
        recoveryLimitMs: RECOVERY_LIMIT_MS,
        async fault({ burst, note }) {
          await burst();
          await sleep(30);
          await pg.stop();
          await sleep(DOWN_MS);
          await pg.start();
          note(`PostgreSQL down for ${DOWN_MS / 1000} s (fast shutdown: sessions terminated, open transactions rolled back)`);
        },
      }),
    );
  });
});
