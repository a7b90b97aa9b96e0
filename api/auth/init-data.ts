// Telegram WebApp initData: validation per Telegram's algorithm, and signing
// for development mode (where the platform holds a fixed development bot token).
//
// https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app
//   secret = HMAC-SHA256(key "WebAppData", bot token)
//   hash   = hex(HMAC-SHA256(key secret, data-check-string))
//   data-check-string = every field but `hash`, as key=<decoded value>, sorted by key, joined by "\n"
// https://core.telegram.org/bots/webapps#validating-data-for-third-party-use
//   Ed25519 `signature` (base64url) over "<bot_id>:WebAppData\n" + the same lines without `hash` and `signature`,
//   checked against Telegram's public key.
import crypto, { type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { textProblems } from '../../shared/validation.js';

/** Telegram's clock and ours may disagree a little; anything further in the future is refused. */
export const AUTH_DATE_SKEW_S = 60;

export const TelegramUserSchema = z
  .object({
    id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    first_name: z.string().max(256),
    last_name: z.string().max(256).optional(),
    username: z.string().max(64).optional(),
    language_code: z.string().max(16).optional(),
    is_premium: z.boolean().optional(),
    photo_url: z.string().max(2048).optional(),
    allows_write_to_pm: z.boolean().optional(),
  })
  .loose();
export type TelegramUser = z.infer<typeof TelegramUserSchema>;

export interface ThirdPartyCheck {
  botId: number;
  /** Telegram's Ed25519 public key, 64 hex characters. */
  publicKey: string;
}

export interface InitDataOptions {
  botToken: string;
  maxAgeS: number;
  /** When set, the Ed25519 `signature` must be present and valid too. */
  thirdParty?: ThirdPartyCheck;
  /** Milliseconds since the epoch (tests pin it to a test vector's time). */
  now?: number;
}

export interface ValidatedInitData {
  user: TelegramUser;
  /** Seconds since the epoch, as Telegram signed it. */
  authDate: number;
  /** Every field as received (decoded), hash and signature included. */
  fields: Record<string, string>;
}

const invalid = (message: string) => AppError.unauthorized(message, 'invalid_init_data');

// The secret depends only on the bot token: derive it once per token.
const secrets = new Map<string, Buffer>();
function secretOf(botToken: string): Buffer {
  let s = secrets.get(botToken);
  if (!s) {
    s = crypto.createHmac('sha256', 'WebAppData').update(botToken).digest();
    secrets.set(botToken, s);
  }
  return s;
}

const publicKeys = new Map<string, KeyObject>();
function publicKeyOf(hex: string): KeyObject {
  let k = publicKeys.get(hex);
  if (!k) {
    k = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(hex, 'hex').toString('base64url') }, format: 'jwk' });
    publicKeys.set(hex, k);
  }
  return k;
}

/** Telegram's data-check-string: every field but those in `skip`, as key=value, sorted by key, joined by "\n". */
export function checkLines(fields: Record<string, string>, skip: string[]): string {
  return Object.keys(fields)
    .filter((k) => !skip.includes(k))
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('\n');
}

/** The hex HMAC Telegram puts in `hash` for these fields (every field but `hash`). */
export function initDataHash(fields: Record<string, string>, botToken: string): string {
  return crypto.createHmac('sha256', secretOf(botToken)).update(checkLines(fields, ['hash'])).digest('hex');
}

/** The text Telegram signs with Ed25519 for third parties. */
export function thirdPartyCheckString(fields: Record<string, string>, botId: number): string {
  return `${botId}:WebAppData\n${checkLines(fields, ['hash', 'signature'])}`;
}

function parseFields(raw: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  for (const [k, v] of new URLSearchParams(raw)) {
    // Telegram never repeats a field; a repeated one could be read two ways.
    if (Object.hasOwn(fields, k)) throw invalid(`Init data repeats the field "${k}"`);
    fields[k] = v;
  }
  return fields;
}

function verifyHash(fields: Record<string, string>, botToken: string) {
  const hash = fields.hash;
  if (!hash) throw invalid('Init data has no hash');
  const given = /^[0-9a-fA-F]{64}$/.test(hash) ? Buffer.from(hash, 'hex') : null;
  const expected = Buffer.from(initDataHash(fields, botToken), 'hex');
  if (!given || !crypto.timingSafeEqual(given, expected)) throw invalid('Init data hash does not match');
}

function verifySignature(fields: Record<string, string>, check: ThirdPartyCheck) {
  const signature = fields.signature;
  if (!signature) throw invalid('Init data has no signature');
  const sig = /^[A-Za-z0-9_-]{86}$/.test(signature) ? Buffer.from(signature, 'base64url') : null;
  const ok = sig !== null && crypto.verify(null, Buffer.from(thirdPartyCheckString(fields, check.botId)), publicKeyOf(check.publicKey), sig);
  if (!ok) throw invalid('Init data signature does not verify');
}

/**
 * The signed `auth_date` in seconds, if it is neither further in the future than
 * the clocks may disagree nor older than `maxAgeS` (AUTH_MAX_AGE_S); the login
 * widget's data is held to the same rule. `fail` makes the error of its caller.
 */
export function checkAuthDate(raw: string | undefined, maxAgeS: number, nowMs: number, fail = (m: string) => invalid(`Init data ${m}`)): number {
  if (!raw || !/^\d{1,12}$/.test(raw)) throw fail('has no valid auth_date');
  const authDate = Number(raw);
  const nowS = Math.floor(nowMs / 1000);
  if (authDate > nowS + AUTH_DATE_SKEW_S) throw fail('auth_date is in the future');
  if (nowS - authDate > maxAgeS) throw fail('has expired');
  return authDate;
}

function parseUser(raw: string | undefined): TelegramUser {
  if (!raw) throw invalid('Init data has no user');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw invalid('Init data user is not JSON');
  }
  const r = TelegramUserSchema.safeParse(json);
  // NUL or broken UTF-16 in a name: not from Telegram, and not storable.
  if (!r.success || textProblems(r.data).length) throw invalid('Init data user is malformed');
  return r.data;
}

/**
 * Checks raw initData (the URL-encoded string the WebApp gets) and returns its
 * content. Throws 401 invalid_init_data on any problem; never anything else.
 */
export function validateInitData(raw: string, opts: InitDataOptions): ValidatedInitData {
  const fields = parseFields(raw);
  verifyHash(fields, opts.botToken);
  if (opts.thirdParty) verifySignature(fields, opts.thirdParty);
  const authDate = checkAuthDate(fields.auth_date, opts.maxAgeS, opts.now ?? Date.now());
  return { user: parseUser(fields.user), authDate, fields: { ...fields } };
}

/** URL-encodes fields the way the WebApp receives them (%20, not +). */
export function encodeInitData(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

/** Signs fields with a bot token (development mode: the development bot token). */
export function signInitData(fields: Record<string, string>, botToken: string): string {
  const unsigned = Object.fromEntries(Object.entries(fields).filter(([k]) => k !== 'hash'));
  return encodeInitData({ ...unsigned, hash: initDataHash(unsigned, botToken) });
}

/** Init data for a user as Telegram would hand it to the WebApp right now. */
export function devInitData(user: TelegramUser, botToken: string, authDate = Math.floor(Date.now() / 1000)): string {
  return signInitData(
    {
      query_id: `DEV${crypto.randomBytes(12).toString('base64url')}`,
      user: JSON.stringify(user),
      auth_date: String(authDate),
    },
    botToken,
  );
}
