// The gateway's web router: the built Mini App at `/`, cached correctly.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { webRouter } from '../../api/gateway/web.js';
import { createHttpApp } from '../../shared/http/app.js';
import { createLogger } from '../../shared/logger.js';
import { buildWeb } from '../../web/build.js';
import { testConfig } from '../helpers/env.js';
import { errorCode, startHttp, type Running } from '../helpers/http.js';

describe('web router (the Mini App served by the gateway)', function () {
  this.timeout(60_000);
  const config = testConfig();
  const logger = createLogger(config, 'test');
  const dirs: string[] = [];
  const running: Running[] = [];

  async function serve(opts: { build: boolean; buildIfMissing?: boolean }) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'web-'));
    dirs.push(dir);
    if (opts.build) await buildWeb(dir);
    const app = createHttpApp({ service: 'gateway', logger, readiness: {}, routers: [webRouter(config, { dir, buildIfMissing: opts.buildIfMissing, logger })] });
    const r = await startHttp(app.callback());
    running.push(r);
    return { url: r.url, dir };
  }

  after(async () => {
    for (const r of running) await r.close();
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  it('serves index.html revalidated on every load, with a content security policy', async () => {
    const { url } = await serve({ build: true });
    for (const p of ['/', '/index.html', '/api/v1/']) {
      const res = await fetch(url + p);
      expect(res.status, p).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      expect(res.headers.get('cache-control')).to.equal('no-cache');
      expect(res.headers.get('content-security-policy')).to.contain("default-src 'self'");
      const html = await res.text();
      expect(html).to.match(/<script type="module" src="\/assets\/app-[A-Z0-9]+\.js">/);
      expect(html).not.to.contain('%JS%');
    }
  });

  it('serves hashed assets for a year, compressed when the client accepts it', async () => {
    const { url } = await serve({ build: true });
    const html = await (await fetch(`${url}/`)).text();
    const js = /src="(\/assets\/app-[^"]+\.js)"/.exec(html)![1];
    const css = /href="(\/assets\/styles-[^"]+\.css)"/.exec(html)![1];

    const br = await fetch(url + js, { headers: { 'accept-encoding': 'br' } });
    expect(br.status).to.equal(200);
    expect(br.headers.get('content-encoding')).to.equal('br');
    expect(br.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
    expect(br.headers.get('content-type')).to.match(/^text\/javascript/);
    expect(br.headers.get('vary')).to.match(/accept-encoding/i);
    expect(await br.text()).to.contain('/chat/connect'); // fetch decodes it

    const plain = await fetch(url + css, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).to.equal(null);
    expect(plain.headers.get('content-type')).to.match(/^text\/css/);
    const body = await plain.text();
    expect(Number(plain.headers.get('content-length'))).to.equal(Buffer.byteLength(body));

    const head = await fetch(url + css, { method: 'HEAD', headers: { 'accept-encoding': 'identity' } });
    expect(head.status).to.equal(200);
    expect(Number(head.headers.get('content-length'))).to.equal(Buffer.byteLength(body));
  });

  it('answers 404 in the contract shape for unknown assets and paths that try to leave the folder', async () => {
    const { url } = await serve({ build: true });
    for (const p of ['/assets/nope.js', '/assets/..%2Findex.html', '/assets/.hidden.js', '/assets/app.exe']) {
      const res = await fetch(url + p);
      expect(res.status, p).to.equal(404);
      expect(errorCode({ status: res.status, body: await res.json(), headers: res.headers })).to.equal('not_found');
    }
  });

  it('builds the client on first use when the folder has none, or says how to build it', async () => {
    const lazy = await serve({ build: false });
    const res = await fetch(`${lazy.url}/`);
    expect(res.status).to.equal(200);
    expect(await fs.readdir(path.join(lazy.dir, 'assets'))).to.have.length.greaterThan(1);

    const off = await serve({ build: false, buildIfMissing: false });
    const missing = await fetch(`${off.url}/`);
    expect(missing.status).to.equal(503);
    const body = await missing.json();
    expect(body.error.code).to.equal('unavailable');
    expect(body.error.message).to.contain('npm run build:web');
  });
});
