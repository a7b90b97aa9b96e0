// Referral links: `r_<code>` as the start parameter of the bot (/start) or
// of the Mini App (startapp, in init data at login), the code being the
// inviter's user id without dashes (already public in the API, so nothing to
// store or look up). A referral counts for a new user only.
import type { Knex } from 'knex';
import type { Logger } from '../../shared/logger.js';
import { refer, type ReferralOutcome } from './repo.js';

const REFERRAL = /^r_([0-9a-f]{32})$/;

/** The inviter's user id a start parameter names, if it is a referral. */
export function inviterOf(startParam: string | undefined): string | undefined {
  const m = startParam ? REFERRAL.exec(startParam) : null;
  if (!m) return undefined;
  const h = m[1];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const referralCodeOf = (userId: string) => `r_${userId.replaceAll('-', '')}`;

/** Applies a referral start parameter for a new user; never throws (a failed referral must not fail a login). */
export async function applyReferral(
  deps: { db: Knex; logger: Logger; perDay: number },
  startParam: string | undefined,
  inviteeId: string,
): Promise<ReferralOutcome | undefined> {
  const inviter = inviterOf(startParam);
  if (!inviter) return undefined;
  try {
    const outcome = await refer(deps.db, inviter, inviteeId, deps.perDay);
    deps.logger.info({ inviter_id: inviter, invitee_id: inviteeId, outcome }, 'referral');
    return outcome;
  } catch (err) {
    deps.logger.error({ err, invitee_id: inviteeId }, 'referral failed');
    return undefined;
  }
}
