// One report per reporter per message ("does this bother you?" is one tap; a
// retried tap finds the report it made).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE UNIQUE INDEX reports_message_reporter_uniq ON reports (reporter_id, message_id) WHERE message_id IS NOT NULL`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`DROP INDEX IF EXISTS reports_message_reporter_uniq`);
}
