// From events to things to tell: each match, message or like becomes a
// pending item of each recipient who is offline and wants that kind of
// notification; the flusher sends them later, batched per user. Only database
// writes happen here, never a Bot API call, so a slow or failing Bot API
// cannot hold up the streams. Idempotent: an item is keyed by what it is about.
import { onEvents } from '../../shared/bus/index.js';
import type { BusEvent, EventPayload } from '../../shared/events.js';
import type { Knex } from '../../shared/db.js';
import type { Logger } from '../../shared/logger.js';
import { onlineAmong, type PresenceStore } from '../../realtime/presence/store.js';
import * as repo from './repo.js';
import { wants } from './settings.js';

export interface Schedule {
  /** How long the first item waits for more to join it, ms. */
  gatherMs: number;
  /** The least time between two bot messages to one user, s. */
  intervalS: number;
  now(): number;
}

export interface HandlerDeps {
  db: Knex;
  logger: Logger;
  /** The realtime tier's presence, read only. */
  presence: Pick<PresenceStore, 'query'>;
  schedule: Schedule;
}

type Addressed = { userId: string; item: repo.PendingItem };

const item = (kind: repo.ItemKind, refId: string, fields: Partial<repo.PendingItem> = {}): repo.PendingItem => ({
  kind,
  ref_id: refId,
  actor_id: null,
  conversation_id: null,
  seq: null,
  note: null,
  ...fields,
});

/** A stored message is news to each of its recipients. */
const messageItems = (m: EventPayload<'message.created'>): Addressed[] =>
  m.recipient_ids
    .filter((id) => id !== m.sender_id)
    .map((userId) => ({ userId, item: item('message', m.message_id, { actor_id: m.sender_id, conversation_id: m.conversation_id, seq: m.seq }) }));

export function notificationsHandler(deps: HandlerDeps) {
  const record = (e: BusEvent, list: Addressed[]) => recordItems(deps, e, list);
  return onEvents({
    'match.created': (e) => {
      const [a, b] = e.payload.user_ids;
      return record(e, [
        { userId: a, item: item('match', e.payload.match_id, { actor_id: b }) },
        { userId: b, item: item('match', e.payload.match_id, { actor_id: a }) },
      ]);
    },
    'messages.created': (e) => record(e, e.payload.messages.flatMap(messageItems)),
    // What versions before messages.created published, one per message.
    'message.created': (e) => record(e, messageItems(e.payload)),
    'swipe.created': async (e) => {
      const p = e.payload;
      if (p.action === 'pass') return;
      await record(e, [{ userId: p.target_id, item: item(p.action, String(p.swipe_id), { actor_id: p.swiper_id }) }]);
    },
    'user.warned': (e) =>
      record(e, [{ userId: e.payload.user_id, item: item('warning', e.payload.report_id ?? e.id, { note: e.payload.note ?? null }) }]),
  });
}

async function recordItems(deps: HandlerDeps, e: BusEvent, list: Addressed[]): Promise<void> {
  if (!list.length) return;
  const { db, schedule } = deps;
  // Someone in the app sees it there (most chat traffic: asked first, it spares the database);
  // a warning goes out through the bot regardless.
  const online = await onlineAmong(deps.presence, list.filter((a) => a.item.kind !== 'warning').map((a) => a.userId));
  const offline = list.filter((a) => a.item.kind === 'warning' || !online.has(a.userId));
  if (!offline.length) return;
  const users = await repo.recipients(db, offline.map((a) => a.userId));
  for (const { userId, item } of offline) {
    const user = users.get(userId);
    if (!user || user.banned_at) continue;
    if (!wants(user.settings, item.kind)) continue;
    const gather = item.kind === 'warning' ? 0 : schedule.gatherMs;
    await repo.addPending(db, userId, item, new Date(schedule.now() + gather), schedule.intervalS);
  }
  deps.logger.debug({ event_id: e.id, type: e.type }, 'notification items recorded');
}
