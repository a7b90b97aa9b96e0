// Composition root of the matching worker.
import { runWorker } from '../../shared/service-main.js';
import { startMatchingWorker } from './index.js';

await runWorker('matching', async (platform) => {
  const worker = startMatchingWorker(platform);
  await worker.ready;
  return worker;
});
