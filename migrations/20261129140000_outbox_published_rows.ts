// Published outbox rows stay for a while (OUTBOX_RETENTION_S), marked with when
// and into which generation of the bus they went. A Redis that comes back empty
// has lost the entries it held but its consumers had not yet handled; the
// relay that notices puts that generation's rows back in line (relay.ts).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE outbox ADD COLUMN published_at timestamptz, ADD COLUMN published_generation text');
  // The claim walks only what waits; the pruning and the replay read only what went out.
  await knex.raw('CREATE INDEX outbox_waiting_idx ON outbox (id) WHERE published_at IS NULL');
  await knex.raw('CREATE INDEX outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS outbox_published_idx');
  await knex.raw('DROP INDEX IF EXISTS outbox_waiting_idx');
  await knex.raw('ALTER TABLE outbox DROP COLUMN IF EXISTS published_generation, DROP COLUMN IF EXISTS published_at');
}
