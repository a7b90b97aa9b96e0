// Answers the updates the webhook put on the bus. `/start <param>` gets a
// message whose button opens the Mini App (at the screen a c_/m_ parameter
// names); `r_<code>` is a referral (api/telegram/referrals.ts). A
// my_chat_member update says whether the user blocked the bot.
import { onEvents } from '../../shared/bus/index.js';
import type { Config } from '../../shared/config.js';
import type { Knex } from '../../shared/db.js';
import type { Logger } from '../../shared/logger.js';
import type { BotApi } from '../notifications/bot.js';
import { openAppButton } from '../notifications/compose.js';
import type { PaymentsService, SuccessfulPayment } from '../../api/payments/service.js';
import { applyReferral } from '../../api/telegram/referrals.js';
import * as repo from './repo.js';
import { langOf, textsFor } from './texts.js';

export interface BotHandlerDeps {
  db: Knex;
  logger: Logger;
  bot: BotApi;
  telegram: Pick<Config['telegram'], 'webAppUrl' | 'botUsername' | 'referralsPerDay'>;
  signal: AbortSignal;
  payments: Pick<PaymentsService, 'recordPayment'>;
}

/** A user made this long ago or less is new, for a referral. */
export const REFERRAL_NEW_USER_S = 24 * 3600;

const START = /^\/start(?:@\w+)?(?:\s+(\S+))?\s*$/;
const SCREEN = /^[cm]_[0-9a-f-]{36}$/;

interface Message {
  text?: string;
  chat?: { id: number; type?: string };
  from?: repo.TelegramFrom & { is_bot?: boolean };
  successful_payment?: SuccessfulPayment;
}

export function botHandler(deps: BotHandlerDeps) {
  return onEvents({
    'telegram.update': async (e) => {
      const u = e.payload.update as { message?: Message; my_chat_member?: { from?: { id: number }; chat?: { type?: string }; new_chat_member?: { status?: string } } };
      if (u.message) await onMessage(deps, u.message, e.payload.update_id);
      else if (u.my_chat_member?.from && u.my_chat_member.chat?.type === 'private') {
        const status = u.my_chat_member.new_chat_member?.status;
        if (status === 'kicked' || status === 'member') await repo.setReachable(deps.db, u.my_chat_member.from.id, status === 'member');
      }
    },
  });
}

async function onMessage(deps: BotHandlerDeps, m: Message, updateId: number) {
  if (m.successful_payment && m.from) {
    const fresh = await deps.payments.recordPayment(m.from.id, m.successful_payment);
    deps.logger.info({ update_id: updateId, charge: m.successful_payment.telegram_payment_charge_id, fresh }, 'successful payment');
    return;
  }
  const start = m.text ? START.exec(m.text) : null;
  if (!start || !m.from || m.from.is_bot || m.chat?.type !== 'private' || typeof m.chat.id !== 'number') return;
  const param = start[1];
  const user = await repo.upsertFromTelegram(deps.db, m.from, REFERRAL_NEW_USER_S);
  const texts = textsFor(langOf(m.from.language_code ?? user.language_code));
  const lines: string[] = [texts.welcome];
  // Only a new user can be referred: anyone else's link is answered, and earns nothing.
  const outcome = user.is_recent ? await applyReferral({ db: deps.db, logger: deps.logger, perDay: deps.telegram.referralsPerDay }, param, user.id) : undefined;
  if (outcome === 'credited') lines.push(texts.referred);
  const screen = param && SCREEN.test(param) ? param : undefined;
  const result = await deps.bot.sendMessage(m.chat.id, lines.join('\n\n'), openAppButton(deps.telegram, screen, texts.open), deps.signal);
  if (!result.ok) {
    if (result.status === 403) await repo.setReachable(deps.db, m.from.id, false);
    // A retryable failure goes back to the bus (redelivered); a final one is only logged.
    if (result.retryable && !deps.signal.aborted) throw new Error(`the /start reply failed: ${result.error}`);
    deps.logger.warn({ update_id: updateId, error: result.error }, 'the /start reply was refused');
  }
}
