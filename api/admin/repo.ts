// The admin service's SQL. It owns admin_audit; on an operator's decision it
// also writes the few columns the contract gives admins over other owners'
// tables: media.status (with the moderation worker), reports.status (after
// discovery opened them), users.banned_at and sessions.revoked_at (auth's).
import type { Knex } from 'knex';
import type { StoredAvFiles, StoredVariants } from '../../shared/media-urls.js';
import type { AuditAction, AuditQuery, TargetType } from './schemas.js';

export interface UserRow {
  id: string;
  telegram_id: number;
  banned_at: Date | null;
  ban_reason: string | null;
}

export async function findUser(db: Knex, userId: string, opts: { forUpdate?: boolean } = {}): Promise<UserRow | undefined> {
  const q = db<UserRow>('users').where('id', userId).first('id', 'telegram_id', 'banned_at', 'ban_reason');
  if (opts.forUpdate) q.forUpdate();
  return q;
}

// --- the moderation queue ---

export interface QueuedPhotoRow {
  id: string;
  owner_id: string;
  status: string;
  mime: string;
  width: number | null;
  height: number | null;
  nsfw_score: number | null;
  nsfw_scores: Record<string, number> | null;
  variants: (StoredVariants & StoredAvFiles) | null;
  kind: string;
  position: number | null;
  created_at: Date;
  display_name: string | null;
  owner_banned_at: Date | null;
  priority: number;
}

/**
 * Photos the model was unsure about, most urgent first: 1 (at the approve
 * threshold) to 5 (at the reject threshold), plus one point per day waiting.
 */
export async function reviewPhotos(db: Knex, thresholds: { approveBelow: number; rejectAbove: number }, limit: number): Promise<QueuedPhotoRow[]> {
  const span = Math.max(thresholds.rejectAbove - thresholds.approveBelow, 1e-6);
  return db('media as m')
    .join('users as u', 'u.id', 'm.owner_id')
    .leftJoin('profiles as p', 'p.user_id', 'm.owner_id')
    .where('m.status', 'review')
    .select(
      'm.id',
      'm.owner_id',
      'm.status',
      'm.mime',
      'm.width',
      'm.height',
      'm.nsfw_score',
      'm.nsfw_scores',
      'm.variants',
      'm.kind',
      'm.position',
      'm.created_at',
      'p.display_name',
      'u.banned_at as owner_banned_at',
      db.raw(
        `(1 + 4 * LEAST(GREATEST((COALESCE(m.nsfw_score, ?) - ?) / ?, 0), 1)
            + EXTRACT(EPOCH FROM now() - m.created_at) / 86400)::float8 AS priority`,
        [thresholds.rejectAbove, thresholds.approveBelow, span],
      ),
    )
    .orderBy([{ column: 'priority', order: 'desc' }, { column: 'm.created_at' }])
    .limit(limit);
}

/** Any media item's stored files, whatever its status (what an admin may look at). */
export async function mediaFiles(db: Knex, mediaId: string): Promise<{ kind: string; variants: Record<string, { key: string } | undefined> | null } | undefined> {
  return db('media').where('id', mediaId).first('kind', 'variants');
}

export interface ReportedUserRow {
  user_id: string;
  display_name: string | null;
  banned_at: Date | null;
  open_reports: number;
  reporters: number;
  oldest_report_at: Date;
  latest_report_at: Date;
  priority: number;
  /** Messages the user sent after confirming them past the offensive-language filter. */
  flagged_messages: number;
}

/**
 * Users with open reports: two points per distinct reporter, plus one per day
 * the oldest has waited, plus five per step of the highest report priority (a
 * reported message 1, a reported message the filter flagged 2; profiles 0).
 */
export async function reportedUsers(db: Knex, limit: number): Promise<ReportedUserRow[]> {
  const r = await db.raw(
    `SELECT r.target_id AS user_id, p.display_name, u.banned_at,
            count(*)::int AS open_reports,
            count(DISTINCT r.reporter_id)::int AS reporters,
            min(r.created_at) AS oldest_report_at,
            max(r.created_at) AS latest_report_at,
            (2 * count(DISTINCT r.reporter_id) + EXTRACT(EPOCH FROM now() - min(r.created_at)) / 86400 + 5 * max(r.priority))::float8 AS priority,
            (SELECT count(*) FROM messages fm WHERE fm.sender_id = r.target_id AND fm.flagged)::int AS flagged_messages
       FROM reports r
       JOIN users u ON u.id = r.target_id
       LEFT JOIN profiles p ON p.user_id = r.target_id
      WHERE r.status = 'open'
      GROUP BY r.target_id, p.display_name, u.banned_at
      ORDER BY priority DESC, oldest_report_at
      LIMIT ?`,
    [limit],
  );
  return r.rows;
}

export interface ReportRow {
  id: string;
  reporter_id: string;
  target_id: string;
  reason: string;
  details: string | null;
  status: string;
  created_at: Date;
  reviewed_at: Date | null;
  reviewed_by: string | null;
  /** A reported message as it was reported. */
  evidence?: Record<string, unknown> | null;
  /** The reported message's photo or voice note, kept as evidence (findReport only). */
  evidence_media_id?: string | null;
}

/** The open reports against these users, newest first, at most `perUser` each. */
export async function openReportsOf(db: Knex, userIds: string[], perUser: number): Promise<ReportRow[]> {
  if (!userIds.length) return [];
  const r = await db.raw(
    `SELECT id, reporter_id, target_id, reason, details, status, created_at, reviewed_at, reviewed_by, evidence
       FROM (SELECT *, row_number() OVER (PARTITION BY target_id ORDER BY created_at DESC) AS n
               FROM reports WHERE status = 'open' AND target_id = ANY(?::uuid[])) x
      WHERE n <= ?
      ORDER BY created_at DESC`,
    [userIds, perUser],
  );
  return r.rows;
}

export interface ReportHistoryRow {
  id: string;
  target_id: string;
  reason: string;
  status: 'open' | 'dismissed' | 'warned' | 'banned';
  created_at: Date;
  reviewed_at: Date | null;
  reviewed_by: string | null;
  reporter: string;
  has_message: boolean;
  /** The note of the admin's decision on this report (its audit entry), if any. */
  note: string | null;
}

/**
 * Every report against these users in any status, newest first, at most
 * `perUser` each (reports_target_id_index, then a sort of each user's reports).
 * The reporter only as the first 8 hex digits of their id.
 */
export async function reportHistoryOf(db: Knex, userIds: string[], perUser: number): Promise<ReportHistoryRow[]> {
  if (!userIds.length) return [];
  const r = await db.raw(
    `SELECT x.id, x.target_id, x.reason, x.status, x.created_at, x.reviewed_at, x.reviewed_by,
            left(x.reporter_id::text, 8) AS reporter, (x.evidence IS NOT NULL) AS has_message,
            (SELECT a.details->>'note' FROM admin_audit a
              WHERE a.target_id = x.id AND a.target_type = 'report' ORDER BY a.id DESC LIMIT 1) AS note
       FROM (SELECT *, row_number() OVER (PARTITION BY target_id ORDER BY created_at DESC, id) AS n
               FROM reports WHERE target_id = ANY(?::uuid[])) x
      WHERE x.n <= ?
      ORDER BY x.created_at DESC, x.id`,
    [[...new Set(userIds)], perUser],
  );
  return r.rows;
}

export async function findReport(db: Knex, reportId: string): Promise<ReportRow | undefined> {
  return db<ReportRow>('reports').where('id', reportId).first('id', 'reporter_id', 'target_id', 'reason', 'details', 'status', 'created_at', 'reviewed_at', 'reviewed_by', 'evidence', 'evidence_media_id');
}

export interface ExcerptRow {
  seq: number;
  sender_id: string;
  body: string | null;
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
  attachment_media_id: string | null;
  attachment_kind: string | null;
  attachment_variants: Record<string, { key: string } | undefined> | null;
}

/**
 * The last `limit` messages up to and including `seq` of a conversation, as
 * `reporterId` could see them: only if they are a member, without the
 * messages they deleted for themselves (message_hidden) and without anything
 * sent after the conversation closed or its match ended (an unmatch or a
 * block). Unsent messages stay (deleted_at: a placeholder); the message at
 * `seq` shows `evidenceMediaId` when its own attachment is gone (the report
 * keeps it). Newest first.
 */
export async function conversationExcerpt(
  db: Knex,
  q: { conversationId: string; seq: number; reporterId: string; limit: number; evidenceMediaId: string | null },
): Promise<ExcerptRow[]> {
  const r = await db.raw(
    `SELECT x.seq, x.sender_id, x.body, x.created_at, x.edited_at, x.deleted_at,
            md.id AS attachment_media_id, md.kind AS attachment_kind, md.variants AS attachment_variants
       FROM conversation_members me
       JOIN conversations c ON c.id = me.conversation_id
       JOIN matches m ON m.id = c.match_id
       JOIN messages x ON x.conversation_id = c.id AND x.seq <= :seq
       LEFT JOIN media md ON md.id = COALESCE(x.attachment_media_id, CASE WHEN x.seq = :seq THEN :evidence::uuid END)
      WHERE me.conversation_id = :conversation AND me.user_id = :reporter
        AND NOT EXISTS (SELECT 1 FROM message_hidden h WHERE h.message_id = x.id AND h.user_id = :reporter)
        AND x.created_at <= COALESCE(LEAST(c.closed_at, m.ended_at), 'infinity')
      ORDER BY x.seq DESC
      LIMIT :limit`,
    { conversation: q.conversationId, seq: q.seq, reporter: q.reporterId, limit: q.limit, evidence: q.evidenceMediaId },
  );
  return r.rows;
}

// --- decisions ---

export interface MediaRow {
  id: string;
  owner_id: string;
  status: string;
  nsfw_score: number | null;
  variants: StoredVariants | null;
  moderated_at: Date | null;
}

export async function lockMedia(db: Knex, mediaId: string): Promise<MediaRow | undefined> {
  return db<MediaRow>('media').where('id', mediaId).forUpdate().first('id', 'owner_id', 'status', 'nsfw_score', 'variants', 'moderated_at');
}

export async function setMediaStatus(db: Knex, mediaId: string, status: 'approved' | 'rejected', rejectReason: string | null): Promise<MediaRow> {
  const [row] = await db('media')
    .where('id', mediaId)
    .update({ status, reject_reason: status === 'rejected' ? rejectReason ?? 'admin' : null, moderated_at: db.fn.now() })
    .returning(['id', 'owner_id', 'status', 'nsfw_score', 'variants', 'moderated_at']);
  return row as MediaRow;
}

export async function lockReport(db: Knex, reportId: string): Promise<ReportRow | undefined> {
  return db<ReportRow>('reports').where('id', reportId).forUpdate().first();
}

export async function closeReport(db: Knex, reportId: string, status: string, adminId: string): Promise<ReportRow> {
  const [row] = await db('reports')
    .where('id', reportId)
    .update({ status, reviewed_at: db.fn.now(), reviewed_by: adminId })
    .returning('*');
  return row as ReportRow;
}

/** Every still-open report against a user (a ban settles them all); returns their ids. */
export async function closeOpenReportsAgainst(db: Knex, userId: string, status: string, adminId: string): Promise<string[]> {
  const rows = await db('reports')
    .where({ target_id: userId, status: 'open' })
    .update({ status, reviewed_at: db.fn.now(), reviewed_by: adminId })
    .returning('id');
  return rows.map((r: { id: string }) => r.id);
}

export async function setBan(db: Knex, userId: string, reason: string | null): Promise<UserRow> {
  const [row] = await db('users')
    .where('id', userId)
    .update(reason === null ? { banned_at: null, ban_reason: null, updated_at: db.fn.now() } : { banned_at: db.fn.now(), ban_reason: reason, updated_at: db.fn.now() })
    .returning(['id', 'telegram_id', 'banned_at', 'ban_reason']);
  return row as UserRow;
}

/**
 * Marks the user's live sessions revoked (their refresh tokens die with them)
 * and returns the id of every session that has not expired, revoked earlier or
 * now: an access token of any of them may still be in a client's hands.
 */
export async function revokeAllSessions(db: Knex, userId: string): Promise<string[]> {
  await db('sessions').where('user_id', userId).whereNull('revoked_at').update({ revoked_at: db.fn.now(), revoke_reason: 'banned' });
  const rows = await db('sessions').where('user_id', userId).where('expires_at', '>', db.fn.now()).select('id');
  return rows.map((r: { id: string }) => r.id);
}

// --- the audit log ---

export interface AuditRow {
  id: number;
  admin_user_id: string;
  action: AuditAction;
  target_type: TargetType;
  target_id: string;
  details: Record<string, unknown>;
  created_at: Date;
}

export async function insertAudit(
  db: Knex,
  entry: { adminUserId: string; action: AuditAction; targetType: TargetType; targetId: string; details?: Record<string, unknown> },
): Promise<AuditRow> {
  const [row] = await db('admin_audit')
    .insert({
      admin_user_id: entry.adminUserId,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId,
      // jsonb goes in as text: pg would turn a JS array into a PostgreSQL array literal.
      details: JSON.stringify(entry.details ?? {}),
    })
    .returning('*');
  return row as AuditRow;
}

export async function listAudit(db: Knex, q: AuditQuery): Promise<AuditRow[]> {
  const query = db<AuditRow>('admin_audit').orderBy('id', 'desc').limit(q.limit);
  if (q.before_id) query.where('id', '<', q.before_id);
  if (q.admin_id) query.where('admin_user_id', q.admin_id);
  if (q.target_id) query.where('target_id', q.target_id);
  if (q.action) query.where('action', q.action);
  return query;
}
