// What the matching worker does with each event. At-least-once delivery:
// every handler can run twice (or concurrently on two instances) safely.
//
// Idempotency and re-publishing: the database decides whether a match exists
// (matches_pair_uniq), so a replayed swipe never makes a second match. An
// event is acked only after its effects are committed and its own events are
// published; if publishing fails the handler throws, the event comes back
// with attempt > 1, finds the match (or the ended matches) already there, and
// publishes again. So on a redelivery (attempt > 1) match.created and
// match.removed are re-published for the existing rows: consumers may see an
// event twice and must dedupe by match_id, but none is ever lost. A first
// delivery that finds the work already done (the other side's swipe won the
// race, or a deliberate replay) publishes nothing.
import type { Logger } from '../../shared/logger.js';
import type { ServiceDeps } from '../../shared/platform.js';
import type { BusEvent } from '../../shared/events.js';
import { onEvents } from '../../shared/bus/index.js';
import * as repo from './repo.js';

type Deps = Pick<ServiceDeps, 'db' | 'bus' | 'logger'>;

export function matchingHandler(deps: Deps) {
  const logger = deps.logger.child({ component: 'matching' });
  return onEvents({
    'swipe.created': (e) => onSwipe(deps, logger, e),
    'profile.deleted': (e) => onUserGone(deps, logger, e, e.payload.user_id, 'deleted'),
    'user.banned': (e) => onUserGone(deps, logger, e, e.payload.user_id, 'banned'),
  });
}

export async function onSwipe(deps: Deps, logger: Logger, e: BusEvent<'swipe.created'>): Promise<void> {
  const { swiper_id, target_id, action } = e.payload;
  if (action === 'pass') return;
  const result = await repo.makeMatchIfMutual(deps.db, swiper_id, target_id);
  if (result.outcome === 'not_mutual') return;
  const { match } = result;
  if (result.outcome === 'exists' && (e.attempt <= 1 || match.ended_at)) return;
  if (!match.conversation_id) throw new Error(`match ${match.match_id} has no conversation`);
  await deps.bus.publish('match.created', {
    match_id: match.match_id,
    conversation_id: match.conversation_id,
    user_ids: match.user_ids,
    created_at: new Date(match.created_at).toISOString(),
  });
  logger.info({ event_id: e.id, match_id: match.match_id, republished: result.outcome === 'exists' }, 'match created');
}

export async function onUserGone(deps: Deps, logger: Logger, e: BusEvent, userId: string, reason: repo.GoneReason): Promise<void> {
  const ended = await repo.endMatchesOf(deps.db, userId, reason);
  const announce = e.attempt > 1 ? await repo.matchesEndedBecauseOf(deps.db, userId, reason) : ended;
  for (const m of announce) {
    await deps.bus.publish('match.removed', { match_id: m.match_id, conversation_id: m.conversation_id, user_ids: m.user_ids, reason });
  }
  if (ended.length) logger.info({ event_id: e.id, user_id: userId, reason, ended: ended.length }, 'matches ended');
}
