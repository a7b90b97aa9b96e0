// GET /docs in Chromium: Swagger UI renders every tag of the OpenAPI document
// and the socket events of the AsyncAPI document, with nothing fetched from
// another origin (the page works offline) and no console errors (CSP included).
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { createGateway, type Gateway } from '../../api/gateway/index.js';
import { webRouter } from '../../api/gateway/web.js';
import { contractDocuments } from '../../shared/contract/documents.js';
import { TAGS } from '../../shared/contract/operations.js';
import { createLogger } from '../../shared/logger.js';
import { findChromium, launchChromium } from '../e2e/browser.js';
import { testConfig } from '../helpers/env.js';
import { startHttp, type Running } from '../helpers/http.js';

describe('API reference page (GET /docs)', function () {
  this.timeout(60_000);
  let gateway: Gateway;
  let running: Running;
  let browser: Browser | undefined;

  before(async function () {
    const chromium = findChromium();
    if (!chromium) {
      console.warn('      skipped: no Chromium at /usr/bin/chromium (.ci/run installs it)');
      return this.skip();
    }
    const config = testConfig();
    gateway = createGateway({ config, logger: createLogger(config, 'gateway'), routers: [webRouter(config, { buildIfMissing: false })] });
    running = await startHttp(gateway.handleRequest);
    browser = await launchChromium(chromium);
  });
  after(async () => {
    await browser?.close();
    await running?.close();
    await gateway?.stop();
  });

  it('renders every tag and every socket event, offline and without console errors', async () => {
    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    const origin = new URL(running.url).origin;
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin || url.startsWith('data:')) return route.continue();
      problems.push(`request to another origin: ${url}`);
      return route.abort();
    });

    const res = await page.goto(`${running.url}/docs`);
    expect(res?.status()).to.equal(200);
    expect(res?.headers()['content-security-policy']).to.include("script-src 'self'");

    const tags = Object.keys(TAGS);
    await page.waitForFunction((n) => document.querySelectorAll('.opblock-tag-section').length >= n, tags.length);
    const shown = await page.$$eval('.opblock-tag', (els) => els.map((e) => e.getAttribute('data-tag')));
    expect(shown).to.have.members(tags);

    const asyncapi = contractDocuments()['asyncapi.json'].json as { operations: Record<string, unknown> };
    const events = Object.keys(asyncapi.operations).length;
    await page.waitForFunction((n) => document.querySelectorAll('#socket-events tbody tr').length === n, events);
    const names = await page.$$eval('#socket-events tbody th', (els) => els.map((e) => e.textContent));
    expect(names).to.include.members(['message:send', 'message:new', 'connect_error']);

    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
