// Request bodies of the Auth section of the contract.
import { z } from 'zod';

/** Real initData is well under 4 KB; anything this long is not from Telegram. */
export const MAX_INIT_DATA_LENGTH = 8192;

export const InitDataBody = z.strictObject({
  init_data: z.string().min(1).max(MAX_INIT_DATA_LENGTH),
});

export const RefreshBody = z.strictObject({
  refresh_token: z.string().min(1).max(512),
});

export const SessionIdParam = z.string().uuid();

/** POST /auth/dev/init-data: the Telegram user to sign init data for (development mode only). */
export const DevInitDataBody = z.strictObject({
  user: z.strictObject({
    id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    first_name: z.string().min(1).max(64),
    last_name: z.string().max(64).optional(),
    username: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,32}$/, 'letters, digits and _ only, at most 32')
      .optional(),
    language_code: z.string().max(16).optional(),
    is_premium: z.boolean().optional(),
    photo_url: z.string().url().max(2048).optional(),
    allows_write_to_pm: z.boolean().optional(),
  }),
});
export type DevInitDataBody = z.infer<typeof DevInitDataBody>;

/** A Telegram id or a Unix time: a number (the widget's JS callback) or its digits (the login link's query). */
const digits = z
  .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,16}$/, 'must be digits')])
  .transform(String);

/**
 * POST /auth/telegram-login: the Telegram Login Widget's fields as Telegram
 * handed them over. Fields Telegram may add later are kept (strings): the hash
 * covers every field it sent.
 */
export const TelegramLoginBody = z
  .object({
    id: digits,
    first_name: z.string().min(1).max(256),
    last_name: z.string().max(256).optional(),
    username: z.string().max(64).optional(),
    photo_url: z.string().max(2048).optional(),
    auth_date: digits,
    hash: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits'),
  })
  .catchall(z.string().max(2048))
  .refine((o) => Object.keys(o).length <= 16, { error: 'has too many fields' });
export type TelegramLoginBody = z.infer<typeof TelegramLoginBody>;
