// Group commit for chat sends (DESIGN.md § Chat delivery, throughput).
//
// PostgreSQL commits a few thousand single-row transactions per second on these
// machines; a commit per message would cap the chat there. Sends are queued in
// lanes (a conversation always maps to the same lane, so one sender's messages
// keep their order) and each lane commits everything that queued up while its
// previous transaction was running, in ONE transaction:
//
//   lock the batch's conversations (id order: no deadlock with other batches or nodes)
//   → return already-stored messages for resent (sender_id, client_msg_id)
//   → refuse sends to conversations that are not live or where the sender is no member
//   → UPDATE conversations SET last_seq = last_seq + n … RETURNING  (gapless seq under the row lock)
//   → one INSERT of all the batch's messages → COMMIT
//
// Every send's promise settles only after that commit, so acks still follow the
// commit. At low load a batch is one message and nothing waits; under load the
// batches grow by themselves.
import type { Knex } from 'knex';
import type { Logger } from '../../shared/logger.js';
import { AppError } from '../../shared/errors.js';
import { isUniqueViolation } from '../../shared/db.js';
import type { ChatMessage } from '../events.js';
import * as repo from './repo.js';

export interface SendRequest {
  senderId: string;
  conversationId: string;
  body: string;
  clientMsgId: string;
}

export interface SendResult {
  message: ChatMessage;
  /** false for an idempotent resend (the stored message is returned). */
  created: boolean;
  /** The other members of the conversation (who get `message:new`). */
  recipients: string[];
}

export interface WriterOptions {
  /** Independent commit pipelines (each holds at most one connection). */
  lanes: number;
  /** Most sends per transaction. */
  maxBatch: number;
  /** How long an idle lane waits for company before committing (0 = next tick). */
  windowMs: number;
}

export const DEFAULT_WRITER_OPTIONS: WriterOptions = { lanes: 4, maxBatch: 256, windowMs: 0 };

interface Pending {
  req: SendRequest;
  resolve(r: SendResult): void;
  reject(e: unknown): void;
}

const RETRYABLE = new Set(['40P01', '40001']); // deadlock, serialization failure

export class MessageWriter {
  private readonly lanes: Lane[];

  constructor(db: Knex, logger: Logger, opts: Partial<WriterOptions> = {}) {
    const o = { ...DEFAULT_WRITER_OPTIONS, ...opts };
    this.lanes = Array.from({ length: Math.max(1, o.lanes) }, () => new Lane(db, logger, o));
  }

  submit(req: SendRequest): Promise<SendResult> {
    return new Promise((resolve, reject) => this.laneOf(req.conversationId).push({ req, resolve, reject }));
  }

  /** Resolves once every queued send has been committed (or refused). */
  async drain(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.idle()));
  }

  private laneOf(conversationId: string): Lane {
    let h = 0;
    for (let i = 0; i < conversationId.length; i++) h = (h * 31 + conversationId.charCodeAt(i)) | 0;
    return this.lanes[Math.abs(h) % this.lanes.length];
  }
}

class Lane {
  private queue: Pending[] = [];
  private running = false;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly db: Knex,
    private readonly logger: Logger,
    private readonly opts: WriterOptions,
  ) {}

  push(p: Pending) {
    this.queue.push(p);
    this.schedule();
  }

  idle(): Promise<void> {
    if (!this.running && !this.queue.length) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private schedule() {
    if (this.running || this.scheduled || !this.queue.length) return;
    this.scheduled = true;
    const go = () => {
      this.scheduled = false;
      void this.flush();
    };
    if (this.opts.windowMs > 0 && this.queue.length < this.opts.maxBatch) setTimeout(go, this.opts.windowMs);
    else setImmediate(go);
  }

  private async flush() {
    if (this.running || !this.queue.length) return;
    this.running = true;
    const batch = this.queue.splice(0, this.opts.maxBatch);
    try {
      await this.commit(batch);
    } finally {
      this.running = false;
      if (this.queue.length) this.schedule();
      else for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Commits a batch and settles every send in it; never throws. */
  private async commit(batch: Pending[], attempt = 1): Promise<void> {
    try {
      const outcomes = await this.db.transaction((trx) => writeBatch(trx, batch.map((p) => p.req)));
      batch.forEach((p, i) => {
        const o = outcomes[i];
        if (o instanceof AppError) p.reject(o);
        else p.resolve(o);
      });
    } catch (err) {
      const clash = isUniqueViolation(err, 'messages_sender_client_msg_uniq');
      if (clash && batch.length > 1) {
        // A client_msg_id reused across conversations, or a resend racing its original
        // (another node, another batch): settle each send on its own.
        for (const p of batch) await this.commit([p]);
        return;
      }
      const code = (err as { code?: string }).code;
      // A retried single send that clashed finds the stored message this time.
      if (attempt < 3 && (clash || (code !== undefined && RETRYABLE.has(code)))) return this.commit(batch, attempt + 1);
      this.logger.error({ err, batch: batch.length }, 'chat batch failed');
      for (const p of batch) p.reject(err);
    }
  }
}

/** One transaction: the outcome of each request, in order (a result or the AppError refusing it). */
async function writeBatch(trx: Knex.Transaction, reqs: SendRequest[]): Promise<(SendResult | AppError)[]> {
  const convIds = [...new Set(reqs.map((r) => r.conversationId))];
  const conversations = await repo.lockConversationsForSend(trx, convIds);
  // After the lock: a resend racing its original in the same conversation sees it committed.
  const stored = await repo.findBySenderClientIds(trx, reqs.map((r) => ({ senderId: r.senderId, clientMsgId: r.clientMsgId })));
  const storedByKey = new Map(stored.map((m) => [`${m.sender_id}|${m.client_msg_id}`, m]));

  const outcomes: (SendResult | AppError | number)[] = []; // a number: index of the earlier request it repeats
  const firstByKey = new Map<string, number>();
  const toInsert: number[] = [];
  reqs.forEach((r, i) => {
    const key = `${r.senderId}|${r.clientMsgId}`;
    const conv = conversations.get(r.conversationId);
    const recipients = conv ? conv.members.filter((id) => id !== r.senderId) : [];
    const existing = storedByKey.get(key);
    if (existing) {
      outcomes[i] =
        existing.conversation_id === r.conversationId
          ? { message: existing, created: false, recipients }
          : AppError.conflict('client_msg_id was already used for another conversation');
      return;
    }
    const earlier = firstByKey.get(key);
    if (earlier !== undefined) {
      outcomes[i] = reqs[earlier].conversationId === r.conversationId ? earlier : AppError.conflict('client_msg_id was already used for another conversation');
      return;
    }
    if (!conv || !conv.members.includes(r.senderId)) {
      outcomes[i] = AppError.notFound('Conversation not found');
      return;
    }
    if (!conv.live) {
      outcomes[i] = AppError.forbidden('This conversation is closed: only members of a live match may send');
      return;
    }
    firstByKey.set(key, i);
    toInsert.push(i);
  });

  if (toInsert.length) {
    const counts = new Map<string, number>();
    for (const i of toInsert) counts.set(reqs[i].conversationId, (counts.get(reqs[i].conversationId) ?? 0) + 1);
    const lastSeqs = await repo.takeSeqs(trx, counts);
    const next = new Map([...counts].map(([id, n]) => [id, lastSeqs.get(id)! - n + 1]));
    const rows = toInsert.map((i) => {
      const r = reqs[i];
      const seq = next.get(r.conversationId)!;
      next.set(r.conversationId, seq + 1);
      return { conversationId: r.conversationId, seq, senderId: r.senderId, body: r.body, clientMsgId: r.clientMsgId };
    });
    const inserted = await repo.insertMessages(trx, rows);
    const bySeq = new Map(inserted.map((m) => [`${m.conversation_id}|${m.seq}`, m]));
    toInsert.forEach((i, k) => {
      const message = bySeq.get(`${rows[k].conversationId}|${rows[k].seq}`)!;
      const conv = conversations.get(reqs[i].conversationId)!;
      outcomes[i] = { message, created: true, recipients: conv.members.filter((id) => id !== reqs[i].senderId) };
    });
  }

  return outcomes.map((o) => {
    if (typeof o !== 'number') return o;
    const first = outcomes[o] as SendResult | AppError;
    return first instanceof AppError ? first : { ...first, created: false };
  });
}
