// Media: files are content-addressed, so rows with the same SHA-256 share
// their files. Deleting one looks up the others by hash before removing any
// file, and serving a variant looks up approved rows by the original's hash.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX media_sha256_idx ON media (sha256)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS media_sha256_idx');
}
