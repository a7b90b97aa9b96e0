// The admin rules: who is an operator (a Telegram id in ADMIN_TELEGRAM_IDS),
// what the moderation queue shows and in which order, and what each decision
// changes. Every decision, its audit entry and the events that carry it to the
// other tiers (enqueued in the outbox) commit together: a decision is never
// committed without them, and a rolled-back one announces nothing.
import type { Knex } from 'knex';
import { isAdmin } from '../../shared/admins.js';
import { AppError } from '../../shared/errors.js';
import type { ServiceDeps } from '../../shared/platform.js';
import type { Storage, StoredFile } from '../../shared/storage/index.js';
import { enqueue } from '../../shared/outbox/enqueue.js';
import * as repo from './repo.js';
import type { AuditAction, AuditQuery, QueueQuery, ReviewBody, TargetType } from './schemas.js';
import type { QueueItem, QueuedPhoto, QueuedUser, ReportConversation, ReportEvidence } from '../../shared/contract/admin.js';
import { reportConversation, reportHistories } from './report-context.js';
import { REVIEW_FILES, reviewPath } from './review-files.js';

// No storage where only assertAdmin is used (the payments admin routes).
type Deps = Pick<ServiceDeps, 'db' | 'config' | 'logger' | 'revocations'> & { storage?: Storage };

/** {thumb, medium, large} of a photo, {url_720, url_480, poster_url} of a clip: admin routes, null where a file is not made. */
function reviewUrls(row: repo.QueuedPhotoRow): Pick<QueuedPhoto['media'], 'urls' | 'video'> {
  const v = row.variants ?? {};
  const path = (name: string, stored: unknown) => (stored ? reviewPath(row.id, name) : null);
  const video = row.kind === 'video' && v.v720 && v.v480 && v.poster ? { url_720: reviewPath(row.id, '720'), url_480: reviewPath(row.id, '480'), poster_url: reviewPath(row.id, 'poster') } : null;
  return { urls: { thumb: path('thumb', v.thumb), medium: path('medium', v.medium), large: path('large', v.large) }, video };
}

/** Open reports shown with each reported user in the queue. */
const REPORTS_PER_USER = 10;

// The queue's shapes are the contract's (shared/contract/admin.ts).
export type { QueueItem, QueuedPhoto, QueuedUser };

const round = (n: number) => Math.round(n * 1000) / 1000;

export class AdminService {
  private readonly adminIds: Set<string>;

  constructor(private readonly deps: Deps) {
    this.adminIds = new Set(deps.config.telegram.adminIds);
  }

  /** Throws 403 unless the caller's Telegram id is one of the configured admins. */
  async assertAdmin(userId: string): Promise<void> {
    if (!(await isAdmin(this.deps.db, this.deps.config, userId))) {
      this.deps.logger.warn({ user_id: userId }, 'admin route refused to a non-admin');
      throw AppError.forbidden('Admins only');
    }
  }

  /** Unsure photos and reported users, each ranked, merged into one list by priority. */
  async queue(q: QueueQuery): Promise<{ items: QueueItem[] }> {
    const { db, config } = this.deps;
    const [photos, users] = await Promise.all([
      q.kind === 'user' ? [] : repo.reviewPhotos(db, config.media.nsfw, q.limit),
      q.kind === 'photo' ? [] : repo.reportedUsers(db, q.limit),
    ]);
    const [reports, historyOf] = await Promise.all([
      repo.openReportsOf(db, users.map((u) => u.user_id), REPORTS_PER_USER),
      reportHistories(db, [...photos.map((p) => p.owner_id), ...users.map((u) => u.user_id)]),
    ]);
    const items: QueueItem[] = [
      ...photos.map((p): QueuedPhoto => ({
        kind: 'photo',
        id: p.id,
        priority: round(p.priority),
        media: {
          id: p.id,
          owner_id: p.owner_id,
          status: p.status,
          mime: p.mime,
          width: p.width,
          height: p.height,
          nsfw_score: p.nsfw_score,
          nsfw_scores: p.nsfw_scores,
          ...reviewUrls(p),
          is_profile_photo: p.position !== null,
          created_at: p.created_at.toISOString(),
        },
        owner: { user_id: p.owner_id, display_name: p.display_name, banned: p.owner_banned_at !== null },
        report_history: historyOf(p.owner_id),
      })),
      ...users.map((u): QueuedUser => ({
        kind: 'user',
        id: u.user_id,
        priority: round(u.priority),
        user: { user_id: u.user_id, display_name: u.display_name, banned: u.banned_at !== null },
        open_reports: u.open_reports,
        reporters: u.reporters,
        oldest_report_at: u.oldest_report_at.toISOString(),
        latest_report_at: u.latest_report_at.toISOString(),
        flagged_messages: u.flagged_messages,
        reports: reports
          .filter((r) => r.target_id === u.user_id)
          .map((r) => ({
            id: r.id,
            reporter_id: r.reporter_id,
            reason: r.reason,
            details: r.details,
            created_at: r.created_at.toISOString(),
            ...(r.evidence ? { evidence: r.evidence as ReportEvidence } : {}),
          })),
        report_history: historyOf(u.user_id),
      })),
    ];
    items.sort((a, b) => b.priority - a.priority);
    return { items: items.slice(0, q.limit) };
  }

  /** The conversation a reported message was in, as the reporter saw it (report-context.ts). */
  reportConversation(reportId: string): Promise<ReportConversation> {
    return reportConversation(this.deps.db, reportId);
  }

  /** One stored file of any media item, whatever its status; 404 for an unknown item, a name its kind has not, or a file not made. */
  async reviewFile(mediaId: string, variant: string): Promise<{ file: StoredFile; contentType: string }> {
    const row = await repo.mediaFiles(this.deps.db, mediaId);
    const entry = row ? REVIEW_FILES[row.kind]?.[variant] : undefined;
    const key = entry && row?.variants?.[entry[0]]?.key;
    if (!this.deps.storage) throw new Error('AdminService was built without storage');
    const file = key ? await this.deps.storage.open(key) : null;
    if (!entry || !file) throw AppError.notFound('No such file');
    return { file, contentType: entry[1] };
  }

  /** Approves or rejects a photo; the owner hears of it live through `media.moderated`. */
  async moderate(adminId: string, mediaId: string, status: 'approved' | 'rejected', reason?: string) {
    const row = await this.deps.db.transaction(async (trx) => {
      const media = await repo.lockMedia(trx, mediaId);
      if (!media) throw AppError.notFound('No such photo');
      if (media.status === 'pending') throw AppError.conflict('The photo is still being processed; decide once it has been scored');
      if (status === 'approved' && !media.variants) throw AppError.conflict('The photo has no variants to show; it cannot be approved');
      const updated = await repo.setMediaStatus(trx, mediaId, status, reason ?? null);
      await this.audit(trx, adminId, status === 'approved' ? 'media.approve' : 'media.reject', 'media', mediaId, {
        owner_id: media.owner_id,
        previous_status: media.status,
        nsfw_score: media.nsfw_score,
        ...(reason ? { reason } : {}),
      });
      if (media.status !== status) {
        await enqueue(trx, { type: 'media.moderated', payload: { media_id: mediaId, owner_id: media.owner_id, status, nsfw_score: media.nsfw_score } });
      }
      return updated;
    });
    this.deps.logger.info({ admin_id: adminId, media_id: mediaId, status }, 'photo moderated by an admin');
    return { id: row.id, owner_id: row.owner_id, status: row.status, nsfw_score: row.nsfw_score, moderated_at: row.moderated_at?.toISOString() ?? null };
  }

  /** Settles one open report: dismiss it, warn its target, or ban its target (which settles all their open reports). */
  async reviewReport(adminId: string, reportId: string, body: ReviewBody) {
    const out = await this.deps.db.transaction(async (trx) => {
      const report = await repo.lockReport(trx, reportId);
      if (!report) throw AppError.notFound('No such report');
      if (report.status !== 'open') throw AppError.conflict(`The report was already reviewed (${report.status})`, { status: report.status });
      const status = { dismiss: 'dismissed', warn: 'warned', ban: 'banned' }[body.action];
      let ban: Awaited<ReturnType<AdminService['banIn']>> | undefined;
      if (body.action === 'ban') ban = await this.banIn(trx, adminId, report.target_id, body.note ?? `report: ${report.reason}`);
      const closed = await repo.closeReport(trx, reportId, status, adminId);
      await this.audit(trx, adminId, `report.${body.action}`, 'report', reportId, {
        target_id: report.target_id,
        reporter_id: report.reporter_id,
        reason: report.reason,
        ...(body.note ? { note: body.note } : {}),
      });
      if (body.action === 'warn') await enqueue(trx, { type: 'user.warned', payload: { user_id: report.target_id, report_id: reportId, ...(body.note ? { note: body.note } : {}) } });
      if (ban) await this.announceBan(trx, ban);
      return { report: closed, ban };
    });
    this.deps.logger.info({ admin_id: adminId, report_id: reportId, action: body.action }, 'report reviewed');
    const r = out.report;
    return {
      action: body.action,
      report: {
        id: r.id,
        reporter_id: r.reporter_id,
        target_id: r.target_id,
        reason: r.reason,
        details: r.details,
        status: r.status,
        created_at: r.created_at.toISOString(),
        reviewed_at: r.reviewed_at?.toISOString() ?? null,
        reviewed_by: r.reviewed_by,
      },
      ...(out.ban ? { ban: this.banView(out.ban) } : {}),
    };
  }

  /**
   * Bans a user: marked banned (the public read model, discovery and auth all
   * check it), every session revoked in the database and in the revocation
   * list (access tokens stop working at once), then `user.banned` (sockets
   * disconnect on every node, matches end). Banning again re-does all of it,
   * so a retry after a failure completes the job.
   */
  async ban(adminId: string, userId: string, reason: string) {
    const ban = await this.deps.db.transaction(async (trx) => {
      const result = await this.banIn(trx, adminId, userId, reason);
      await this.announceBan(trx, result);
      return result;
    });
    this.deps.logger.info({ admin_id: adminId, user_id: userId, sessions: ban.sessionIds.length }, 'user banned');
    return this.banView(ban);
  }

  async unban(adminId: string, userId: string, note?: string) {
    const user = await this.deps.db.transaction(async (trx) => {
      const current = await repo.findUser(trx, userId, { forUpdate: true });
      if (!current) throw AppError.notFound('No such user');
      const updated = await repo.setBan(trx, userId, null);
      await this.audit(trx, adminId, 'user.unban', 'user', userId, {
        was_banned: current.banned_at !== null,
        previous_reason: current.ban_reason,
        ...(note ? { note } : {}),
      });
      return updated;
    });
    this.deps.logger.info({ admin_id: adminId, user_id: userId }, 'user unbanned');
    return { user_id: user.id, banned: false, banned_at: null, ban_reason: null };
  }

  async auditLog(q: AuditQuery) {
    const rows = await repo.listAudit(this.deps.db, q);
    return {
      entries: rows.map((r) => ({
        id: r.id,
        admin_user_id: r.admin_user_id,
        action: r.action,
        target_type: r.target_type,
        target_id: r.target_id,
        details: r.details,
        created_at: r.created_at.toISOString(),
      })),
      next_before_id: rows.length === q.limit ? rows[rows.length - 1].id : null,
    };
  }

  private async banIn(trx: Knex.Transaction, adminId: string, userId: string, reason: string) {
    const current = await repo.findUser(trx, userId, { forUpdate: true });
    if (!current) throw AppError.notFound('No such user');
    if (this.adminIds.has(String(current.telegram_id))) {
      throw AppError.forbidden('An admin cannot be banned; remove their id from ADMIN_TELEGRAM_IDS first');
    }
    const user = await repo.setBan(trx, userId, reason);
    const sessionIds = await repo.revokeAllSessions(trx, userId);
    const reportIds = await repo.closeOpenReportsAgainst(trx, userId, 'banned', adminId);
    await this.audit(trx, adminId, 'user.ban', 'user', userId, {
      reason,
      was_banned: current.banned_at !== null,
      sessions_revoked: sessionIds.length,
      reports_closed: reportIds.length,
    });
    return { user, sessionIds, reportIds };
  }

  /** Revoked before the commit: a ban whose tokens would still work is refused instead. */
  private async announceBan(trx: Knex.Transaction, ban: { user: repo.UserRow; sessionIds: string[] }) {
    await this.deps.revocations.revoke(ban.sessionIds);
    await enqueue(trx, { type: 'user.banned', payload: { user_id: ban.user.id, reason: ban.user.ban_reason ?? undefined } });
  }

  private banView(ban: { user: repo.UserRow; sessionIds: string[]; reportIds: string[] }) {
    return {
      user_id: ban.user.id,
      banned: true,
      banned_at: ban.user.banned_at?.toISOString() ?? null,
      ban_reason: ban.user.ban_reason,
      sessions_revoked: ban.sessionIds.length,
      reports_closed: ban.reportIds.length,
    };
  }

  private audit(trx: Knex.Transaction, adminId: string, action: AuditAction, targetType: TargetType, targetId: string, details: Record<string, unknown>) {
    return repo.insertAudit(trx, { adminUserId: adminId, action, targetType, targetId, details });
  }
}
