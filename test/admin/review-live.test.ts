// The moderator console's live queue: a media item held for review reaches the
// sockets of admins who asked for it at connect (auth {token, admin: true}),
// through the realtime tier's admins' room, and no one else's.
import { expect } from 'chai';
import { createUser } from '../helpers/users.js';
import { closeSockets, nextEvent, openSocket } from '../helpers/sockets.js';
import { startNode, type Node } from '../helpers/realtime.js';
import { ADMIN_CAPABLE_ENV } from '../helpers/telegram.js';
import { createPhoto, startAdmin, type AdminApp } from './fixtures.js';

describe('admin live queue: admin:review on the realtime tier', () => {
  let app: AdminApp;
  let rt: Node;

  before(async () => {
    app = await startAdmin();
    rt = await startNode({ ...ADMIN_CAPABLE_ENV, ADMIN_TELEGRAM_IDS: String(app.admin.telegramId) });
  });
  afterEach(() => closeSockets());
  after(async () => {
    await rt?.close();
    await app?.close();
  });

  it("reaches an admin's console socket, and not a non-admin who asked for it", async () => {
    const owner = await createUser(app.platform.db, app.platform.config, { firstName: 'Olga' });
    const media = await createPhoto(app.platform.db, owner.id, { status: 'review' });
    const console = await openSocket(rt.url, app.admin.token, { auth: { token: app.admin.token, admin: true } });
    // The owner asks too; the server lets only admins into the room.
    const ownerSocket = await openSocket(rt.url, owner.token, { auth: { token: owner.token, admin: true } });
    const heardByOwner: unknown[] = [];
    ownerSocket.on('admin:review', (p) => heardByOwner.push(p));

    const toConsole = nextEvent(console, 'admin:review', { filter: (p) => p.id === media, timeoutMs: 15_000 });
    const toOwner = nextEvent(ownerSocket, 'media:moderated', { filter: (p) => p.id === media, timeoutMs: 15_000 });
    await rt.platform.bus.publish('media.moderated', { media_id: media, owner_id: owner.id, status: 'review', nsfw_score: 0.5 });

    expect(await toConsole).to.deep.equal({ id: media });
    // The admins' room is sent to before the owner's: had the owner's socket been in it, it would have heard first.
    expect(await toOwner).to.deep.equal({ id: media, status: 'review' });
    expect(heardByOwner).to.deep.equal([]);
  });

  it('is not sent for a decided item', async () => {
    const owner = await createUser(app.platform.db, app.platform.config);
    const decided = await createPhoto(app.platform.db, owner.id, { status: 'approved' });
    const held = await createPhoto(app.platform.db, owner.id, { status: 'review' });
    const console = await openSocket(rt.url, app.admin.token, { auth: { token: app.admin.token, admin: true } });
    const heard: string[] = [];
    console.on('admin:review', (p) => heard.push(p.id));
    const last = nextEvent(console, 'admin:review', { filter: (p) => p.id === held, timeoutMs: 15_000 });
    await rt.platform.bus.publish('media.moderated', { media_id: decided, owner_id: owner.id, status: 'approved', nsfw_score: 0.1 });
    await rt.platform.bus.publish('media.moderated', { media_id: held, owner_id: owner.id, status: 'review', nsfw_score: 0.5 });
    await last;
    expect(heard).to.deep.equal([held]);
  });
});
