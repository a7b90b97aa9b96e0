// Typing indicators: ephemeral (never stored), per socket and conversation,
// rate limited per user, and expiring by themselves: `typing: true` carries
// expires_in_ms for the client, and the node that relayed it sends
// `typing: false` after that long unless the typist renewed it.
import type { RateLimit } from '../shared/rate-limit.js';
import type { ServiceDeps } from '../shared/platform.js';
import { parse } from '../shared/validation.js';
import type { Delivery } from './delivery.js';
import type { ChatService } from './chat/service.js';
import { TypingSchema } from './chat/schemas.js';

interface Active {
  timer: NodeJS.Timeout;
  userId: string;
  peers: string[];
}

export class Typing {
  /** socketId → conversationId → active indicator. */
  private readonly active = new Map<string, Map<string, Active>>();
  private readonly limit: RateLimit;

  constructor(
    deps: ServiceDeps,
    private readonly chat: ChatService,
    private readonly delivery: Delivery,
    private readonly ttlMs: number,
  ) {
    this.limit = deps.limiter('chat-typing', deps.config.rateLimits.typingPerMin, 60);
  }

  async start(socketId: string, userId: string, input: unknown): Promise<void> {
    const { conversation_id } = parse(TypingSchema, input);
    await this.limit.consume(userId);
    const peers = await this.chat.peersOf(conversation_id, userId);
    const mine = this.active.get(socketId) ?? new Map<string, Active>();
    this.active.set(socketId, mine);
    const previous = mine.get(conversation_id);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => this.end(socketId, conversation_id), this.ttlMs);
    timer.unref();
    mine.set(conversation_id, { timer, userId, peers });
    this.delivery.typing(conversation_id, userId, true, peers);
  }

  async stop(socketId: string, input: unknown): Promise<void> {
    const { conversation_id } = parse(TypingSchema, input);
    this.end(socketId, conversation_id);
  }

  /** A message went out: the indicator it followed ends with it. */
  messageSent(socketId: string, conversationId: string) {
    this.end(socketId, conversationId);
  }

  socketGone(socketId: string) {
    for (const conversationId of [...(this.active.get(socketId)?.keys() ?? [])]) this.end(socketId, conversationId);
  }

  /** Shutdown: forget the timers (peers' clients expire the indicators themselves). */
  clear() {
    for (const mine of this.active.values()) for (const a of mine.values()) clearTimeout(a.timer);
    this.active.clear();
  }

  private end(socketId: string, conversationId: string) {
    const mine = this.active.get(socketId);
    const a = mine?.get(conversationId);
    if (!mine || !a) return;
    clearTimeout(a.timer);
    mine.delete(conversationId);
    if (!mine.size) this.active.delete(socketId);
    this.delivery.typing(conversationId, a.userId, false, a.peers);
  }
}
