// Video clips and voice notes (issue 18): a media row says what kind it is,
// how long it lasts, and a voice note keeps its waveform (about 64 peaks,
// 0..1) for clients to draw. A profile has at most one clip: the row marked
// profile_video, at most one per owner. A profile clip is attached, so the
// expiry sweep of unattached uploads passes it by (its partial index is made
// again with that condition).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('media', (t) => {
    t.text('kind').notNullable().defaultTo('image');
    t.double('duration_s').nullable();
    t.jsonb('waveform').nullable();
    t.boolean('profile_video').notNullable().defaultTo(false);
  });
  await knex.raw(`ALTER TABLE media ADD CONSTRAINT media_kind_check CHECK (kind IN ('image','video','voice'))`);
  await knex.raw(`ALTER TABLE media ADD CONSTRAINT media_profile_video_kind_check CHECK (NOT profile_video OR kind = 'video')`);
  await knex.raw('CREATE UNIQUE INDEX media_profile_video_uniq ON media (owner_id) WHERE profile_video');
  await knex.raw('DROP INDEX IF EXISTS media_unattached_created_at_idx');
  await knex.raw('CREATE INDEX media_unattached_created_at_idx ON media (created_at) WHERE position IS NULL AND NOT profile_video');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS media_unattached_created_at_idx');
  await knex.raw('CREATE INDEX media_unattached_created_at_idx ON media (created_at) WHERE position IS NULL');
  await knex.raw('DROP INDEX IF EXISTS media_profile_video_uniq');
  await knex.schema.alterTable('media', (t) => {
    t.dropChecks(['media_kind_check', 'media_profile_video_kind_check']);
    t.dropColumns('kind', 'duration_s', 'waveform', 'profile_video');
  });
}
