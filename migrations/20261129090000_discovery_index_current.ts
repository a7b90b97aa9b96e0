// 20261124004000_discovery_indexes.ts was edited after databases had run it:
// a database migrated in between still has its first profiles_discovery_idx
// (gender, lat, lon), which the candidates query cannot use as intended. This
// brings such a database to the definition that file has today; a database
// that already has it (every database migrated since) is left alone.
import type { Knex } from 'knex';

const CURRENT = `CREATE INDEX profiles_discovery_idx
     ON profiles (gender, (floor(lat)::int * 1000 + floor(lon)::int), lat, lon, birthdate, age_min, age_max)
     INCLUDE (user_id, max_distance_km, looking_for, goal, goals)
     WHERE visibility = 'visible'`;

async function definition(knex: Knex): Promise<string | undefined> {
  const r = await knex.raw(`SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'profiles_discovery_idx'`);
  return r.rows[0]?.indexdef;
}

export async function up(knex: Knex): Promise<void> {
  const def = await definition(knex);
  // The current definition groups by grid cell (floor(lat)) and carries INCLUDE columns.
  if (def && /floor/i.test(def) && /INCLUDE/i.test(def)) return;
  await knex.raw('DROP INDEX IF EXISTS profiles_discovery_idx');
  await knex.raw(CURRENT);
}

export async function down(): Promise<void> {
  // Nothing to undo: the index it leaves is the one 20261124004000 makes today.
}
