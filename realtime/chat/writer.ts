// Group commit for chat sends (DESIGN.md § Chat delivery, throughput).
//
// PostgreSQL commits a few thousand single-row transactions per second on these
// machines; a commit per message would cap the chat there. Sends are queued in
// lanes (a conversation always maps to the same lane, so one sender's messages
// keep their order) and each lane stores everything that queued up while its
// previous batch was running, in two round trips:
//
//   1. precheck (no locks): conversations' members and liveness, and messages
//      already stored for the batch's (sender_id, client_msg_id) → idempotent
//      resends get the stored message, non-members and dead conversations are refused;
//   2. ONE statement = one commit: lock the conversations in id order,
//      UPDATE conversations SET last_seq = last_seq + n … RETURNING, INSERT the
//      n messages with exactly those seqs (gapless: the statement is atomic).
//
// Every send's promise settles only after that commit, so acks follow the commit.
// A resend racing its original (another node) trips the unique index: the batch
// is retried send by send, and the precheck then finds the stored message. A
// block or unmatch committed between the two steps lets through messages that
// were sent before it took effect, which is what a user would expect anyway.
// At low load a batch is one message and nothing waits; under load batches grow.
import type { Knex } from 'knex';
import type { Logger } from '../../shared/logger.js';
import { AppError } from '../../shared/errors.js';
import { isUniqueViolation } from '../../shared/db.js';
import type { ChatMessage } from '../events.js';
import * as repo from './repo.js';
import client from 'prom-client';

const batchSize = new client.Histogram({
  name: 'chat_commit_batch_size',
  help: 'Chat sends committed per transaction (group commit)',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
});
const commitSeconds = new client.Histogram({
  name: 'chat_commit_duration_seconds',
  help: 'Duration of one group-commit transaction',
  buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
});

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
    batchSize.observe(batch.length);
    const end = commitSeconds.startTimer();
    try {
      await this.commit(batch);
      end();
    } finally {
      this.running = false;
      if (this.queue.length) this.schedule();
      else for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Stores a batch and settles every send in it; never throws. */
  private async commit(batch: Pending[], attempt = 1): Promise<void> {
    try {
      const outcomes = await writeBatch(this.db, batch.map((p) => p.req));
      batch.forEach((p, i) => {
        const o = outcomes[i];
        if (o instanceof AppError) p.reject(o);
        else p.resolve(o);
      });
    } catch (err) {
      const clash = isUniqueViolation(err, 'messages_sender_client_msg_uniq');
      if (clash && batch.length > 1) {
        for (const p of batch) await this.commit([p]);
        return;
      }
      const code = (err as { code?: string }).code;
      if (attempt < 3 && (clash || (code !== undefined && RETRYABLE.has(code)))) return this.commit(batch, attempt + 1);
      this.logger.error({ err, batch: batch.length }, 'chat batch failed');
      for (const p of batch) p.reject(err);
    }
  }
}

/** The outcome of each request, in order: a result, or the AppError refusing it. */
async function writeBatch(db: Knex, reqs: SendRequest[]): Promise<(SendResult | AppError)[]> {
  const keyOf = (senderId: string, clientMsgId: string) => `${senderId}|${clientMsgId}`;
  const { conversations, stored } = await repo.sendPrecheck(
    db,
    [...new Set(reqs.map((r) => r.conversationId))],
    reqs.map((r) => ({ senderId: r.senderId, clientMsgId: r.clientMsgId })),
  );
  const storedByKey = new Map(stored.map((m) => [keyOf(m.sender_id, m.client_msg_id), m]));
  const recipientsOf = (r: SendRequest) => conversations.get(r.conversationId)?.members.filter((id) => id !== r.senderId) ?? [];
  const reused = () => AppError.conflict('client_msg_id was already used for another conversation');

  const outcomes: (SendResult | AppError | number)[] = []; // a number: index of the earlier request it repeats
  const firstByKey = new Map<string, number>();
  const toInsert: number[] = [];
  reqs.forEach((r, i) => {
    const key = keyOf(r.senderId, r.clientMsgId);
    const existing = storedByKey.get(key);
    if (existing) {
      outcomes[i] = existing.conversation_id === r.conversationId ? { message: existing, created: false, recipients: recipientsOf(r) } : reused();
      return;
    }
    const earlier = firstByKey.get(key);
    if (earlier !== undefined) {
      outcomes[i] = reqs[earlier].conversationId === r.conversationId ? earlier : reused();
      return;
    }
    const conv = conversations.get(r.conversationId);
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
    const inserted = await repo.insertBatch(
      db,
      toInsert.map((i) => ({ conversationId: reqs[i].conversationId, senderId: reqs[i].senderId, body: reqs[i].body, clientMsgId: reqs[i].clientMsgId })),
    );
    const byKey = new Map(inserted.map((m) => [keyOf(m.sender_id, m.client_msg_id), m]));
    for (const i of toInsert) {
      const message = byKey.get(keyOf(reqs[i].senderId, reqs[i].clientMsgId));
      // No row: the conversation was deleted between the two steps.
      outcomes[i] = message ? { message, created: true, recipients: recipientsOf(reqs[i]) } : AppError.notFound('Conversation not found');
    }
  }

  return outcomes.map((o) => {
    if (typeof o !== 'number') return o;
    const first = outcomes[o] as SendResult | AppError;
    return first instanceof AppError ? first : { ...first, created: false };
  });
}
