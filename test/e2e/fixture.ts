// The setup every browser test shares: skip without Chromium, an all-in-one
// app on a database and data folder of its own, a headless Chromium, browser
// contexts whose responses are checked against docs/openapi.json, sign-in by
// the tab's session or by signed init data, and the teardown of all of it.
// Each test keeps its own env overrides and people.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildAllInOne, type AllInOne } from '../../allinone/app.js';
import { buildWeb, type WebBuild } from '../../web/build.js';
import type { Platform } from '../../shared/platform.js';
import { startHttp, type Running } from '../helpers/http.js';
import { testEnv, testPlatform } from '../helpers/env.js';
import { isolatedDatabase, type IsolatedDatabase } from '../helpers/database.js';
import { signInitData } from '../helpers/telegram.js';
import type { TestUser } from '../helpers/users.js';
import { watchResponses } from '../contract/response-check.js';
import { findChromium, launchChromium, phoneContext } from './browser.js';
import { cloudStorageOp, TELEGRAM_SDK_STUB } from './telegram-stub.js';

export interface E2eOptions {
  /** Names the data folder, the database (always one of its own) and the platform's service. */
  name: string;
  /** Env overrides beside DATABASE_URL, DATA_DIR and NSFW_ENABLED=false (a function: read when the app starts). */
  env?: Record<string, string | undefined> | (() => Record<string, string | undefined>);
  /** Build web/ from the current sources first (default true; the admin console needs no build). */
  buildWeb?: boolean;
  /** Start Chromium another way (flags of its own). */
  launch?: (executablePath: string) => Promise<Browser>;
}

export interface E2e {
  readonly platform: Platform;
  readonly aio: AllInOne;
  readonly http: Running;
  readonly browser: Browser;
  readonly bundle: WebBuild | undefined;
  /** Errors thrown in pages opened with page(); afterEach expects none. */
  readonly pageErrors: string[];
  /** Responses that break docs/openapi.json (test/contract/response-check.ts); afterEach expects none. */
  readonly contractBreaks: string[];
  /** A phone-sized context (closed after the suite) whose responses are checked. */
  phone(location: { latitude: number; longitude: number }): Promise<BrowserContext>;
  /** A desktop-sized context (closed after the suite) whose responses are checked. */
  desktop(): Promise<BrowserContext>;
  /** A page of `ctx` whose errors go to pageErrors. */
  page(ctx: BrowserContext): Promise<Page>;
  /** Signs `user` in as a login leaves the tab: its session in sessionStorage. */
  withSession(ctx: BrowserContext, user: TestUser, firstName: string): Promise<void>;
  /** Logs in as a new demo user called `name` and waits for onboarding. */
  demoLogin(page: Page, name: string): Promise<void>;
  /** Init data signed with the bot token, as Telegram launches the Mini App. */
  initData(user: { id: number; first_name: string }, extra?: Record<string, string>): string;
  /** Serves the stub of Telegram's WebApp SDK to `ctx`; its CloudStorage is `cloud` (kept across reloads, like Telegram's). */
  telegramStub(ctx: BrowserContext): Promise<{ cloud: Map<string, string> }>;
}

/** Registers the suite's before/afterEach/after hooks; call it first in the describe. */
export function e2eApp(opts: E2eOptions): E2e {
  const chromiumPath = findChromium();
  let platform: Platform;
  let aio: AllInOne;
  let http: Running;
  let browser: Browser;
  let bundle: WebBuild | undefined;
  let dataDir: string | undefined;
  let database: IsolatedDatabase | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const contractBreaks: string[] = [];

  before(async function () {
    if (!chromiumPath) {
      // eslint-disable-next-line no-console
      console.log('      skipped: Chromium not found at /usr/bin/chromium (apt-get install chromium)');
      this.skip();
    }
    if (opts.buildWeb ?? true) bundle = await buildWeb(); // test the current sources
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `${opts.name}-`));
    database = await isolatedDatabase(opts.name.replace(/-/g, '_'));
    const env = typeof opts.env === 'function' ? opts.env() : opts.env;
    // Its own Redis prefix too (under the run's, cleaned with it): rate-limit windows such as
    // logins per address (everything comes from 127.0.0.1) do not carry over from the suites before.
    platform = testPlatform(
      { REDIS_PREFIX: `${testEnv.redisPrefix}${opts.name}:`, ...env, DATABASE_URL: database.url, DATA_DIR: dataDir, NSFW_ENABLED: 'false' },
      opts.name,
    );
    aio = await buildAllInOne(platform);
    http = await startHttp(aio.callback);
    await aio.attach(http.server);
    browser = await (opts.launch ?? launchChromium)(chromiumPath!);
  });

  afterEach(() => {
    expect(pageErrors, 'errors thrown in the page').to.deep.equal([]);
    expect(contractBreaks, 'responses that break docs/openapi.json').to.deep.equal([]);
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await aio?.stop();
    await http?.close();
    await platform?.close();
    await database?.drop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  const watched = (ctx: BrowserContext) => {
    contexts.push(ctx);
    watchResponses(ctx, new URL(http.url).origin, contractBreaks);
    return ctx;
  };

  return {
    get platform() {
      return platform;
    },
    get aio() {
      return aio;
    },
    get http() {
      return http;
    },
    get browser() {
      return browser;
    },
    get bundle() {
      return bundle;
    },
    pageErrors,
    contractBreaks,
    phone: async (location) => watched(await phoneContext(browser, location)),
    desktop: async () => watched(await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' })),
    async page(ctx) {
      const page = await ctx.newPage();
      page.on('pageerror', (err) => pageErrors.push(`${err.message}\n${err.stack ?? ''}`));
      return page;
    },
    async withSession(ctx, user, firstName) {
      const ttl = platform.config.jwt.accessTtlS;
      const session = { access_token: user.token, refresh_token: 'none', expires_at: Date.now() + ttl * 1000, ttl_s: ttl, user: { id: user.id, first_name: firstName, username: null, is_new: false } };
      await ctx.addInitScript((value) => sessionStorage.setItem('tgd.session', value), JSON.stringify(session));
    },
    async demoLogin(page, name) {
      await page.goto(http.url);
      await page.getByLabel('Your name').fill(name);
      await page.getByRole('button', { name: 'Log in as demo user', exact: true }).click();
      await page.getByRole('heading', { name: 'Create your profile', level: 1 }).waitFor();
    },
    initData: (user, extra) => signInitData(user, { botToken: platform.config.telegram.botToken, ...(extra ? { extra } : {}) }),
    async telegramStub(ctx) {
      const cloud = new Map<string, string>();
      await ctx.exposeBinding('__tgCloud', (_source, op: 'get' | 'set' | 'remove', key: string, value?: string) => cloudStorageOp(cloud, op, key, value));
      await ctx.route('https://telegram.org/js/telegram-web-app.js', (route) => route.fulfill({ contentType: 'text/javascript', body: TELEGRAM_SDK_STUB }));
      return { cloud };
    },
  };
}
