// Abuse controls on chat sends (issue: safety and operations):
// - no links or phone numbers in the first messages of a conversation, when
//   strangers who just matched are most often lured off the platform;
// - users with recent (not dismissed) reports from at least
//   reportThrottleMinReporters different people may open only a few new
//   conversations a day (their first message in a conversation counts); one
//   reporter alone cannot throttle anyone, so a grudge is not a weapon.
// - the first message of a conversation may not be a near-copy of an opener
//   the sender used lately (openers.ts; refused with opener_not_unique).
// All are checked before a send is written; a refused send stores nothing.
import type { Knex } from 'knex';
import type { Config } from '../../shared/config.js';
import { AppError } from '../../shared/errors.js';
import type { Limiter, RateLimit } from '../../shared/rate-limit.js';
import * as repo from './repo.js';
import { copiedOpener } from './openers.js';

/** The most recent openers a new one is compared with. */
const OPENERS_COMPARED = 200;

const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g;
const LINK =
  /(?:\b(?:https?:\/\/|www\.)\S+)|(?:\b[a-z0-9-]{2,}(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|io|me|ru|co|app|xyz|link|ly|gg|to|tv|site|online|club|top|page)\b)|(?:\bt\.me\/\S+)/i;
// Seven or more digits, allowing the usual separators between them.
const PHONE = /(?:\+?\d[\s().\-/]*){7,}/;

/** Normalised so that look-alike or hidden characters do not slip a link through. */
export function containsContact(body: string): boolean {
  const text = body.normalize('NFKC').replace(INVISIBLE, '');
  return LINK.test(text) || PHONE.test(text);
}

const REPORTED_CACHE_MS = 60_000;

/** Conversations this process saw a message in: their next send is no opener (a conversation never empties again). */
const STARTED_CACHE = 100_000;

export class AbuseControls {
  private readonly newConversations: RateLimit;
  private readonly reported = new Map<string, { reported: boolean; until: number }>();
  private readonly started = new Set<string>();

  constructor(
    private readonly db: Knex,
    limiter: Limiter,
    private readonly config: Pick<Config, 'abuse' | 'reportThrottleMinReporters'>,
  ) {
    this.newConversations = limiter('reported-new-conversations', Math.max(1, config.abuse.reportedNewConversationsPerDay), 86_400);
  }

  async check(senderId: string, conversationId: string, body: string): Promise<void> {
    let read: Promise<number | undefined> | undefined;
    const lastSeq = () => (read ??= repo.conversationLastSeq(this.db, conversationId));
    await Promise.all([this.checkContact(lastSeq, body), this.checkReported(senderId, conversationId), this.checkOpener(conversationId, lastSeq, senderId, body)]);
  }

  private async checkContact(lastSeqOf: () => Promise<number | undefined>, body: string) {
    const n = this.config.abuse.linkFilterMessages;
    if (n === 0 || !containsContact(body)) return;
    const lastSeq = await lastSeqOf();
    if (lastSeq !== undefined && lastSeq < n) {
      throw AppError.validation(
        [{ field: 'body', message: `links and phone numbers are not allowed in the first ${n} messages of a conversation` }],
        'Links and phone numbers are not allowed yet in this conversation',
      );
    }
  }

  /** Only a conversation's first message is checked; the hot path (any later one) costs no query once this process saw the conversation started. */
  private async checkOpener(conversationId: string, lastSeqOf: () => Promise<number | undefined>, senderId: string, body: string) {
    const { openerWindowDays: days, openerSimilarity } = this.config.abuse;
    if (days === 0 || this.started.has(conversationId)) return;
    const lastSeq = await lastSeqOf();
    if (lastSeq !== 0) {
      if (lastSeq !== undefined) {
        if (this.started.size >= STARTED_CACHE) this.started.clear();
        this.started.add(conversationId);
      }
      return;
    }
    const earlier = await repo.recentOpeners(this.db, senderId, conversationId, days, OPENERS_COMPARED);
    if (copiedOpener(body, earlier, openerSimilarity) !== undefined) {
      throw new AppError(409, 'opener_not_unique', 'Write a first message of your own: this one copies an opener you sent recently');
    }
  }

  private async isReported(userId: string): Promise<boolean> {
    const hit = this.reported.get(userId);
    if (hit && hit.until > Date.now()) return hit.reported;
    const reporters = await repo.recentReporterCount(this.db, userId, this.config.abuse.reportWindowDays);
    const reported = reporters >= this.config.reportThrottleMinReporters;
    if (this.reported.size > 10_000) this.reported.clear();
    this.reported.set(userId, { reported, until: Date.now() + REPORTED_CACHE_MS });
    return reported;
  }

  private async checkReported(senderId: string, conversationId: string) {
    if (!(await this.isReported(senderId))) return;
    if (await repo.hasSentIn(this.db, conversationId, senderId)) return;
    if (this.config.abuse.reportedNewConversationsPerDay === 0) {
      throw AppError.forbidden('Starting new conversations is suspended while reports against you are reviewed');
    }
    await this.newConversations.consume(senderId);
  }
}
