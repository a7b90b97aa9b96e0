// What the matching worker does with each event. At-least-once delivery:
// every handler can run twice (or concurrently on two instances) safely.
//
// Idempotency: the database decides whether a match exists
// (matches_pair_uniq), so a replayed swipe never makes a second match, and
// only live matches are ended. The events of a change (match.created,
// match.removed) are enqueued in the transaction that makes it (the outbox):
// they exist exactly when the change does, so a redelivery that finds the
// work already done has nothing left to announce.
import type { Logger } from '../../shared/logger.js';
import type { ServiceDeps } from '../../shared/platform.js';
import type { BusEvent } from '../../shared/events.js';
import { onEvents } from '../../shared/bus/index.js';
import { enqueue } from '../../shared/outbox/enqueue.js';
import * as repo from './repo.js';

type Deps = Pick<ServiceDeps, 'db' | 'logger'>;

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
  const result = await repo.makeMatchIfMutual(deps.db, swiper_id, target_id, (trx, m) =>
    enqueue(trx, {
      type: 'match.created',
      payload: { match_id: m.match_id, conversation_id: m.conversation_id, user_ids: m.user_ids, created_at: new Date(m.created_at).toISOString() },
    }),
  );
  if (result.outcome === 'created') logger.info({ event_id: e.id, match_id: result.match.match_id }, 'match created');
}

export async function onUserGone(deps: Deps, logger: Logger, e: BusEvent, userId: string, reason: repo.GoneReason): Promise<void> {
  const ended = await repo.endMatchesOf(deps.db, userId, reason);
  if (ended.length) logger.info({ event_id: e.id, user_id: userId, reason, ended: ended.length }, 'matches ended');
}
