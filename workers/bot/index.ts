// The bot worker: consumer group 'bot' on events:telegram answers the updates
// the webhook (api/telegram/) put on the bus. It runs in the notifications
// worker's process and in the all-in-one process.
import { STREAMS } from '../../shared/events.js';
import type { ServiceDeps } from '../../shared/platform.js';
import { BotApi, DEFAULT_BOT_OPTIONS, type BotOptions } from '../notifications/bot.js';
import { botHandler } from './handler.js';
import { paymentsService } from '../../api/payments/index.js';
import { pruneUpdates } from '../../api/telegram/repo.js';

/** Update ids are kept a week (Telegram redelivers for a day), pruned hourly. */
export const UPDATE_IDS_KEPT_S = 7 * 86_400;
const PRUNE_EVERY_MS = 3600_000;

export interface BotWorkerOptions {
  group?: string;
  consumer?: string;
  startFrom?: '0' | '$';
  bot?: Partial<BotOptions>;
}

export interface BotWorker {
  ready: Promise<void>;
  stop(): Promise<void>;
}

export function startBotWorker(deps: ServiceDeps, opts: BotWorkerOptions = {}): BotWorker {
  const logger = deps.logger.child({ component: 'bot' });
  const stopping = new AbortController();
  const bot = new BotApi(deps.config.telegram, { ...DEFAULT_BOT_OPTIONS, ...opts.bot }, logger);
  const consumer = deps.bus.consume({
    group: opts.group ?? 'bot',
    consumer: opts.consumer,
    streams: [STREAMS.telegram],
    // Updates are kept until answered: a worker down for a while answers them when it is back.
    startFrom: opts.startFrom ?? '0',
    handler: botHandler({ db: deps.db, logger, bot, telegram: deps.config.telegram, signal: stopping.signal, payments: paymentsService(deps) }),
  });
  const prune = () => pruneUpdates(deps.db, UPDATE_IDS_KEPT_S).catch((err) => logger.warn({ err }, 'pruning telegram_updates failed'));
  const pruner = setInterval(prune, PRUNE_EVERY_MS);
  pruner.unref();
  return {
    ready: consumer.ready,
    async stop() {
      clearInterval(pruner);
      stopping.abort();
      await consumer.stop();
    },
  };
}
