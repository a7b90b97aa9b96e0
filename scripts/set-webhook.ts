// `npm run bot:set-webhook`: points Telegram at TELEGRAM_WEBHOOK_URL with
// TELEGRAM_WEBHOOK_SECRET and the updates the bot handles.
import { loadConfigOrExit } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { ALLOWED_UPDATES, setWebhook } from '../workers/bot/set-webhook.js';

const config = loadConfigOrExit();
const logger = createLogger(config, 'bot-set-webhook');
try {
  await setWebhook(config.telegram);
  logger.info({ url: config.telegram.webhookUrl, allowed_updates: ALLOWED_UPDATES }, 'webhook registered');
} catch (err) {
  logger.error({ err: (err as Error).message }, 'webhook not registered');
  process.exitCode = 1;
}
