// A photo or voice note sent in a chat message is attached (the chat marks it
// through shared/media-attachment.ts in its send transaction): the expiry
// sweep of unattached uploads and the per-user unattached quota pass it by.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('media', (t) => {
    t.boolean('in_chat').notNullable().defaultTo(false);
  });
  await knex.raw('DROP INDEX IF EXISTS media_unattached_created_at_idx');
  await knex.raw('CREATE INDEX media_unattached_created_at_idx ON media (created_at) WHERE position IS NULL AND NOT profile_video AND NOT in_chat');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS media_unattached_created_at_idx');
  await knex.raw('CREATE INDEX media_unattached_created_at_idx ON media (created_at) WHERE position IS NULL AND NOT profile_video');
  await knex.schema.alterTable('media', (t) => {
    t.dropColumn('in_chat');
  });
}
