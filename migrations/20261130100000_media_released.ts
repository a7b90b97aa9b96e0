// Unsend takes a message's attachment away (realtime/chat/repo.ts). Once no
// message carries the media any more it is released: it stays hidden from
// others like any media sent in chat (in_chat is kept), and the moderation
// worker's next expiry sweep removes the row and its files, instead of
// MEDIA_UNATTACHED_TTL_S after the upload.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('media', (t) => {
    t.timestamp('released_at', { useTz: true }).nullable();
  });
  await knex.raw('CREATE INDEX media_released_idx ON media (released_at) WHERE released_at IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS media_released_idx');
  await knex.schema.alterTable('media', (t) => {
    t.dropColumn('released_at');
  });
}
