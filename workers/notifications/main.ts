// Composition root of the offline-notifications worker.
import { runWorker } from '../../shared/service-main.js';
import { startNotificationsWorker } from './index.js';

await runWorker('notifications', async (platform) => {
  const worker = startNotificationsWorker(platform);
  await worker.ready;
  return worker;
});
