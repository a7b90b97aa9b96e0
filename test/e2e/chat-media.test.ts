// Photos and voice notes in the chat of the reference Mini App, in a real
// browser against the all-in-one server (moderation worker included): Alice
// attaches a photo and records a voice note by holding the mic button
// (Chromium's fake microphone); Bob sees the photo and plays the voice note
// with its waveform; a photo the NSFW model flagged reaches Bob blurred until
// he taps to reveal it, and he can report it or block Alice from there.
import { expect } from 'chai';
import { chromium, type Page } from 'playwright-core';
import { createMatch, createUser, type TestUser } from '../helpers/users.js';
import { createProfile } from '../helpers/profiles.js';
import { waitFor } from '../helpers/wait.js';
import { screenshot } from './browser.js';
import { e2eApp } from './fixture.js';
import { photoJpeg } from '../fixtures/images.js';

describe('web client: photos and voice notes in chat (Playwright + Chromium, all-in-one server)', function () {
  this.timeout(180_000);
  const e2e = e2eApp({
    name: 'e2e-chat-media',
    // A fake microphone (a beep) that needs no permission prompt.
    launch: (executablePath) =>
      chromium.launch({
        executablePath,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
      }),
  });
  let ann: TestUser;
  let ben: TestUser;
  let conversation: string;

  before(async () => {
    const { db, config } = e2e.platform;
    [ann, ben] = [await createUser(db, config, { firstName: 'Alice' }), await createUser(db, config, { firstName: 'Bob' })];
    await createProfile(db, ann.id, { display_name: 'Alice', gender: 'woman' });
    await createProfile(db, ben.id, { display_name: 'Bob', gender: 'man' });
    conversation = (await createMatch(db, ann.id, ben.id)).conversationId;
  });

  async function phoneOf(user: TestUser, firstName: string): Promise<Page> {
    const ctx = await e2e.phone({ latitude: 52.52, longitude: 13.405 });
    await ctx.grantPermissions(['microphone'], { origin: new URL(e2e.http.url).origin });
    await e2e.withSession(ctx, user, firstName);
    const page = await e2e.page(ctx);
    await page.goto(`${e2e.http.url}/#/chat/${conversation}`);
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
    const stored = await e2e.platform.db('messages').where({ conversation_id: conversation }).orderBy('seq');
    expect(stored.map((m: { attachment_media_id: string | null }) => Boolean(m.attachment_media_id))).to.deep.equal([true, true]);
    await screenshot(bob, 'chat-media-01-bob');
  });

  it('a flagged photo reaches Bob blurred, and shows after he taps to reveal; Alice is told it was flagged; Bob reports it and blocks her from there', async () => {
    const alice = await phoneOf(ann, 'Alice');
    const bob = await phoneOf(ben, 'Bob');
    // Alice's client uploads it; the model (off here) is stood in for by the score it would have given.
    const form = new FormData();
    form.append('kind', 'image');
    form.append('file', new Blob([new Uint8Array(await photoJpeg(640, 480, { seed: 7 }))], { type: 'image/jpeg' }), 'p.jpg');
    const up = await fetch(`${e2e.http.url}/media/upload`, { method: 'POST', body: form, headers: { authorization: `Bearer ${ann.token}` } });
    expect(up.status).to.equal(202);
    const { id } = (await up.json()) as { id: string };
    await waitFor('the photo approved', async () => (await e2e.platform.db('media').where({ id }).first()).status === 'approved', { timeoutMs: 60_000 });
    await e2e.platform.db('media').where({ id }).update({ nsfw_score: 0.9 });
    const sent = await fetch(`${e2e.http.url}/chat/messages`, {
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

    // From the flagged photo itself: report it (the message as evidence), then block Alice.
    const actions = bob.getByRole('group', { name: 'Sensitive photo' }).last();
    await actions.getByRole('button', { name: 'Report photo' }).click();
    await actions.getByText('Reported').waitFor();
    const report = await e2e.platform.db('reports').where({ reporter_id: ben.id, target_id: ann.id }).first();
    const message = await e2e.platform.db('messages').where({ conversation_id: conversation, attachment_media_id: id }).first();
    expect(report).to.include({ message_id: message.id });
    await actions.getByRole('button', { name: 'Block Alice' }).click();
    await bob.getByRole('dialog', { name: 'Block Alice?' }).getByRole('button', { name: 'Block', exact: true }).click();
    await bob.getByText('You blocked Alice. The chat is closed.').waitFor();
    expect(await e2e.platform.db('blocks').where({ blocker_id: ben.id, blocked_id: ann.id }).first()).to.not.equal(undefined);
  });
});
