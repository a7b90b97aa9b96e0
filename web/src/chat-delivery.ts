// What one open conversation holds and how it stays complete: stored messages
// by seq (the newest page first, older pages on demand), live ones as they
// come, a catch-up by `after_seq` on every (re)connect and on every gap in
// seq, our sends through the outbox, and both read positions. The chat screen
// renders its events; the fault suite (test/faults/load.ts) runs the same
// class under faults. No DOM here: the screen hands in what it knows of it
// (whether the page is visible). Edits, reactions and deletions change held
// messages in place (source `change`): live, and on every catch-up by the
// conversation's change cursor (events_after), so a device that was away gets
// them without a reload.
import type { AckOf, ChatTransport, Payload } from './chat-transport.js';
import type { Message, ReactionEmoji, ServerToClientEvents } from './contract.js';
import { ApiError } from './http.js';
import { uid, type Outbox, type Pending, type SendOptions } from './outbox.js';
import { wakeableSleep } from '../../shared/wakeable-sleep.js';

/** How a message reached the view. */
export type MessageSource = 'latest' | 'older' | 'live' | 'catch-up' | 'sent' | 'change';

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

type Page = { messages: Message[]; has_more: boolean; change_seq: number };
type ServerPayload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

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
  /** The conversation's change cursor: every edit, reaction and deletion up to it is applied to what is held. */
  changeSeq = 0;
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
      socket.on('message:reaction', (p) => this.onReaction(p)),
      socket.on('message:edited', ({ message }) => this.onEdited(message)),
      socket.on('message:deleted', (p) => this.onDeleted(p)),
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

  send(body: string, opts: SendOptions = {}): Pending {
    return this.outbox.send(this.conversationId, body, opts);
  }

  // --- message actions: over the socket, over REST while it is down; each rejects with an ApiError ---

  /** Sets (or with null removes) our reaction. */
  async react(seq: number, emoji: ReactionEmoji | null): Promise<void> {
    const body = { emoji, client_id: uid() };
    const r = await this.act('message:react', { conversation_id: this.conversationId, seq, ...body }, () =>
      this.transport.rest.put(`${this.messagePath(seq)}/reaction`, body),
    );
    const held = this.messages.get(seq);
    if (held) this.hold(withReactions(held, r.reactions, r.emoji, r.change_seq), 'change');
  }

  /** Rewrites our message (confirm: past the "are you sure?" of the filter). */
  async edit(seq: number, text: string, confirm = false): Promise<void> {
    const body = { body: text, client_id: uid(), ...(confirm ? { confirm } : {}) };
    const r = await this.act('message:edit', { conversation_id: this.conversationId, seq, ...body }, () => this.transport.rest.put(this.messagePath(seq), body));
    this.hold(r.message, 'change');
  }

  /** scope everyone: unsend (while the peer has not read it); me: hide it from our own history. */
  async remove(seq: number, scope: 'everyone' | 'me'): Promise<void> {
    const r = await this.act('message:delete', { conversation_id: this.conversationId, seq, scope }, () => this.transport.rest.del(`${this.messagePath(seq)}?scope=${scope}`));
    this.onDeleted(r);
  }

  /** "Does this bother you?": reports the peer's message. */
  async report(seq: number): Promise<void> {
    await this.act('message:report', { conversation_id: this.conversationId, seq }, () => this.transport.rest.post(`${this.messagePath(seq)}/report`, {}));
  }

  /** Whether the peer has read our message at `seq` (then it can only be deleted for us). */
  readByPeer(seq: number): boolean {
    return seq <= this.peerReadSeq;
  }

  retry(clientMsgId: string) {
    this.outbox.retry(clientMsgId);
  }

  /** "Are you sure?" answered yes: the flagged send goes again with confirm. */
  confirm(clientMsgId: string) {
    this.outbox.confirm(clientMsgId);
  }

  /** Drops a send the user takes back (its text goes back to the composer). */
  discard(clientMsgId: string) {
    this.outbox.discard(clientMsgId);
  }

  /** The newest page: where the view starts. Rejects with the ApiError (403/404: not this user's chat). */
  loadLatest(): Promise<void> {
    this.loading ??= this.fetchLatest().finally(() => (this.loading = null));
    return this.loading;
  }

  /** The stored message at `seq`: the one held, else fetched on its own (undefined: there is none). Rejects when the fetch fails. */
  async find(seq: number): Promise<Message | undefined> {
    const held = this.messages.get(seq);
    if (held) return held;
    const res = await this.page(`after_seq=${seq - 1}&limit=1`);
    return res.messages.find((m) => m.seq === seq);
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
            await this.catchUpChanges();
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

  /** Edits, reactions and deletions after our change cursor, applied to the messages held. */
  private async catchUpChanges() {
    for (let page = 0; page < MAX_PAGES && !this.closed; page++) {
      const res = await this.page(`events_after=${this.changeSeq}&limit=${this.pageSize}`);
      for (const m of res.messages) if (this.messages.has(m.seq)) this.hold(m, 'change');
      const last = res.messages.at(-1)?.change_seq ?? 0;
      // The page's cursor was read before its messages: never past what they show.
      this.changeSeq = Math.max(this.changeSeq, last, res.has_more ? 0 : res.change_seq);
      if (!res.has_more || !res.messages.length) break;
    }
  }

  private onReaction(p: ServerPayload<'message:reaction'>) {
    const held = p.conversation_id === this.conversationId ? this.messages.get(p.seq) : undefined;
    if (!held) return;
    const mine = p.user_id === this.userId ? p.emoji : (held.my_reaction ?? null);
    this.hold(withReactions(held, p.reactions, mine, p.change_seq), 'change');
  }

  private onEdited(message: Message) {
    const held = message.conversation_id === this.conversationId ? this.messages.get(message.seq) : undefined;
    if (!held) return;
    // The peers' copy has no my_reaction: ours stays.
    this.hold({ ...message, ...(held.my_reaction ? { my_reaction: held.my_reaction } : {}) }, 'change');
  }

  private onDeleted(p: ServerPayload<'message:deleted'>) {
    if (p.conversation_id !== this.conversationId) return;
    const held = this.messages.get(p.seq);
    if (held) {
      const { reactions: _r, my_reaction: _m, edited_at: _e, flagged: _f, ...rest } = held;
      this.hold({ ...rest, body: null, deleted: true, change_seq: p.change_seq }, 'change');
    }
    if (p.scope !== 'everyone') return;
    // Replies quoting it now quote a deleted message.
    for (const m of [...this.messages.values()]) {
      if (m.reply_to?.seq === p.seq && !m.reply_to.deleted) this.hold({ ...m, reply_to: { ...m.reply_to, body: null, deleted: true } }, 'change');
    }
  }

  /** One action: its ack's fields, or an ApiError with the server's code. */
  private async act<E extends 'message:react' | 'message:edit' | 'message:delete' | 'message:report', T>(
    event: E,
    payload: Payload<E>,
    overRest: () => Promise<T>,
  ): Promise<Exclude<AckOf<E>, { ok: false }>> {
    const { socket } = this.transport;
    if (!socket.connected) return (await overRest()) as unknown as Exclude<AckOf<E>, { ok: false }>;
    const ack = await socket.request(event, payload);
    if (!ack.ok) throw new ApiError(0, ack.error.code, ack.error.message, ack.error.details);
    return ack as Exclude<AckOf<E>, { ok: false }>;
  }

  private messagePath(seq: number) {
    return `/chat/messages/${this.conversationId}/${seq}`;
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
    this.changeSeq = Math.max(this.changeSeq, res.change_seq ?? 0);
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
    return this.transport.rest.get<Page>(`/chat/messages/${this.conversationId}?${query}`);
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

/** The message with these reaction counts and our own reaction. */
function withReactions(m: Message, reactions: Record<string, number>, mine: ReactionEmoji | null, changeSeq: number): Message {
  const { reactions: _r, my_reaction: _m, ...rest } = m;
  return {
    ...rest,
    ...(Object.keys(reactions).length ? { reactions } : {}),
    ...(mine ? { my_reaction: mine } : {}),
    change_seq: Math.max(changeSeq, m.change_seq ?? 0),
  };
}
