// Users and sessions made directly in the database, for tests of services
// other than auth (auth's own tests go through its HTTP routes).
import type { Knex } from 'knex';
import type { Config } from '../../shared/config.js';
import { signAccessToken } from '../../shared/jwt.js';
import { uniqueTelegramId } from './env.js';

export interface TestUser {
  id: string;
  telegramId: number;
  sessionId: string;
  token: string;
}

export async function createUser(db: Knex, config: Pick<Config, 'jwt'>, fields: { firstName?: string; telegramId?: number } = {}): Promise<TestUser> {
  const telegramId = fields.telegramId ?? uniqueTelegramId();
  const [user] = await db('users').insert({ telegram_id: telegramId, first_name: fields.firstName ?? 'Test' }).returning(['id']);
  const session = await newSession(db, config, user.id);
  return { id: user.id, telegramId, ...session };
}

/** Another device of the same user: a new session and its token. */
export async function newSession(db: Knex, config: Pick<Config, 'jwt'>, userId: string) {
  const [s] = await db('sessions')
    .insert({ user_id: userId, expires_at: new Date(Date.now() + config.jwt.refreshTtlS * 1000), user_agent: 'test' })
    .returning(['id']);
  return { sessionId: s.id as string, token: signAccessToken(config.jwt, { userId, sessionId: s.id }) };
}

/** A live match between two users with its conversation, as the matching worker makes it. */
export async function createMatch(db: Knex, a: string, b: string): Promise<{ matchId: string; conversationId: string }> {
  const [userA, userB] = a < b ? [a, b] : [b, a];
  return db.transaction(async (trx) => {
    const [m] = await trx('matches').insert({ user_a: userA, user_b: userB }).returning(['id']);
    const [c] = await trx('conversations').insert({ match_id: m.id }).returning(['id']);
    await trx('conversation_members').insert([
      { conversation_id: c.id, user_id: a },
      { conversation_id: c.id, user_id: b },
    ]);
    return { matchId: m.id as string, conversationId: c.id as string };
  });
}

/** Two users with a live match and its conversation. */
export async function matchedPair(db: Knex, config: Pick<Config, 'jwt'>) {
  const a = await createUser(db, config);
  const b = await createUser(db, config);
  const { matchId, conversationId } = await createMatch(db, a.id, b.id);
  return { a, b, matchId, conversationId };
}
