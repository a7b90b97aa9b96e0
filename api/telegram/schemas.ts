// The webhook's request: a Telegram Update. Only update_id is read here; the
// rest goes onto the bus as sent, for the bot worker to read what it handles.
import { z } from 'zod';

export const WebhookUpdateBody = z
  .object({ update_id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) })
  .catchall(z.unknown())
  .describe('A Telegram Update (https://core.telegram.org/bots/api#update).');
export type WebhookUpdate = z.infer<typeof WebhookUpdateBody>;

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';
