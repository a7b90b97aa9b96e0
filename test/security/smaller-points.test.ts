// Issue 13 §5, the smaller points: /metrics and /ready on the public port,
// token responses kept out of caches, bot messages without clickable names,
// no real Bot API with a development token, the embedded PostgreSQL on a
// private Unix socket, and revocations that Redis eviction cannot lose.
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createGateway, type Gateway } from '../../api/gateway/index.js';
import { DEV_BOT_TOKEN } from '../../shared/config.js';
import { createDb } from '../../shared/db.js';
import { startEmbeddedPostgres } from '../../shared/embedded-postgres.js';
import { STREAMS } from '../../shared/events.js';
import { createHttpApp } from '../../shared/http/app.js';
import { publicPort } from '../../shared/http/health.js';
import type { Platform } from '../../shared/platform.js';
import { createRedis, type Redis } from '../../shared/redis.js';
import { RedisRevocations } from '../../shared/revocation.js';
import { startNotificationsWorker, type NotificationsWorker } from '../../workers/notifications/index.js';
import { waitFor } from '../helpers/wait.js';
import { capturingLogger, type LogLine } from '../helpers/logs.js';
import { redisOf } from '../helpers/redis.js';
import { OwnRedis } from '../faults/stores.js';
import { FakeBotApi } from '../notifications/fake-bot-api.js';
import { createProfile } from '../helpers/profiles.js';
import { newTgUser, startAuth, type AuthApp } from '../auth/harness.js';
import { testConfig, testPlatform } from '../helpers/env.js';
import { client, errorCode, startHttp, type ApiResponse, type Running } from '../helpers/http.js';
import { startAllInOne, type RunningAllInOne } from '../helpers/allinone.js';
import { connectOutcome, freePort, outsideAddress } from '../helpers/processes.js';
import { signInitData } from '../helpers/telegram.js';
import { createMatch, createUser } from '../helpers/users.js';

const METRICS_TOKEN = randomBytes(32).toString('hex');

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** The answer to a path nothing serves, for comparison: a hidden /metrics must look the same. */
function expectUnknownPath(res: ApiResponse) {
  expect(res.status).to.equal(404);
  expect(errorCode(res)).to.equal('not_found');
  expect(res.body.error.message).to.match(/^No route for GET /);
}

describe('smaller points (issue 13 §5)', function () {
  this.timeout(30_000);

  describe('/metrics and /ready on the public port', () => {
    async function startGateway(env: Record<string, string>) {
      const gateway = createGateway({ config: testConfig({ GATEWAY_PORT: '0', REALTIME_URLS: 'http://127.0.0.1:9', ...env }), logger: pino({ level: 'silent' }) });
      await gateway.start();
      const running = await startHttp(gateway.handleRequest);
      return { gateway, running, api: client(running.url) };
    }
    let withToken: Awaited<ReturnType<typeof startGateway>>;
    let withoutToken: Awaited<ReturnType<typeof startGateway>>;

    before(async () => {
      withToken = await startGateway({ METRICS_TOKEN });
      withoutToken = await startGateway({});
    });
    after(async () => {
      for (const g of [withToken, withoutToken]) {
        await g?.gateway.stop();
        await g?.running.close();
      }
    });

    it('the gateway serves /metrics only with the METRICS_TOKEN bearer token, and answers as for an unknown path otherwise', async () => {
      const ok = await withToken.api.get('/metrics', bearer(METRICS_TOKEN));
      expect(ok.status).to.equal(200);
      expect(ok.body).to.contain('http_request_duration_seconds');
      expect((await withToken.api.get('/api/v1/metrics', bearer(METRICS_TOKEN))).status).to.equal(200);

      for (const p of ['/metrics', '/metrics/', '/METRICS', '/api/v1/metrics']) expectUnknownPath(await withToken.api.get(p));
      // The token with its last character changed (to another one: a token that ends in 0 stays wrong).
      expectUnknownPath(await withToken.api.get('/metrics', bearer(`${METRICS_TOKEN.slice(0, -1)}${METRICS_TOKEN.endsWith('0') ? '1' : '0'}`)));
      expectUnknownPath(await withToken.api.get('/metrics', { headers: { authorization: `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}` } }));
      // No token configured: nothing opens it.
      expectUnknownPath(await withoutToken.api.get('/metrics', bearer(METRICS_TOKEN)));
      expectUnknownPath(await withoutToken.api.get('/metrics', bearer('')));
    });

    it('the gateway answers /ready with ready or not and nothing else', async () => {
      const res = await withToken.api.get('/ready');
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ status: 'ready' });
    });

    it('a public /ready with a store down says 503 not_ready without naming it', async () => {
      const down = testPlatform({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
      const app = createHttpApp({ service: 'gateway', logger: down.logger, readiness: down, routers: [], before: [publicPort({})] });
      const r = await startHttp(app.callback());
      try {
        const res = await client(r.url).get('/ready');
        expect(res.status).to.equal(503);
        expect(res.body).to.deep.equal({ status: 'not_ready' });
      } finally {
        await r.close();
        await down.close();
      }
    });

    it('METRICS_PORT serves /metrics without a token on 127.0.0.1 only', async () => {
      const port = await freePort();
      const g = await startGateway({ METRICS_PORT: String(port) });
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(res.status).to.equal(200);
        expect(await res.text()).to.contain('process_cpu_seconds_total');
        expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).to.equal(404);
        expectUnknownPath(await g.api.get('/metrics'));
        const outside = outsideAddress();
        if (outside) expect(await connectOutcome(`http://${outside}:${port}/metrics`)).to.equal('ECONNREFUSED');
      } finally {
        await g.gateway.stop();
        await g.running.close();
      }
    });

    describe('the all-in-one app', () => {
      let app: RunningAllInOne;
      before(async () => {
        app = await startAllInOne({ METRICS_TOKEN }, 'smaller-points');
      });
      after(() => app?.close());

      it('hides /metrics without the token and says only ready on /ready', async () => {
        const api = client(app.url);
        expectUnknownPath(await api.get('/metrics'));
        expectUnknownPath(await api.get('/metrics', bearer('not-the-token-not-the-token-not-the-token')));
        expect((await api.get('/metrics', bearer(METRICS_TOKEN))).status).to.equal(200);
        const ready = await api.get('/ready');
        expect(ready.status).to.equal(200);
        expect(ready.body).to.deep.equal({ status: 'ready' });
      });
    });
  });

  describe('token responses', () => {
    let auth: AuthApp;
    before(async () => {
      auth = await startAuth();
    });
    after(() => auth.close());

    const noStore = (res: ApiResponse) => {
      expect(res.status).to.equal(200);
      expect(res.headers.get('cache-control')).to.equal('no-store');
      expect(res.headers.get('pragma')).to.equal('no-cache');
    };

    it('POST /auth/token, POST /auth/refresh and the development init data are sent with Cache-Control: no-store', async () => {
      const login = await auth.api.post('/auth/token', { init_data: signInitData(newTgUser()) });
      noStore(login);
      noStore(await auth.api.post('/auth/refresh', { refresh_token: login.body.refresh_token }));
      noStore(await auth.api.post('/auth/dev/init-data', { user: { id: newTgUser().id, first_name: 'Dev' } }));
    });
  });

  describe('bot notifications', () => {
    let bot: FakeBotApi;
    let platform: Platform;
    let worker: NotificationsWorker;
    const GATHER_MS = 600_000;
    let clockOffset = 0;

    before(async () => {
      bot = await new FakeBotApi().start();
      // Development mode (no BOT_TOKEN) with a fake Bot API: the worker may send.
      platform = testPlatform({ TELEGRAM_API_URL: bot.url }, 'smaller-points-bot');
      worker = startNotificationsWorker(platform, {
        group: `smaller-points-${randomUUID().slice(0, 8)}`,
        gatherMs: GATHER_MS, // nothing comes due before the test moves the clock
        now: () => Date.now() + clockOffset,
        flush: { tickMs: 50 },
      });
      await worker.ready;
    });
    after(async () => {
      await worker.stop();
      await bot.close();
      await platform.close();
    });

    it('leave out names that Telegram would turn into a link, a mention or a phone number', async () => {
      const person = async (name: string) => {
        const u = await createUser(platform.db, platform.config, { firstName: 'Someone' });
        await createProfile(platform.db, u.id, { display_name: name });
        return u;
      };
      const recipient = await person('Rita');
      const linky = ['x.com', 'https://evil.example', 't.me/joinchat/abc', '@scam_bot', '+1 555 123 4567', 'ｗｗｗ．ｅｖｉｌ．ｃｏｍ'];
      const actors = [await person('Alice'), ...(await Promise.all(linky.map(person)))];
      for (const a of actors) {
        const { matchId, conversationId } = await createMatch(platform.db, recipient.id, a.id);
        await platform.bus.publish('match.created', { match_id: matchId, conversation_id: conversationId, user_ids: [a.id, recipient.id], created_at: new Date().toISOString() });
      }
      await waitFor('the pending matches', async () => (await platform.db('notification_pending').where('user_id', recipient.id)).length === actors.length, 5000);
      clockOffset = GATHER_MS; // all of them are due now, in one batch
      await waitFor('the bot message', () => bot.callsFor(recipient.telegramId).length === 1, 5000);
      const text = bot.callsFor(recipient.telegramId)[0].text;
      expect(text).to.equal("🎉 It's a match with Alice and 6 others!");
    });

    it('are never sent through the real Bot API with a development token (logged once why)', async () => {
      for (const env of [{}, { BOT_TOKEN: DEV_BOT_TOKEN, JWT_SECRET: 'a-test-secret-of-at-least-32-bytes!!' }]) {
        const lines: LogLine[] = [];
        const p = testPlatform(env, 'smaller-points-real-api');
        const group = `smaller-points-real-${randomUUID().slice(0, 8)}`;
        const w = startNotificationsWorker({ ...p, logger: capturingLogger(lines) }, { group });
        try {
          await w.ready;
          expect(p.config.telegram.apiUrl).to.equal('https://api.telegram.org');
          expect(lines.filter((l) => /notifications off/.test(l.msg)), JSON.stringify(env)).to.have.length(1);
          // Ready, yet no consumer group: nothing is read, so nothing is sent.
          const groups = (await redisOf(p.config).xinfo('GROUPS', `${p.config.redisPrefix}${STREAMS.matches}`).catch(() => [])) as unknown[][];
          expect(groups.map((g) => g[1])).to.not.include(group);
        } finally {
          await w.stop();
          await p.close();
        }
      }
    });
  });

  describe('the embedded PostgreSQL', function () {
    this.timeout(90_000);
    let dataDir: string;
    before(async () => {
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pglite-socket-'));
    });
    after(() => fs.rm(dataDir, { recursive: true, force: true }));

    it('listens on a Unix socket in a DATA_DIR folder only its user may enter, and pg connects through it', async () => {
      const embedded = await startEmbeddedPostgres(dataDir, pino({ level: 'silent' }));
      try {
        const url = new URL(embedded.url);
        const dir = decodeURIComponent(url.hostname);
        expect(dir).to.equal(path.resolve(dataDir, 'run'));
        expect(url.port).to.equal('');
        expect((await fs.stat(dir)).mode & 0o777).to.equal(0o700);
        expect((await fs.stat(path.join(dir, '.s.PGSQL.5432'))).isSocket()).to.equal(true);
        const db = createDb(embedded.url, 2);
        try {
          expect((await db.raw('select 41 + 1 as answer')).rows).to.deep.equal([{ answer: 42 }]);
        } finally {
          await db.destroy();
        }
        // A second process on the same DATA_DIR is refused instead of sharing the files.
        let refused: Error | undefined;
        await startEmbeddedPostgres(dataDir, pino({ level: 'silent' })).catch((err: Error) => (refused = err));
        expect(refused?.message).to.match(/another process serves the embedded database/);
      } finally {
        await embedded.stop();
      }
    });
  });

  describe('Redis eviction and the revocation list', function () {
    this.timeout(60_000);
    let server: OwnRedis;
    let admin: Redis;
    let platform: Platform;

    before(async function () {
      server = await OwnRedis.start();
      admin = createRedis(server.url, pino({ level: 'silent' }), 'admin');
      platform = testPlatform({}, 'smaller-points-eviction');
    });
    afterEach(async () => {
      await admin.config('SET', 'maxmemory', '0');
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.flushall();
    });
    after(async () => {
      await admin?.quit();
      await server?.destroy();
      await platform?.close();
    });

    /**
     * Caps memory far below what is used: under a volatile-* policy Redis first
     * evicts every key with a TTL, then (as under noeviction) refuses writes.
     */
    async function starve(policy: string) {
      await admin.config('SET', 'maxmemory-policy', policy);
      const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
      await admin.config('SET', 'maxmemory', String(Math.floor(used / 2)));
      const refused = await admin.set('probe', 'x').then(() => undefined, (err: Error) => err.message);
      expect(refused).to.match(/^OOM/);
    }
    const feed = () => admin.config('SET', 'maxmemory', '0');

    async function revokedUser() {
      const u = await createUser(platform.db, platform.config);
      await platform.db('sessions').where('id', u.sessionId).update({ revoked_at: platform.db.fn.now(), revoke_reason: 'logout' });
      return u;
    }

    it('warns at start when maxmemory-policy is not noeviction, and when it cannot be checked', async () => {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const lines: LogLine[] = [];
      const lru = createRedis(server.url, capturingLogger(lines), 'lru');
      try {
        await waitFor('the policy warning', () => lines.some((l) => l.policy === 'allkeys-lru' && /noeviction/.test(l.msg)), 5000);
      } finally {
        await lru.quit();
      }
      // Managed Redis often refuses CONFIG.
      await admin.call('ACL', 'SETUSER', 'app', 'on', '>app-password', '~*', '&*', '+@all', '-config');
      const refusedLines: LogLine[] = [];
      const limited = createRedis(`redis://app:app-password@127.0.0.1:${server.port}`, capturingLogger(refusedLines), 'limited');
      try {
        await waitFor('the unchecked warning', () => refusedLines.some((l) => /could not check Redis maxmemory-policy/.test(l.msg)), 5000);
      } finally {
        await limited.quit();
        await admin.call('ACL', 'DELUSER', 'app');
      }
    });

    it('a revoked session stays revoked when Redis evicts every key with a TTL (volatile-lru)', async () => {
      const redis = createRedis(server.url, pino({ level: 'silent' }), 'revocations');
      try {
        const revocations = new RedisRevocations(redis, 'volatile:', platform.config.jwt.accessTtlS, platform.db);
        expect(await revocations.isRevoked(randomUUID())).to.equal(false); // the copy is now complete
        const u = await revokedUser();
        await revocations.revoke([u.sessionId]);
        expect(await revocations.isRevoked(u.sessionId)).to.equal(true);
        await starve('volatile-lru');
        await feed();
        expect(await revocations.isRevoked(u.sessionId)).to.equal(true);
      } finally {
        await redis.quit();
      }
    });

    it('a revocation a full Redis refuses (noeviction) is never answered "not revoked"', async () => {
      const redis = createRedis(server.url, pino({ level: 'silent' }), 'revocations');
      try {
        const revocations = new RedisRevocations(redis, 'full:', platform.config.jwt.accessTtlS, platform.db);
        expect(await revocations.isRevoked(randomUUID())).to.equal(false);
        const u = await revokedUser();
        await starve('noeviction');
        let writeError: Error | undefined;
        await revocations.revoke([u.sessionId]).catch((err: Error) => (writeError = err));
        expect(writeError?.message).to.match(/OOM|EXECABORT/);
        const answer = await revocations.isRevoked(u.sessionId).catch(() => 'refused');
        expect(answer).to.be.oneOf([true, 'refused']);
        await feed();
        expect(await revocations.isRevoked(u.sessionId)).to.equal(true);
      } finally {
        await redis.quit();
      }
    });
  });
});
