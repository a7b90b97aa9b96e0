// The moderation worker's repair sweep: an upload whose media.uploaded never
// reached the worker (lost with a Redis that came back empty, or published
// while no group existed) is still decided; decided media is left alone.
// Runs on a database of its own: the sweep looks at every pending upload.
import { expect } from 'chai';
import { createUser } from '../helpers/users.js';
import { photoJpeg } from '../fixtures/images.js';
import { moderated, startMediaApp, uploadTo, type MediaApp } from '../media/helpers.js';
import { startModerationWorker, type ModerationWorker } from '../../workers/moderation/index.js';
import { testEnv } from '../helpers/env.js';
import { ownDatabase, type OwnDatabase } from '../helpers/own-database.js';

describe('moderation worker: repair sweep of lost upload events', function () {
  this.timeout(30_000);
  let database: OwnDatabase;
  let app: MediaApp;
  let worker: ModerationWorker | undefined;

  before(async () => {
    database = await ownDatabase('repair_moderation');
    app = await startMediaApp({ DATABASE_URL: database.url, REDIS_PREFIX: `${testEnv.redisPrefix}repair-moderation:` });
  });
  after(async () => {
    await worker?.stop();
    await app.close();
    await database.drop();
  });

  it('decides uploads whose event the worker never got, and only once', async () => {
    const owner = await createUser(app.platform.db, app.platform.config);
    // Uploaded while no moderation group existed: the group, made later at '$', never sees these events.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await uploadTo(app.api, '/media/upload', owner.token, await photoJpeg(320, 240, { seed: i }));
      expect(res.status).to.equal(202);
      ids.push(res.body.id);
    }
    const decidedBefore = await app.platform.db('media').where({ owner_id: owner.id }).whereNot('status', 'pending').count({ n: '*' });
    expect(Number(decidedBefore[0].n)).to.equal(0);

    const moderatedEvents = () =>
      app.platform.redis!.xrange(`${app.platform.config.redisPrefix}events:media`, '-', '+').then((entries) =>
        entries.filter(([, f]) => f[f.indexOf('type') + 1] === 'media.moderated').map(([, f]) => JSON.parse(f[f.indexOf('payload') + 1]).media_id as string),
      );
    await app.platform.redis!.xgroup('CREATE', `${app.platform.config.redisPrefix}events:media`, 'moderation', '$', 'MKSTREAM');
    worker = startModerationWorker(app.platform, { storage: app.storage, repair: { everyMs: 100, graceMs: 0 } });
    await worker.ready;
    for (const id of ids) expect((await moderated(app.platform.db, id, 15_000)).status).to.equal('approved');
    await new Promise((r) => setTimeout(r, 500)); // more rounds: nothing pending, nothing re-published
    const announced = await moderatedEvents();
    for (const id of ids) expect(announced.filter((m) => m === id), `media.moderated of ${id}`).to.have.length(1);
  });
});
