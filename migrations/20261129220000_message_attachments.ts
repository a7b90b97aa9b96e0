// A chat message may carry one photo or voice note (shared/media-attachment.ts):
// the media row it points at, and whether the photo arrives blurred (its NSFW
// score was above CHAT_NSFW_BLUR_ABOVE when it was sent). A media item deleted
// by its owner takes the attachment with it (SET NULL), the message stays.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (t) => {
    t.uuid('attachment_media_id').nullable().references('id').inTable('media').onDelete('SET NULL');
    t.boolean('attachment_blurred').notNullable().defaultTo(false);
  });
  // The FK's ON DELETE probe (a media delete must not scan the messages).
  await knex.raw('CREATE INDEX messages_attachment_media_idx ON messages (attachment_media_id) WHERE attachment_media_id IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS messages_attachment_media_idx');
  await knex.schema.alterTable('messages', (t) => {
    t.dropColumn('attachment_blurred');
    t.dropColumn('attachment_media_id');
  });
}
