// Request shapes of the admin API (`/admin/*`, operators only).
import { z } from 'zod';

const uuid = z.string().uuid('must be a UUID');

export const IdParams = z.object({ id: uuid });

/** The files of a media item an admin may fetch: a photo's variants, a clip's poster and renditions, a voice note. */
export const REVIEW_VARIANTS = ['thumb', 'medium', 'large', 'poster', '720', '480', 'voice'] as const;
export const ReviewFileParams = IdParams.extend({
  variant: z.enum(REVIEW_VARIANTS, { error: `must be one of: ${REVIEW_VARIANTS.join(', ')}` }),
});

export const QUEUE_KINDS = ['photo', 'user'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];

export const QueueQuery = z.object({
  kind: z.enum(QUEUE_KINDS, { error: `must be one of: ${QUEUE_KINDS.join(', ')}` }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type QueueQuery = z.infer<typeof QueueQuery>;

const note = z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters');

/** Approve takes no body; reject may say why (stored as the photo's reject_reason). */
export const ApproveBody = z.object({}).strict();
export const RejectBody = z.object({ reason: z.string().trim().min(1).max(64).optional() }).strict();

export const REVIEW_ACTIONS = ['dismiss', 'warn', 'ban'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

export const ReviewBody = z
  .object({
    action: z.enum(REVIEW_ACTIONS, { error: `must be one of: ${REVIEW_ACTIONS.join(', ')}` }),
    note: note.optional(),
  })
  .strict();
export type ReviewBody = z.infer<typeof ReviewBody>;

export const BanBody = z.object({ reason: note }).strict();
export const UnbanBody = z.object({ note: note.optional() }).strict();

export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Entries older than this id (the `next_before_id` of the previous page). */
  before_id: z.coerce.number().int().positive().optional(),
  admin_id: uuid.optional(),
  target_id: uuid.optional(),
  action: z.string().max(32).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/** What an audit entry names as its target. */
export type TargetType = 'media' | 'report' | 'user';

/** Every action the audit log records. */
export type AuditAction = 'media.approve' | 'media.reject' | 'report.dismiss' | 'report.warn' | 'report.ban' | 'user.ban' | 'user.unban';
