// Photos and voice notes in the chat of the reference Mini App, in a real
// browser against the all-in-one server (moderation worker included): Alice
// attaches a photo and records a voice note by holding the mic button
// (Chromium's fake microphone); Bob sees the photo and plays the voice note
// with its waveform; a photo the NSFW model flagged reaches Bob blurred until
// he taps to reveal it.
import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildAllInOne, type AllInOne } from '../../allinone/app.js';
import { buildWeb } from '../../web/build.js';
import type { Platform } from '../../shared/platform.js';
import { startHttp, type Running } from '../helpers/http.js';
import { testPlatform } from '../helpers/env.js';
import { isolatedDatabase, type IsolatedDatabase } from '../helpers/database.js';
import { createMatch, createUser, type TestUser } from '../helpers/users.js';
import { createProfile } from '../helpers/profiles.js';
import { waitFor } from '../helpers/wait.js';
import { findChromium, phoneContext, screenshot } from './browser.js';
import { watchResponses } from '../contract/response-check.js';
import { photoJpeg } from '../fixtures/images.js';

describe('web client: photos and voice notes in chat (Playwright + Chromium, all-in-one server)', function () {
  this.timeout(180_000);
  const chromiumPath = findChromium();
  let platform: Platform;
  let aio: AllInOne;
  let http: Running;
  let browser: Browser;
  let dataDir: string;
  let database: IsolatedDatabase | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const contractBreaks: string[] = [];
  let ann: TestUser;
  let ben: TestUser;
  let conversation: string;

  before(async function () {
    if (!chromiumPath) {
      // eslint-disable-next-line no-console
      console.log('      skipped: Chromium not found at /usr/bin/chromium (apt-get install chromium)');
      this.skip();
    }
    await buildWeb(); // test the current sources
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'e2e-chat-media-'));
    database = await isolatedDatabase('e2e_chat_media');
    platform = testPlatform({ DATABASE_URL: database.url, DATA_DIR: dataDir, NSFW_ENABLED: 'false' }, 'e2e-chat-media');
    aio = await buildAllInOne(platform);
    http = await startHttp(aio.callback);
    await aio.attach(http.server);
    // A fake microphone (a beep) that needs no permission prompt.
    browser = await chromium.launch({
      executablePath: chromiumPath!,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
    });
    const { db, config } = platform;
    [ann, ben] = [await createUser(db, config, { firstName: 'Alice' }), await createUser(db, config, { firstName: 'Bob' })];
    await createProfile(db, ann.id, { display_name: 'Alice', gender: 'woman' });
    await createProfile(db, ben.id, { display_name: 'Bob', gender: 'man' });
    conversation = (await createMatch(db, ann.id, ben.id)).conversationId;
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

  async function phoneOf(user: TestUser, firstName: string): Promise<Page> {
    const ctx = await phoneContext(browser, { latitude: 52.52, longitude: 13.405 });
    await ctx.grantPermissions(['microphone'], { origin: new URL(http.url).origin });
    contexts.push(ctx);
    watchResponses(ctx, new URL(http.url).origin, contractBreaks);
    const ttl = platform.config.jwt.accessTtlS;
    const session = { access_token: user.token, refresh_token: 'none', expires_at: Date.now() + ttl * 1000, ttl_s: ttl, user: { id: user.id, first_name: firstName, username: null, is_new: false } };
    await ctx.addInitScript((value) => sessionStorage.setItem('tgd.session', value), JSON.stringify(session));
    const page = await ctx.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${err.message}\n${err.stack ?? ''}`));
    await page.goto(`${http.url}/#/chat/${conversation}`);
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    return page;
  }

  const loaded = (page: Page, selector: string) =>
    page.waitForFunction((sel) => Array.from(document.querySelectorAll<HTMLImageElement>(sel)).some((img) => img.complete && img.naturalWidth > 0), selector, { timeout: 60_000 });

  it('a photo attached by Alice and a voice note she records by holding the mic reach Bob; he plays it with its waveform', async () => {
    const alice = await phoneOf(ann, 'Alice');
    const bob = await phoneOf(ben, 'Bob');

    await alice.locator('.composer input[type=file]').setInputFiles({ name: 'beach.jpg', mimeType: 'image/jpeg', buffer: await photoJpeg(800, 600) });
    await bob.getByRole('log').getByRole('img', { name: 'Photo', exact: true }).waitFor({ timeout: 60_000 });
    await loaded(bob, '.msg .photo');
    await loaded(alice, '.msg .photo');

    // Hold the mic button for about two seconds.
    const mic = alice.getByRole('button', { name: 'Hold to record a voice note' });
    const box = (await mic.boundingBox())!;
    await alice.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await alice.mouse.down();
    await alice.getByText('Recording… release to send').waitFor();
    await new Promise((r) => setTimeout(r, 2000)); // the length of the recording, not a wait for an outcome
    await alice.mouse.up();

    const voice = bob.getByRole('log').getByRole('group', { name: /^Voice note, 0:0[1-3]$/ });
    await voice.waitFor({ timeout: 90_000 });
    expect(await voice.locator('.bar').count()).to.be.greaterThan(30);
    await voice.getByRole('button', { name: 'Play voice note' }).click();
    await bob.waitForFunction(() => (document.querySelector<HTMLAudioElement>('.msg .voice audio')?.currentTime ?? 0) > 0.2, null, { timeout: 30_000 });
    await voice.locator('.bar.played').first().waitFor();
    const stored = await platform.db('messages').where({ conversation_id: conversation }).orderBy('seq');
    expect(stored.map((m: { attachment_media_id: string | null }) => Boolean(m.attachment_media_id))).to.deep.equal([true, true]);
    await screenshot(bob, 'chat-media-01-bob');
  });

  it('a flagged photo reaches Bob blurred, and shows after he taps to reveal; Alice is told it was flagged', async () => {
    const alice = await phoneOf(ann, 'Alice');
    const bob = await phoneOf(ben, 'Bob');
    // Alice's client uploads it; the model (off here) is stood in for by the score it would have given.
    const form = new FormData();
    form.append('kind', 'image');
    form.append('file', new Blob([new Uint8Array(await photoJpeg(640, 480, { seed: 7 }))], { type: 'image/jpeg' }), 'p.jpg');
    const up = await fetch(`${http.url}/media/upload`, { method: 'POST', body: form, headers: { authorization: `Bearer ${ann.token}` } });
    expect(up.status).to.equal(202);
    const { id } = (await up.json()) as { id: string };
    await waitFor('the photo approved', async () => (await platform.db('media').where({ id }).first()).status === 'approved', { timeoutMs: 60_000 });
    await platform.db('media').where({ id }).update({ nsfw_score: 0.9 });
    const sent = await fetch(`${http.url}/chat/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ann.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ conversation_id: conversation, client_msg_id: 'flagged-1', attachment: { media_id: id } }),
    });
    expect(sent.status).to.equal(201);

    const reveal = bob.getByRole('button', { name: 'Sensitive photo. Tap to reveal' });
    await reveal.waitFor();
    await bob.getByRole('img', { name: 'Photo, blurred' }).waitFor();
    await alice.getByRole('button', { name: 'Flagged as sensitive: shown blurred. Tap to view' }).waitFor();
    await reveal.click();
    const shown = bob.locator('.msg .photo-wrap:not(.blurred) .photo').last();
    await shown.waitFor();
    expect(await shown.getAttribute('src')).to.match(/\/chat\/[0-9a-f-]+\/file\?exp=\d+&sig=/);
    await loaded(bob, '.msg .photo-wrap:not(.blurred) .photo');
    await screenshot(bob, 'chat-media-02-bob');
  });
});
