import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { createUser, type TestUser } from '../helpers/users.js';
import { photoJpeg } from '../fixtures/images.js';
import { moderated, startMediaApp, uploadTo, type MediaApp } from '../media/helpers.js';
import { startModerationWorker, type ModerationWorker } from '../../workers/moderation/index.js';
import { decide } from '../../workers/moderation/pipeline.js';
import { nsfwScore } from '../../workers/moderation/nsfw.js';

const run = promisify(execFile);

describe('NSFW classification (bundled MobileNetV2)', function () {
  this.timeout(60_000);

  it('loads the model bundled in nsfwjs with the network cut off, and scores an image', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/fixtures/nsfw-offline.ts'], { timeout: 60_000 });
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(out.attempts).to.deep.equal([]);
    expect(out.backend).to.be.oneOf(['tensorflow', 'wasm', 'cpu']);
    const total = Object.values(out.scores as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(total).to.be.closeTo(1, 0.01);
    expect(Object.keys(out.scores).sort()).to.deep.equal(['drawing', 'hentai', 'neutral', 'porn', 'sexy']);
  });

  it('scores as nsfwjs does with the batch norms and ReLUs folded into the convolutions', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/fixtures/nsfw-fused.ts'], { timeout: 60_000 });
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(out.images).to.equal(4);
    expect(out.maxDiff).to.be.below(1e-4);
  });

  it('decides against the thresholds: approve below, reject above, review in between', () => {
    const t = { approveBelow: 0.4, rejectAbove: 0.85 };
    expect(decide(0.1, t)).to.equal('approved');
    expect(decide(0.4, t)).to.equal('review');
    expect(decide(0.85, t)).to.equal('review');
    expect(decide(0.9, t)).to.equal('rejected');
    expect(decide(null, t)).to.equal('approved');
    expect(nsfwScore({ drawing: 0, neutral: 0.1, porn: 0.5, hentai: 0.2, sexy: 0.2 })).to.be.closeTo(0.76, 1e-9);
    expect(nsfwScore({ drawing: 0, neutral: 0, porn: 0, hentai: 0, sexy: 1 })).to.be.closeTo(0.3, 1e-9);
  });

  describe('in the worker', () => {
    let app: MediaApp;
    let alice: TestUser;
    let worker: ModerationWorker | undefined;

    before(async () => {
      app = await startMediaApp({ NSFW_ENABLED: 'true', BUS_VISIBILITY_TIMEOUT_MS: '2000' });
      alice = await createUser(app.platform.db, app.platform.config);
    });
    afterEach(async () => {
      await worker?.stop();
      worker = undefined;
    });
    after(() => app.close());

    it('stores the scores and approves a generated photo under the default thresholds (0.4 / 0.85)', async () => {
      worker = startModerationWorker(app.platform, { storage: app.storage, preloadModel: true });
      await worker.ready;
      const res = await uploadTo(app.api, '/media/upload', alice.token, await photoJpeg(800, 600, { seed: 21 }));
      const row = await moderated(app.platform.db, res.body.id, 30_000);
      expect(row.nsfw_score).to.be.a('number');
      expect(row.nsfw_score).to.be.closeTo(nsfwScore(row.nsfw_scores), 1e-6);
      expect(row.nsfw_score!).to.be.below(0.4);
      expect(row.status).to.equal('approved');
      expect(Object.keys(row.variants)).to.have.members(['thumb', 'medium', 'large']);
    });

    it('rejects the same kind of image when the reject threshold is fixed at 0 (no variants kept)', async () => {
      const strict = { ...app.platform, config: { ...app.platform.config, media: { ...app.platform.config.media, nsfw: { enabled: true, approveBelow: 0, rejectAbove: 0 } } } };
      worker = startModerationWorker(strict, { storage: app.storage });
      await worker.ready;
      const res = await uploadTo(app.api, '/media/upload', alice.token, await photoJpeg(800, 600, { seed: 22 }));
      const row = await moderated(app.platform.db, res.body.id, 30_000);
      expect(row.nsfw_score!).to.be.above(0);
      expect(row).to.include({ status: 'rejected', reject_reason: 'nsfw', variants: null });
    });
  });
});
