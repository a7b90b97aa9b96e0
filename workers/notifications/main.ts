// Composition root of the offline-notifications worker.
import { runWorker } from '../../shared/service-main.js';
import { startNotificationsWorker } from './index.js';
import { startBotWorker } from '../bot/index.js';

// The bot worker (answers the webhook's updates) shares this process: both talk to the Bot API.
await runWorker('notifications', async (platform) => {
  const worker = startNotificationsWorker(platform);
  const bot = startBotWorker(platform);
  await Promise.all([worker.ready, bot.ready]);
  return {
    async stop() {
      await bot.stop();
      await worker.stop();
    },
  };
});
