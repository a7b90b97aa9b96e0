// What an admin sees around a report: the reported user's report history (any
// status, shown with each queue item) and the conversation a reported message
// was in, as the reporter saw it up to that message.
import type { Knex } from 'knex';
import { AppError } from '../../shared/errors.js';
import { ReportEvidence, type ReportConversation, type ReportHistoryEntry } from '../../shared/contract/admin.js';
import * as repo from './repo.js';
import { hasReviewFile, reviewPath } from './review-files.js';

/** Reports of any status in each queue item's history. */
const HISTORY_PER_USER = 20;
/** Messages in a report's conversation excerpt, up to and including the reported one. */
const EXCERPT_MESSAGES = 20;

const ACTION_OF = { dismissed: 'dismiss', warned: 'warn', banned: 'ban' } as const;

function historyEntry(r: repo.ReportHistoryRow): ReportHistoryEntry {
  return {
    id: r.id,
    reason: r.reason,
    status: r.status,
    created_at: r.created_at.toISOString(),
    reporter: r.reporter,
    has_message: r.has_message,
    decision: r.status === 'open' ? null : { action: ACTION_OF[r.status], reviewed_at: r.reviewed_at?.toISOString() ?? null, reviewed_by: r.reviewed_by, note: r.note },
  };
}

/** The report history of each of these users (one query), looked up by user id; [] for a user without reports. */
export async function reportHistories(db: Knex, userIds: string[]): Promise<(userId: string) => ReportHistoryEntry[]> {
  const byUser = new Map<string, ReportHistoryEntry[]>();
  for (const row of await repo.reportHistoryOf(db, userIds, HISTORY_PER_USER)) {
    const list = byUser.get(row.target_id) ?? [];
    list.push(historyEntry(row));
    byUser.set(row.target_id, list);
  }
  return (userId) => byUser.get(userId) ?? [];
}

type Attachment = ReportConversation['messages'][number]['attachment'];

/** The file an admin opens for a message's attachment: a photo's medium (or what there is), a voice note, a clip's 480. */
const ATTACHMENT_FILE: Record<string, string[]> = { image: ['medium', 'large', 'thumb'], voice: ['voice'], video: ['480', '720'] };

function attachmentOf(m: repo.ExcerptRow): Attachment {
  if (!m.attachment_media_id || !m.attachment_kind) return null;
  const kind = m.attachment_kind as NonNullable<Attachment>['kind'];
  const variant = ATTACHMENT_FILE[kind]?.find((name) => hasReviewFile(kind, m.attachment_variants, name));
  return variant ? { kind, media_id: m.attachment_media_id, url: reviewPath(m.attachment_media_id, variant) } : null;
}

/**
 * The conversation a reported message was in, up to and including it, as the
 * reporter saw it (repo.conversationExcerpt), each message marked as the
 * reporter's or the reported user's; attachments by the admin file route
 * (the reported message's also after an unsend: the report keeps it).
 * A report that names no message has no conversation.
 */
export async function reportConversation(db: Knex, reportId: string): Promise<ReportConversation> {
  const report = await repo.findReport(db, reportId);
  if (!report) throw AppError.notFound('No such report');
  const evidence = ReportEvidence.pick({ conversation_id: true, seq: true }).safeParse(report.evidence);
  if (!evidence.success) return { report_id: report.id, conversation_id: null, reported_seq: null, messages: [] };
  const { conversation_id, seq } = evidence.data;
  const evidenceMediaId = report.evidence_media_id ?? null;
  const rows = await repo.conversationExcerpt(db, { conversationId: conversation_id, seq, reporterId: report.reporter_id, limit: EXCERPT_MESSAGES, evidenceMediaId });
  return {
    report_id: report.id,
    conversation_id,
    reported_seq: seq,
    messages: rows.reverse().map((m) => {
      const deleted = m.deleted_at !== null;
      return {
        seq: m.seq,
        sender: m.sender_id === report.reporter_id ? 'reporter' : 'reported',
        body: deleted ? null : m.body,
        deleted,
        created_at: m.created_at.toISOString(),
        edited_at: deleted ? null : (m.edited_at?.toISOString() ?? null),
        reported: m.seq === seq,
        // An unsent message shows nothing, except the reported one's photo or voice note that the report keeps as evidence.
        attachment: deleted && !(m.seq === seq && evidenceMediaId) ? null : attachmentOf(m),
      };
    }),
  };
}
