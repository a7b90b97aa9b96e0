// Tokens and sessions.
import { z } from 'zod';
import { Id, shape, Timestamp } from './common.js';

export const TokenPair = shape(
  'TokenPair',
  z.object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('Bearer'),
    /** Seconds the access token lives. */
    expires_in: z.number().int(),
    user: z.object({ id: Id, first_name: z.string(), username: z.string().nullable(), is_new: z.boolean() }),
  }),
);
export type TokenPair = z.infer<typeof TokenPair>;

export const TelegramUser = z.looseObject({
  id: z.number().int(),
  first_name: z.string(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
  is_premium: z.boolean().optional(),
  photo_url: z.string().optional(),
  allows_write_to_pm: z.boolean().optional(),
});

export const InitDataValidation = shape(
  'InitDataValidation',
  z.looseObject({
    valid: z.literal(true),
    user: TelegramUser,
    auth_date: Timestamp,
    query_id: z.string().optional(),
    start_param: z.string().optional(),
    chat_type: z.string().optional(),
    chat_instance: z.string().optional(),
  }),
);
export type InitDataValidation = z.infer<typeof InitDataValidation>;

export const TokenClaims = shape(
  'TokenClaims',
  z.object({ user_id: Id, session_id: Id, exp: z.number().int(), expires_at: Timestamp }),
  'The caller of a valid access token.',
);
export type TokenClaims = z.infer<typeof TokenClaims>;

export const Session = shape(
  'Session',
  z.object({ id: Id, created_at: Timestamp, last_used_at: Timestamp, user_agent: z.string().nullable(), current: z.boolean() }),
);
export type Session = z.infer<typeof Session>;
export const SessionList = shape('SessionList', z.object({ sessions: z.array(Session) }));
export type SessionList = z.infer<typeof SessionList>;

export const DevInitData = shape(
  'DevInitData',
  z.object({ init_data: z.string(), user: TelegramUser, auth_date: Timestamp }),
  'Init data signed with the development bot token.',
);
export type DevInitData = z.infer<typeof DevInitData>;
