// The discovery service's queries for the caller's profile, candidates and
// swipes, and whom a reporter has met (beside the candidate views it reads;
// matches, blocks, storing reports and likes are in matches-repo.ts).
// Discovery owns swipes, blocks, reports, candidate views and impression counters,
// and (with the matching worker) matches and conversations; profiles, users
// and messages are read only. What Stars buy is payments' (entitlements,
// superlike_credits): discovery reads who is boosted and spends rewinds and
// superlike credits, in the transaction of the swipe or rewind they pay for.
import type { Knex } from 'knex';
import { isUniqueViolation } from '../../shared/db.js';
import { blockBetween, blockedWithSql } from '../../shared/blocks.js';
import {
  ACTIVITY,
  CANDIDATE_POOL,
  DISTANCE_DECAY,
  LIKED_ME_BOOST,
  MAX_BOOST,
  NEUTRAL_INTEREST_FIT,
  PAID_BOOST,
  SCORE_DECIMALS,
  WEIGHTS,
  type ScoreInputs,
} from './scoring.js';
import { GENDERS, type Gender } from '../../shared/contract/profiles.js';
import type { ProfileRow } from '../../shared/profile-row.js';
import type { SwipeAction } from './schemas.js';
import type { SearchArea } from './service.js';


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
  /** Where everyone within the caller's distance lies (service.ts searchAreas): one box, two across the antimeridian. */
  areas: SearchArea[];
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

/**
 * A point on the plane of the profiles_nearby_<gender>_for_<gender>_idx
 * indexes (Mercator, in degrees), exactly as
 * migrations/20261129201500_discovery_nearest_first.ts spells it, so that
 * PostgreSQL matches the index expression.
 */
const planePoint = (lat: string, lon: string) => `point(${lon}, degrees(ln(tan(radians(45 + least(85::float8, greatest(-85::float8, ${lat})) / 2)))))`;
const NEARBY_POINT = planePoint('coarse_lat', 'coarse_lon');

/** The distance as shown (the SQL twin of shownDistanceKm in shared/public-profile.ts): whole km between coarse points, at least 1. */
const KM = `greatest(1::float8, round(2 * 6371 * asin(least(1, sqrt(
    power(sin(radians(p.coarse_lat - :lat) / 2), 2)
    + cos(radians(:lat)) * cos(radians(p.coarse_lat)) * power(sin(radians(p.coarse_lon - :lon) / 2), 2))))))`;

/*
 * The nearest `pool` people of one gender in one search area (service.ts
 * searchAreas) who pass the hard filters, nearest first, with their distance
 * on the index's plane (`far`). Inside: a KNN scan (ORDER BY <->, bounded by
 * the area's box) of the profiles_nearby index of people of that gender who
 * want the caller's, index-only; its range keys drop whoever is outside the
 * caller's age range or whose own range leaves the caller out, inside the
 * index. The OFFSET 0 fence keeps the other filters out of the scan, so that
 * PostgreSQL costs it for every entry it may return: ordered by the index
 * then costs less than sorting them, whatever the filters' estimate, and the
 * scan stops when LIMIT has its pool, however many people live around.
 * Outside: goals and both distances, on the index entry's columns; `km` is
 * the distance as shown, so neither the filter nor the score tells more about
 * where someone is than the distance_km beside it, and `far` is between
 * coarse points too. NOT IN over small per-caller sets: PostgreSQL hashes
 * each set once and probes it per entry. Both genders are the contract's
 * GENDERS, spelled out as the index predicates spell them so that PostgreSQL
 * picks that partial index.
 */
const nearbySql = (area: number, gender: Gender, caller: Gender) => `
  SELECT p.user_id, p.birthdate, p.age_min, p.age_max, p.max_distance_km, p.interests, p.far, ${KM} AS km
  FROM (
    SELECT p.user_id, p.birthdate, p.age_min, p.age_max, p.max_distance_km, p.coarse_lat, p.coarse_lon, p.goal, p.goals, p.interests,
           ${NEARBY_POINT} <-> ${planePoint(':lat', `:from_lon_${area}`)} AS far
    FROM profiles p
    WHERE p.visibility = 'visible' AND p.gender = '${gender}' AND (cardinality(p.looking_for) = 0 OR '${caller}' = ANY(p.looking_for))
      AND ${NEARBY_POINT} <@ box(${planePoint(':lat_min', `:lon_min_${area}`)}, ${planePoint(':lat_max', `:lon_max_${area}`)})
      AND int4range(p.age_min, p.age_max, '[]') @> :my_age::int
      AND daterange(p.birthdate, p.birthdate, '[]') <@ daterange((:today::date - make_interval(years => :my_age_max + 1))::date, (:today::date - make_interval(years => :my_age_min))::date, '(]')
    ORDER BY ${NEARBY_POINT} <-> ${planePoint(':lat', `:from_lon_${area}`)}
    OFFSET 0
  ) p
  WHERE p.user_id <> :me
    AND ${KM} <= least(:my_max_km, p.max_distance_km)
    AND (:my_goals::text[] IS NULL OR p.goal = ANY(:my_goals::text[]))
    AND (p.goals IS NULL OR cardinality(p.goals) = 0 OR :my_goal = ANY(p.goals))
    AND p.user_id NOT IN (SELECT s.target_id FROM swipes s WHERE s.swiper_id = :me)
    AND p.user_id NOT IN (${blockedWithSql(':me')})
  LIMIT :pool`;

/**
 * The nearest `pool` over every wanted gender and every area: each branch's
 * own nearest `pool`, then the nearest of those.
 */
const poolSql = (areas: number, genders: readonly Gender[], caller: Gender) => {
  const branches = Array.from({ length: areas }, (_, a) => genders.map((g) => nearbySql(a, g, caller))).flat();
  if (branches.length === 1) return branches[0];
  return `SELECT * FROM (${branches.map((b) => `(${b})`).join('\n  UNION ALL ')}) nearby ORDER BY far LIMIT :pool`;
};

/*
 * Raw SQL because this is the hot query of the service: hard filters both ways,
 * then the score of scoring.ts computed in the database so ranking and keyset
 * pagination happen there and only one page travels. Layers, inside out:
 *   pool   - the nearest CANDIDATE_POOL people who pass the hard filters
 *            (poolSql: of every gender wanted, and across the antimeridian
 *            of both areas). In a dense city with a wide radius thousands pass, and
 *            scoring them all costs more than a request may; distance decay
 *            makes the nearest the likeliest to rank high anyway, and people
 *            further out enter the pool as nearer ones are swiped. Nearest
 *            first, the work grows with the pool, not with the density;
 *   base   - their user rows (no ban), the raw inputs of the score, whether
 *            a paid boost runs (the ranking is as of `as_of`, like the likes
 *            it counts), and how often each was shown today;
 *   fitted - fit in both directions, activity, boost (capped);
 *   scored - the rounded score;
 * then the page after the cursor, best first, ties by user id, leaving out
 * whoever reached today's impression cap (unless they liked the caller: the
 * popularity cap), and only for the page's rows the columns that are shown
 * (one primary key lookup each). Skipped people lie above the next cursor, so
 * they are not revisited in this browsing session. The OFFSET 0 fences keep
 * PostgreSQL from inlining a layer into the next, which would repeat the
 * per-row subqueries once per use. Core PostgreSQL only (PGlite runs it too).
 */
const candidatesSql = (pool: string) => `
SELECT page.*, p.display_name, p.gender, p.bio, p.settings, p.coarse_lat, p.coarse_lon
FROM (
  SELECT * FROM (
    SELECT fitted.*,
           round(((CASE WHEN fit_me + fit_them > 0 THEN 2 * fit_me * fit_them / (fit_me + fit_them) ELSE 0 END)
                  * activity * boost)::numeric, ${SCORE_DECIMALS}) AS score
    FROM (
      SELECT base.*,
             ${fitSql(':my_interest_count::int', 'their_age', ':my_age_min::int', ':my_age_max::int', ':my_max_km::int')} AS fit_me,
             ${fitSql('their_interest_count', ':my_age::int', 'their_age_min', 'their_age_max', 'their_max_km')} AS fit_them,
             ${ACTIVITY.floor}::float8 + ${1 - ACTIVITY.floor}::float8 * exp(-days_inactive / ${ACTIVITY.tauDays}) AS activity,
             least(${MAX_BOOST}::float8,
                   CASE liked_me WHEN 'superlike' THEN ${LIKED_ME_BOOST.superlike}::float8 WHEN 'like' THEN ${LIKED_ME_BOOST.like}::float8 ELSE 1::float8 END
                   * CASE WHEN promoted THEN ${PAID_BOOST}::float8 ELSE 1::float8 END) AS boost
      FROM (
        SELECT pool.user_id, pool.birthdate, pool.interests, pool.km,
               -- (interests are stored deduplicated case-insensitively by the profile service)
               CASE WHEN cardinality(pool.interests) = 0 THEN 0
                    ELSE (SELECT count(*) FROM unnest(pool.interests) AS t(tag) WHERE lower(t.tag) = ANY(:my_interests::text[]))::int END AS shared_interests,
               cardinality(pool.interests) AS their_interest_count,
               date_part('year', age(:today::date, pool.birthdate))::int AS their_age,
               pool.age_min AS their_age_min, pool.age_max AS their_age_max, pool.max_distance_km AS their_max_km,
               greatest(0::float8, date_part('epoch', :as_of::timestamptz - u.last_active_at) / 86400) AS days_inactive,
               -- Whoever swiped right on the caller: each set read once (swipes (target_id, action)) and
               -- hashed, one probe per row (a swipe is one per pair, so at most one holds).
               CASE WHEN pool.user_id IN (SELECT s.swiper_id FROM swipes s WHERE s.target_id = :me AND s.action = 'superlike' AND s.created_at <= :as_of::timestamptz) THEN 'superlike'
                    WHEN pool.user_id IN (SELECT s.swiper_id FROM swipes s WHERE s.target_id = :me AND s.action = 'like' AND s.created_at <= :as_of::timestamptz) THEN 'like'
               END AS liked_me,
               -- A paid boost or premium running (entitlements, which payments write): one
               -- primary key probe per pool row, never a scan of everyone who ever paid.
               EXISTS (SELECT 1 FROM entitlements e
                       WHERE e.user_id = pool.user_id AND (e.boost_until > :as_of::timestamptz OR e.premium_until > :as_of::timestamptz)) AS promoted,
               coalesce(ci.shown, 0) AS shown_today
        FROM (${pool}
        ) pool
        -- One index lookup each for the pool's few hundred rows; the fence stops
        -- the planner from hash-joining all of users instead.
        CROSS JOIN LATERAL (SELECT u.last_active_at FROM users u WHERE u.id = pool.user_id AND u.banned_at IS NULL OFFSET 0) u
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
  LIMIT :lim
) page
CROSS JOIN LATERAL (SELECT p.display_name, p.gender, p.bio, p.settings, p.coarse_lat, p.coarse_lon FROM profiles p WHERE p.user_id = page.user_id OFFSET 0) p
ORDER BY page.score DESC, page.user_id DESC`;

/** The query's text for a number of areas and the genders wanted, built once each. */
const candidatesSqlCache = new Map<string, string>();
function candidatesSqlFor(areas: number, genders: readonly Gender[], caller: Gender): string {
  const key = `${areas}:${genders.join()}:${caller}`;
  let sql = candidatesSqlCache.get(key);
  if (!sql) candidatesSqlCache.set(key, (sql = candidatesSql(poolSql(areas, genders, caller))));
  return sql;
}

/*
 * One person as a candidate of the caller (a rewound pass): the pool is them
 * alone, if they are still visible, located and not blocked either way (the
 * users layer drops a ban), and the same layers score them as the lists do.
 * No preference filter: the caller passed on them as a candidate already.
 */
const ONE_CANDIDATE_SQL = candidatesSql(`
  SELECT p.user_id, p.birthdate, p.age_min, p.age_max, p.max_distance_km, p.interests, ${KM} AS km
  FROM profiles p
  WHERE p.user_id = :target AND p.visibility = 'visible' AND p.coarse_lat IS NOT NULL AND p.coarse_lon IS NOT NULL
    AND p.user_id <> :me AND p.user_id NOT IN (${blockedWithSql(':me')})`);

/** The bindings of the score's inputs about the caller, shared by both forms of the query. */
function scoreBindings(v: Viewer, myAge: number, asOf: Date, impressionsDay: string) {
  const myInterests = v.interests.map((i) => i.toLowerCase());
  return {
    me: v.user_id,
    my_age: myAge,
    my_age_min: v.age_min,
    my_age_max: v.age_max,
    my_max_km: v.max_distance_km,
    my_interests: myInterests,
    my_interest_count: new Set(myInterests).size,
    today: asOf.toISOString().slice(0, 10),
    as_of: asOf.toISOString(),
    lat: v.lat as number,
    lon: v.lon as number,
    impressions_day: impressionsDay,
  };
}

/** The rows with the caller's side of the score's inputs (scoring.ts ScoreInputs). */
function candidateRows(rows: Record<string, unknown>[], b: ReturnType<typeof scoreBindings>): CandidateRow[] {
  return rows.map((r) => ({
    ...(r as unknown as CandidateRow),
    my_interest_count: b.my_interest_count,
    my_age: b.my_age,
    my_age_min: b.my_age_min,
    my_age_max: b.my_age_max,
    my_max_km: b.my_max_km,
    score: String(r.score),
  }));
}

export async function findCandidates(db: Knex, q: CandidateQuery): Promise<CandidateRow[]> {
  const v = q.viewer;
  const [area] = q.areas;
  const perArea = Object.fromEntries(
    q.areas.flatMap((a, i) => [
      [`from_lon_${i}`, a.fromLon],
      [`lon_min_${i}`, a.lonMin],
      [`lon_max_${i}`, a.lonMax],
    ]),
  );
  // In the contract's order, so each set of genders has one text (and one cache entry).
  const genders = GENDERS.filter((g) => !v.looking_for.length || v.looking_for.includes(g));
  const b = scoreBindings(v, q.myAge, q.asOf, q.impressionsDay);
  const res = await db.raw(candidatesSqlFor(q.areas.length, genders, v.gender), {
    ...b,
    my_goal: v.goal,
    my_goals: v.goals && v.goals.length ? v.goals : null,
    lat_min: area.latMin,
    lat_max: area.latMax,
    ...perArea,
    after_score: q.after?.score ?? null,
    after_user: q.after?.userId ?? null,
    lim: q.limit,
    pool: q.pool ?? CANDIDATE_POOL,
    impression_cap: q.impressionCap,
  });
  return candidateRows(res.rows, b);
}

/** One person scored as the caller's candidate (ONE_CANDIDATE_SQL); undefined when they are no longer to be seen. */
export async function findCandidate(
  db: Knex,
  q: Pick<CandidateQuery, 'viewer' | 'myAge' | 'asOf' | 'impressionsDay'> & { targetId: string },
): Promise<CandidateRow | undefined> {
  const b = scoreBindings(q.viewer, q.myAge, q.asOf, q.impressionsDay);
  // No popularity cap (the largest int4): the caller asked for this one back.
  const res = await db.raw(ONE_CANDIDATE_SQL, { ...b, target: q.targetId, after_score: null, after_user: null, lim: 1, impression_cap: 2 ** 31 - 1 });
  return candidateRows(res.rows, b)[0];
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
 * A crash may lose the last moments of these rows: a few showings uncounted,
 * a few people not yet reportable until shown again. Not worth a WAL flush, so
 * the statement turns synchronous_commit off for its own transaction
 * (set_config(…, true), read at the commit): one round trip where BEGIN,
 * SET LOCAL and COMMIT took four. When nothing is fresh nothing is written,
 * and there is no commit to flush.
 */
const RECORD_IMPRESSIONS_SQL = `
WITH no_flush AS (SELECT set_config('synchronous_commit', 'off', true)),
fresh AS (
  INSERT INTO candidate_views AS v (viewer_id, candidate_id, day)
  SELECT :viewer::uuid, c.id, :day::date FROM unnest(:ids::uuid[]) AS c(id) ORDER BY c.id
  ON CONFLICT (viewer_id, candidate_id) DO UPDATE SET day = excluded.day WHERE v.day < excluded.day
  RETURNING v.candidate_id
)
INSERT INTO candidate_impressions AS ci (user_id, day, shown)
SELECT candidate_id, :day::date, 1 FROM fresh CROSS JOIN no_flush ORDER BY candidate_id
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
  await db.raw(RECORD_IMPRESSIONS_SQL, { viewer: viewerId, ids, day });
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

/** Takes one of the user's bonus superlikes (referrals give them); false when they have none. */
export async function spendSuperlikeCredit(db: Knex, userId: string): Promise<boolean> {
  const rows = await db('superlike_credits').where('user_id', userId).where('balance', '>', 0).decrement('balance', 1).returning('user_id');
  return rows.length > 0;
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

/** The caller's most recent swipe, locked till commit (swipes (swiper_id, created_at); ties of one transaction by id). */
export async function lastSwipeForUpdate(trx: Knex.Transaction, swiperId: string): Promise<StoredSwipe | undefined> {
  return trx('swipes')
    .where('swiper_id', swiperId)
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .forUpdate()
    .first('id', 'swiper_id', 'target_id', 'action', 'created_at');
}

export async function deleteSwipe(trx: Knex.Transaction, id: number): Promise<void> {
  await trx('swipes').where('id', id).delete();
}

/**
 * Pays for a rewind out of the entitlements payments grant (api/payments/repo.ts;
 * discovery spends them, as it spends superlike_credits): free while premium
 * runs, else one bought rewind. One statement: the row stays locked till
 * commit, so concurrent rewinds spend one credit each. 'premium' or 'credit',
 * or null when there is neither.
 */
export async function spendRewind(trx: Knex.Transaction, userId: string): Promise<'premium' | 'credit' | null> {
  const { rows } = await trx.raw(
    `UPDATE entitlements SET rewinds = rewinds - CASE WHEN premium_until > now() THEN 0 ELSE 1 END
     WHERE user_id = ? AND (premium_until > now() OR rewinds > 0)
     RETURNING premium_until > now() AS premium`,
    [userId],
  );
  if (!rows.length) return null;
  return rows[0].premium ? 'premium' : 'credit';
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
