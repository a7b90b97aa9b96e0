// The Telegram Login Widget (a Telegram login from a plain browser, outside the
// Mini App): its data checked per Telegram's algorithm.
//
// https://core.telegram.org/widgets/login#checking-authorization
//   data-check-string = every received field but `hash`, as key=value, sorted by key, joined by "\n"
//   hash = hex(HMAC-SHA256(key SHA256(bot token), data-check-string))
// The key is the bot token's SHA-256, not the Mini App's HMAC("WebAppData", token):
// init data and widget data can never pass for each other. The widget hands the
// fields to a JS callback or, as a login link, redirects to data-auth-url with them
// in the query; either way the client posts them as they came.
import crypto from 'node:crypto';
import { AppError } from '../../shared/errors.js';
import { textProblems } from '../../shared/validation.js';
import { checkAuthDate, checkLines, TelegramUserSchema, type TelegramUser } from './init-data.js';

export interface LoginWidgetOptions {
  botToken: string;
  /** The same bound as init data's (AUTH_MAX_AGE_S). */
  maxAgeS: number;
  /** Milliseconds since the epoch (tests pin it). */
  now?: number;
}

const invalid = (message: string) => AppError.unauthorized(message, 'invalid_login_data');

const keys = new Map<string, Buffer>();
function keyOf(botToken: string): Buffer {
  let k = keys.get(botToken);
  if (!k) keys.set(botToken, (k = crypto.createHash('sha256').update(botToken).digest()));
  return k;
}

/** The hex HMAC Telegram puts in the widget's `hash` for these fields (every field but `hash`). */
export function loginWidgetHash(fields: Record<string, string>, botToken: string): string {
  return crypto.createHmac('sha256', keyOf(botToken)).update(checkLines(fields, ['hash'])).digest('hex');
}

/**
 * Checks the widget's fields (values as strings, as in the login link's query)
 * and returns the Telegram user they name. Throws 401 invalid_login_data on a
 * bad hash, an old or future auth_date, or a user Telegram would not send.
 */
export function validateLoginWidget(fields: Record<string, string>, opts: LoginWidgetOptions): { user: TelegramUser; authDate: number } {
  const given = /^[0-9a-fA-F]{64}$/.test(fields.hash ?? '') ? Buffer.from(fields.hash, 'hex') : null;
  const expected = Buffer.from(loginWidgetHash(fields, opts.botToken), 'hex');
  if (!given || !crypto.timingSafeEqual(given, expected)) throw invalid('Login data hash does not match');
  const authDate = checkAuthDate(fields.auth_date, opts.maxAgeS, opts.now ?? Date.now(), (m) => invalid(`Login data ${m}`));
  const { id, first_name, last_name, username, photo_url } = fields;
  const r = TelegramUserSchema.safeParse({ id: Number(id), first_name, last_name, username, photo_url });
  if (!r.success || textProblems(r.data).length) throw invalid('Login data user is malformed');
  return { user: r.data, authDate };
}
