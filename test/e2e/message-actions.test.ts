// Message actions in the reference Mini App, in a real browser against the
// all-in-one server: two phone-sized browser contexts are Alice and Bob (made
// in the database and signed in by their tab's session), who reply, react,
// edit and unsend live; Bob goes offline while Alice edits, reacts and unsends,
// and catches up when he is back; Alice meets the unique-opener rule and the
// "are you sure?" prompt, and Bob reports the message she sent anyway.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { createMatch, createUser, type TestUser } from '../helpers/users.js';
import { createProfile } from '../helpers/profiles.js';
import { screenshot } from './browser.js';
import { e2eApp } from './fixture.js';

describe('message actions in the browser (Playwright + Chromium, all-in-one server)', function () {
  this.timeout(120_000);
  const e2e = e2eApp({ name: 'e2e-actions' });
  let alice: Page;
  let bob: Page;
  let ann: TestUser;
  let ben: TestUser;
  let carol: TestUser;
  let conversation: string;
  let withCarol: string;

  before(async () => {
    const { db, config } = e2e.platform;
    [ann, ben, carol] = [await createUser(db, config, { firstName: 'Alice' }), await createUser(db, config, { firstName: 'Bob' }), await createUser(db, config, { firstName: 'Carol' })];
    const dave = await createUser(db, config, { firstName: 'Dave' });
    await createProfile(db, ann.id, { display_name: 'Alice', gender: 'woman' });
    await createProfile(db, ben.id, { display_name: 'Bob', gender: 'man' });
    await createProfile(db, carol.id, { display_name: 'Carol', gender: 'man' });
    await createProfile(db, dave.id, { display_name: 'Dave', gender: 'man' });
    conversation = (await createMatch(db, ann.id, ben.id)).conversationId;
    withCarol = (await createMatch(db, ann.id, carol.id)).conversationId;
    // An opener Alice sent Dave last week.
    const withDave = (await createMatch(db, ann.id, dave.id)).conversationId;
    await db('messages').insert({ conversation_id: withDave, seq: 1, sender_id: ann.id, body: 'Hey! Love your dog photos, what breed is he?', client_msg_id: 'seed-1', created_at: new Date(Date.now() - 7 * 86_400_000) });
    await db('conversations').where('id', withDave).update({ last_seq: 1 });
  });

  /** A phone signed in as `user` (the tab's session, as a login leaves it) with the chat open. */
  async function phoneOf(user: TestUser, firstName: string, conversationId: string): Promise<Page> {
    const ctx = await e2e.phone({ latitude: 52.52, longitude: 13.405 });
    await e2e.withSession(ctx, user, firstName);
    const page = await e2e.page(ctx);
    await page.goto(`${e2e.http.url}/#/chat/${conversationId}`);
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    return page;
  }

  /** The message whose own text (not a quote of it) has `text`. */
  const row = (page: Page, text: string) => page.getByRole('log').locator('.msg').filter({ has: page.locator('.body', { hasText: text }) });
  const actionsOn = async (page: Page, text: string) => {
    await row(page, text).getByRole('button', { name: 'Message actions' }).click();
    return page.getByRole('dialog', { name: 'Message actions' });
  };
  const write = async (page: Page, text: string) => {
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill(text);
    await composer.press('Enter');
  };

  it('replies, reacts, edits and unsends, each seen live in the other browser', async () => {
    alice = await phoneOf(ann, 'Alice', conversation);
    bob = await phoneOf(ben, 'Bob', conversation);

    await write(alice, 'Hi Bob, how was the climb?');
    await row(bob, 'Hi Bob, how was the climb?').waitFor();

    // Bob replies from the action sheet (a swipe or a long-press opens the same).
    await (await actionsOn(bob, 'Hi Bob, how was the climb?')).getByRole('button', { name: 'Reply', exact: true }).click();
    await bob.locator('.compose-context').getByText('Replying to Alice').waitFor();
    await write(bob, 'It was great, we made the summit!');
    const reply = row(alice, 'It was great, we made the summit!');
    await reply.locator('.quote').getByText('Hi Bob, how was the climb?').waitFor();

    // Alice reacts; Bob sees the count.
    await (await actionsOn(alice, 'It was great, we made the summit!')).getByRole('button', { name: 'React ❤️' }).click();
    await row(bob, 'It was great, we made the summit!').getByRole('button', { name: '❤️ 1' }).waitFor();
    await reply.getByRole('button', { name: '❤️ 1, yours' }).waitFor();

    // Alice edits her message; Bob sees the new text, marked edited.
    await (await actionsOn(alice, 'Hi Bob, how was the climb?')).getByRole('button', { name: 'Edit', exact: true }).click();
    await alice.locator('.compose-context').getByText('Editing message').waitFor();
    expect(await alice.getByRole('textbox', { name: 'Message' }).inputValue()).to.equal('Hi Bob, how was the climb?');
    await write(alice, 'Hi Bob, how was the climbing trip?');
    const edited = row(bob, 'Hi Bob, how was the climbing trip?');
    await edited.locator('.edited').waitFor();
    // The quote in Bob's reply still shows what he answered (quotes are taken when shown).

    // Bob unsends a message Alice has not read yet: she is on another screen.
    await alice.goto(`${e2e.http.url}/#/matches`);
    await write(bob, 'Sent to the wrong chat, sorry');
    await (await actionsOn(bob, 'Sent to the wrong chat, sorry')).getByRole('button', { name: 'Unsend', exact: true }).click();
    await bob.getByRole('log').locator('.msg.deleted').getByText('Message deleted').waitFor();
    await alice.goto(`${e2e.http.url}/#/chat/${conversation}`);
    await alice.getByRole('log').locator('.msg.deleted').getByText('Message deleted').waitFor();
    expect(await alice.getByRole('log').getByText('Sent to the wrong chat, sorry').count()).to.equal(0);
    const stored = await e2e.platform.db('messages').where({ conversation_id: conversation, seq: 3 }).first();
    expect(stored.body).to.equal(null);
    await screenshot(alice, 'actions-01-alice');
    await screenshot(bob, 'actions-01-bob');
  });

  it('a browser offline during an edit, a reaction and an unsend catches up when it is back', async () => {
    await bob.context().setOffline(true);
    await bob.locator('#conn').getByText(/Offline|Connecting/).waitFor({ timeout: 60_000 });
    await (await actionsOn(alice, 'Hi Bob, how was the climbing trip?')).getByRole('button', { name: 'Edit', exact: true }).click();
    await write(alice, 'Hi Bob, how was the climbing trip? Photos please!');
    await row(alice, 'Photos please!').waitFor();
    await (await actionsOn(alice, 'It was great, we made the summit!')).getByRole('button', { name: 'React 🔥' }).click();
    await row(alice, 'It was great, we made the summit!').getByRole('button', { name: '🔥 1, yours' }).waitFor();
    await write(alice, 'Oops, not for you');
    await row(alice, 'Oops, not for you').and(alice.locator('[data-status="sent"]')).waitFor();
    await (await actionsOn(alice, 'Oops, not for you')).getByRole('button', { name: 'Unsend', exact: true }).click();
    await row(alice, 'Message deleted').nth(1).waitFor();

    await bob.context().setOffline(false);
    await row(bob, 'Photos please!').waitFor({ timeout: 30_000 });
    await row(bob, 'It was great, we made the summit!').getByRole('button', { name: '🔥 1' }).waitFor();
    expect(await row(bob, 'It was great, we made the summit!').getByRole('button', { name: '❤️ 1' }).count()).to.equal(0);
    await bob.getByRole('log').locator('.msg.deleted').nth(1).waitFor();
    expect(await bob.getByRole('log').getByText('Oops, not for you').count()).to.equal(0);
    const seqs = await bob.getByRole('log').locator('.msg').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.seq)));
    expect(seqs).to.deep.equal([1, 2, 3, 4]);
  });

  it('a long-press opens the action sheet, and a swipe to the right starts a reply', async () => {
    const target = row(alice, 'It was great, we made the summit!');
    const box = (await target.boundingBox())!;
    const [x, y] = [box.x + 20, box.y + box.height / 2];
    await alice.mouse.move(x, y);
    await alice.mouse.down();
    const sheet = alice.getByRole('dialog', { name: 'Message actions' });
    await sheet.waitFor();
    await alice.mouse.up();
    await alice.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });

    await alice.mouse.move(x, y);
    await alice.mouse.down();
    await alice.mouse.move(x + 40, y, { steps: 4 });
    await alice.mouse.move(x + 90, y, { steps: 4 });
    await alice.mouse.up();
    await alice.locator('.compose-context').getByText('Replying to Bob').waitFor();
    await alice.getByRole('button', { name: 'Cancel reply' }).click();
    await alice.locator('.compose-context').waitFor({ state: 'hidden' });
  });

  it('keeps the draft of a copied opener, asks "are you sure?" before a hurtful message, and the reader can report it', async () => {
    // A copy of the opener Alice sent Dave, to Carol: refused, the draft stays.
    await alice.goto(`${e2e.http.url}/#/chat/${withCarol}`);
    await alice.getByRole('textbox', { name: 'Message' }).waitFor();
    await write(alice, 'hey, love your dog photos!! what breed is he 🐶');
    await alice.getByRole('status').getByText('looks like one you have sent before').waitFor();
    expect(await alice.getByRole('textbox', { name: 'Message' }).inputValue()).to.equal('hey, love your dog photos!! what breed is he 🐶');
    expect(await alice.getByRole('log').locator('.msg').count()).to.equal(0);
    await write(alice, 'Is that Mont Blanc in your second photo?');
    await row(alice, 'Mont Blanc').and(alice.locator('[data-status="sent"]')).waitFor();

    // "Are you sure?": edit first, then send anyway.
    await alice.goto(`${e2e.http.url}/#/chat/${conversation}`);
    await alice.getByRole('textbox', { name: 'Message' }).waitFor();
    await write(alice, 'what the fuck is that photo');
    const sure = alice.getByRole('dialog', { name: 'Are you sure?' });
    await sure.waitFor();
    await screenshot(alice, 'actions-02-are-you-sure');
    await sure.getByRole('button', { name: 'Edit message' }).click();
    expect(await alice.getByRole('textbox', { name: 'Message' }).inputValue()).to.equal('what the fuck is that photo');
    await alice.getByRole('textbox', { name: 'Message' }).press('Enter');
    await sure.getByRole('button', { name: 'Send anyway' }).click();
    const hurtful = row(bob, 'what the fuck is that photo');
    await hurtful.waitFor();

    // "Does this bother you?": one tap reports it, with the message as evidence.
    const prompt = hurtful.getByRole('group', { name: 'Does this bother you?' });
    await prompt.waitFor();
    await screenshot(bob, 'actions-03-does-this-bother-you');
    await prompt.getByRole('button', { name: 'Report' }).click();
    await prompt.waitFor({ state: 'detached' });
    const report = await e2e.platform.db('reports').where({ reporter_id: ben.id, target_id: ann.id }).first();
    expect(report).to.include({ priority: 2 });
    expect(report.evidence).to.include({ body: 'what the fuck is that photo', flagged: true });
  });
});
