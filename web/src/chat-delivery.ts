// What one open conversation holds and how it stays complete: stored messages
// by seq (the newest page first, older pages on demand), live ones as they
// come, a catch-up by `after_seq` on every (re)connect and on every gap in
// seq, our sends through the outbox, and both read positions. The chat screen
// renders its events; the fault suite (test/faults/load.ts) runs the same
// class under faults. No DOM here: the screen hands in what it knows of it
// (whether the page is visible).
import type { ChatTransport } from './chat-transport.js';
import type { Message } from './contract.js';
import { ApiError } from './http.js';
import type { Outbox, Pending } from './outbox.js';
import { wakeableSleep } from '../../shared/wakeable-sleep.js';

/** How a message reached the view. */
export type MessageSource = 'latest' | 'older' | 'live' | 'catch-up' | 'sent';

export type DeliveryEvent =
  /** A stored message is held (again, when `previous` is set: the one held at that seq before). */
  | { type: 'message'; message: Message; source: MessageSource; previous?: Message }
  /** One of our sends in this conversation was queued or changed state (sending, failed). */
  | { type: 'pending'; pending: Pending }
  /** The peer has read up to `seq`. */
  | { type: 'peer-read'; seq: number }
  /** Our read position reached the server. */
  | { type: 'read'; seq: number }
  /** A round of catch-up begins. */
  | { type: 'catch-up' };

export interface ChatDeliveryOptions {
  conversationId: string;
  /** The signed-in user (their messages are not "read" by them). */
  userId: string;
  /** Read receipts go out only while the conversation is on screen. */
  visible?: () => boolean;
  pageSize?: number;
}

/** The most pages one catch-up round fetches (a guard against a server that never says the end). */
const MAX_PAGES = 20;
/** Read receipts wait this long, so a burst of messages costs one receipt. */
const READ_DELAY_MS = 250;

const bySeq = (messages: Message[]) => [...messages].sort((a, b) => a.seq - b.seq);

/** No answer, an outage or a rate limit: worth fetching again. A 403 or 404 is not. */
const transient = (err: unknown) => !(err instanceof ApiError) || err.status === 0 || err.status >= 500 || err.status === 429;

export class ChatDelivery {
  readonly conversationId: string;
  /** Every stored message held, by seq. */
  readonly messages = new Map<number, Message>();
  /** Every stored message from the first one loaded up to this seq is held. */
  contiguous = 0;
  firstSeq = Infinity;
  /** Whether older pages exist before firstSeq. */
  hasOlder = false;
  peerReadSeq = 0;
  myReadSeq = 0;
  private readonly userId: string;
  private readonly visible: () => boolean;
  private readonly pageSize: number;
  private readonly listeners = new Set<(e: DeliveryEvent) => void>();
  private readonly offs: (() => void)[];
  private loaded = false;
  private loading: Promise<void> | null = null;
  private closed = false;
  private catchingUp: Promise<void> | null = null;
  private catchUpAgain = false;
  private wakeCatchUp?: () => void;
  private readTimer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly transport: ChatTransport,
    private readonly outbox: Outbox,
    opts: ChatDeliveryOptions,
  ) {
    this.conversationId = opts.conversationId;
    this.userId = opts.userId;
    this.visible = opts.visible ?? (() => true);
    this.pageSize = opts.pageSize ?? 50;
    const { socket } = transport;
    this.offs = [
      socket.on('message:new', ({ message }) => this.onLive(message)),
      socket.on('message:read', ({ conversation_id, user_id, seq }) => {
        if (conversation_id !== this.conversationId) return;
        if (user_id === this.userId) this.myReadSeq = Math.max(this.myReadSeq, seq);
        else this.notePeerRead(seq);
      }),
      socket.onConnect(() => void this.catchUp()),
      outbox.on((e) => {
        if (e.pending.conversation_id !== this.conversationId) return;
        if (e.type === 'acked') this.hold(e.message, 'sent');
        else if (e.type === 'queued' || e.type === 'changed') this.emit({ type: 'pending', pending: e.pending });
      }),
    ];
  }

  on(fn: (e: DeliveryEvent) => void) {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  /** Our sends in this conversation not acked yet, in send order. */
  pending(): Pending[] {
    return this.outbox.forConversation(this.conversationId);
  }

  send(body: string): Pending {
    return this.outbox.send(this.conversationId, body);
  }

  retry(clientMsgId: string) {
    this.outbox.retry(clientMsgId);
  }

  /** The newest page: where the view starts. Rejects with the ApiError (403/404: not this user's chat). */
  loadLatest(): Promise<void> {
    this.loading ??= this.fetchLatest().finally(() => (this.loading = null));
    return this.loading;
  }

  /** The page before the first message held. */
  async loadOlder(): Promise<void> {
    const res = await this.page(`before_seq=${this.firstSeq}&limit=${this.pageSize}`);
    for (const m of res.messages) this.hold(m, 'older');
    this.hasOlder = res.has_more;
  }

  /**
   * Everything after `contiguous`, page by page. One round at a time: a call
   * during a round asks for another one after it; a fetch that fails for a
   * transient reason is tried again, less and less often.
   */
  catchUp(): Promise<void> {
    if (!this.loaded) {
      // The newest page is still on its way (it catches up after it), or its first try failed (this is the first look).
      if (this.loading) this.catchUpAgain = true;
      return this.loadLatest().catch(() => undefined);
    }
    if (this.catchingUp) {
      this.catchUpAgain = true;
      this.wakeCatchUp?.();
      return this.catchingUp;
    }
    this.catchingUp = (async () => {
      let failures = 0;
      try {
        do {
          this.catchUpAgain = false;
          this.emit({ type: 'catch-up' });
          try {
            for (let page = 0; page < MAX_PAGES && !this.closed; page++) {
              const res = await this.page(`after_seq=${this.contiguous}&limit=${this.pageSize}`);
              const sorted = bySeq(res.messages);
              for (const m of sorted) this.hold(m, 'catch-up');
              if (!res.has_more || !sorted.length) break;
            }
            failures = 0;
          } catch (err) {
            if (!transient(err)) break;
            await this.pause(Math.min(5000, 300 * 2 ** failures++));
            this.catchUpAgain = true;
          }
        } while (this.catchUpAgain && !this.closed);
        this.markRead();
      } finally {
        this.catchingUp = null;
      }
    })();
    return this.catchingUp;
  }

  /** Tells the server, shortly, that we read up to the peer's newest message we hold (if the view is visible). */
  markRead() {
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => void this.sendRead(), READ_DELAY_MS);
  }

  /** The peer's read position from elsewhere (the conversation list). */
  notePeerRead(seq: number) {
    if (seq <= this.peerReadSeq) return;
    this.peerReadSeq = seq;
    this.emit({ type: 'peer-read', seq });
  }

  close() {
    this.closed = true;
    clearTimeout(this.readTimer);
    this.wakeCatchUp?.();
    for (const off of this.offs) off();
  }

  private onLive(message: Message) {
    if (message.conversation_id !== this.conversationId) return;
    if (message.seq > this.contiguous + 1) void this.catchUp(); // a gap: fetch what is missing
    this.hold(message, 'live');
    if (message.sender_id !== this.userId) this.markRead();
  }

  private hold(message: Message, source: MessageSource) {
    if (message.conversation_id !== this.conversationId || this.closed) return;
    const previous = this.messages.get(message.seq);
    this.messages.set(message.seq, message);
    while (this.messages.has(this.contiguous + 1)) this.contiguous++;
    this.firstSeq = Math.min(this.firstSeq, message.seq);
    this.emit({ type: 'message', message, source, previous });
  }

  private async sendRead() {
    if (this.closed || !this.visible()) return;
    let seq = 0;
    for (const m of this.messages.values()) if (m.sender_id !== this.userId) seq = Math.max(seq, m.seq);
    if (seq <= this.myReadSeq) return;
    const { socket, rest } = this.transport;
    const ack = await socket.request('message:read', { conversation_id: this.conversationId, seq });
    if (!ack.ok) {
      const ok = await rest.post(`/chat/conversations/${this.conversationId}/read`, { seq }).then(
        () => true,
        () => false,
      );
      if (!ok) return;
    }
    this.myReadSeq = Math.max(this.myReadSeq, seq);
    this.emit({ type: 'read', seq });
  }

  private async fetchLatest() {
    const res = await this.page(`limit=${this.pageSize}`);
    if (this.closed) return;
    const sorted = bySeq(res.messages);
    if (sorted.length) this.contiguous = sorted[0].seq - 1;
    for (const m of sorted) this.hold(m, 'latest');
    this.hasOlder = res.has_more;
    this.loaded = true;
    this.markRead();
    // A connect or a gap while the page was on its way: what came after it may be missing.
    if (this.catchUpAgain) void this.catchUp();
  }

  private page(query: string) {
    return this.transport.rest.get<{ messages: Message[]; has_more: boolean }>(`/chat/messages/${this.conversationId}?${query}`);
  }

  private pause(ms: number) {
    const sleep = wakeableSleep(ms);
    this.wakeCatchUp = sleep.wake;
    return sleep.done.finally(() => (this.wakeCatchUp = undefined));
  }

  private emit(e: DeliveryEvent) {
    for (const fn of this.listeners) fn(e);
  }
}
