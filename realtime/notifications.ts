// Live notifications from other processes: the realtime tier reads the event
// streams with ONE consumer group ('realtime'), so each event is handled by one
// node, which emits to user/session rooms through the adapter; the adapter
// carries it to whichever nodes hold that user's sockets. Every device gets it
// once. Emitting is idempotent enough for at-least-once delivery: a redelivered
// event can at worst repeat a notification, which clients dedupe by id.
import { onEvents, type Consumer } from '../shared/bus/index.js';
import { STREAMS } from '../shared/events.js';
import type { ServiceDeps } from '../shared/platform.js';
import { loadPublicProfiles } from '../shared/public-profile.js';
import { isBlockedEitherWay } from '../shared/blocks.js';
import type { Delivery } from './delivery.js';

export const CONSUMER_GROUP = 'realtime';

/** Older events are history, not news (the group resumes where it stopped after a full outage). */
const STALE_AFTER_MS = 10 * 60_000;

export function startNotifications(deps: ServiceDeps, delivery: Delivery): Consumer {
  const handle = onEvents({
    'match.created': async ({ payload }) => {
      const [a, b] = payload.user_ids;
      // A block either way hides each from the other: no notification to either.
      if (await isBlockedEitherWay(deps.db, a, b)) return;
      for (const [me, other] of [
        [a, b],
        [b, a],
      ]) {
        // The other user as this one sees them.
        const profiles = await loadPublicProfiles(deps.db, deps.config, [other], { userId: me }, { includeHidden: true });
        delivery.matchNew(me, { match_id: payload.match_id, conversation_id: payload.conversation_id, user: profiles.get(other) ?? null });
      }
    },
    'match.removed': async ({ payload }) => {
      delivery.matchRemoved([...payload.user_ids], { match_id: payload.match_id, conversation_id: payload.conversation_id });
    },
    'media.moderated': async ({ payload }) => {
      delivery.mediaModerated(payload.owner_id, { id: payload.media_id, status: payload.status });
    },
    'session.revoked': async ({ payload }) => {
      delivery.disconnectSession(payload.session_id);
    },
    'user.banned': async ({ payload }) => {
      delivery.disconnectUser(payload.user_id);
    },
  });
  return deps.bus.consume({
    group: CONSUMER_GROUP,
    streams: [STREAMS.matches, STREAMS.media, STREAMS.users],
    // Live notifications are about now: a new group does not replay history.
    startFrom: '$',
    handler: async (event) => {
      // Sockets that connect later check revocations themselves, so skipping is safe for every type.
      if (Date.now() - Date.parse(event.published_at) > STALE_AFTER_MS) return;
      await handle(event);
    },
  });
}
