// Nearest-first candidates (issue 17): KNN-ordered geo indexes, so the
// candidates query reads people in order of distance and stops at its pool,
// instead of reading every entry of the grid cells around the caller (whose
// number grows with the density of the area).
//
// Core PostgreSQL only, so the embedded PGlite runs it too (no PostGIS, no
// cube or earthdistance, which PGlite ships but would have to load): GiST on
// a `point`, ordered by `<->`. The point is the coarse point (never the exact
// one) on the Mercator plane: x = longitude, y = Mercator northing, both in
// degrees. Mercator is conformal, so around any caller a distance on the plane
// is the distance on the ground times one scale (1/cos(latitude)), and nearest
// on the plane is nearest in km to within a few parts in a thousand across a
// city (the scale drifts by tan(lat)·r/6371 over r km). Latitudes are clamped
// to ±85°, where the projection stays finite. An expression rather than a
// column: coarse_lat/coarse_lon are generated columns, which a generated
// column may not use; the candidates query spells it exactly so
// (api/discovery/repo.ts planePoint). An SQL function would be one spelling,
// but PostgreSQL parses and inlines its body again at every planning of the
// query, for each use and each index: most of a millisecond per request.
//
// One index per pair of genders (partial indexes): profiles of gender g who
// want gender w (or anyone: an empty looking_for). A caller of gender w who
// wants g searches exactly that index, so a scan never steps over people of
// another gender, nor over those who would not want the caller: for the few
// who are sought by few (a nonbinary caller among men and women, a man who
// wants men) it otherwise read every entry around before it had a pool. Each
// profile is in one index per gender it wants (three with none), so writes
// cost about what one index would.
// Two more keys, both core GiST range types: the candidate's own age range
// (does it hold the caller's age?) and the birthdate as a one-day range (is it
// within the caller's age range?). Entries that fail either are dropped inside
// the index scan, before they are ordered or read, which is most of them.
// The included columns answer the other hard filters and carry the score's
// inputs from profiles, so the filter is an index-only scan and the heap is
// read only for the page that is returned. profiles_discovery_idx (grid
// cells) is left to no query and goes.
import type { Knex } from 'knex';

const GENDERS = ['man', 'woman', 'nonbinary'];
const PLANE_POINT = 'point(coarse_lon, degrees(ln(tan(radians(45 + least(85::float8, greatest(-85::float8, coarse_lat)) / 2)))))';

const PAIRS = GENDERS.flatMap((gender) => GENDERS.map((wants) => ({ gender, wants })));

const nearbyIndex = ({ gender, wants }: (typeof PAIRS)[number]) => `CREATE INDEX profiles_nearby_${gender}_for_${wants}_idx
  ON profiles USING gist ((${PLANE_POINT}), int4range(age_min, age_max, '[]'), daterange(birthdate, birthdate, '[]'))
  INCLUDE (user_id, birthdate, age_min, age_max, max_distance_km, coarse_lat, coarse_lon, goal, goals, interests)
  WHERE visibility = 'visible' AND gender = '${gender}' AND (cardinality(looking_for) = 0 OR '${wants}' = ANY(looking_for))`;

// As 20261129100000_coarse_location.ts left it.
const GRID_INDEX = `CREATE INDEX profiles_discovery_idx
  ON profiles (gender, (floor(coarse_lat)::int * 1000 + floor(coarse_lon)::int), coarse_lat, coarse_lon, birthdate, age_min, age_max)
  INCLUDE (user_id, max_distance_km, looking_for, goal, goals)
  WHERE visibility = 'visible'`;

export async function up(knex: Knex): Promise<void> {
  for (const pair of PAIRS) await knex.raw(nearbyIndex(pair));
  await knex.raw('DROP INDEX IF EXISTS profiles_discovery_idx');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(GRID_INDEX);
  for (const { gender, wants } of PAIRS) await knex.raw(`DROP INDEX IF EXISTS profiles_nearby_${gender}_for_${wants}_idx`);
}
