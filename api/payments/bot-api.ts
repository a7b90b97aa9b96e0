// One Bot API call that is not a chat message (createInvoiceLink,
// answerPreCheckoutQuery, refundStarPayment): no retries, since each caller
// is answering someone who can retry. The token is in the URL: never logged.
import type { Config } from '../../shared/config.js';
import { AppError } from '../../shared/errors.js';

export class BotApiError extends Error {
  constructor(
    readonly status: number,
    description: string,
  ) {
    super(description);
  }
}

export async function botCall<T>(telegram: Pick<Config['telegram'], 'apiUrl' | 'botToken'>, method: string, params: Record<string, unknown>, timeoutMs = 8000): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${telegram.apiUrl.replace(/\/+$/, '')}/bot${telegram.botToken}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    throw AppError.unavailable('The Telegram Bot API cannot be reached');
  }
  const json = (await res.json().catch(() => ({}))) as { ok?: boolean; result?: T; description?: string };
  if (!res.ok || json.ok !== true) throw new BotApiError(res.status, `${method}: HTTP ${res.status}${json.description ? `: ${json.description}` : ''}`);
  return json.result as T;
}
