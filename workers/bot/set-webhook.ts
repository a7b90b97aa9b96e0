// Registers the bot's webhook with Telegram (setWebhook): the public URL, the
// secret Telegram must send back, and the kinds of updates the bot handles
// (Telegram sends only those). The token is in the URL: never logged.
import type { Config } from '../../shared/config.js';

/** The updates the bot handles: workers/bot/handler.ts, and pre-checkout queries in the webhook itself. */
export const ALLOWED_UPDATES = ['message', 'my_chat_member', 'pre_checkout_query'] as const;

export async function setWebhook(telegram: Pick<Config['telegram'], 'apiUrl' | 'botToken' | 'webhookUrl' | 'webhookSecret'>): Promise<void> {
  if (!telegram.webhookUrl) throw new Error('TELEGRAM_WEBHOOK_URL is not set');
  if (!telegram.webhookSecret) throw new Error('TELEGRAM_WEBHOOK_SECRET is not set');
  const res = await fetch(`${telegram.apiUrl.replace(/\/+$/, '')}/bot${telegram.botToken}/setWebhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      url: telegram.webhookUrl,
      secret_token: telegram.webhookSecret,
      allowed_updates: ALLOWED_UPDATES,
      // Updates that waited while no webhook was set are still wanted (update_id makes them safe to take).
      drop_pending_updates: false,
    }),
    signal: AbortSignal.timeout(15_000),
  });
  const json = (await res.json().catch(() => ({}))) as { ok?: boolean; description?: string };
  if (!res.ok || json.ok !== true) throw new Error(`setWebhook failed: HTTP ${res.status}${json.description ? `: ${json.description}` : ''}`);
}
