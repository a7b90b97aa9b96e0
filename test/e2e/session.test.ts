// The web client's session against short-lived access tokens (4 s): it
// refreshes ahead of expiry (REST and the live socket keep working), and a
// session revoked elsewhere sends it back to the login screen.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildAllInOne, type AllInOne } from '../../allinone/app.js';
import { buildWeb } from '../../web/build.js';
import type { Platform } from '../../shared/platform.js';
import { client, startHttp, type Running } from '../helpers/http.js';
import { testPlatform } from '../helpers/env.js';
import { isolatedDatabase, type IsolatedDatabase } from '../helpers/database.js';
import { findChromium, launchChromium, phoneContext } from './browser.js';
import { watchResponses } from '../contract/response-check.js';

describe('web client session in a browser (4 s access tokens)', function () {
  this.timeout(60_000);
  const chromiumPath = findChromium();
  let platform: Platform;
  let aio: AllInOne;
  let http: Running;
  let browser: Browser;
  let dataDir: string;

  // Its own database: a browser user's deck must not depend on other tests' people.
  let database: IsolatedDatabase | undefined;

  before(async function () {
    if (!chromiumPath) {
      // eslint-disable-next-line no-console
      console.log('      skipped: Chromium not found at /usr/bin/chromium (apt-get install chromium)');
      this.skip();
    }
    await buildWeb();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'e2e-session-'));
    database = await isolatedDatabase('e2e');
    platform = testPlatform({ DATABASE_URL: database.url, DATA_DIR: dataDir, NSFW_ENABLED: 'false', ACCESS_TOKEN_TTL_S: '4', RATE_LIMIT_AUTH_PER_MIN: '1000' }, 'e2e');
    aio = await buildAllInOne(platform);
    http = await startHttp(aio.callback);
    await aio.attach(http.server);
    browser = await launchChromium(chromiumPath!);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await aio?.stop();
    await http?.close();
    await platform?.close();
    await database?.drop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  /** Responses the pages got that break docs/openapi.json (test/contract/response-check.ts). */
  const contractBreaks: string[] = [];
  afterEach(() => {
    expect(contractBreaks, 'responses that break docs/openapi.json').to.deep.equal([]);
  });

  const accessToken = (page: Page) =>
    page.evaluate(() => (JSON.parse(sessionStorage.getItem('tgd.session') ?? 'null') as { access_token: string } | null)?.access_token ?? null);

  async function demoLogin(name: string): Promise<Page> {
    const ctx = await phoneContext(browser, { latitude: 48.85, longitude: 2.35 });
    watchResponses(ctx, new URL(http.url).origin, contractBreaks);
    const page = await ctx.newPage();
    await page.goto(http.url);
    await page.getByLabel('Your name').fill(name);
    await page.getByRole('button', { name: 'Log in as demo user', exact: true }).click();
    await page.getByRole('heading', { name: 'Create your profile', level: 1 }).waitFor();
    return page;
  }

  it('refreshes the access token before it expires, so REST and the socket keep working', async () => {
    const page = await demoLogin('Rita');
    const first = await accessToken(page);
    expect(first).to.be.a('string');
    await page.waitForTimeout(7000); // the first token is long expired by now
    const later = await accessToken(page);
    expect(later).to.be.a('string').and.not.equal(first);
    await page.getByLabel('Birthday').fill('1991-05-05');
    await page.getByLabel('I am').selectOption('woman');
    await page.getByLabel('Men', { exact: true }).check();
    await page.getByRole('button', { name: 'Create profile', exact: true }).click();
    await page.locator('#view').getByText('Profile created').waitFor();
    expect(await page.locator('#conn').textContent()).to.equal(''); // socket online
    const verify = await client(http.url).get('/auth/verify', { token: (await accessToken(page))! });
    expect(verify.status).to.equal(200);
    await page.context().close();
  });

  it('goes back to the login screen when the session is revoked elsewhere', async () => {
    const page = await demoLogin('Sam');
    const logout = await client(http.url).post('/auth/logout', undefined, { token: (await accessToken(page))! });
    expect(logout.status).to.equal(204);
    // The next refresh is refused: the tab forgets the session.
    await page.getByRole('button', { name: 'Log in as demo user', exact: true }).waitFor({ timeout: 15_000 });
    expect(await accessToken(page)).to.equal(null);
    await page.context().close();
  });
});
