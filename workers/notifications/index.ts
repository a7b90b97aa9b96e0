// The offline-notifications worker: consumer group 'notifications' on the
// matches, chat, swipes and users streams records what each offline user
// should hear about (handler.ts); a flush loop sends it, at most one Telegram
// bot message per user per NOTIFY_INTERVAL_S (flusher.ts). Its state lives in
// PostgreSQL, so any number of instances share the work and a restart loses nothing.
import { DEV_BOT_TOKEN } from '../../shared/config.js';
import { STREAMS } from '../../shared/events.js';
import type { Platform, ServiceDeps } from '../../shared/platform.js';
import { BotApi, DEFAULT_BOT_OPTIONS, type BotOptions } from './bot.js';
import { Flusher, type FlushOptions } from './flusher.js';
import { notificationsHandler, type Schedule } from './handler.js';

export interface NotificationsOptions {
  /** Consumer group (default 'notifications'); tests use their own. */
  group?: string;
  consumer?: string;
  /** Where a new group starts (default '$': notifications are about now, not history). */
  startFrom?: '0' | '$';
  /** Defaults from config (NOTIFY_GATHER_S, NOTIFY_INTERVAL_S). */
  gatherMs?: number;
  intervalS?: number;
  bot?: Partial<BotOptions>;
  flush?: Partial<FlushOptions>;
  /** The worker's clock (tests move it). */
  now?: () => number;
}

export interface NotificationsWorker {
  /** Resolves once the consumer group exists and the first read is issued. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** Telegram's real Bot API (not a test double such as the tests' fake on localhost). */
function isTelegramBotApi(apiUrl: string): boolean {
  return new URL(apiUrl).hostname.toLowerCase().replace(/\.$/, '') === 'api.telegram.org';
}

/** Who is online comes from the realtime tier's presence store, the one the platform hands both. */
export type NotificationsDeps = ServiceDeps & Pick<Platform, 'presence'>;

export function startNotificationsWorker(deps: NotificationsDeps, opts: NotificationsOptions = {}): NotificationsWorker {
  const { config } = deps;
  const logger = deps.logger.child({ component: 'notifications' });
  // The development token is public (it is in this code), and development-mode
  // users are whoever anyone claims to be: nothing of that goes to real chats.
  if ((config.devMode || config.telegram.botToken === DEV_BOT_TOKEN) && isTelegramBotApi(config.telegram.apiUrl)) {
    logger.warn(
      'notifications off: development bot token and the real Bot API (api.telegram.org); set BOT_TOKEN, or TELEGRAM_API_URL to a test Bot API',
    );
    return { ready: Promise.resolve(), stop: async () => {} };
  }
  const { presence } = deps;
  const schedule: Schedule = {
    gatherMs: opts.gatherMs ?? config.notifications.gatherS * 1000,
    intervalS: opts.intervalS ?? config.notifications.intervalS,
    now: opts.now ?? Date.now,
  };
  const botOpts = { ...DEFAULT_BOT_OPTIONS, ...opts.bot };
  const bot = new BotApi(config.telegram, botOpts, logger);
  // A lease outlives the longest send the bot client may make (every try timing out, every backoff).
  const longestSend = botOpts.attempts * (botOpts.timeoutMs + botOpts.maxBackoffMs);
  const flusher = new Flusher(
    { db: deps.db, logger, presence, bot, telegram: config.telegram, schedule },
    { tickMs: 1000, concurrency: 20, leaseMs: longestSend + 30_000, maxFailures: 5, ...opts.flush },
  );
  const consumer = deps.bus.consume({
    group: opts.group ?? 'notifications',
    consumer: opts.consumer,
    streams: [STREAMS.matches, STREAMS.chat, STREAMS.swipes, STREAMS.users],
    handler: notificationsHandler({ db: deps.db, logger, presence, schedule }),
    startFrom: opts.startFrom ?? '$',
  });
  flusher.start();
  return {
    ready: consumer.ready,
    async stop() {
      await consumer.stop();
      await flusher.stop();
    },
  };
}
