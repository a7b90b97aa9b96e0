// The webhook's rules: only Telegram (who knows the secret) may post, and an
// update goes onto the bus once, in the transaction that records its id, so a
// redelivered update (Telegram retries until it gets a 2xx) changes nothing.
// Nothing slow happens here: Telegram waits for this answer before it sends
// the bot's next update.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { AppError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { enqueue } from '../../shared/outbox/enqueue.js';
import * as repo from './repo.js';
import type { WebhookUpdate } from './schemas.js';
import type { PreCheckoutQuery } from '../payments/service.js';

export interface TelegramDeps {
  db: Knex;
  logger: Logger;
  webhookSecret: string | undefined;
  /** Answers a pre_checkout_query (Telegram waits 10 seconds for it, so not through the bus). */
  preCheckout(query: PreCheckoutQuery): Promise<void>;
}

// Hashing both sides first makes the comparison's time independent of the lengths too.
const digest = (s: string) => createHash('sha256').update(s).digest();

export class TelegramService {
  private readonly secret?: Buffer;

  constructor(private readonly deps: TelegramDeps) {
    this.secret = deps.webhookSecret ? digest(deps.webhookSecret) : undefined;
  }

  /** Throws unless `sent` is the configured secret; without one the webhook does not exist. */
  authenticate(sent: string | undefined): void {
    if (!this.secret) throw AppError.notFound('No webhook is configured');
    if (!sent || !timingSafeEqual(digest(sent), this.secret)) throw AppError.unauthorized('Wrong or missing X-Telegram-Bot-Api-Secret-Token');
  }

  /** Puts a new update onto the bus; true when it was new. */
  async receive(update: WebhookUpdate): Promise<boolean> {
    // Answered here and not recorded: a second answer to a redelivered query is harmless,
    // and a failed one (an error status) makes Telegram send the query again.
    if (update.pre_checkout_query) {
      await this.deps.preCheckout(update.pre_checkout_query as PreCheckoutQuery);
      return true;
    }
    const fresh = await this.deps.db.transaction(async (trx) => {
      if (!(await repo.recordUpdate(trx, update.update_id))) return false;
      await enqueue(trx, { type: 'telegram.update', payload: { update_id: update.update_id, update } });
      return true;
    });
    if (!fresh) this.deps.logger.debug({ update_id: update.update_id }, 'telegram update seen before; ignored');
    return fresh;
  }
}
