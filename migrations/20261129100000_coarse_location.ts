// Location privacy (issue 13 §2): every distance anyone is shown, and the
// candidates' distance filter and score, use a coarse point instead of the
// exact one, so no sequence of moves and reads locates a user more finely
// than its cell of about 1 km.
//
// The coarse point is the centre of the user's cell in a grid of about
// CELL_KM x CELL_KM: rows of equal latitude height, each row cut into cells of
// equal width in km (the width in degrees grows with the row's latitude). Each
// user's grid is shifted by an offset of their own (from an md5 of the user
// id), so cell edges do not line up across users: two neighbours share no
// edge that an attacker could find once and reuse.
//
// Generated columns, not application code: PostgreSQL fills them on every
// write of lat/lon by anyone (profile service, seed, admin tools) and on
// adding them fills every existing row, and they can be indexed.
import type { Knex } from 'knex';

const CELL_KM = 1;
/** Degrees of latitude per cell (111.195 km per degree on the mean sphere). */
const DLAT = `(${CELL_KM}::float8 / 111.195)`;

/** A fraction in [0, 1) from two bytes of the user id's md5: the offset of the user's grid, per axis. */
const shift = (byte: number) =>
  `((get_byte(decode(md5(user_id::text), 'hex'), ${byte}) * 256 + get_byte(decode(md5(user_id::text), 'hex'), ${byte + 1}))::float8 / 65536)`;
const U = shift(0);
const V = shift(2);

/** The centre latitude of the user's row (may pass ±90 by under half a cell: clamped where stored). */
const ROW_CENTRE = `((floor(lat / ${DLAT} + ${U}) + 0.5 - ${U}) * ${DLAT})`;
/** Degrees of longitude per cell in that row: CELL_KM wide, capped near the poles. */
const DLON = `(${DLAT} / greatest(cos(radians(${ROW_CENTRE})), 0.05))`;
const COL_CENTRE = `((floor(lon / ${DLON} + ${V}) + 0.5 - ${V}) * ${DLON})`;

/** Both null without a location (least/greatest would turn a null into the bound). */
const located = (expr: string) => `CASE WHEN lat IS NULL OR lon IS NULL THEN NULL ELSE ${expr} END`;
const COARSE_LAT = located(`greatest(-90::float8, least(90::float8, ${ROW_CENTRE}))`);
/** Wrapped into [-180, 180): a cell across the antimeridian has its centre on either side. */
const COARSE_LON = located(`${COL_CENTRE} - 360 * floor((${COL_CENTRE} + 180) / 360)`);

// The candidates query's index (see 20261124004000_discovery_indexes.ts for
// why each column), over the coarse point: the query filters and ranks by it.
const COARSE_INDEX = `CREATE INDEX profiles_discovery_idx
  ON profiles (gender, (floor(coarse_lat)::int * 1000 + floor(coarse_lon)::int), coarse_lat, coarse_lon, birthdate, age_min, age_max)
  INCLUDE (user_id, max_distance_km, looking_for, goal, goals)
  WHERE visibility = 'visible'`;

const EXACT_INDEX = `CREATE INDEX profiles_discovery_idx
  ON profiles (gender, (floor(lat)::int * 1000 + floor(lon)::int), lat, lon, birthdate, age_min, age_max)
  INCLUDE (user_id, max_distance_km, looking_for, goal, goals)
  WHERE visibility = 'visible'`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE profiles
    ADD COLUMN coarse_lat float8 GENERATED ALWAYS AS (${COARSE_LAT}) STORED,
    ADD COLUMN coarse_lon float8 GENERATED ALWAYS AS (${COARSE_LON}) STORED`);
  // Same name, so whatever refers to the candidates index still finds it.
  await knex.raw('DROP INDEX IF EXISTS profiles_discovery_idx');
  await knex.raw(COARSE_INDEX);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS profiles_discovery_idx');
  await knex.raw(EXACT_INDEX);
  await knex.raw('ALTER TABLE profiles DROP COLUMN coarse_lon, DROP COLUMN coarse_lat');
}
