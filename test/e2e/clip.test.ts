// The profile clip in the reference Mini App, in a real browser against the
// all-in-one server: Alice picks a clip (made by ffmpeg in the test), sees the
// upload's progress, then "Processing…" until moderation approves it, and the
// approved clip plays muted in a loop; Bob finds her in discovery with the
// clip looping, muted, on her card.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { accessibilityProblems, screenshot } from './browser.js';
import { e2eApp } from './fixture.js';
import { clip } from '../fixtures/av.js';

interface Person {
  name: string;
  gender: 'woman' | 'man';
  seeking: 'Women' | 'Men';
  birthdate: string;
}

const ALICE: Person = { name: 'Alice', gender: 'woman', seeking: 'Men', birthdate: '1994-03-12' };
const BOB: Person = { name: 'Bob', gender: 'man', seeking: 'Women', birthdate: '1992-07-30' };

describe('web client: the profile clip (Playwright + Chromium, all-in-one server)', function () {
  this.timeout(180_000);
  const e2e = e2eApp({ name: 'e2e-clip', env: { RATE_LIMIT_AUTH_PER_MIN: '1000' } });

  async function phone(lat: number, lon: number): Promise<Page> {
    return e2e.page(await e2e.phone({ latitude: lat, longitude: lon }));
  }

  async function signUp(page: Page, p: Person) {
    await e2e.demoLogin(page, p.name);
    await page.getByLabel('Name', { exact: true }).fill(p.name);
    await page.getByLabel('Birthday').fill(p.birthdate);
    await page.getByLabel('I am').selectOption(p.gender);
    await page.getByLabel(p.seeking, { exact: true }).check();
    await page.getByRole('button', { name: 'Use my current location', exact: true }).click();
    await page.locator('#view').getByText('Location set').waitFor();
    await page.getByRole('button', { name: 'Create profile', exact: true }).click();
    await page.locator('#view').getByText('Profile created').waitFor();
  }

  it('uploads a picked clip with progress, processes it, loops it muted, and shows it on the discovery card', async () => {
    const alice = await phone(52.52, 13.405);
    const bob = await phone(52.53, 13.41);
    await signUp(alice, ALICE);
    await signUp(bob, BOB);

    await alice.locator('label[for="clip-record"]', { hasText: 'Record a clip' }).waitFor();
    expect(await alice.locator('#clip-record').getAttribute('capture')).to.equal('user');
    // Every text the clip's status line shows, in order, and whether the upload showed a local preview and a progress bar.
    await alice.evaluate(() => {
      const w = window as unknown as { clipStates: string[]; clipUploadView: { preview: boolean; bar: boolean } };
      w.clipStates = [];
      w.clipUploadView = { preview: false, bar: false };
      new MutationObserver(() => {
        const t = document.querySelector('.clip-status')?.textContent ?? '';
        if (t && w.clipStates[w.clipStates.length - 1] !== t) w.clipStates.push(t);
        if (t.startsWith('Uploading')) {
          w.clipUploadView.preview ||= document.querySelector('.clip video[src^="blob:"]') !== null;
          w.clipUploadView.bar ||= document.querySelector('.clip progress#clip-progress[max="100"]') !== null;
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const data = await clip({ width: 480, height: 640, seconds: 2, seed: 17 });
    await alice.locator('#clip-input').setInputFiles({ name: 'me.mp4', mimeType: 'video/mp4', buffer: data });
    const view = alice.locator('.clip-view[data-status="approved"] video[src*="/media/files/av/"]');
    await view.waitFor({ timeout: 60_000 });
    const states = await alice.evaluate(() => (window as unknown as { clipStates: string[] }).clipStates);
    expect(states.some((s) => /^Uploading… \d+%$/.test(s)), states.join(' | ')).to.equal(true);
    expect(states).to.include('Processing…');
    const uploadView = await alice.evaluate(() => (window as unknown as { clipUploadView: { preview: boolean; bar: boolean } }).clipUploadView);
    expect(uploadView, 'a local preview of the picked clip and a progress bar while it uploads').to.deep.equal({ preview: true, bar: true });
    const played = await view.evaluate((v: HTMLVideoElement) => ({ muted: v.muted, loop: v.loop, autoplay: v.autoplay, inline: v.hasAttribute('playsinline'), poster: v.poster }));
    expect(played).to.include({ muted: true, loop: true, autoplay: true, inline: true });
    expect(played.poster).to.match(/\/media\/files\/av\/.+\/poster\.webp$/);
    await screenshot(alice, '10-profile-clip');
    expect(await accessibilityProblems(alice), 'accessibility problems on the profile with a clip').to.deep.equal([]);

    await bob.getByRole('link', { name: 'Discover', exact: true }).click();
    await bob.getByRole('heading', { name: 'Alice', level: 2 }).waitFor();
    const card = bob.getByRole('article').locator('video.candidate-clip');
    await card.waitFor();
    const onCard = await card.evaluate((v: HTMLVideoElement) => ({ muted: v.muted, loop: v.loop, autoplay: v.autoplay, src: v.getAttribute('src') }));
    expect(onCard).to.include({ muted: true, loop: true, autoplay: true });
    expect(onCard.src).to.match(/\/media\/files\/av\/.+\/480\.mp4$/);
    await screenshot(bob, '11-discover-clip');

    // Removing the clip leaves the profile without one.
    await alice.getByRole('button', { name: 'Remove clip' }).click();
    await alice.locator('label[for="clip-input"]', { hasText: 'Choose a clip' }).waitFor();
  });
});
