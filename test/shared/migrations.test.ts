import { expect } from 'chai';
import knexFactory, { type Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { createDb, isUniqueViolation, migrationConfig } from '../../shared/db.js';
import { testEnv } from '../helpers/env.js';
import { createMatch } from '../helpers/users.js';

describe('migrations and constraints', function () {
  this.timeout(60_000);
  const name = `${testEnv.databaseName}_mig`;
  let admin: Knex;
  let db: Knex;

  before(async () => {
    admin = knexFactory({ client: 'pg', connection: testEnv.adminDatabaseUrl, pool: { min: 0, max: 1 } });
    await admin.raw(`CREATE DATABASE "${name}"`);
    const u = new URL(testEnv.adminDatabaseUrl);
    u.pathname = `/${name}`;
    db = createDb(u.toString(), 3);
  });
  after(async () => {
    await db.destroy();
    await admin.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.destroy();
  });

  async function tables() {
    const r = await db.raw(`select table_name from information_schema.tables where table_schema = 'public' and table_name not like 'knex_%' order by 1`);
    return r.rows.map((x: { table_name: string }) => x.table_name);
  }

  it('migrates up from empty, down to empty, and up again', async () => {
    await db.migrate.latest(migrationConfig());
    const up = await tables();
    expect(up).to.include.members(['users', 'sessions', 'refresh_tokens', 'profiles', 'media', 'swipes', 'matches', 'conversations', 'conversation_members', 'messages', 'blocks', 'reports']);
    await db.migrate.rollback(migrationConfig(), true);
    expect(await tables()).to.deep.equal([]);
    await db.migrate.latest(migrationConfig());
    expect(await tables()).to.deep.equal(up);
  });

  async function user() {
    const [u] = await db('users').insert({ telegram_id: Math.floor(Math.random() * 1e12) }).returning('id');
    return u.id as string;
  }

  async function rejects(p: Promise<unknown>, check: (err: unknown) => boolean) {
    try {
      await p;
    } catch (err) {
      expect(check(err), String(err)).to.equal(true);
      return;
    }
    throw new Error('expected the database to refuse');
  }

  it('refuses a second match for the same pair, in either order', async () => {
    const [a, b] = [await user(), await user()];
    await db('matches').insert({ user_a: a, user_b: b });
    await rejects(db('matches').insert({ user_a: a, user_b: b }), (e) => isUniqueViolation(e, 'matches_pair_uniq'));
    await rejects(db('matches').insert({ user_a: b, user_b: a }), (e) => isUniqueViolation(e, 'matches_pair_uniq'));
  });

  it('refuses a duplicate seq in a conversation and a duplicate client_msg_id of a sender', async () => {
    const [a, b] = [await user(), await user()];
    const { conversationId } = await createMatch(db, a, b);
    await db('messages').insert({ conversation_id: conversationId, seq: 1, sender_id: a, body: 'hi', client_msg_id: 'c1' });
    await rejects(
      db('messages').insert({ conversation_id: conversationId, seq: 1, sender_id: b, body: 'hey', client_msg_id: 'c9' }),
      (e) => isUniqueViolation(e, 'messages_conversation_seq_uniq'),
    );
    await rejects(
      db('messages').insert({ conversation_id: conversationId, seq: 2, sender_id: a, body: 'again', client_msg_id: 'c1' }),
      (e) => isUniqueViolation(e, 'messages_sender_client_msg_uniq'),
    );
  });

  it('refuses a second swipe on the same target and a self-swipe', async () => {
    const [a, b] = [await user(), await user()];
    await db('swipes').insert({ swiper_id: a, target_id: b, action: 'like' });
    await rejects(db('swipes').insert({ swiper_id: a, target_id: b, action: 'pass' }), (e) => isUniqueViolation(e, 'swipes_pair_uniq'));
    await rejects(db('swipes').insert({ swiper_id: a, target_id: a, action: 'like' }), (e) => (e as { code?: string }).code === '23514');
  });

  it('refuses a duplicate Telegram id', async () => {
    const tg = Math.floor(Math.random() * 1e12);
    await db('users').insert({ telegram_id: tg });
    await rejects(db('users').insert({ telegram_id: tg }), (e) => isUniqueViolation(e));
  });

  it('gives users opaque UUIDs', async () => {
    const id = await user();
    expect(id).to.match(/^[0-9a-f-]{36}$/);
    expect(id).not.to.equal(randomUUID());
  });
});
