// The rules of auth: who may log in, how tokens rotate, when a session dies.
import crypto from 'node:crypto';
import type { Config } from '../../shared/config.js';
import { AppError } from '../../shared/errors.js';
import type { AccessClaims } from '../../shared/jwt.js';
import { signAccessToken } from '../../shared/jwt.js';
import type { Logger } from '../../shared/logger.js';
import { enqueue } from '../../shared/outbox/enqueue.js';
import type { RateLimit } from '../../shared/rate-limit.js';
import type { SessionRevocations } from '../../shared/revocation.js';
import { devInitData, validateInitData, type TelegramUser, type ValidatedInitData } from './init-data.js';
import type { LoginWriter } from './login-writer.js';
import { validateLoginWidget } from './login-widget.js';
import type { AuthRepo } from './repo.js';
import type { TokenPair } from '../../shared/contract/auth.js';

export interface AuthServiceDeps {
  /** Applies a start parameter that is a referral, for a new user (api/telegram/referrals.ts). */
  referral?: (startParam: string, userId: string) => Promise<unknown>;
  config: Config;
  logger: Logger;
  repo: AuthRepo;
  /** Stores logins in group-commit batches. */
  logins: LoginWriter;
  revocations: SessionRevocations;
  /** Per user, on POST /auth/refresh. */
  refreshLimit: RateLimit;
  /** Per Telegram id, on POST /auth/token and /auth/telegram-login: leaked login data mints only so many sessions. */
  tokenLimit: RateLimit;
}

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** POST /auth/token and /auth/refresh answer the contract's token pair. */
export type TokenResponse = TokenPair;

/** Why a session was revoked (the `reason` of session.revoked). */
export type RevokeReason = 'logout' | 'deleted' | 'refresh_token_reuse';

const newRefreshToken = () => crypto.randomBytes(32).toString('base64url');
const hashOf = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  private check(initData: string): ValidatedInitData {
    const { config } = this.deps;
    const { botId, publicKey } = config.telegram;
    return validateInitData(initData, {
      botToken: config.telegram.botToken,
      maxAgeS: config.auth.maxAgeS,
      thirdParty: botId && publicKey ? { botId, publicKey } : undefined,
    });
  }

  validate(initData: string) {
    const { user, authDate, fields } = this.check(initData);
    const extra = Object.fromEntries(
      ['query_id', 'start_param', 'chat_type', 'chat_instance'].filter((k) => fields[k] !== undefined).map((k) => [k, fields[k]]),
    );
    return { valid: true as const, user, auth_date: new Date(authDate * 1000).toISOString(), ...extra };
  }

  private tokens(userId: string, sessionId: string, refreshToken: string, user: TokenResponse['user']): TokenResponse {
    const { jwt } = this.deps.config;
    return {
      access_token: signAccessToken(jwt, { userId, sessionId }),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: jwt.accessTtlS,
      user,
    };
  }

  /** Checks init data, creates or updates the user, opens a session. */
  async login(initData: string, client: ClientInfo): Promise<TokenResponse> {
    const { user, fields } = this.check(initData);
    return this.openSession(user, client, 'init_data', fields.start_param);
  }

  /**
   * The Telegram Login Widget's login (a plain browser, outside the Mini App):
   * the same user and the same session as init data would give. Open to every
   * user, not only admins: it proves the same Telegram identity, and every
   * admin route keeps its own ADMIN_TELEGRAM_IDS rule.
   */
  async loginWithWidget(body: Record<string, string | undefined>, client: ClientInfo): Promise<TokenResponse> {
    const { config } = this.deps;
    // The fields Telegram sent, and only those: the hash covers exactly them.
    const fields = Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => e[1] !== undefined));
    const { user } = validateLoginWidget(fields, { botToken: config.telegram.botToken, maxAgeS: config.auth.maxAgeS });
    return this.openSession(user, client, 'login_widget');
  }

  /** Creates or updates the user Telegram vouched for and opens a session (every login's one way in). */
  private async openSession(user: TelegramUser, client: ClientInfo, via: 'init_data' | 'login_widget', startParam?: string): Promise<TokenResponse> {
    // Counted only for data that validates: forged data cannot spend someone else's logins.
    await this.deps.tokenLimit.consume(String(user.id));
    const refreshToken = newRefreshToken();
    const row = await this.deps.logins.login({ user, ...client, sessionId: crypto.randomUUID(), refreshHash: hashOf(refreshToken) });
    if (!row) throw AppError.forbidden('This account is banned');
    this.deps.logger.info({ user_id: row.id, session_id: row.session_id, is_new: row.is_new, via }, 'login');
    // A new user who came through a referral link (startapp=r_<code>).
    if (row.is_new && startParam) await this.deps.referral?.(startParam, row.id);
    return this.tokens(row.id, row.session_id, refreshToken, {
      id: row.id,
      first_name: row.first_name,
      username: row.username,
      is_new: row.is_new,
    });
  }

  /** Spends a refresh token for a new pair; a spent one presented again kills its session. */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    const { repo, config } = this.deps;
    const hash = hashOf(refreshToken);
    const state = await repo.refreshTokenState(hash);
    if (!state) throw AppError.unauthorized('Invalid refresh token');
    await this.deps.refreshLimit.consume(state.user_id);
    if (state.used_at) return this.reuse(state.session_id);
    if (state.session_revoked_at || state.session_expires_at <= new Date()) throw AppError.unauthorized('Session has ended');
    if (state.banned_at) throw AppError.unauthorized('This account is banned');
    if (state.expires_at <= new Date()) throw AppError.unauthorized('Refresh token expired');

    const next = newRefreshToken();
    const r = await repo.rotate(hash, hashOf(next), config.jwt.refreshTtlS);
    switch (r.kind) {
      case 'rotated':
        return this.tokens(r.user.id, state.session_id, next, { ...r.user, is_new: false });
      case 'spent':
        // Lost the race to another presentation of the same token: that is reuse too.
        return this.reuse(state.session_id);
      case 'session_gone':
        throw AppError.unauthorized('Session has ended');
      case 'banned':
        throw AppError.unauthorized('This account is banned');
    }
  }

  private async reuse(sessionId: string): Promise<never> {
    const userId = await this.revoke(sessionId, 'refresh_token_reuse');
    if (userId) {
      this.deps.logger.warn({ session_id: sessionId, user_id: userId }, 'refresh token reused; session revoked');
      await this.deps.revocations.revoke([sessionId]);
    }
    throw AppError.unauthorized('Refresh token already used; the session has been revoked');
  }

  /**
   * Revokes the session and enqueues `session.revoked` with it (the socket tier
   * disconnects it); the caller then refuses its access tokens everywhere at once
   * (the revocation list).
   */
  private revoke(sessionId: string, reason: RevokeReason, ownerId?: string): Promise<string | undefined> {
    return this.deps.repo.revokeSession(sessionId, reason, ownerId, (trx, userId) =>
      enqueue(trx, { type: 'session.revoked', payload: { session_id: sessionId, user_id: userId, reason } }),
    );
  }

  async sessions(caller: AccessClaims) {
    const rows = await this.deps.repo.liveSessions(caller.userId);
    return {
      sessions: rows.map((s) => ({
        id: s.id,
        created_at: s.created_at.toISOString(),
        last_used_at: s.last_used_at.toISOString(),
        user_agent: s.user_agent,
        current: s.id === caller.sessionId,
      })),
    };
  }

  /** Ends one of the caller's sessions; anyone else's is 404 (as if it did not exist). */
  async deleteSession(caller: AccessClaims, sessionId: string, reason: RevokeReason = 'deleted'): Promise<void> {
    const userId = await this.revoke(sessionId, reason, caller.userId);
    if (!userId) throw AppError.notFound('No such session');
    this.deps.logger.info({ session_id: sessionId, user_id: userId, reason }, 'session revoked');
    await this.deps.revocations.revoke([sessionId]);
  }

  async logout(caller: AccessClaims): Promise<void> {
    try {
      await this.deleteSession(caller, caller.sessionId, 'logout');
    } catch (err) {
      // Revoked meanwhile by another request: the outcome the caller asked for.
      if (!(err instanceof AppError && err.status === 404)) throw err;
      await this.deps.revocations.revoke([caller.sessionId]);
    }
  }

  /** Development mode only: init data signed with the development bot token. */
  devInitData(user: TelegramUser) {
    const authDate = Math.floor(Date.now() / 1000);
    return { init_data: devInitData(user, this.deps.config.telegram.botToken, authDate), user, auth_date: new Date(authDate * 1000).toISOString() };
  }
}
