// The discovery service's queries for the caller's profile, candidates and
// swipes, and whom a reporter has met (beside the candidate views it reads;
// matches, blocks, storing reports and likes are in matches-repo.ts).
// Discovery owns swipes, blocks, reports, candidate views and impression counters,
// and (with the matching worker) matches and conversations; profiles, users
// and messages are read only.
import type { Knex } from 'knex';
import { isUniqueViolation } from '../../shared/db.js';
import { blockBetween, blockedWithSql } from '../../shared/blocks.js';
import {
  ACTIVITY,
  CANDIDATE_POOL,
  DISTANCE_DECAY,
  LIKED_ME_BOOST,
  NEUTRAL_INTEREST_FIT,
  SCORE_DECIMALS,
  WEIGHTS,
  type ScoreInputs,
} from './scoring.js';
import { GENDERS } from '../../shared/contract/profiles.js';
import type { ProfileRow } from '../../shared/profile-row.js';
import type { SwipeAction } from './schemas.js';


/** The caller's own profile: everything the candidate filters and the score need. */
export type Viewer = Pick<ProfileRow, 'user_id' | 'gender' | 'birthdate' | 'looking_for' | 'age_min' | 'age_max' | 'max_distance_km' | 'interests' | 'goal' | 'goals' | 'settings'> & {
  /**
   * The caller's coarse point (profiles.coarse_lat/coarse_lon), never the
   * exact one: discovery filters, ranks and shows distances between coarse points only.
   */
  lat: number | null;
  lon: number | null;
};

export async function findViewer(db: Knex, userId: string): Promise<Viewer | undefined> {
  return db('profiles as p')
    .join('users as u', 'u.id', 'p.user_id')
    .where('p.user_id', userId)
    .whereNull('u.banned_at')
    .first(
      'p.user_id',
      'p.gender',
      'p.birthdate',
      'p.looking_for',
      'p.age_min',
      'p.age_max',
      'p.max_distance_km',
      'p.coarse_lat as lat',
      'p.coarse_lon as lon',
      'p.interests',
      'p.goal',
      'p.goals',
      'p.settings',
    );
}

// ---------------------------------------------------------------- candidates

export interface CandidateQuery {
  viewer: Viewer;
  myAge: number;
  asOf: Date;
  box: { latMin: number; latMax: number; lonMin: number; lonMax: number };
  after: { score: string; userId: string } | null;
  limit: number;
  /** The UTC day whose impression counts come along ('YYYY-MM-DD'). */
  impressionsDay: string;
  /** How many of the nearest filtered people are scored (default CANDIDATE_POOL). */
  pool?: number;
  /** Showings today after which a profile is left out (unless it liked the caller). */
  impressionCap: number;
}

export interface CandidateRow extends ScoreInputs, Pick<ProfileRow, 'user_id' | 'display_name' | 'birthdate' | 'gender' | 'bio' | 'interests' | 'settings'> {
  /** Candidates have a location: the query filters by it. */
  coarse_lat: number;
  coarse_lon: number;
  /** Rounded to SCORE_DECIMALS; a string so the cursor compares exactly what PostgreSQL compared. */
  score: string;
  /** Showings in candidate lists today (UTC). */
  shown_today: number;
}

// float8 throughout: numeric arithmetic on every row costs more and buys nothing here.
const fitSql = (interestCount: string, age: string, min: string, max: string, maxKm: string) => `
  ${WEIGHTS.interests}::float8 * (CASE WHEN ${interestCount} > 0 THEN shared_interests::float8 / ${interestCount} ELSE ${NEUTRAL_INTEREST_FIT}::float8 END)
  + ${WEIGHTS.age}::float8 * greatest(0::float8, least(1::float8, 1 - abs(${age} - (${min} + ${max}) / 2::float8) / ((${max} - ${min}) / 2::float8 + 1)))
  + ${WEIGHTS.distance}::float8 * exp(-${DISTANCE_DECAY}::float8 * km / ${maxKm})`;

/*
 * Raw SQL because this is the hot query of the service: hard filters both ways,
 * then the score of scoring.ts computed in the database so ranking and keyset
 * pagination happen there and only one page travels. Layers, inside out:
 *   pool   - everyone who passes the hard filters, read from
 *            profiles_discovery_idx alone (an index-only scan: grid cells and
 *            bounding box, both age ranges, genders, goals, both distances),
 *            all of it over coarse points, with `km` the distance as shown
 *            (the SQL twin of shownDistanceKm in shared/public-profile.ts:
 *            whole km, at least 1), so that neither the filter nor the score
 *            tells more about where someone is than the distance_km beside it;
 *            minus people already swiped and blocks either way; the nearest
 *            CANDIDATE_POOL of them. In a dense city with a wide radius
 *            thousands pass, and scoring them all costs more than a request
 *            may; distance decay makes the nearest the likeliest to rank high
 *            anyway, and people further out enter the pool as nearer ones are
 *            swiped;
 *   base   - their profile and user rows (no ban), the raw inputs of the
 *            score, and how often each was shown today;
 *   fitted - fit in both directions, activity, boost;
 *   scored - the rounded score;
 * then the page after the cursor, best first, ties by user id, leaving out
 * whoever reached today's impression cap (unless they liked the caller: the
 * popularity cap). Skipped people lie above the next cursor, so they are not
 * revisited in this browsing session. The OFFSET 0 fences keep PostgreSQL
 * from inlining a layer into the next, which would repeat the per-row
 * subqueries once per use. Core PostgreSQL only (PGlite runs it too).
 */
const CANDIDATES_SQL = `
SELECT * FROM (
  SELECT fitted.*,
         round(((CASE WHEN fit_me + fit_them > 0 THEN 2 * fit_me * fit_them / (fit_me + fit_them) ELSE 0 END)
                * activity * boost)::numeric, ${SCORE_DECIMALS}) AS score
  FROM (
    SELECT base.*,
           ${fitSql(':my_interest_count::int', 'their_age', ':my_age_min::int', ':my_age_max::int', ':my_max_km::int')} AS fit_me,
           ${fitSql('their_interest_count', ':my_age::int', 'their_age_min', 'their_age_max', 'their_max_km')} AS fit_them,
           ${ACTIVITY.floor}::float8 + ${1 - ACTIVITY.floor}::float8 * exp(-days_inactive / ${ACTIVITY.tauDays}) AS activity,
           CASE liked_me WHEN 'superlike' THEN ${LIKED_ME_BOOST.superlike}::float8 WHEN 'like' THEN ${LIKED_ME_BOOST.like}::float8 ELSE 1::float8 END AS boost
    FROM (
      SELECT p.user_id, p.display_name, p.birthdate, p.gender, p.bio, p.interests, p.coarse_lat, p.coarse_lon, p.settings,
             pool.km,
             -- (interests are stored deduplicated case-insensitively by the profile service)
             CASE WHEN cardinality(p.interests) = 0 THEN 0
                  ELSE (SELECT count(*) FROM unnest(p.interests) AS t(tag) WHERE lower(t.tag) = ANY(:my_interests::text[]))::int END AS shared_interests,
             cardinality(p.interests) AS their_interest_count,
             date_part('year', age(:today::date, p.birthdate))::int AS their_age,
             p.age_min AS their_age_min, p.age_max AS their_age_max, p.max_distance_km AS their_max_km,
             greatest(0::float8, date_part('epoch', :as_of::timestamptz - u.last_active_at) / 86400) AS days_inactive,
             liked.action AS liked_me,
             coalesce(ci.shown, 0) AS shown_today
      FROM (
        SELECT p.user_id, d.km
        FROM profiles p
        CROSS JOIN LATERAL (
          SELECT greatest(1::float8, round(2 * 6371 * asin(least(1, sqrt(
            power(sin(radians(p.coarse_lat - :lat) / 2), 2)
            + cos(radians(:lat)) * cos(radians(p.coarse_lat)) * power(sin(radians(p.coarse_lon - :lon) / 2), 2)))))) AS km
        ) d
        WHERE p.visibility = 'visible'
          AND p.gender = ANY(:genders::text[])
          -- The grid cell exactly as profiles_discovery_idx spells it.
          AND (:cells::int[] IS NULL OR (floor(p.coarse_lat)::int * 1000 + floor(p.coarse_lon)::int) = ANY(:cells::int[]))
          AND p.coarse_lat BETWEEN :lat_min AND :lat_max
          AND p.coarse_lon BETWEEN :lon_min AND :lon_max
          AND p.birthdate <= (:today::date - make_interval(years => :my_age_min))::date
          AND p.birthdate > (:today::date - make_interval(years => :my_age_max + 1))::date
          AND p.age_min <= :my_age AND p.age_max >= :my_age
          AND p.user_id <> :me
          AND d.km <= least(:my_max_km, p.max_distance_km)
          AND (cardinality(p.looking_for) = 0 OR :my_gender = ANY(p.looking_for))
          AND (:my_goals::text[] IS NULL OR p.goal = ANY(:my_goals::text[]))
          AND (p.goals IS NULL OR cardinality(p.goals) = 0 OR :my_goal = ANY(p.goals))
          -- NOT IN over small per-caller sets: PostgreSQL hashes each set once
          -- and probes it inside the index scan (no join node per row).
          AND p.user_id NOT IN (SELECT s.target_id FROM swipes s WHERE s.swiper_id = :me)
          AND p.user_id NOT IN (${blockedWithSql(':me')})
        ORDER BY d.km, p.user_id
        LIMIT :pool
      ) pool
      -- One index lookup each for the pool's few hundred rows; the fences stop
      -- the planner from hash-joining all of users or profiles instead.
      CROSS JOIN LATERAL (SELECT * FROM profiles p WHERE p.user_id = pool.user_id OFFSET 0) p
      CROSS JOIN LATERAL (SELECT u.last_active_at FROM users u WHERE u.id = pool.user_id AND u.banned_at IS NULL OFFSET 0) u
      -- Everyone who swiped right on the caller, once (swipes (target_id, action)), hashed against the pool.
      LEFT JOIN (
        SELECT s.swiper_id, s.action FROM swipes s
        WHERE s.target_id = :me AND s.action IN ('like', 'superlike') AND s.created_at <= :as_of::timestamptz
      ) liked ON liked.swiper_id = p.user_id
      LEFT JOIN LATERAL (
        SELECT ci.shown FROM candidate_impressions ci WHERE ci.user_id = pool.user_id AND ci.day = :impressions_day::date OFFSET 0
      ) ci ON true
      OFFSET 0
    ) base
    OFFSET 0
  ) fitted
) scored
WHERE (:after_score::numeric IS NULL OR (score, user_id) < (:after_score::numeric, :after_user::uuid))
  AND (liked_me IS NOT NULL OR shown_today < :impression_cap)
ORDER BY score DESC, user_id DESC
LIMIT :lim`;

/**
 * The 1°x1° cells (floor(lat)·1000 + floor(lon)) that a box touches, or null
 * when there are too many to list (a box around a pole or across the
 * antimeridian spans every longitude): the scan then ranges over lat alone.
 */
export function gridCells(box: CandidateQuery['box']): number[] | null {
  const lat0 = Math.floor(box.latMin);
  const lat1 = Math.floor(box.latMax);
  const lon0 = Math.floor(box.lonMin);
  const lon1 = Math.floor(box.lonMax);
  if ((lat1 - lat0 + 1) * (lon1 - lon0 + 1) > 400) return null;
  const cells: number[] = [];
  for (let a = lat0; a <= lat1; a++) for (let o = lon0; o <= lon1; o++) cells.push(a * 1000 + o);
  return cells;
}

export async function findCandidates(db: Knex, q: CandidateQuery): Promise<CandidateRow[]> {
  const v = q.viewer;
  const lat = v.lat as number;
  const lon = v.lon as number;
  const myInterests = v.interests.map((i) => i.toLowerCase());
  const myInterestCount = new Set(myInterests).size;
  const res = await db.raw(CANDIDATES_SQL, {
    me: v.user_id,
    my_gender: v.gender,
    genders: v.looking_for.length ? v.looking_for : [...GENDERS],
    my_age: q.myAge,
    my_age_min: v.age_min,
    my_age_max: v.age_max,
    my_max_km: v.max_distance_km,
    my_interests: myInterests,
    my_interest_count: myInterestCount,
    my_goal: v.goal,
    my_goals: v.goals && v.goals.length ? v.goals : null,
    today: q.asOf.toISOString().slice(0, 10),
    as_of: q.asOf.toISOString(),
    lat,
    lon,
    cells: gridCells(q.box),
    lat_min: q.box.latMin,
    lat_max: q.box.latMax,
    lon_min: q.box.lonMin,
    lon_max: q.box.lonMax,
    after_score: q.after?.score ?? null,
    after_user: q.after?.userId ?? null,
    lim: q.limit,
    impressions_day: q.impressionsDay,
    pool: q.pool ?? CANDIDATE_POOL,
    impression_cap: q.impressionCap,
  });
  return (res.rows as Record<string, unknown>[]).map((r) => ({
    ...(r as unknown as CandidateRow),
    my_interest_count: myInterestCount,
    my_age: q.myAge,
    my_age_min: v.age_min,
    my_age_max: v.age_max,
    my_max_km: v.max_distance_km,
    score: String(r.score),
  }));
}

/*
 * Raw SQL for the data-modifying CTE: one statement finds which of the page's
 * people this viewer had not yet been shown today (their pair's day moves
 * forward) and counts a showing for exactly those. A repeated request finds
 * every pair already at today and counts nothing, so no viewer can push
 * chosen people over the popularity cap by asking for the same page again.
 * Rows are taken in user id order, so concurrent requests lock them in the
 * same order (no deadlocks); a request racing another of the same viewer waits
 * for its pair rows and then sees them at today.
 */
const RECORD_IMPRESSIONS_SQL = `
WITH fresh AS (
  INSERT INTO candidate_views AS v (viewer_id, candidate_id, day)
  SELECT :viewer::uuid, c.id, :day::date FROM unnest(:ids::uuid[]) AS c(id) ORDER BY c.id
  ON CONFLICT (viewer_id, candidate_id) DO UPDATE SET day = excluded.day WHERE v.day < excluded.day
  RETURNING v.candidate_id
)
INSERT INTO candidate_impressions AS ci (user_id, day, shown)
SELECT candidate_id, :day::date, 1 FROM fresh ORDER BY candidate_id
ON CONFLICT (user_id) DO UPDATE
  SET shown = CASE WHEN ci.day = excluded.day THEN ci.shown + 1 ELSE 1 END, day = excluded.day`;

/**
 * Records that the viewer was shown these profiles today, and counts one more
 * showing today for each the viewer had not yet seen today (a new day starts
 * both again).
 */
export async function recordImpressions(db: Knex, viewerId: string, userIds: string[], day: string): Promise<void> {
  if (!userIds.length) return;
  const ids = [...new Set(userIds)].sort();
  await db.transaction(async (trx) => {
    // A crash may lose the last moments of these rows: a few showings uncounted,
    // a few people not yet reportable until shown again. Not worth a WAL flush.
    await trx.raw('SET LOCAL synchronous_commit = off');
    await trx.raw(RECORD_IMPRESSIONS_SQL, { viewer: viewerId, ids, day });
  });
}

// -------------------------------------------------------------------- swipes

/** A profile the viewer may swipe on: exists, visible (not hidden nor paused), not banned, not blocked either way. */
export async function findSwipeTarget(db: Knex, viewerId: string, targetId: string): Promise<{ user_id: string } | undefined> {
  return db('profiles as p')
    .join('users as u', 'u.id', 'p.user_id')
    .where('p.user_id', targetId)
    .where('p.visibility', 'visible')
    .whereNull('u.banned_at')
    .whereNotExists(blockBetween(db, viewerId, db.ref('p.user_id')))
    .first('p.user_id');
}

/**
 * Runs `fn` in a transaction that holds a per-swiper lock, so the quota check
 * and the insert of one user's swipes are serialised across every instance.
 */
export async function inSwiperLock<T>(db: Knex, swiperId: string, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`swipe:${swiperId}`]);
    return fn(trx);
  });
}

export async function swipeExists(db: Knex, swiperId: string, targetId: string): Promise<boolean> {
  return !!(await db('swipes').where({ swiper_id: swiperId, target_id: targetId }).first('id'));
}

/** When the caller's `n` most recent swipes of this kind after `since` were made, newest first (swipes (swiper_id, created_at)). */
export async function recentSwipeTimes(db: Knex, swiperId: string, action: SwipeAction, since: Date, n: number): Promise<Date[]> {
  const rows = await db('swipes')
    .where({ swiper_id: swiperId, action })
    .andWhere('created_at', '>', since)
    .orderBy('created_at', 'desc')
    .limit(n)
    .select('created_at');
  return rows.map((r: { created_at: Date }) => r.created_at);
}

export interface StoredSwipe {
  id: number;
  swiper_id: string;
  target_id: string;
  action: SwipeAction;
  created_at: Date;
}

/** Inserts the swipe; undefined when this pair already has one. */
export async function insertSwipe(db: Knex, swiperId: string, targetId: string, action: SwipeAction): Promise<StoredSwipe | undefined> {
  try {
    const [row] = await db('swipes')
      .insert({ swiper_id: swiperId, target_id: targetId, action })
      .returning(['id', 'swiper_id', 'target_id', 'action', 'created_at']);
    return row;
  } catch (err) {
    if (isUniqueViolation(err, 'swipes_pair_uniq')) return undefined;
    throw err;
  }
}

// ------------------------------------------------------------------- reports

/**
 * Whether the reporter has met the target here: been shown them as a
 * candidate, been liked by them, or matched with them, now or before (every
 * conversation belongs to a match, so a shared conversation is one too). Each
 * branch is one index probe: candidate_views' key, swipes_pair_uniq,
 * matches_pair_uniq.
 */
export async function hasMet(db: Knex, reporterId: string, targetId: string): Promise<boolean> {
  const row = await db
    .select(db.raw('1'))
    .from('candidate_views')
    .where({ viewer_id: reporterId, candidate_id: targetId })
    .unionAll((q) => q.select(db.raw('1')).from('swipes').where({ swiper_id: targetId, target_id: reporterId }).whereIn('action', ['like', 'superlike']))
    .unionAll((q) =>
      q
        .select(db.raw('1'))
        .from('matches')
        .whereRaw('LEAST(user_a, user_b) = LEAST(?::uuid, ?::uuid) AND GREATEST(user_a, user_b) = GREATEST(?::uuid, ?::uuid)', [reporterId, targetId, reporterId, targetId]),
    )
    .limit(1);
  return row.length > 0;
}
