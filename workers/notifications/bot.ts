// The Telegram Bot API's sendMessage, with retries: a timeout, a network
// error or an HTTP 5xx is retried with exponential backoff (and jitter), a
// 429 after the retry_after Telegram names; any other 4xx is final (the user
// blocked the bot, the chat does not exist). The token is part of the URL, so
// neither the URL nor anything that may contain it is ever logged.
import type { Logger } from '../../shared/logger.js';
import type { InlineKeyboard } from './compose.js';

export interface BotOptions {
  /** One request's time limit. */
  timeoutMs: number;
  /** Tries per send, the first included. */
  attempts: number;
  /** The wait before the second try; doubles for each one after. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_BOT_OPTIONS: BotOptions = { timeoutMs: 10_000, attempts: 4, backoffMs: 500, maxBackoffMs: 15_000 };

export type SendResult =
  | { ok: true; attempts: number }
  /** retryable: worth trying again later; retryAfterMs: what Telegram asked for. */
  | { ok: false; attempts: number; retryable: boolean; retryAfterMs?: number; error: string; status?: number };

class Aborted extends Error {}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Aborted());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Aborted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class BotApi {
  private readonly endpoint: string;

  constructor(
    telegram: { apiUrl: string; botToken: string },
    private readonly opts: BotOptions,
    private readonly logger: Logger,
  ) {
    this.endpoint = `${telegram.apiUrl.replace(/\/+$/, '')}/bot${telegram.botToken}/sendMessage`;
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** (attempt - 1));
    return Math.round(base * (1 + Math.random() * 0.2));
  }

  /** Sends one message, retrying what is worth retrying; `signal` (the worker stopping) cuts it short. */
  async sendMessage(chatId: number, text: string, replyMarkup: InlineKeyboard | undefined, signal: AbortSignal): Promise<SendResult> {
    const body = JSON.stringify({ chat_id: chatId, text, ...(replyMarkup ? { reply_markup: replyMarkup } : {}) });
    let last: SendResult = { ok: false, attempts: 0, retryable: true, error: 'not sent' };
    for (let attempt = 1; attempt <= this.opts.attempts; attempt++) {
      if (attempt > 1) {
        const delay = last.ok === false && last.retryAfterMs !== undefined ? last.retryAfterMs : this.backoff(attempt - 1);
        if (delay > this.opts.maxBackoffMs) return last; // Telegram wants a longer pause than a retry here may take
        try {
          await wait(delay, signal);
        } catch {
          return { ok: false, attempts: attempt - 1, retryable: true, error: 'stopped' };
        }
      }
      last = await this.once(body, attempt, signal);
      if (last.ok || !last.retryable) return last;
      this.logger.warn({ chat_id: chatId, attempt, error: last.error }, 'bot API send failed');
      if (signal.aborted) return last;
    }
    return last;
  }

  private async once(body: string, attempt: number, stop: AbortSignal): Promise<SendResult> {
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.opts.timeoutMs), stop]),
      });
    } catch (err) {
      const e = err as Error;
      const error = e.name === 'TimeoutError' ? `timeout after ${this.opts.timeoutMs} ms` : stop.aborted ? 'stopped' : `network error: ${e.name}`;
      return { ok: false, attempts: attempt, retryable: true, error };
    }
    let json: { ok?: boolean; description?: string; parameters?: { retry_after?: number } } = {};
    try {
      json = (await res.json()) as typeof json;
    } catch {
      // A non-JSON answer (a proxy's error page): the status decides.
    }
    if (res.ok && json.ok !== false) return { ok: true, attempts: attempt };
    const error = `HTTP ${res.status}${json.description ? `: ${json.description}` : ''}`;
    const status = res.status;
    if (res.status === 429) {
      const s = json.parameters?.retry_after ?? Number(res.headers.get('retry-after'));
      return { ok: false, attempts: attempt, retryable: true, retryAfterMs: Number.isFinite(s) && s > 0 ? s * 1000 : undefined, error, status };
    }
    return { ok: false, attempts: attempt, retryable: res.status >= 500, error, status };
  }
}
