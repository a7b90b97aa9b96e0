// Issue 13 §3: a client's address comes from the socket, and from a forwarding
// header only when a configured proxy hop wrote it; per-address limits group
// IPv6 by /64; logins are also limited per Telegram id; and the web client's
// Content-Security-Policy comes from configuration, never from request headers.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createGateway, type Gateway } from '../../api/gateway/index.js';
import { webRouter } from '../../api/gateway/web.js';
import { ConfigError, loadConfig } from '../../shared/config.js';
import { createHttpApp } from '../../shared/http/app.js';
import { createLogger } from '../../shared/logger.js';
import type { Platform } from '../../shared/platform.js';
import { testConfig, testEnv, testPlatform } from '../helpers/env.js';
import { client, errorCode, startHttp, type ApiResponse, type Running } from '../helpers/http.js';
import { startAllInOne, type RunningAllInOne } from '../helpers/allinone.js';
import { loginViaApi, signInitData } from '../helpers/telegram.js';
import { newTgUser, startAuth, type AuthApp } from '../auth/harness.js';

/** A Redis namespace of its own: these tests spend the 127.0.0.1 budget on purpose. */
const ownPrefix = () => `${testEnv.redisPrefix}client-address:${randomBytes(3).toString('hex')}:`;

function expectLimited(res: ApiResponse, maxRetryAfterS: number) {
  expect(res.status).to.equal(429);
  expect(errorCode(res)).to.equal('rate_limited');
  expect(Number(res.headers.get('retry-after'))).to.be.within(1, maxRetryAfterS);
}

async function sessionIp(platform: Platform, userId: string): Promise<string | null> {
  const row = await platform.db('sessions').where({ user_id: userId }).orderBy('created_at', 'desc').first();
  return row.ip;
}

describe('client addresses come from the socket, not from headers (issue 13 §3)', function () {
  this.timeout(30_000);

  describe('the all-in-one app (the public port, no trusted proxy)', () => {
    let app: RunningAllInOne;
    before(async () => {
      app = await startAllInOne({ REDIS_PREFIX: ownPrefix(), RATE_LIMIT_AUTH_PER_MIN: '5' }, 'client-address');
    });
    after(() => app?.close());

    it('a new X-Forwarded-For per request neither escapes the per-address /auth limit nor forges sessions.ip', async () => {
      const api = client(app.url);
      const spoofed = () => ({ headers: { 'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250) + 1}` } });
      const login = await api.post('/auth/token', { init_data: signInitData(newTgUser()) }, spoofed());
      expect(login.status).to.equal(200);
      expect(await sessionIp(app.platform, login.body.user.id)).to.equal('127.0.0.1');
      const body = { init_data: signInitData(newTgUser()) };
      for (let i = 2; i <= 5; i++) expect((await api.post('/auth/validate', body, spoofed())).status, `request ${i}`).to.equal(200);
      expectLimited(await api.post('/auth/validate', body, spoofed()), 60);
    });
  });

  describe('behind trusted hops', () => {
    let auth: AuthApp;
    before(async () => {
      // startAuth stands where the gateway does: one trusted hop.
      auth = await startAuth({ REDIS_PREFIX: ownPrefix(), RATE_LIMIT_AUTH_PER_MIN: '3' });
    });
    after(() => auth.close());

    it('believes the entry the trusted hop appended, not the ones before it', async () => {
      const user = newTgUser();
      const res = await auth.api.post('/auth/token', { init_data: signInitData(user) }, { headers: { 'x-forwarded-for': '192.0.2.66, 198.51.100.7' } });
      expect(res.status).to.equal(200);
      expect(await sessionIp(auth.platform, res.body.user.id)).to.equal('198.51.100.7');
    });

    it('limits IPv6 clients per /64: other addresses of the prefix share the budget, the next prefix has its own', async () => {
      const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
      const body = { init_data: signInitData(newTgUser()) };
      for (const ip of ['2001:db8:aa:bb::1', '2001:db8:aa:bb::2', '2001:db8:aa:bb:1234:5678:9abc:def0']) {
        expect((await auth.api.post('/auth/validate', body, from(ip))).status, ip).to.equal(200);
      }
      expectLimited(await auth.api.post('/auth/validate', body, from('2001:0db8:00aa:00bb:ffff:ffff:ffff:ffff')), 60);
      expect((await auth.api.post('/auth/validate', body, from('2001:db8:aa:bc::1'))).status).to.equal(200);
    });

    it('behind the gateway, a service records the client the gateway saw, not what the client wrote', async () => {
      const config = testConfig({ AUTH_URL: auth.url, REALTIME_URLS: auth.url });
      const gateway: Gateway = createGateway({ config, logger: auth.platform.logger, probeIntervalMs: 60_000 });
      await gateway.start();
      const front = await startHttp(gateway.handleRequest);
      try {
        const res = await client(front.url).post('/auth/token', { init_data: signInitData(newTgUser()) }, { headers: { 'x-forwarded-for': '192.0.2.99' } });
        expect(res.status).to.equal(200);
        expect(await sessionIp(auth.platform, res.body.user.id)).to.equal('127.0.0.1');
      } finally {
        await gateway.stop();
        await front.close();
      }
    });
  });

  describe('POST /auth/token per Telegram id', () => {
    let auth: AuthApp;
    before(async () => {
      auth = await startAuth({ REDIS_PREFIX: ownPrefix(), RATE_LIMIT_TOKEN_PER_USER_PER_HOUR: '3' });
    });
    after(() => auth.close());

    it('refuses the next login of one Telegram id from any address, with Retry-After; others still log in', async () => {
      const user = newTgUser();
      for (let i = 0; i < 3; i++) await loginViaApi(auth.url, user);
      expectLimited(await auth.api.post('/auth/token', { init_data: signInitData(user) }, { headers: { 'x-forwarded-for': '198.51.100.200' } }), 3600);
      expect((await auth.platform.db('sessions').join('users', 'users.id', 'sessions.user_id').where('users.telegram_id', user.id)).length).to.equal(3);
      await loginViaApi(auth.url, newTgUser());
    });

    it('counts only init data that validates, so forged data cannot lock someone out', async () => {
      const victim = newTgUser();
      for (let i = 0; i < 5; i++) {
        const forged = await auth.api.post('/auth/token', { init_data: signInitData(victim, { botToken: '123:not-the-bot-token' }) });
        expect(forged.status).to.equal(401);
        expect(errorCode(forged)).to.equal('invalid_init_data');
      }
      const login = await loginViaApi(auth.url, victim);
      expect(login.user.first_name).to.equal(victim.first_name);
    });
  });

  describe('the Content-Security-Policy of the web client', () => {
    let dir: string;
    let running: Running;
    const serve = async (env: Record<string, string> = {}) => {
      const config = testConfig(env);
      const routers = [webRouter(config, { dir, buildIfMissing: false })];
      // Forwarding headers believed (one trusted hop): even then the policy ignores them.
      const app = createHttpApp({ service: 'gateway', logger: createLogger(config, 'test'), readiness: {}, routers, trustedHops: 1 });
      running = await startHttp(app.callback());
      return running.url;
    };

    before(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'csp-'));
      await fs.writeFile(path.join(dir, 'index.html'), '<!doctype html><title>app</title>');
    });
    afterEach(() => running?.close());
    after(() => fs.rm(dir, { recursive: true, force: true }));

    it('never carries Host or X-Forwarded-Host, and lets only Telegram\'s web clients frame the app', async () => {
      const url = await serve();
      const res = await fetch(`${url}/`, { headers: { 'x-forwarded-host': "evil.example; script-src 'unsafe-inline' *", 'x-forwarded-proto': 'https' } });
      expect(res.status).to.equal(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).not.to.contain('evil.example');
      expect(csp).not.to.contain('127.0.0.1');
      const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name, sources]));
      expect(directives['connect-src']).to.deep.equal(["'self'"]);
      expect(directives['frame-ancestors']).to.deep.equal(['https://web.telegram.org', 'https://webk.telegram.org', 'https://webz.telegram.org']);
      // X-Frame-Options cannot name Telegram's origins: it must not contradict frame-ancestors.
      expect(res.headers.get('x-frame-options')).to.equal(null);
    });

    it('takes extra connect-src and frame-ancestors origins from configuration, and refuses a value that could end a directive', async () => {
      const url = await serve({ CSP_CONNECT_SRC: 'wss://rt.example.org, https://api.example.org', CSP_FRAME_ANCESTORS: "'self',https://web.telegram.org" });
      const csp = (await fetch(`${url}/`)).headers.get('content-security-policy') ?? '';
      expect(csp).to.contain("connect-src 'self' wss://rt.example.org https://api.example.org;");
      expect(csp).to.contain("frame-ancestors 'self' https://web.telegram.org;");
      expect(() => loadConfig({ CSP_FRAME_ANCESTORS: 'https://a.example; script-src *' })).to.throw(ConfigError, /CSP_FRAME_ANCESTORS/);
    });
  });
});
