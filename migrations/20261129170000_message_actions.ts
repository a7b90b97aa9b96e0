// Message actions (replies, reactions, edits, unsend) and the safety moments
// around first messages (issue 19).
// - Edits, reactions and deletions do not take a message seq (seq stays the
//   gapless message stream): each bumps the conversation's own change cursor,
//   last_change_seq, and stamps the message with it (messages.change_seq), so
//   a client catches up with "messages changed after my cursor".
// - An unsent message keeps its row and seq (body NULL, deleted_at set): the
//   history shows a placeholder, never a gap.
// - flagged: the sender confirmed a message the offensive-language filter
//   flagged (counted per sender for moderators; the recipient is asked).
// - reports gain the evidence of a reported message and a priority.
// Every column added is nullable or has a constant default: no table rewrite.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE messages
      ALTER COLUMN body DROP NOT NULL,
      ADD COLUMN reply_to_seq integer,
      ADD COLUMN edited_at timestamptz,
      ADD COLUMN deleted_at timestamptz,
      ADD COLUMN change_seq integer NOT NULL DEFAULT 0,
      ADD COLUMN flagged boolean NOT NULL DEFAULT false`);
  await knex.raw(`ALTER TABLE conversations ADD COLUMN last_change_seq integer NOT NULL DEFAULT 0`);
  // Catch-up of changes: only changed messages are indexed.
  await knex.raw(`CREATE INDEX messages_changes ON messages (conversation_id, change_seq) WHERE change_seq > 0`);
  // A sender's recent openers (seq 1 is always a conversation's first message).
  await knex.raw(`CREATE INDEX messages_openers ON messages (sender_id, created_at) WHERE seq = 1`);
  // Confirmed flagged messages per sender, for moderators.
  await knex.raw(`CREATE INDEX messages_flagged ON messages (sender_id) WHERE flagged`);
  await knex.raw(`
    CREATE TABLE message_reactions (
      message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      emoji text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (message_id, user_id)
    )`);
  // "Delete for me": the message stays for the peer.
  await knex.raw(`
    CREATE TABLE message_hidden (
      message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      PRIMARY KEY (message_id, user_id)
    )`);
  // The client_id of each edit or reaction applied: a retry finds its key and applies nothing.
  await knex.raw(`
    CREATE TABLE message_action_keys (
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      client_id varchar(64) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, client_id)
    )`);
  await knex.raw(`
    ALTER TABLE reports
      ADD COLUMN message_id uuid REFERENCES messages(id) ON DELETE SET NULL,
      ADD COLUMN evidence jsonb,
      ADD COLUMN priority smallint NOT NULL DEFAULT 0`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE reports DROP COLUMN message_id, DROP COLUMN evidence, DROP COLUMN priority`);
  await knex.raw(`DROP TABLE IF EXISTS message_action_keys`);
  await knex.raw(`DROP TABLE IF EXISTS message_hidden`);
  await knex.raw(`DROP TABLE IF EXISTS message_reactions`);
  await knex.raw(`DROP INDEX IF EXISTS messages_flagged`);
  await knex.raw(`DROP INDEX IF EXISTS messages_openers`);
  await knex.raw(`DROP INDEX IF EXISTS messages_changes`);
  await knex.raw(`ALTER TABLE conversations DROP COLUMN last_change_seq`);
  await knex.raw(`DELETE FROM messages WHERE body IS NULL`);
  await knex.raw(`
    ALTER TABLE messages
      ALTER COLUMN body SET NOT NULL,
      DROP COLUMN reply_to_seq, DROP COLUMN edited_at, DROP COLUMN deleted_at,
      DROP COLUMN change_seq, DROP COLUMN flagged`);
}
