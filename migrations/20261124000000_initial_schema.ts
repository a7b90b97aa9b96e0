// The whole schema of the contract. Owners (the only writers) in brackets:
// users, sessions, refresh_tokens [auth]; profiles [profile]; media [media + moderation worker];
// swipes, blocks, reports [discovery]; matches, conversations, conversation_members
// [discovery + matching worker]; messages and read positions [realtime/chat].
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.bigInteger('telegram_id').notNullable().unique();
    t.string('first_name', 256).notNullable().defaultTo('');
    t.string('last_name', 256);
    t.string('username', 64);
    t.string('language_code', 16);
    t.text('photo_url');
    t.boolean('is_premium').notNullable().defaultTo(false);
    t.timestamp('banned_at', { useTz: true });
    t.text('ban_reason');
    t.timestamp('last_active_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamps(true, true);
  });

  await knex.schema.createTable('sessions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('user_agent', 512);
    t.string('ip', 64);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.string('revoke_reason', 64);
    t.index(['user_id', 'revoked_at']);
  });

  // One row per refresh token ever issued: the rotation chain of a session.
  // Only a SHA-256 of the token is stored. A token presented twice (used_at set)
  // is reuse and revokes the session.
  await knex.schema.createTable('refresh_tokens', (t) => {
    t.string('token_hash', 64).primary();
    t.uuid('session_id').notNullable().references('sessions.id').onDelete('CASCADE');
    t.string('parent_hash', 64);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.index(['session_id']);
  });

  await knex.schema.createTable('profiles', (t) => {
    t.uuid('user_id').primary().references('users.id').onDelete('CASCADE');
    t.string('display_name', 64).notNullable();
    t.date('birthdate').notNullable();
    t.string('gender', 16).notNullable();
    t.string('bio', 500).notNullable().defaultTo('');
    t.specificType('interests', 'text[]').notNullable().defaultTo('{}');
    t.specificType('looking_for', 'text[]').notNullable().defaultTo('{}');
    t.smallint('age_min').notNullable().defaultTo(18);
    t.smallint('age_max').notNullable().defaultTo(100);
    t.smallint('max_distance_km').notNullable().defaultTo(50);
    t.double('lat');
    t.double('lon');
    t.string('visibility', 16).notNullable().defaultTo('visible');
    t.jsonb('settings').notNullable().defaultTo('{}');
    t.string('goal', 16);
    t.specificType('goals', 'text[]');
    t.smallint('height_cm');
    t.string('education', 32);
    t.string('children', 32);
    t.string('smoking', 32);
    t.string('drinking', 32);
    t.timestamps(true, true);
    t.index(['visibility', 'gender']);
    t.index(['lat', 'lon']);
  });
  await knex.raw(`ALTER TABLE profiles ADD CONSTRAINT profiles_gender_check CHECK (gender IN ('man','woman','nonbinary'))`);
  await knex.raw(`ALTER TABLE profiles ADD CONSTRAINT profiles_visibility_check CHECK (visibility IN ('visible','hidden','paused'))`);
  await knex.raw(`ALTER TABLE profiles ADD CONSTRAINT profiles_age_range_check CHECK (age_min >= 18 AND age_max <= 100 AND age_min <= age_max)`);

  await knex.schema.createTable('media', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('owner_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('status', 16).notNullable().defaultTo('pending');
    t.string('mime', 64).notNullable();
    t.integer('size').notNullable();
    t.integer('width');
    t.integer('height');
    t.string('sha256', 64).notNullable();
    t.text('original_key').notNullable();
    t.jsonb('variants'); // {thumb: {key, width, height}, medium: ..., large: ...}
    t.jsonb('nsfw_scores');
    t.float('nsfw_score');
    t.string('reject_reason', 64);
    // Set while the media is one of the owner's profile photos.
    t.smallint('position');
    t.timestamp('moderated_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['owner_id', 'created_at']);
    t.index(['status', 'created_at']);
  });
  await knex.raw(`ALTER TABLE media ADD CONSTRAINT media_status_check CHECK (status IN ('pending','approved','rejected','review'))`);
  await knex.raw(`CREATE UNIQUE INDEX media_owner_position_uniq ON media (owner_id, position) WHERE position IS NOT NULL`);

  await knex.schema.createTable('swipes', (t) => {
    t.bigIncrements('id');
    t.uuid('swiper_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('target_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('action', 16).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['swiper_id', 'target_id'], { indexName: 'swipes_pair_uniq' });
    t.index(['target_id', 'action']);
    t.index(['swiper_id', 'created_at']);
  });
  await knex.raw(`ALTER TABLE swipes ADD CONSTRAINT swipes_action_check CHECK (action IN ('like','pass','superlike'))`);
  await knex.raw(`ALTER TABLE swipes ADD CONSTRAINT swipes_not_self CHECK (swiper_id <> target_id)`);

  await knex.schema.createTable('matches', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_a').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('user_b').notNullable().references('users.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('ended_at', { useTz: true });
    t.string('ended_reason', 16);
    t.uuid('ended_by');
    t.index(['user_a']);
    t.index(['user_b']);
  });
  await knex.raw(`ALTER TABLE matches ADD CONSTRAINT matches_not_self CHECK (user_a <> user_b)`);
  // One row per unordered pair, whichever order it is written in.
  await knex.raw(`CREATE UNIQUE INDEX matches_pair_uniq ON matches (LEAST(user_a, user_b), GREATEST(user_a, user_b))`);

  await knex.schema.createTable('conversations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('match_id').notNullable().unique().references('matches.id').onDelete('CASCADE');
    // Last seq handed out; bumped in the message's insert transaction (row lock = gapless order).
    t.integer('last_seq').notNullable().defaultTo(0);
    t.timestamp('last_message_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('closed_at', { useTz: true });
  });

  await knex.schema.createTable('conversation_members', (t) => {
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.integer('last_read_seq').notNullable().defaultTo(0);
    t.primary(['conversation_id', 'user_id']);
    t.index(['user_id']);
  });

  await knex.schema.createTable('messages', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('conversation_id').notNullable().references('conversations.id').onDelete('CASCADE');
    t.integer('seq').notNullable();
    t.uuid('sender_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('body').notNullable();
    t.string('client_msg_id', 64).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['conversation_id', 'seq'], { indexName: 'messages_conversation_seq_uniq' });
    t.unique(['sender_id', 'client_msg_id'], { indexName: 'messages_sender_client_msg_uniq' });
  });

  await knex.schema.createTable('blocks', (t) => {
    t.uuid('blocker_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('blocked_id').notNullable().references('users.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['blocker_id', 'blocked_id']);
    t.index(['blocked_id']);
  });

  await knex.schema.createTable('reports', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('reporter_id').notNullable().references('users.id').onDelete('CASCADE');
    t.uuid('target_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('reason', 32).notNullable();
    t.string('details', 1000);
    t.string('status', 16).notNullable().defaultTo('open');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('reviewed_at', { useTz: true });
    t.uuid('reviewed_by');
    t.index(['status', 'created_at']);
    t.index(['target_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'reports',
    'blocks',
    'messages',
    'conversation_members',
    'conversations',
    'matches',
    'swipes',
    'media',
    'profiles',
    'refresh_tokens',
    'sessions',
    'users',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
