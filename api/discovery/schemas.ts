// Request shapes of the discovery contract (API.md § Discovery).
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { isBlank } from '../../shared/validation.js';

export const uuid = z.string().uuid('must be a UUID');

export const SWIPE_ACTIONS = ['like', 'pass', 'superlike'] as const;
export type SwipeAction = (typeof SWIPE_ACTIONS)[number];

export const TargetBody = z.strictObject({ target_id: uuid });

export const ReportBody = z.strictObject({
  target_id: uuid,
  reason: z.string().trim().min(1).max(32).refine((s) => !isBlank(s), 'must have a visible character'),
  details: z.string().max(1000).nullish(),
});

export const MatchParams = z.object({ match_id: uuid });

/** A rewind takes no parameters: no body, or an empty object. */
export const RewindBody = z.strictObject({});

const flag = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((v) => v === 'true' || v === '1');

export const CandidatesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().max(200).optional(),
  debug: flag,
});

export const LikesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/**
 * Where the previous candidates page ended: its last (score, user_id) and the
 * moment the ranking was computed, so the next page ranks the same way.
 */
export interface CandidatesCursor {
  score: string;
  userId: string;
  asOf: Date;
}

const CursorJson = z.object({
  s: z.string().regex(/^\d+(\.\d+)?$/),
  u: uuid,
  t: z.number().int().positive().max(8.64e15), // the latest time a Date holds
});

export function encodeCursor(c: CandidatesCursor): string {
  return Buffer.from(JSON.stringify({ s: c.score, u: c.userId, t: c.asOf.getTime() })).toString('base64url');
}

export function decodeCursor(raw: string): CandidatesCursor {
  try {
    const c = CursorJson.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    return { score: c.s, userId: c.u, asOf: new Date(c.t) };
  } catch {
    throw AppError.validation([{ field: 'cursor', message: 'not a cursor from a previous page' }]);
  }
}
