// Who has been shown whom in candidate lists, and on which (UTC) day last.
// Two rules rest on it: a profile's impression counter (the popularity cap)
// goes up at most once per viewer and day, so requesting the same page again
// and again cannot push chosen people over the cap and hide them; and a
// report is accepted only about someone the reporter has seen.
// One row per pair, its day moved forward on a later showing, so the table
// grows with the pairs shown (as swipes do), not with requests.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('candidate_views', (t) => {
    t.uuid('viewer_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('candidate_id').notNullable().references('users.id').onDelete('CASCADE');
    t.date('day').notNullable();
    t.primary(['viewer_id', 'candidate_id']);
    // For the cascade when a candidate's user row goes.
    t.index(['candidate_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('candidate_views');
}
