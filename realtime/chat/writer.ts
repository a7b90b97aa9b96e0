// Group commit for chat sends (DESIGN.md § Chat delivery, throughput).
//
// PostgreSQL commits a few thousand single-row transactions per second on these
// machines; a commit per message would cap the chat there. Sends are queued in
// lanes (a conversation always maps to the same lane, so one sender's messages
// keep their order) and each lane stores everything that queued up while its
// previous batch was running in ONE statement (repo.sendBatch), which also
// writes the batch's messages.created event into the outbox (enqueueInStatement):
// one round trip and one commit whatever the batch size. In the statement:
// idempotent resends find their stored message, non-members and dead
// conversations are refused, and the accepted messages get gapless seqs under
// the conversations' row locks.
//
// Every send's promise settles only after that commit, so acks follow the
// commit, and a stored message always has its event (the notifications worker
// hears of it even if the bus was down at that moment).
// A resend racing its original (another node) trips the unique index: the batch
// is retried send by send, and the retry finds the stored message.
// At low load a batch is one message and nothing waits; under load batches grow.
import type { Knex } from 'knex';
import type { Logger } from '../../shared/logger.js';
import { AppError } from '../../shared/errors.js';
import { isUniqueViolation } from '../../shared/db.js';
import { statementCommitted } from '../../shared/outbox/enqueue.js';
import type { ChatMessage } from '../events.js';
import * as repo from './repo.js';
import { histogram } from '../../shared/metrics.js';

const batchSize = histogram({
  name: 'chat_commit_batch_size',
  help: 'Chat sends committed per transaction (group commit)',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
});
const commitSeconds = histogram({
  name: 'chat_commit_duration_seconds',
  help: 'Duration of one group-commit batch (one transaction: the messages and their events)',
  buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
});

export interface SendRequest {
  senderId: string;
  conversationId: string;
  /** null: an attachment without text. */
  body: string | null;
  clientMsgId: string;
  /** A photo or voice note (checked by the admission, which sets it). */
  attachment?: repo.AttachmentRef;
  /** The message this one answers (checked to exist before the send is queued). */
  replyToSeq?: number;
  /** The offensive-language filter flagged it and the sender confirmed. */
  flagged?: boolean;
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

export const DEFAULT_WRITER_OPTIONS: WriterOptions = { lanes: 2, maxBatch: 256, windowMs: 0 };

interface Pending {
  req: SendRequest;
  admission: Promise<void>;
  resolve(r: SendResult): void;
  reject(e: unknown): void;
}

const RETRYABLE = new Set(['40P01', '40001']); // deadlock, serialization failure

export class MessageWriter {
  private readonly lanes: Lane[];
  private toAdmit: (() => void)[] = [];

  constructor(db: Knex, logger: Logger, opts: Partial<WriterOptions> = {}) {
    const o = { ...DEFAULT_WRITER_OPTIONS, ...opts };
    this.lanes = Array.from({ length: Math.max(1, o.lanes) }, () => new Lane(db, logger, o));
  }

  /**
   * Queues a send. `admit` (e.g. the sender's rate limit) must pass before the
   * send is written; if it rejects, the send is refused with its error and
   * nothing is stored. Admissions start once per event-loop turn for all the
   * sends that arrived in it (their Redis commands leave in one write) and run
   * while the sends wait for their lane.
   */
  submit(req: SendRequest, admit: () => Promise<void> = async () => {}): Promise<SendResult> {
    let start!: () => void;
    const admission = new Promise<void>((resolve, reject) => {
      start = () => admit().then(resolve, reject);
    });
    admission.catch(() => {}); // settled in the lane; never an unhandled rejection meanwhile
    if (!this.toAdmit.length) {
      setImmediate(() => {
        for (const go of this.toAdmit.splice(0)) go();
      });
    }
    this.toAdmit.push(start);
    return new Promise((resolve, reject) => this.laneOf(req.conversationId).push({ req, admission, resolve, reject }));
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
    const taken = this.queue.splice(0, this.opts.maxBatch);
    try {
      const admitted = await Promise.allSettled(taken.map((p) => p.admission));
      const batch = taken.filter((p, i) => {
        const a = admitted[i];
        if (a.status === 'rejected') p.reject(a.reason);
        return a.status === 'fulfilled';
      });
      if (batch.length) {
        batchSize.observe(batch.length);
        const end = commitSeconds.startTimer();
        await this.commit(batch);
        end();
      }
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
  // One statement, so one round trip and one commit: the messages, their
  // messages.created event in the outbox and the attaching of their media.
  const { conversations, stored, inserted } = await repo.sendBatch(
    db,
    reqs.map((r) => ({
      conversationId: r.conversationId,
      senderId: r.senderId,
      body: r.body,
      clientMsgId: r.clientMsgId,
      replyToSeq: r.replyToSeq,
      flagged: r.flagged,
      attachment: r.attachment,
    })),
  );
  statementCommitted('messages.created');
  const storedByKey = new Map(stored.map((m) => [keyOf(m.sender_id, m.client_msg_id), m]));
  const insertedByKey = new Map(inserted.map((m) => [keyOf(m.sender_id, m.client_msg_id), m]));
  const recipientsOf = (r: SendRequest) => conversations.get(r.conversationId)?.members.filter((id) => id !== r.senderId) ?? [];
  const claimed = new Set<string>();

  return reqs.map((r) => {
    const key = keyOf(r.senderId, r.clientMsgId);
    const earlier = storedByKey.get(key);
    const now = insertedByKey.get(key);
    const message = earlier ?? now;
    if (message) {
      if (message.conversation_id !== r.conversationId) return AppError.conflict('client_msg_id was already used for another conversation');
      // The first request of a pair created the message; repeats within the batch are resends.
      const created = !earlier && !claimed.has(key);
      claimed.add(key);
      return { message, created, recipients: recipientsOf(r) };
    }
    const conv = conversations.get(r.conversationId);
    if (!conv || !conv.members.includes(r.senderId)) return AppError.notFound('Conversation not found');
    if (!conv.live) return AppError.forbidden('This conversation is closed: only members of a live match may send');
    return AppError.notFound('Conversation not found'); // vanished while the batch ran
  });
}
