// The bot's webhook (`POST /telegram/webhook`): Telegram posts each update
// here; it goes onto the bus (events:telegram) and the bot worker
// (workers/bot/) answers it. Mounted by the admin service and the all-in-one process.
import type Router from '@koa/router';
import type { ServiceDeps } from '../../shared/platform.js';
import { telegramRoutes } from './routes.js';
import { TelegramService } from './service.js';
import { paymentsService } from '../payments/index.js';

export function createTelegramRouter(deps: ServiceDeps): Router {
  const payments = paymentsService(deps);
  const service = new TelegramService({
    db: deps.db,
    logger: deps.logger.child({ component: 'telegram-webhook' }),
    webhookSecret: deps.config.telegram.webhookSecret,
    preCheckout: (q) => payments.answerPreCheckout(q),
  });
  return telegramRoutes(service);
}
