// Admin audit log [admin] and the offline-notification outbox [notifications worker].
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Append-only: who did what to which target, and when. No foreign keys on
  // purpose: the record must outlive the admin and the target it names.
  await knex.schema.createTable('admin_audit', (t) => {
    t.bigIncrements('id');
    t.uuid('admin_user_id').notNullable();
    t.string('action', 32).notNullable();
    t.string('target_type', 16).notNullable();
    t.uuid('target_id').notNullable();
    t.jsonb('details').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['created_at']);
    t.index(['target_id', 'created_at']);
    t.index(['admin_user_id', 'created_at']);
  });

  // What an offline user has not been told yet, one row per thing (a message,
  // a match, a like, a moderator's warning), so a redelivered event adds nothing twice.
  await knex.schema.createTable('notification_pending', (t) => {
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('kind', 16).notNullable(); // message | match | like | superlike | warning
    t.string('ref_id', 64).notNullable(); // message id, match id, swipe id, report id
    t.uuid('actor_id');
    t.uuid('conversation_id');
    t.integer('seq');
    t.string('note', 500);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['user_id', 'kind', 'ref_id']);
  });

  // Per user: when the pending things are due to be sent (null: nothing
  // pending), when the last bot message went out (the interval counts from
  // it), and how many sends in a row failed.
  await knex.schema.createTable('notification_state', (t) => {
    t.uuid('user_id').primary().references('users.id').onDelete('CASCADE');
    t.timestamp('due_at', { useTz: true });
    t.timestamp('last_sent_at', { useTz: true });
    t.integer('failures').notNullable().defaultTo(0);
  });
  await knex.raw('CREATE INDEX notification_state_due_idx ON notification_state (due_at) WHERE due_at IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('notification_state');
  await knex.schema.dropTableIfExists('notification_pending');
  await knex.schema.dropTableIfExists('admin_audit');
}
