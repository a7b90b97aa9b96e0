// The rules of discovery: who may see whom, swipes and their quotas,
// unmatch, block, report, and the lists built on them.
import type { Knex } from 'knex';
import type { ServiceDeps } from '../../shared/platform.js';
import { AppError } from '../../shared/errors.js';
import type { RateLimit } from '../../shared/rate-limit.js';
import { ageOn, loadApprovedPhotos, loadApprovedVideos, loadPublicProfiles, toPublicProfile, type Point } from '../../shared/public-profile.js';
import { enqueue } from '../../shared/outbox/enqueue.js';
import * as repo from './repo.js';
import * as matchesRepo from './matches-repo.js';
import { quotaWindowStart, secondsUntilFree } from './quota.js';
import { CANDIDATE_POOL, IMPRESSION_CAP_PER_DAY, explainScore } from './scoring.js';
import { decodeCursor, encodeCursor, type SwipeAction } from './schemas.js';
import type { Candidate } from '../../shared/contract/discovery.js';

export interface DiscoveryOptions {
  /** Showings per profile per UTC day before the popularity cap holds it back (tests lower it). */
  impressionCap?: number;
  /** People scored per request (default CANDIDATE_POOL; tests lower it). */
  candidatePool?: number;
}

export type { Candidate };

/** How long after a pass it may be rewound. */
export const REWIND_WINDOW_MS = 24 * 3600_000;

const EARTH_KM = 6371;

/** A lat/lon box to search, and the caller's longitude as seen from it. */
export interface SearchArea {
  latMin: number;
  latMax: number;
  lonMin: number;
  lonMax: number;
  /** The caller's longitude in this box's frame (lon, or lon ± 360 beyond the antimeridian). */
  fromLon: number;
}

/**
 * Where to look for everyone within `km` of (lat, lon): one box, or two where
 * the circle crosses the antimeridian (the second on the far side, seen from
 * lon ± 360, so that nearest-first search measures across the line). Near a
 * pole the box spans every longitude.
 */
export function searchAreas(lat: number, lon: number, km: number): SearchArea[] {
  const dLat = (km / EARTH_KM) * (180 / Math.PI);
  const latMin = Math.max(-90, lat - dLat);
  const latMax = Math.min(90, lat + dLat);
  const s = Math.sin(km / EARTH_KM) / Math.cos((lat * Math.PI) / 180);
  if (latMin <= -90 || latMax >= 90 || s >= 1) return [{ latMin, latMax, lonMin: -180, lonMax: 180, fromLon: lon }];
  const dLon = Math.asin(s) * (180 / Math.PI);
  const west = lon - dLon;
  const east = lon + dLon;
  if (west < -180) {
    return [
      { latMin, latMax, lonMin: -180, lonMax: east, fromLon: lon },
      { latMin, latMax, lonMin: west + 360, lonMax: 180, fromLon: lon + 360 },
    ];
  }
  if (east > 180) {
    return [
      { latMin, latMax, lonMin: west, lonMax: 180, fromLon: lon },
      { latMin, latMax, lonMin: -180, lonMax: east - 360, fromLon: lon - 360 },
    ];
  }
  return [{ latMin, latMax, lonMin: west, lonMax: east, fromLon: lon }];
}

const nothingToRewind = (message: string) => new AppError(409, 'nothing_to_rewind', message);

export class DiscoveryService {
  private readonly impressionCap: number;
  private readonly pool: number;
  private readonly candidatesLimit: RateLimit;
  private readonly reportsLimit: RateLimit;
  private readonly rewindsLimit: RateLimit;

  constructor(
    private readonly deps: ServiceDeps,
    opts: DiscoveryOptions = {},
  ) {
    this.impressionCap = opts.impressionCap ?? IMPRESSION_CAP_PER_DAY;
    this.pool = opts.candidatePool ?? CANDIDATE_POOL;
    const { limiter, config } = deps;
    this.candidatesLimit = limiter('discovery-candidates', config.discoveryLimits.candidatesPerMin, 60);
    this.reportsLimit = limiter('discovery-reports', config.discoveryLimits.reportsPerDay, 86_400);
    this.rewindsLimit = limiter('discovery-rewinds', config.discoveryLimits.rewindsPerMin, 60);
  }

  private get db() {
    return this.deps.db;
  }

  private async viewer(userId: string): Promise<repo.Viewer> {
    const v = await repo.findViewer(this.db, userId);
    if (!v) throw AppError.conflict('Create your profile first');
    return v;
  }

  /** Where the caller is, for distances in the lists they see; null without a profile or location. */
  private async locationOf(userId: string): Promise<Point | null> {
    const me = await repo.findViewer(this.db, userId);
    return me && me.lat !== null && me.lon !== null ? { lat: me.lat, lon: me.lon } : null;
  }

  /**
   * Best candidates first. The ranking of a browsing session is fixed at its
   * first page (`as_of` in the cursor): later pages continue strictly below the
   * last (score, user_id) shown, so nobody appears twice. The nearest
   * `candidatePool` people who pass the hard filters are scored; popular
   * profiles that reached today's impression cap are skipped unless they
   * already liked the caller. Showings count once per viewer and day, and
   * requests are rate limited, so nobody can hide people by asking again.
   */
  async candidates(userId: string, q: { limit: number; cursor?: string; debug: boolean }) {
    const from = q.cursor ? decodeCursor(q.cursor) : null;
    await this.candidatesLimit.consume(userId);
    const viewer = await this.viewer(userId);
    if (viewer.lat === null || viewer.lon === null) throw AppError.conflict('Set a location on your profile to get candidates');
    const asOf = from?.asOf ?? new Date();
    const today = new Date().toISOString().slice(0, 10);
    // The filter compares the distance as shown (whole km), so up to half a km more passes.
    const areas = searchAreas(viewer.lat, viewer.lon, viewer.max_distance_km + 0.5);
    const myAge = ageOn(viewer.birthdate, asOf);

    const after = from ? { score: from.score, userId: from.userId } : null;
    // One more than the page: whether there is a next page.
    const rows = await repo.findCandidates(this.db, {
      viewer,
      myAge,
      asOf,
      areas,
      after,
      limit: q.limit + 1,
      impressionsDay: today,
      impressionCap: this.impressionCap,
      pool: this.pool,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];

    const [candidates] = await Promise.all([
      this.toCandidates(page, { lat: viewer.lat, lon: viewer.lon }, q.debug),
      repo.recordImpressions(this.db, userId, page.map((r) => r.user_id), today),
    ]);
    const nextCursor = rows.length > q.limit ? encodeCursor({ score: last.score, userId: last.user_id, asOf }) : null;
    return { candidates, next_cursor: nextCursor };
  }

  /** Rows of the candidates query as the contract shows them, with the breakdown when asked in development mode. */
  private async toCandidates(rows: repo.CandidateRow[], location: Point, debug: boolean): Promise<Candidate[]> {
    const ids = rows.map((r) => r.user_id);
    const [photos, videos] = await Promise.all([loadApprovedPhotos(this.db, this.deps.config, ids), loadApprovedVideos(this.db, this.deps.config, ids)]);
    const explain = debug && this.deps.config.devMode;
    return rows.map((row) => {
      const view = toPublicProfile(row, photos.get(row.user_id) ?? [], location, videos.get(row.user_id) ?? null);
      const c: Candidate = { ...view, distance_km: view.distance_km ?? null, score: Number(row.score) };
      if (row.liked_me) c.liked_you = true;
      if (explain) c.score_breakdown = { ...explainScore(row), impressions_today: row.shown_today };
      return c;
    });
  }

  /**
   * Undoes the caller's most recent swipe when it is a pass of the last
   * REWIND_WINDOW_MS, and answers that person as a candidate (scored now), so
   * they can be shown again; they are in the candidate lists again too. A
   * like or superlike is never undone (it may have made a match and has been
   * announced), nor a pass on someone no longer to be seen: 409
   * nothing_to_rewind, as when there is no pass to undo. Free while premium
   * runs, else it spends one bought rewind (402 payment_required with
   * neither); nothing is spent on a refusal. Under the caller's swipe lock,
   * so concurrent rewinds (and swipes) take turns: each undoes another swipe
   * and spends its own credit.
   */
  async rewind(userId: string) {
    await this.rewindsLimit.consume(userId);
    const viewer = await this.viewer(userId);
    if (viewer.lat === null || viewer.lon === null) throw AppError.conflict('Set a location on your profile to get candidates');
    const asOf = new Date();
    const row = await repo.inSwiperLock(this.db, userId, async (trx) => {
      const last = await repo.lastSwipeForUpdate(trx, userId);
      if (!last || last.action !== 'pass' || asOf.getTime() - new Date(last.created_at).getTime() > REWIND_WINDOW_MS) {
        throw nothingToRewind('Only your last swipe can be rewound, when it is a pass of the last 24 hours');
      }
      const candidate = await repo.findCandidate(trx, {
        viewer,
        myAge: ageOn(viewer.birthdate, asOf),
        asOf,
        impressionsDay: asOf.toISOString().slice(0, 10),
        targetId: last.target_id,
      });
      if (!candidate) throw nothingToRewind('The profile you passed on is no longer shown');
      if (!(await repo.spendRewind(trx, userId))) throw new AppError(402, 'payment_required', 'Rewinds are bought with Stars, or free with premium');
      await repo.deleteSwipe(trx, last.id);
      return candidate;
    });
    const [candidate] = await this.toCandidates([row], { lat: viewer.lat, lon: viewer.lon }, false);
    return { candidate };
  }

  async swipe(userId: string, targetId: string, action: SwipeAction) {
    if (targetId === userId) throw AppError.validation([{ field: 'target_id', message: 'you cannot swipe on yourself' }]);
    await this.viewer(userId);
    if (!(await repo.findSwipeTarget(this.db, userId, targetId))) throw AppError.notFound('No such profile');
    await repo.inSwiperLock(this.db, userId, async (trx) => {
      if (await repo.swipeExists(trx, userId, targetId)) throw AppError.conflict('You already swiped on this profile');
      if (action !== 'pass') await this.checkQuota(trx, userId, action);
      const row = await repo.insertSwipe(trx, userId, targetId, action);
      if (!row) throw AppError.conflict('You already swiped on this profile');
      await enqueue(trx, {
        type: 'swipe.created',
        payload: { swipe_id: row.id, swiper_id: row.swiper_id, target_id: row.target_id, action: row.action, created_at: new Date(row.created_at).toISOString() },
      });
    });
    return { action, target_id: targetId };
  }

  /** Likes and superlikes each have a quota per rolling 24 hours (quota.ts). */
  private async checkQuota(trx: Knex.Transaction, userId: string, action: Exclude<SwipeAction, 'pass'>) {
    const now = new Date();
    const quota = action === 'like' ? this.deps.config.quotas.likesPerDay : this.deps.config.quotas.superlikesPerDay;
    const recent = await repo.recentSwipeTimes(trx, userId, action, quotaWindowStart(now), quota);
    if (recent.length >= quota) {
      // Past the daily quota a superlike earned by a referral (workers/bot/) is spent instead.
      if (action === 'superlike' && (await repo.spendSuperlikeCredit(trx, userId))) return;
      throw AppError.rateLimited(secondsUntilFree(recent, now), 'quota_exceeded', `${action} quota (${quota} in 24 hours) used up`);
    }
  }

  async unmatch(userId: string, matchId: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      const ended = await matchesRepo.endMatches(trx, userId, { matchId }, 'unmatch');
      if (!ended.length) throw AppError.notFound('No such match');
    });
  }

  /** Blocks `targetId` for good: any match ends and each vanishes from the other's lists. Repeating it is harmless. */
  async block(userId: string, targetId: string): Promise<void> {
    if (targetId === userId) throw AppError.validation([{ field: 'target_id', message: 'you cannot block yourself' }]);
    if (!(await matchesRepo.userExists(this.db, targetId))) throw AppError.notFound('No such user');
    await this.db.transaction(async (trx) => {
      await matchesRepo.insertBlock(trx, userId, targetId);
      await matchesRepo.endMatches(trx, userId, { peerId: targetId }, 'block');
    });
  }

  /**
   * Only about someone the reporter has met (repo.hasMet); anyone else is
   * answered exactly like an unknown id, so reports cannot be aimed at
   * strangers nor tell whether an id exists. Every attempt past the shape
   * checks counts against the reporter's daily limit.
   */
  async report(userId: string, r: { target_id: string; reason: string; details?: string | null }) {
    if (r.target_id === userId) throw AppError.validation([{ field: 'target_id', message: 'you cannot report yourself' }]);
    await this.reportsLimit.consume(userId);
    if (!(await repo.hasMet(this.db, userId, r.target_id))) throw AppError.notFound('No such user');
    const row = await this.db.transaction(async (trx) => {
      const report = await matchesRepo.insertReport(trx, { reporterId: userId, targetId: r.target_id, reason: r.reason, details: r.details ?? null });
      await enqueue(trx, { type: 'report.created', payload: { report_id: report.id, reporter_id: userId, target_id: r.target_id, reason: r.reason } });
      return report;
    });
    return { id: row.id, status: row.status, created_at: new Date(row.created_at).toISOString() };
  }

  async matches(userId: string) {
    const [rows, location] = await Promise.all([matchesRepo.listLiveMatches(this.db, userId), this.locationOf(userId)]);
    // A matched peer stays visible to their matches while hidden from discovery; blocked or banned peers do not.
    const [profiles, last] = await Promise.all([
      loadPublicProfiles(this.db, this.deps.config, rows.map((r) => r.peer_id), { userId, location }, { includeHidden: true }),
      matchesRepo.lastMessages(this.db, rows.map((r) => r.conversation_id)),
    ]);
    const matches = rows.flatMap((r) => {
      const user = profiles.get(r.peer_id);
      if (!user) return [];
      const m = last.get(r.conversation_id);
      return [
        {
          match_id: r.match_id,
          conversation_id: r.conversation_id,
          user,
          created_at: new Date(r.created_at).toISOString(),
          last_message: m ? { id: m.id, seq: m.seq, sender_id: m.sender_id, body: m.body, created_at: new Date(m.created_at).toISOString() } : null,
        },
      ];
    });
    return { matches };
  }

  async likes(userId: string, limit: number) {
    const [rows, location] = await Promise.all([matchesRepo.listLikes(this.db, userId, limit), this.locationOf(userId)]);
    const profiles = await loadPublicProfiles(this.db, this.deps.config, rows.map((r) => r.swiper_id), { userId, location }, { includeHidden: false });
    const likes = rows.flatMap((r) => {
      const user = profiles.get(r.swiper_id);
      return user ? [{ user_id: r.swiper_id, user, action: r.action, created_at: new Date(r.created_at).toISOString() }] : [];
    });
    return { likes };
  }
}
