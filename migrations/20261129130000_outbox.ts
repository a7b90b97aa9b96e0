// The transactional outbox (shared/outbox/): an event is a row written in the
// same transaction as the change it announces, so it exists exactly when the
// change does; the relay moves rows to the bus in id order and deletes them.
// Only unpublished rows live here, so the table stays small: the relay's claim
// walks the primary key from its start. A queue table churns, hence the
// eager autovacuum (dead rows at the head of the key are what a claim skips).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE outbox (
      id bigserial PRIMARY KEY,
      type text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp()
    ) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS outbox');
}
