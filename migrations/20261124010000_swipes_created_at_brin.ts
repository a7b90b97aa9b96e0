// The matching worker's repair sweep (workers/matching/index.ts) reads the
// likes of a time window. Swipes are only ever appended, so their created_at
// follows their place on disk: a BRIN index answers the window for a few pages
// of index and costs next to nothing on the hottest insert path.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX swipes_created_at_brin ON swipes USING brin (created_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS swipes_created_at_brin');
}
