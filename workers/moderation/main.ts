// Composition root of the moderation worker (scale by running more of them:
// they share the 'moderation' consumer group).
import { runWorker } from '../../shared/service-main.js';
import { startModerationWorker } from './index.js';

await runWorker('moderation', async (platform) => {
  const worker = startModerationWorker(platform, { preloadModel: true });
  await worker.ready;
  return worker;
});
