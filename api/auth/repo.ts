// SQL of the auth service: users (Telegram identity), sessions and the
// rotation chain of refresh tokens. Auth is the only writer of these tables.
import type { Knex } from '../../shared/db.js';
import type { TelegramUser } from './init-data.js';

export interface LoginRow {
  id: string;
  first_name: string;
  username: string | null;
  is_new: boolean;
  session_id: string;
}

/** One login of a group-commit batch: the session's id is chosen by the caller, so each answer finds its login. */
export interface LoginInput {
  user: TelegramUser;
  sessionId: string;
  userAgent: string | null;
  ip: string | null;
  refreshHash: string;
}

export interface RefreshTokenState {
  session_id: string;
  user_id: string;
  used_at: Date | null;
  expires_at: Date;
  session_revoked_at: Date | null;
  session_expires_at: Date;
  banned_at: Date | null;
}

export type RotateResult =
  | { kind: 'rotated'; user: { id: string; first_name: string; username: string | null } }
  /** Someone else spent the token first (a concurrent reuse) or it expired meanwhile. */
  | { kind: 'spent' }
  | { kind: 'session_gone' }
  | { kind: 'banned' };

export interface SessionRow {
  id: string;
  created_at: Date;
  last_used_at: Date;
  user_agent: string | null;
}

/** Rolls the rotation back (the token stays unspent) and reports why. */
class Undo {
  constructor(readonly result: RotateResult) {}
}

export class AuthRepo {
  constructor(private readonly db: Knex) {}

  /**
   * A group-commit batch of logins in ONE statement (one round trip, one commit
   * for all of them: see login-writer.ts). For each login: creates or refreshes
   * the user from Telegram's fields, opens a session with the given id and
   * stores its first refresh token. Answers in the order of `logins`, nothing
   * for a banned user (the upsert's WHERE leaves the row alone, so no session follows).
   * - ON CONFLICT may touch a row only once per statement: the user rows are one
   *   per Telegram id (the batch's last login of that user carries the fields),
   *   upserted in telegram_id order so concurrent batches lock in one order;
   *   every login still gets a session of its own.
   * - `xmax = 0` tells a freshly inserted row from an updated one; only the
   *   batch's first login of a new user is told it is new, as if one after another.
   */
  async loginBatch(logins: LoginInput[], ttlS: number): Promise<(LoginRow | undefined)[]> {
    // Arrays with null elements (NULL in SQL); knex's binding types know arrays without.
    const col = (k: 'sessionId' | 'userAgent' | 'ip' | 'refreshHash') => logins.map((l) => l[k]) as string[];
    const users = logins.map((l) => l.user);
    const ucol = (k: 'first_name' | 'last_name' | 'username' | 'language_code' | 'photo_url') => users.map((u) => u[k] ?? null) as string[];
    const { rows } = await this.db.raw<{ rows: (LoginRow & { ord: number })[] }>(
      `WITH input AS (
         SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::boolean[], ?::boolean[], ?::uuid[], ?::text[], ?::text[], ?::text[])
           WITH ORDINALITY AS i(telegram_id, first_name, last_name, username, language_code, photo_url, is_premium, allows_write_to_pm, session_id, user_agent, ip, refresh_hash, ord)
       ), latest AS (
         SELECT DISTINCT ON (telegram_id) * FROM input ORDER BY telegram_id, ord DESC
       ), u AS (
         INSERT INTO users (telegram_id, first_name, last_name, username, language_code, photo_url, is_premium, allows_write_to_pm, last_active_at)
         SELECT telegram_id, first_name, last_name, username, language_code, photo_url, is_premium, allows_write_to_pm, now() FROM latest ORDER BY telegram_id
         ON CONFLICT (telegram_id) DO UPDATE SET
           first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, username = EXCLUDED.username,
           -- The login widget does not say the language: a login that does not keeps the one known.
           language_code = COALESCE(EXCLUDED.language_code, users.language_code), photo_url = EXCLUDED.photo_url, is_premium = EXCLUDED.is_premium,
           -- Init data carries allows_write_to_pm only when it is true; a user who wrote to the bot
           -- (workers/bot/) may be written to whatever a later launch says. A block shows as a 403.
           allows_write_to_pm = EXCLUDED.allows_write_to_pm OR users.allows_write_to_pm IS TRUE,
           last_active_at = now(), updated_at = now()
         WHERE users.banned_at IS NULL
         RETURNING id, telegram_id, (xmax = 0) AS is_new
       ), s AS (
         INSERT INTO sessions (id, user_id, user_agent, ip, expires_at)
         SELECT i.session_id, u.id, i.user_agent, i.ip, now() + make_interval(secs => ?) FROM input i JOIN u USING (telegram_id)
         ORDER BY i.ord
         RETURNING id, expires_at
       ), t AS (
         INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
         SELECT i.refresh_hash, s.id, s.expires_at FROM input i JOIN s ON s.id = i.session_id
       )
       SELECT i.ord::int AS ord, u.id, i.first_name, i.username, s.id AS session_id,
              u.is_new AND i.ord = min(i.ord) OVER (PARTITION BY i.telegram_id) AS is_new
         FROM input i JOIN u USING (telegram_id) JOIN s ON s.id = i.session_id`,
      [
        users.map((u) => u.id),
        ucol('first_name'),
        ucol('last_name'),
        ucol('username'),
        ucol('language_code'),
        ucol('photo_url'),
        users.map((u) => u.is_premium ?? false),
        users.map((u) => u.allows_write_to_pm === true),
        col('sessionId'),
        col('userAgent'),
        col('ip'),
        col('refreshHash'),
        ttlS,
      ],
    );
    const out: (LoginRow | undefined)[] = new Array(logins.length).fill(undefined);
    for (const { ord, ...row } of rows) out[ord - 1] = row;
    return out;
  }

  async refreshTokenState(tokenHash: string): Promise<RefreshTokenState | undefined> {
    return this.db('refresh_tokens as rt')
      .join('sessions as s', 's.id', 'rt.session_id')
      .join('users as u', 'u.id', 's.user_id')
      .where('rt.token_hash', tokenHash)
      .first(
        'rt.session_id',
        's.user_id',
        'rt.used_at',
        'rt.expires_at',
        's.revoked_at as session_revoked_at',
        's.expires_at as session_expires_at',
        'u.banned_at',
      );
  }

  /**
   * Spends one refresh token and issues its successor. The conditional UPDATE
   * is the claim: of two concurrent presentations exactly one wins.
   */
  async rotate(oldHash: string, newHash: string, ttlS: number): Promise<RotateResult> {
    try {
      return await this.rotateIn(oldHash, newHash, ttlS);
    } catch (err) {
      if (err instanceof Undo) return err.result;
      throw err;
    }
  }

  private rotateIn(oldHash: string, newHash: string, ttlS: number): Promise<RotateResult> {
    return this.db.transaction(async (trx) => {
      const spent = await trx('refresh_tokens')
        .where({ token_hash: oldHash })
        .whereNull('used_at')
        .where('expires_at', '>', trx.fn.now())
        .update({ used_at: trx.fn.now() })
        .returning(['session_id']);
      if (!spent.length) return { kind: 'spent' } as const;
      const sessionId = spent[0].session_id as string;
      const expiresAt = trx.raw('now() + make_interval(secs => ?)', [ttlS]);
      const [session] = await trx('sessions')
        .where({ id: sessionId })
        .whereNull('revoked_at')
        .where('expires_at', '>', trx.fn.now())
        .update({ last_used_at: trx.fn.now(), expires_at: expiresAt })
        .returning(['user_id']);
      if (!session) throw new Undo({ kind: 'session_gone' });
      const [user] = await trx('users')
        .where({ id: session.user_id })
        .whereNull('banned_at')
        .update({ last_active_at: trx.fn.now() })
        .returning(['id', 'first_name', 'username']);
      if (!user) throw new Undo({ kind: 'banned' });
      await trx('refresh_tokens').insert({ token_hash: newHash, session_id: sessionId, parent_hash: oldHash, expires_at: expiresAt });
      return { kind: 'rotated', user } as const;
    });
  }

  /** Revokes a live session; with `userId`, only one of that user's. Returns the owner, or nothing if there was no such live session. */
  /** Revokes a live session (of `userId`, when given); `announce` runs in the same transaction. Resolves with its user. */
  async revokeSession(
    sessionId: string,
    reason: string,
    userId: string | undefined,
    announce: (trx: Knex.Transaction, userId: string) => Promise<void>,
  ): Promise<string | undefined> {
    return this.db.transaction(async (trx) => {
      const q = trx('sessions').where({ id: sessionId }).whereNull('revoked_at');
      if (userId) q.where({ user_id: userId });
      const [row] = await q.update({ revoked_at: trx.fn.now(), revoke_reason: reason }).returning(['user_id']);
      if (row) await announce(trx, row.user_id);
      return row?.user_id as string | undefined;
    });
  }

  async liveSessions(userId: string): Promise<SessionRow[]> {
    return this.db('sessions')
      .where({ user_id: userId })
      .whereNull('revoked_at')
      .where('expires_at', '>', this.db.fn.now())
      .orderBy('last_used_at', 'desc')
      .select('id', 'created_at', 'last_used_at', 'user_agent');
  }
}
