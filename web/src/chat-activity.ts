// The ephemeral side of one open conversation: our typing signals (renewed
// while the user keeps typing, stopped when idle), the peer's (which expire by
// themselves), the peer's presence, and the end of the match. No DOM here; the
// chat screen renders the events.
import { TYPING_TTL_MS, type PresenceState } from './contract.js';
import type { Realtime } from './realtime.js';

export type ActivityEvent =
  | { type: 'typing'; typing: boolean }
  /** null: unknown (we are offline, or the match ended). */
  | { type: 'presence'; presence: PresenceState | null }
  | { type: 'ended' };

export interface ChatPeer {
  userId: string;
  matchId: string;
}

/** Our typing stops by itself after this long without a keystroke. */
const TYPING_IDLE_MS = 4000;

export class ChatActivity {
  presence: PresenceState | null = null;
  private peer: ChatPeer | undefined;
  private typingSentAt = 0;
  private typingIdle?: ReturnType<typeof setTimeout>;
  private peerTypingTimer?: ReturnType<typeof setTimeout>;
  private readonly listeners = new Set<(e: ActivityEvent) => void>();
  private readonly offs: (() => void)[];

  constructor(
    private readonly rt: Realtime,
    private readonly conversationId: string,
    private readonly userId: string,
  ) {
    this.offs = [
      rt.on('typing', ({ conversation_id, user_id, typing, expires_in_ms }) => {
        if (conversation_id === conversationId && user_id !== userId) this.peerTyping(typing, expires_in_ms);
      }),
      // Their message is what they were typing.
      rt.on('message:new', ({ message }) => {
        if (message.conversation_id === conversationId && message.sender_id !== userId) this.peerTyping(false);
      }),
      rt.on('presence', (p) => {
        if (p.user_id === this.peer?.userId) this.setPresence({ online: p.online, last_seen: p.last_seen });
      }),
      rt.on('match:removed', ({ match_id }) => {
        if (match_id !== this.peer?.matchId) return;
        this.setPresence(null);
        this.peerTyping(false);
        this.emit({ type: 'ended' });
      }),
      // While we are disconnected the peer's presence is unknown: none rather than a stale one.
      rt.onState((s) => s !== 'online' && this.setPresence(null)),
      rt.onConnect(() => void this.queryPresence()),
    ];
  }

  on(fn: (e: ActivityEvent) => void) {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  /** Who the conversation is with (known once the screen has found the conversation). */
  setPeer(peer: ChatPeer) {
    this.peer = peer;
    if (this.rt.connected) void this.queryPresence();
  }

  /** The composer changed: keep the peer's "typing…" alive while there is text, renewed before the server's expiry. */
  typed(hasText: boolean) {
    if (!hasText) return this.stopTyping();
    if (Date.now() - this.typingSentAt > TYPING_TTL_MS / 2) {
      this.rt.send('typing:start', { conversation_id: this.conversationId });
      this.typingSentAt = Date.now();
    }
    clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  stopTyping() {
    clearTimeout(this.typingIdle);
    if (this.typingSentAt) this.rt.send('typing:stop', { conversation_id: this.conversationId });
    this.typingSentAt = 0;
  }

  close() {
    this.stopTyping();
    clearTimeout(this.peerTypingTimer);
    for (const off of this.offs) off();
  }

  private async queryPresence() {
    const peer = this.peer;
    if (!peer) return;
    const ack = await this.rt.request('presence:query', { user_ids: [peer.userId] });
    if (ack.ok && ack.presence[peer.userId]) this.setPresence(ack.presence[peer.userId]);
  }

  private peerTyping(typing: boolean, ttl = TYPING_TTL_MS) {
    clearTimeout(this.peerTypingTimer);
    this.emit({ type: 'typing', typing });
    if (typing) this.peerTypingTimer = setTimeout(() => this.peerTyping(false), ttl);
  }

  private setPresence(presence: PresenceState | null) {
    this.presence = presence;
    this.emit({ type: 'presence', presence });
  }

  private emit(e: ActivityEvent) {
    for (const fn of this.listeners) fn(e);
  }
}
