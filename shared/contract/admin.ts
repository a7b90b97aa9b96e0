// The admin API's answers (operators only).
import { z } from 'zod';
import { Id, PhotoUrls, shape, Timestamp } from './common.js';

const UserBrief = z.object({ user_id: Id, display_name: z.string().nullable(), banned: z.boolean() });

/** What an admin decided on a report. */
export const ReportDecision = z.object({
  action: z.enum(['dismiss', 'warn', 'ban']),
  reviewed_at: Timestamp.nullable(),
  /** The admin; null when a ban settled it with the user's other open reports. */
  reviewed_by: Id.nullable(),
  /** The note the admin gave with the decision, if any. */
  note: z.string().nullable(),
});

/**
 * One report against a user, whatever its status: the history shown with each
 * queue item (newest first, at most 20).
 */
export const ReportHistoryEntry = z.object({
  id: Id,
  reason: z.string(),
  status: z.enum(['open', 'dismissed', 'warned', 'banned']),
  created_at: Timestamp,
  /**
   * The reporter as the first 8 hex digits of their user id: tells reporters
   * apart (the same prefix as reporter_id on open reports) and names nobody new.
   */
  reporter: z.string(),
  /** It names a chat message: GET /admin/reports/{id}/conversation shows the conversation up to it. */
  has_message: z.boolean(),
  decision: ReportDecision.nullable(),
});
export type ReportHistoryEntry = z.infer<typeof ReportHistoryEntry>;

export const QueuedPhoto = z.object({
  kind: z.literal('photo'),
  id: Id,
  priority: z.number(),
  media: z.object({
    id: Id,
    owner_id: Id,
    status: z.string(),
    mime: z.string(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    nsfw_score: z.number().nullable(),
    nsfw_scores: z.record(z.string(), z.number()).nullable(),
    /** Admin routes (GET /admin/media/{id}/{variant}, with the admin's token), not public URLs: the item is not approved. */
    urls: PhotoUrls,
    /** A clip's renditions and poster, by the same admin routes; null for a photo or a clip not transcoded yet. */
    video: z.object({ url_720: z.string(), url_480: z.string(), poster_url: z.string() }).nullable(),
    is_profile_photo: z.boolean(),
    created_at: Timestamp,
  }),
  owner: UserBrief,
  /** Every report against the owner, newest first, at most 20. */
  report_history: z.array(ReportHistoryEntry),
});
export type QueuedPhoto = z.infer<typeof QueuedPhoto>;

/** A reported chat message as it was when reported (it stays after an unsend). */
/** The photo or voice note of a reported message; its files: GET /admin/media/{media_id}/{variant}. */
export const ReportedAttachment = z.object({
  media_id: Id,
  kind: z.enum(['image', 'voice']),
  /** The photo arrived blurred (its NSFW score was above CHAT_NSFW_BLUR_ABOVE). */
  blurred: z.boolean(),
});
export type ReportedAttachment = z.infer<typeof ReportedAttachment>;

export const ReportEvidence = z.object({
  conversation_id: Id,
  seq: z.number().int(),
  body: z.string().nullable(),
  created_at: Timestamp,
  edited_at: Timestamp.nullable(),
  /** The sender confirmed it past the offensive-language filter. */
  flagged: z.boolean(),
  /** The message's photo or voice note, kept while the report is open even if the sender unsends. */
  attachment: ReportedAttachment.optional(),
});
export type ReportEvidence = z.infer<typeof ReportEvidence>;

export const QueuedUser = z.object({
  kind: z.literal('user'),
  id: Id,
  priority: z.number(),
  user: UserBrief,
  open_reports: z.number().int(),
  reporters: z.number().int(),
  oldest_report_at: Timestamp,
  latest_report_at: Timestamp,
  /** Messages the user sent after confirming them past the offensive-language filter ("are you sure?"). */
  flagged_messages: z.number().int(),
  reports: z.array(
    z.object({ id: Id, reporter_id: Id, reason: z.string(), details: z.string().nullable(), created_at: Timestamp, evidence: ReportEvidence.optional() }),
  ),
  /** Every report against the user, newest first, at most 20 (the open ones above among them). */
  report_history: z.array(ReportHistoryEntry),
});
export type QueuedUser = z.infer<typeof QueuedUser>;

export const QueueItem = z.discriminatedUnion('kind', [QueuedPhoto, QueuedUser]);
export type QueueItem = z.infer<typeof QueueItem>;
export const ModerationQueue = shape('ModerationQueue', z.object({ items: z.array(QueueItem) }), 'Photos to decide and reported users, highest priority first.');
export type ModerationQueue = z.infer<typeof ModerationQueue>;

/** A message of the excerpt given with a report, as the reporter saw it. */
export const ExcerptMessage = z.object({
  seq: z.number().int(),
  /** Who sent it: the reporter or the reported user. */
  sender: z.enum(['reporter', 'reported']),
  /** null when it was unsent (deleted for both): a placeholder. */
  body: z.string().nullable(),
  deleted: z.boolean(),
  created_at: Timestamp,
  edited_at: Timestamp.nullable(),
  /** The reported message itself (the last of the excerpt). */
  reported: z.boolean(),
  /** A photo or voice note, by the admin file route (GET /admin/media/{id}/{variant}, with the admin's token). */
  attachment: z.object({ kind: z.enum(['image', 'voice', 'video']), media_id: Id, url: z.string() }).nullable(),
});

export const ReportConversation = shape(
  'ReportConversation',
  z.object({
    report_id: Id,
    /** null for a report that names no message (a profile report): messages is then empty. */
    conversation_id: Id.nullable(),
    reported_seq: z.number().int().nullable(),
    /** Up to 20 messages before and including the reported one that the reporter could see, oldest first. */
    messages: z.array(ExcerptMessage),
  }),
  'The conversation a reported message was in, as the reporter saw it up to that message.',
);
export type ReportConversation = z.infer<typeof ReportConversation>;

export const ModeratedMedia = shape(
  'ModeratedMedia',
  z.object({ id: Id, owner_id: Id, status: z.string(), nsfw_score: z.number().nullable(), moderated_at: Timestamp.nullable() }),
);
export type ModeratedMedia = z.infer<typeof ModeratedMedia>;

export const BanState = shape(
  'BanState',
  z.object({
    user_id: Id,
    banned: z.boolean(),
    banned_at: Timestamp.nullable(),
    ban_reason: z.string().nullable(),
    /** A ban only. */
    sessions_revoked: z.number().int().optional(),
    reports_closed: z.number().int().optional(),
  }),
);
export type BanState = z.infer<typeof BanState>;

export const ReviewedReport = shape(
  'ReviewedReport',
  z.object({
    action: z.enum(['dismiss', 'warn', 'ban']),
    report: z.object({
      id: Id,
      reporter_id: Id,
      target_id: Id,
      reason: z.string(),
      details: z.string().nullable(),
      status: z.string(),
      created_at: Timestamp,
      reviewed_at: Timestamp.nullable(),
      reviewed_by: Id.nullable(),
    }),
    ban: BanState.optional(),
  }),
);
export type ReviewedReport = z.infer<typeof ReviewedReport>;

export const AuditPage = shape(
  'AuditPage',
  z.object({
    entries: z.array(
      z.object({
        id: z.number().int(),
        admin_user_id: Id,
        action: z.string(),
        target_type: z.enum(['media', 'report', 'user']),
        target_id: Id,
        details: z.record(z.string(), z.unknown()),
        created_at: Timestamp,
      }),
    ),
    /** The before_id of the next (older) page; null on the last page. */
    next_before_id: z.number().int().nullable(),
  }),
);
export type AuditPage = z.infer<typeof AuditPage>;
