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
   * Creates or refreshes the user from Telegram's fields, opens a session and
   * stores its first refresh token, in one statement: this is the hot path of
   * every login (one round trip, one commit). Returns nothing for a banned user
   * (the upsert's WHERE leaves the row alone, so no session follows).
   * `xmax = 0` tells a freshly inserted row from an updated one.
   */
  async login(u: TelegramUser, s: { userAgent: string | null; ip: string | null; refreshHash: string; ttlS: number }): Promise<LoginRow | undefined> {
    const { rows } = await this.db.raw<{ rows: LoginRow[] }>(
      `WITH u AS (
         INSERT INTO users (telegram_id, first_name, last_name, username, language_code, photo_url, is_premium, last_active_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, now())
         ON CONFLICT (telegram_id) DO UPDATE SET
           first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, username = EXCLUDED.username,
           language_code = EXCLUDED.language_code, photo_url = EXCLUDED.photo_url, is_premium = EXCLUDED.is_premium,
           last_active_at = now(), updated_at = now()
         WHERE users.banned_at IS NULL
         RETURNING id, first_name, username, (xmax = 0) AS is_new
       ), s AS (
         INSERT INTO sessions (user_id, user_agent, ip, expires_at)
         SELECT id, ?, ?, now() + make_interval(secs => ?) FROM u
         RETURNING id, user_id, expires_at
       ), t AS (
         INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
         SELECT ?, id, expires_at FROM s
       )
       SELECT u.id, u.first_name, u.username, u.is_new, s.id AS session_id FROM u JOIN s ON s.user_id = u.id`,
      [
        u.id,
        u.first_name,
        u.last_name ?? null,
        u.username ?? null,
        u.language_code ?? null,
        u.photo_url ?? null,
        u.is_premium ?? false,
        s.userAgent,
        s.ip,
        s.ttlS,
        s.refreshHash,
      ],
    );
    return rows[0];
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
