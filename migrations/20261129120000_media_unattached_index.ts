// Media attached to nothing (not a profile photo: position IS NULL; messages
// carry no attachments yet) expire MEDIA_UNATTACHED_TTL_S after upload. The
// moderation worker's expiry sweep asks for the oldest of them across all
// users; this partial index holds only those rows, so each pass reads just
// what it removes instead of scanning every photo.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX media_unattached_created_at_idx ON media (created_at) WHERE position IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS media_unattached_created_at_idx');
}
