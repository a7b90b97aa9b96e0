// Messages the user sent that the server has not acknowledged yet. Shown at
// once (optimistic), delivered in order per conversation over the socket (or
// REST when the socket is down), retried with backoff until acked. Each keeps
// its client_msg_id across retries, so the server stores it exactly once.
// Kept in sessionStorage so a reload does not lose an unsent message.
import type { Message } from './contract.js';
import { uid } from './dom.js';
import { ApiError, type Api } from './http.js';
import type { Realtime } from './realtime.js';

export interface Pending {
  client_msg_id: string;
  conversation_id: string;
  body: string;
  created_at: string;
  state: 'sending' | 'failed';
  error?: string;
}

export type OutboxEvent = { type: 'acked'; pending: Pending; message: Message } | { type: 'changed'; pending: Pending };

/** Errors that another attempt cannot fix. */
const PERMANENT = new Set(['validation_failed', 'forbidden', 'not_found', 'conflict', 'payload_too_large', 'unauthorized']);
const KEY = 'tgd.outbox';

export class Outbox {
  private pending = new Map<string, Pending>();
  private busy = new Set<string>();
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  private attempts = new Map<string, number>();
  private listeners = new Set<(e: OutboxEvent) => void>();

  constructor(
    private readonly api: Api,
    private readonly rt: Realtime,
  ) {
    try {
      for (const p of JSON.parse(sessionStorage.getItem(KEY) ?? '[]') as Pending[]) this.pending.set(p.client_msg_id, p);
    } catch {
      sessionStorage.removeItem(KEY);
    }
    rt.socket.on('connect', () => this.flushAll());
  }

  on(fn: (e: OutboxEvent) => void) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  forConversation(conversationId: string): Pending[] {
    return [...this.pending.values()].filter((p) => p.conversation_id === conversationId);
  }

  send(conversationId: string, body: string): Pending {
    const p: Pending = { client_msg_id: uid(), conversation_id: conversationId, body, created_at: new Date().toISOString(), state: 'sending' };
    this.pending.set(p.client_msg_id, p);
    this.save();
    void this.pump(conversationId);
    return p;
  }

  retry(clientMsgId: string) {
    const p = this.pending.get(clientMsgId);
    if (!p) return;
    p.state = 'sending';
    p.error = undefined;
    this.attempts.delete(p.conversation_id);
    this.emit({ type: 'changed', pending: p });
    this.save();
    void this.pump(p.conversation_id);
  }

  discard(clientMsgId: string) {
    this.pending.delete(clientMsgId);
    this.save();
  }

  /** A message that reached us live (another device, or the echo of ours) settles its pending entry. */
  settle(message: Message) {
    const p = this.pending.get(message.client_msg_id);
    if (p && p.conversation_id === message.conversation_id) this.acked(p, message);
  }

  clear() {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
    sessionStorage.removeItem(KEY);
  }

  flushAll() {
    for (const cid of new Set([...this.pending.values()].map((p) => p.conversation_id))) {
      clearTimeout(this.timers.get(cid));
      this.timers.delete(cid);
      void this.pump(cid);
    }
  }

  /** Sends the conversation's queue in order, one at a time. */
  private async pump(conversationId: string) {
    if (this.busy.has(conversationId)) return;
    this.busy.add(conversationId);
    try {
      for (;;) {
        const next = this.forConversation(conversationId).find((p) => p.state === 'sending');
        if (!next) return;
        const outcome = await this.deliver(next);
        if (outcome === 'retry') {
          const n = (this.attempts.get(conversationId) ?? 0) + 1;
          this.attempts.set(conversationId, n);
          const delay = Math.min(15_000, 500 * 2 ** n);
          this.timers.set(
            conversationId,
            setTimeout(() => {
              this.timers.delete(conversationId);
              void this.pump(conversationId);
            }, delay),
          );
          return;
        }
        this.attempts.delete(conversationId);
      }
    } finally {
      this.busy.delete(conversationId);
    }
  }

  private async deliver(p: Pending): Promise<'done' | 'retry'> {
    const payload = { conversation_id: p.conversation_id, body: p.body, client_msg_id: p.client_msg_id };
    let message: Message | undefined;
    let code: string | undefined;
    let text = '';
    if (this.rt.connected) {
      const ack = await this.rt.request('message:send', payload);
      if (ack.ok) message = ack.message;
      else ({ code, message: text } = ack.error);
    } else {
      try {
        message = (await this.api.post<{ message: Message }>('/chat/messages', payload)).message;
      } catch (err) {
        code = err instanceof ApiError ? err.code : 'network_error';
        text = err instanceof Error ? err.message : '';
      }
    }
    if (!this.pending.has(p.client_msg_id)) return 'done'; // settled meanwhile by a live echo
    if (message) {
      this.acked(p, message);
      return 'done';
    }
    if (code && PERMANENT.has(code)) {
      p.state = 'failed';
      p.error = text || 'Not sent';
      this.save();
      this.emit({ type: 'changed', pending: p });
      return 'done';
    }
    return 'retry';
  }

  private acked(p: Pending, message: Message) {
    this.pending.delete(p.client_msg_id);
    this.save();
    this.emit({ type: 'acked', pending: p, message });
  }

  private emit(e: OutboxEvent) {
    for (const fn of this.listeners) fn(e);
  }

  private save() {
    sessionStorage.setItem(KEY, JSON.stringify([...this.pending.values()]));
  }
}
