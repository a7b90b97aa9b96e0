// A stand-in for the Telegram Bot API on port 0 that records every call and
// answers each chat's calls from a plan: 'ok', an HTTP error status, or
// 'hang' (never answers, so the client's timeout fires).
import http from 'node:http';
import { startHttp, type Running } from '../helpers/http.js';

export type Answer = 'ok' | 'hang' | 500 | 502 | 403 | 429;

export interface BotCall {
  path: string;
  chat_id: number;
  text: string;
  reply_markup?: { inline_keyboard: Record<string, unknown>[][] };
  at: number;
  answered: Answer;
  /** The whole request body (methods other than sendMessage have no chat_id). */
  body: Record<string, unknown>;
}

export class FakeBotApi {
  readonly calls: BotCall[] = [];
  private readonly plans = new Map<number, Answer[]>();
  private readonly hung = new Set<http.ServerResponse>();
  private running?: Running;

  get url(): string {
    if (!this.running) throw new Error('not started');
    return this.running.url;
  }

  async start(): Promise<this> {
    this.running = await startHttp((req, res) => void this.handle(req, res));
    return this;
  }

  /** How the next calls for this chat are answered, in order; after the plan runs out, 'ok'. */
  plan(chatId: number, answers: Answer[]) {
    this.plans.set(chatId, [...answers]);
  }

  callsFor(chatId: number): BotCall[] {
    return this.calls.filter((c) => c.chat_id === chatId);
  }

  async close() {
    for (const res of this.hung) res.destroy();
    await this.running?.close();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    // A call about a user rather than a chat (refundStarPayment) follows that user's plan.
    const answered = this.plans.get(body.chat_id ?? body.user_id)?.shift() ?? 'ok';
    this.calls.push({ path: req.url ?? '', chat_id: body.chat_id, text: body.text, reply_markup: body.reply_markup, at: Date.now(), answered, body });
    const reply = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (answered === 'hang') {
      this.hung.add(res);
      return;
    }
    if (answered === 'ok' && req.url?.endsWith('/createInvoiceLink')) return reply(200, { ok: true, result: `https://t.me/$invoice-${this.calls.length}` });
    if (answered === 'ok' && !req.url?.endsWith('/sendMessage')) return reply(200, { ok: true, result: true });
    if (answered === 'ok') return reply(200, { ok: true, result: { message_id: this.calls.length, chat: { id: body.chat_id }, text: body.text } });
    if (answered === 429) return reply(429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    if (answered === 403) return reply(403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    return reply(answered, { ok: false, error_code: answered, description: 'Internal Server Error' });
  }
}
