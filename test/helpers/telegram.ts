// Telegram init data and logins for tests. The signing here is written apart
// from api/auth/init-data.ts on purpose, so a mistake in one does not hide
// the same mistake in the other (Telegram's published vectors pin both).
import crypto, { type KeyObject } from 'node:crypto';
import { DEV_BOT_TOKEN } from '../../shared/config.js';

/**
 * Admin ids are ignored in development mode (anyone can sign init data there),
 * so a test that needs an admin runs with a bot token. It is the development
 * token on purpose: signInitData() keeps signing with it, and NODE_ENV=test is
 * not production (where this token is refused).
 */
export const ADMIN_CAPABLE_ENV = {
  BOT_TOKEN: DEV_BOT_TOKEN,
  JWT_SECRET: 'the-admin-capable-test-secret-0123456789',
} as const;

export interface TgUser {
  id: number;
  first_name: string;
  username?: string;
  last_name?: string;
  language_code?: string;
  is_premium?: boolean;
  photo_url?: string;
  [field: string]: unknown;
}

export interface SignOptions {
  /** Defaults to the development bot token (what testConfig() runs with). */
  botToken?: string;
  /** Seconds since the epoch; defaults to now. */
  authDate?: number;
  /** More fields (query_id, start_param, chat_type …) or overrides. */
  extra?: Record<string, string>;
  /** Adds Telegram's third-party Ed25519 `signature`, made with this key. */
  ed25519?: { botId: number; privateKey: KeyObject };
}

function checkString(fields: Record<string, string>, skip: string[]): string {
  return Object.entries(fields)
    .filter(([k]) => !skip.includes(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

/** Signs arbitrary fields (a `hash` among them is replaced). */
export function signFields(fields: Record<string, string>, botToken = DEV_BOT_TOKEN): string {
  const unsigned = { ...fields };
  delete unsigned.hash;
  const secret = crypto.createHmac('sha256', 'WebAppData').update(botToken).digest();
  const hash = crypto.createHmac('sha256', secret).update(checkString(unsigned, [])).digest('hex');
  return new URLSearchParams({ ...unsigned, hash }).toString().replace(/\+/g, '%20');
}

/** The Ed25519 signature Telegram adds for third parties (base64url, no padding). */
export function ed25519Signature(fields: Record<string, string>, botId: number, privateKey: KeyObject): string {
  const text = `${botId}:WebAppData\n${checkString(fields, ['hash', 'signature'])}`;
  return crypto.sign(null, Buffer.from(text), privateKey).toString('base64url');
}

/** Init data as the WebApp would get it for `user`. */
export function signInitData(user: TgUser, opts: SignOptions = {}): string {
  const fields: Record<string, string> = {
    query_id: `AAH${crypto.randomBytes(9).toString('base64url')}`,
    user: JSON.stringify(user),
    auth_date: String(opts.authDate ?? Math.floor(Date.now() / 1000)),
    ...opts.extra,
  };
  if (opts.ed25519) fields.signature = ed25519Signature(fields, opts.ed25519.botId, opts.ed25519.privateKey);
  return signFields(fields, opts.botToken);
}

/** A fresh Ed25519 key pair and its public key in TELEGRAM_PUBLIC_KEY form (64 hex). */
export function ed25519KeyPair(): { privateKey: KeyObject; publicKeyHex: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const x = publicKey.export({ format: 'jwk' }).x as string;
  return { privateKey, publicKeyHex: Buffer.from(x, 'base64url').toString('hex') };
}

/** A client address per call, so many logins from one test run stay under the per-IP limit. */
export function randomClientIp(): string {
  const b = crypto.randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

export interface Login {
  access_token: string;
  refresh_token: string;
  user: { id: string; first_name: string; username: string | null; is_new: boolean };
}

/** Logs `user` in through POST /auth/token (as a distinct client IP) and returns the token pair. */
export async function loginViaApi(baseUrl: string, user: TgUser, opts: SignOptions & { ip?: string } = {}): Promise<Login> {
  const res = await fetch(`${baseUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': opts.ip ?? randomClientIp() },
    body: JSON.stringify({ init_data: signInitData(user, opts) }),
  });
  const body = (await res.json()) as Login;
  if (res.status !== 200) throw new Error(`login of ${user.id} failed: ${res.status} ${JSON.stringify(body)}`);
  return { access_token: body.access_token, refresh_token: body.refresh_token, user: body.user };
}

/**
 * The Telegram Login Widget's fields for `user` as its login link puts them in
 * the query (strings), signed per Telegram: HMAC-SHA256 under SHA-256(bot token).
 */
export function signLoginWidget(user: TgUser, opts: { botToken?: string; authDate?: number; extra?: Record<string, string> } = {}): Record<string, string> {
  const fields: Record<string, string> = { id: String(user.id), first_name: user.first_name, auth_date: String(opts.authDate ?? Math.floor(Date.now() / 1000)) };
  for (const k of ['last_name', 'username', 'photo_url'] as const) if (user[k] !== undefined) fields[k] = String(user[k]);
  Object.assign(fields, opts.extra);
  const key = crypto.createHash('sha256').update(opts.botToken ?? DEV_BOT_TOKEN).digest();
  return { ...fields, hash: crypto.createHmac('sha256', key).update(checkString(fields, ['hash'])).digest('hex') };
}
