// Messages the user sent that the server has not acknowledged yet. Shown at
// once (optimistic), delivered in order per conversation over the socket (or
// REST when the socket is down), retried with backoff until acked. Each keeps
// its client_msg_id across retries, so the server stores it exactly once; a
// live echo of the message (the ack was lost) settles it too. The browser keeps
// the queue in sessionStorage so a reload does not lose an unsent message.
// No DOM here: the fault suite runs this very class (test/faults/load.ts).
import type { ChatTransport } from './chat-transport.js';
import type { Message } from './contract.js';
import { ApiError } from './http.js';

export interface Pending {
  client_msg_id: string;
  conversation_id: string;
  body: string;
  created_at: string;
  state: 'sending' | 'failed';
  error?: string;
  /** The server's code of a failure (opener_not_unique, needs_confirmation, …). */
  code?: string;
  /** The message this one answers. */
  reply_to_seq?: number;
  /** Sent past the "are you sure?" of the offensive-language filter. */
  confirm?: boolean;
  /** A photo or voice note, uploaded and approved before it was queued. */
  attachment?: PendingAttachment;
}

/** The attachment of a pending send: its media id, and what the row shows meanwhile. */
export interface PendingAttachment {
  media_id: string;
  kind: 'image' | 'voice';
}

export interface SendOptions {
  replyToSeq?: number;
  attachment?: PendingAttachment;
}

export type OutboxEvent =
  /** A new message entered the queue. */
  | { type: 'queued'; pending: Pending }
  /** Its state changed: failed for good (tap to retry), or sending again. */
  | { type: 'changed'; pending: Pending }
  /** One delivery attempt begins. */
  | { type: 'attempt'; pending: Pending; via: 'socket' | 'rest' }
  /** The attempt failed in a way another attempt may fix; the next one is in `delayMs` (or at the next connect). */
  | { type: 'retry'; pending: Pending; code: string; delayMs: number }
  | { type: 'acked'; pending: Pending; message: Message };

/** Where the queue survives a reload. */
export interface PendingStore {
  load(): Pending[];
  save(pending: Pending[]): void;
}

/** Errors that another attempt cannot fix. */
// opener_not_unique and needs_confirmation wait for the user: another text, or confirm().
const PERMANENT = new Set(['validation_failed', 'forbidden', 'not_found', 'conflict', 'payload_too_large', 'unauthorized', 'opener_not_unique', 'needs_confirmation']);

export const memoryStore = (): PendingStore => ({ load: () => [], save() {} });

/** The browser's store: per tab, like the session. */
export function sessionStore(key = 'tgd.outbox'): PendingStore {
  return {
    load() {
      try {
        return JSON.parse(sessionStorage.getItem(key) ?? '[]') as Pending[];
      } catch {
        sessionStorage.removeItem(key);
        return [];
      }
    },
    save(pending) {
      if (pending.length) sessionStorage.setItem(key, JSON.stringify(pending));
      else sessionStorage.removeItem(key);
    },
  };
}

/** Opaque unique id for client_msg_id; works outside secure contexts too. */
export function uid(): string {
  if (typeof crypto.randomUUID === 'function' && globalThis.isSecureContext !== false) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class Outbox {
  private pending = new Map<string, Pending>();
  private busy = new Set<string>();
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  private attempts = new Map<string, number>();
  private listeners = new Set<(e: OutboxEvent) => void>();
  private readonly offs: (() => void)[];
  private closed = false;

  constructor(
    private readonly transport: ChatTransport,
    private readonly store: PendingStore = memoryStore(),
  ) {
    for (const p of store.load()) this.pending.set(p.client_msg_id, p);
    this.offs = [transport.socket.onConnect(() => this.flushAll()), transport.socket.on('message:new', ({ message }) => this.settle(message))];
  }

  on(fn: (e: OutboxEvent) => void) {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  forConversation(conversationId: string): Pending[] {
    return [...this.pending.values()].filter((p) => p.conversation_id === conversationId);
  }

  send(conversationId: string, body: string, opts: SendOptions = {}): Pending {
    const p: Pending = {
      client_msg_id: uid(),
      conversation_id: conversationId,
      body,
      created_at: new Date().toISOString(),
      state: 'sending',
      ...(opts.replyToSeq ? { reply_to_seq: opts.replyToSeq } : {}),
      ...(opts.attachment ? { attachment: opts.attachment } : {}),
    };
    this.pending.set(p.client_msg_id, p);
    this.save();
    this.emit({ type: 'queued', pending: p });
    void this.pump(conversationId);
    return p;
  }

  /** "Are you sure?" answered yes: the same message again, with confirm. */
  confirm(clientMsgId: string) {
    const p = this.pending.get(clientMsgId);
    if (!p) return;
    p.confirm = true;
    this.retry(clientMsgId);
  }

  retry(clientMsgId: string) {
    const p = this.pending.get(clientMsgId);
    if (!p) return;
    p.state = 'sending';
    p.error = undefined;
    p.code = undefined;
    this.attempts.delete(p.conversation_id);
    this.emit({ type: 'changed', pending: p });
    this.save();
    void this.pump(p.conversation_id);
  }

  discard(clientMsgId: string) {
    this.pending.delete(clientMsgId);
    this.save();
  }

  /** Forgets every unsent message (logout). */
  clear() {
    this.stopTimers();
    this.pending.clear();
    this.save();
  }

  /** Stops sending (the queue stays in the store). */
  close() {
    this.closed = true;
    this.stopTimers();
    for (const off of this.offs) off();
  }

  /** Tries every waiting conversation now (a connect: the cause of the failures may be gone). */
  flushAll() {
    for (const cid of new Set([...this.pending.values()].map((p) => p.conversation_id))) {
      clearTimeout(this.timers.get(cid));
      this.timers.delete(cid);
      void this.pump(cid);
    }
  }

  /** A message that reached us live (another device, or the echo of ours) settles its pending entry. */
  private settle(message: Message) {
    const p = this.pending.get(message.client_msg_id);
    if (p && p.conversation_id === message.conversation_id) this.acked(p, message);
  }

  /** Sends the conversation's queue in order, one at a time. */
  private async pump(conversationId: string) {
    if (this.busy.has(conversationId) || this.closed) return;
    this.busy.add(conversationId);
    try {
      while (!this.closed) {
        const next = this.forConversation(conversationId).find((p) => p.state === 'sending');
        if (!next) return;
        const code = await this.deliver(next);
        if (code) {
          const n = (this.attempts.get(conversationId) ?? 0) + 1;
          this.attempts.set(conversationId, n);
          const delayMs = Math.min(15_000, 500 * 2 ** n);
          this.emit({ type: 'retry', pending: next, code, delayMs });
          if (this.closed) return;
          this.timers.set(
            conversationId,
            setTimeout(() => {
              this.timers.delete(conversationId);
              void this.pump(conversationId);
            }, delayMs),
          );
          return;
        }
        this.attempts.delete(conversationId);
      }
    } finally {
      this.busy.delete(conversationId);
    }
  }

  /** One attempt; resolves with the code of a failure worth another attempt, else undefined. */
  private async deliver(p: Pending): Promise<string | undefined> {
    const payload = {
      conversation_id: p.conversation_id,
      // An attachment may go without text.
      ...(p.body || !p.attachment ? { body: p.body } : {}),
      client_msg_id: p.client_msg_id,
      ...(p.attachment ? { attachment: { media_id: p.attachment.media_id } } : {}),
      ...(p.reply_to_seq ? { reply_to_seq: p.reply_to_seq } : {}),
      ...(p.confirm ? { confirm: true } : {}),
    };
    const { socket, rest } = this.transport;
    let message: Message | undefined;
    let code: string | undefined;
    let text = '';
    this.emit({ type: 'attempt', pending: p, via: socket.connected ? 'socket' : 'rest' });
    if (socket.connected) {
      const ack = await socket.request('message:send', payload);
      if (ack.ok) message = ack.message;
      else ({ code, message: text } = ack.error);
    } else {
      try {
        message = (await rest.post<{ message: Message }>('/chat/messages', payload)).message;
      } catch (err) {
        code = err instanceof ApiError ? err.code : 'network_error';
        text = err instanceof Error ? err.message : '';
      }
    }
    if (!this.pending.has(p.client_msg_id)) return undefined; // settled meanwhile by a live echo
    if (message) {
      this.acked(p, message);
      return undefined;
    }
    if (code && PERMANENT.has(code)) {
      p.state = 'failed';
      p.error = text || 'Not sent';
      p.code = code;
      this.save();
      this.emit({ type: 'changed', pending: p });
      return undefined;
    }
    return code ?? 'error';
  }

  private acked(p: Pending, message: Message) {
    this.pending.delete(p.client_msg_id);
    this.save();
    this.emit({ type: 'acked', pending: p, message });
  }

  private stopTimers() {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private emit(e: OutboxEvent) {
    for (const fn of this.listeners) fn(e);
  }

  private save() {
    this.store.save([...this.pending.values()]);
  }
}
