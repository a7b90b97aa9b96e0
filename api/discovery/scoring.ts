// The reciprocal compatibility score of a candidate, and its explanation.
//
//   fit(A→B)  = how well B matches what A asks for:
//               0.4·interests (share of A's interests that B has)
//             + 0.3·age       (B's age against the centre of A's age range)
//             + 0.3·distance  (exp decay over A's maximum distance, of the
//                              distance as shown: whole km between coarse points)
//   match     = harmonic mean of fit(me→them) and fit(them→me): a pair that
//               fits only one way scores low even when that way is perfect
//   score     = match · activity (recency of their last visit)
//                     · boost (they already liked me, more for a superlike;
//                       they have a paid boost or premium: PAID_BOOST),
//                       at most MAX_BOOST in all
//
// The candidates query computes the same formula in SQL so it can rank and
// paginate in the database (repo.ts reads these constants); this file holds
// the constants and the JavaScript twin used for the debug breakdown (and the
// test that keeps the two in step). The score and every part of the breakdown
// are shown to SCORE_DECIMALS only: with more, a score would tell a distance
// finer than the whole km shown beside it.

export const WEIGHTS = { interests: 0.4, age: 0.3, distance: 0.3 } as const;
/** Interest fit of someone who listed no interests: neither a plus nor a minus. */
export const NEUTRAL_INTEREST_FIT = 0.5;
/** distance fit = exp(-DISTANCE_DECAY · km / max_distance_km): 1 next door, ~0.14 at the edge. */
export const DISTANCE_DECAY = 2;
/** activity = floor + (1 - floor) · exp(-days_inactive / tau): yesterday ~0.93, a month ago ~0.51. */
export const ACTIVITY = { floor: 0.5, tauDays: 7 } as const;
/** Multipliers for someone who already swiped right on the caller. */
export const LIKED_ME_BOOST = { like: 1.3, superlike: 1.6 } as const;
/**
 * Multiplier for someone promoted: a bought boost (entitlements.boost_until)
 * or premium (premium_until) still running. It only reorders the people who
 * pass every hard filter; it never brings anyone in.
 */
export const PAID_BOOST = 1.5;
/** The cap of every boost together (a paid boost on a superlike), so that no one buries everyone else whatever they buy. */
export const MAX_BOOST = 2;
/**
 * A profile is shown in at most this many candidate lists per UTC day (to
 * people it has not liked): one very popular profile cannot crowd out everyone
 * else's first page, and it is not drowned in likes it cannot answer.
 */
export const IMPRESSION_CAP_PER_DAY = 300;
/**
 * People scored per request: the nearest this many who pass every hard
 * filter (see the candidates query in repo.ts for why there is a bound).
 */
export const CANDIDATE_POOL = 300;
/** Decimal places of the score and its breakdown (the keyset cursor compares the rounded value). */
export const SCORE_DECIMALS = 2;

/** What the query returns about a pair, from which every part of the score follows. */
export interface ScoreInputs {
  shared_interests: number;
  my_interest_count: number;
  their_interest_count: number;
  my_age: number;
  their_age: number;
  my_age_min: number;
  my_age_max: number;
  their_age_min: number;
  their_age_max: number;
  /** The distance as shown: whole km between the two coarse points, at least 1. */
  km: number;
  my_max_km: number;
  their_max_km: number;
  days_inactive: number;
  liked_me: 'like' | 'superlike' | null;
  /** A paid boost or premium runs (PAID_BOOST). */
  promoted: boolean;
}

export interface FitParts {
  interests: number;
  age: number;
  distance: number;
  total: number;
}

export interface ScoreBreakdown {
  fit_me_to_them: FitParts;
  fit_them_to_me: FitParts;
  reciprocal: number;
  activity: number;
  boost: number;
  score: number;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export function interestFit(shared: number, ownCount: number): number {
  return ownCount > 0 ? shared / ownCount : NEUTRAL_INTEREST_FIT;
}

/** 1 at the centre of the range, falling linearly to about 0 just past its ends. */
export function ageFit(age: number, min: number, max: number): number {
  const centre = (min + max) / 2;
  const halfWidth = (max - min) / 2;
  return clamp01(1 - Math.abs(age - centre) / (halfWidth + 1));
}

export function distanceFit(km: number, maxKm: number): number {
  return Math.exp((-DISTANCE_DECAY * km) / maxKm);
}

export function fit(interests: number, age: number, distance: number): FitParts {
  const total = WEIGHTS.interests * interests + WEIGHTS.age * age + WEIGHTS.distance * distance;
  return { interests, age, distance, total };
}

export function harmonicMean(a: number, b: number): number {
  return a + b > 0 ? (2 * a * b) / (a + b) : 0;
}

export function activityFactor(daysInactive: number): number {
  return ACTIVITY.floor + (1 - ACTIVITY.floor) * Math.exp(-Math.max(0, daysInactive) / ACTIVITY.tauDays);
}

export function boostFor(likedMe: ScoreInputs['liked_me'], promoted: boolean): number {
  return Math.min(MAX_BOOST, (likedMe ? LIKED_ME_BOOST[likedMe] : 1) * (promoted ? PAID_BOOST : 1));
}

export function roundScore(x: number): number {
  const f = 10 ** SCORE_DECIMALS;
  return Math.round(x * f) / f;
}

const roundFit = (f: FitParts): FitParts => ({
  interests: roundScore(f.interests),
  age: roundScore(f.age),
  distance: roundScore(f.distance),
  total: roundScore(f.total),
});

/** The score of a candidate with every part shown (the debug view), each part rounded like the score. */
export function explainScore(i: ScoreInputs): ScoreBreakdown {
  const meToThem = fit(interestFit(i.shared_interests, i.my_interest_count), ageFit(i.their_age, i.my_age_min, i.my_age_max), distanceFit(i.km, i.my_max_km));
  const themToMe = fit(
    interestFit(i.shared_interests, i.their_interest_count),
    ageFit(i.my_age, i.their_age_min, i.their_age_max),
    distanceFit(i.km, i.their_max_km),
  );
  const reciprocal = harmonicMean(meToThem.total, themToMe.total);
  const activity = activityFactor(i.days_inactive);
  const boost = boostFor(i.liked_me, i.promoted);
  return {
    fit_me_to_them: roundFit(meToThem),
    fit_them_to_me: roundFit(themToMe),
    reciprocal: roundScore(reciprocal),
    activity: roundScore(activity),
    boost: roundScore(boost),
    score: roundScore(reciprocal * activity * boost),
  };
}
