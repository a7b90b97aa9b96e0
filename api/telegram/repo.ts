// The webhook's SQL: the updates seen, by update_id.
import type { Knex } from 'knex';

/** Records an update once; false when it was seen before (a redelivery). */
export async function recordUpdate(trx: Knex.Transaction, updateId: number): Promise<boolean> {
  const rows = await trx('telegram_updates').insert({ update_id: updateId }).onConflict('update_id').ignore().returning('update_id');
  return rows.length > 0;
}
