// Discovery: the index the candidates query runs on, and the impression
// counter behind the popularity cap.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Candidates are looked up by wanted gender and a lat/lon bounding box among
  // visible profiles. The second key is the 1°x1° grid cell of the location
  // (floor(lat)·1000 + floor(lon)): the query lists the cells its box covers,
  // so the scan walks only those cells (not every city on the same latitude),
  // and within each cell the lat range bounds it further. lon, the caller's age
  // range (birthdate) and the candidate's own are checked on each entry; the
  // included columns answer the other hard filters, so the whole filter is an
  // index-only scan and the heap is read only for the few hundred people then
  // scored. A plain btree: the embedded PGlite runs it too (no PostGIS).
  await knex.raw(
    `CREATE INDEX profiles_discovery_idx
     ON profiles (gender, (floor(lat)::int * 1000 + floor(lon)::int), lat, lon, birthdate, age_min, age_max)
     INCLUDE (user_id, max_distance_km, looking_for, goal, goals)
     WHERE visibility = 'visible'`,
  );

  // How often a profile has been shown in candidate lists on its current (UTC)
  // day. One row per profile, reset when the day changes, so it never grows.
  await knex.schema.createTable('candidate_impressions', (t) => {
    t.uuid('user_id').primary().references('users.id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.integer('shown').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('candidate_impressions');
  await knex.raw('DROP INDEX IF EXISTS profiles_discovery_idx');
}
