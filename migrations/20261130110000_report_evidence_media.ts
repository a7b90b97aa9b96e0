// A report of a chat message with a photo or voice note keeps that media as
// evidence (reports.evidence_media_id): moderators can see or hear it
// (GET /admin/media/{id}/{variant}) even after the sender unsends the
// message, and the expiry sweep leaves it alone while the report is open.
// Deleting the media (the owner's account purge) still takes it (SET NULL).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE reports ADD COLUMN evidence_media_id uuid REFERENCES media(id) ON DELETE SET NULL');
  // The sweep's "still evidence?" probe, and the FK's ON DELETE probe.
  await knex.raw('CREATE INDEX reports_evidence_media_idx ON reports (evidence_media_id) WHERE evidence_media_id IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS reports_evidence_media_idx');
  await knex.raw('ALTER TABLE reports DROP COLUMN evidence_media_id');
}
