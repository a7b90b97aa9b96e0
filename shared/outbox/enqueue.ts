// The one way an event leaves a change: `enqueue(trx, event)` writes it to the
// outbox table in the change's own transaction. A rolled-back change takes its
// event with it; a committed one keeps it until a relay (relay.ts) has put it
// on the bus, whatever happens to the bus or the process meanwhile.
import { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import { validatePayload } from '../bus/bus.js';
import { publishedAtCommit, type EventPayload, type EventType } from '../events.js';

export type OutboxEvent = { [T in EventType]: { type: T; payload: EventPayload<T> } }[EventType];

/**
 * Fires after a transaction that enqueued events has committed, so the relays
 * of this process publish at once instead of at their next poll. It carries no
 * connection and no data, only "look now": a relay of another database woken
 * by it finds nothing and goes back to sleep.
 */
export const committed = new EventEmitter();
committed.setMaxListeners(0);

interface Transactor {
  executionPromise?: Promise<unknown>;
  parentTransaction?: Transactor;
}

const signalled = new WeakSet<object>();

/**
 * Writes the events (validated by the catalogue: a bad payload is a programming
 * error and fails the transaction) in one statement, in order. Events of one
 * transaction are published in the order they were enqueued.
 *
 * A run of events of one type is one row whose payload is the JSON array of
 * their payloads (an event's own payload is always an object): a chat batch of
 * fifty messages costs the outbox one insert, one mark and one prune, not fifty.
 */
export async function enqueue(trx: Knex.Transaction, ...events: OutboxEvent[]): Promise<void> {
  if (!events.length) return;
  const rows: { type: EventType; payloads: unknown[] }[] = [];
  for (const e of events) {
    const payload = validatePayload(e.type, e.payload);
    const last = rows[rows.length - 1];
    if (last?.type === e.type) last.payloads.push(payload);
    else rows.push({ type: e.type, payloads: [payload] });
  }
  await trx('outbox').insert(rows.map((r) => ({ type: r.type, payload: JSON.stringify(r.payloads.length === 1 ? r.payloads[0] : r.payloads) })));
  if (rows.some((r) => publishedAtCommit(r.type))) signalAtCommit(trx as unknown as Transactor);
}

/**
 * enqueue for a change that is ONE statement, with no transaction around it
 * (the chat's group commit: one round trip per batch). Returns the body of a
 * data-modifying CTE to put in that statement: it inserts the events that
 * `payloadsSql` selects (a jsonb `payload` column and an `ord` column that
 * orders them) as one outbox row, grouped the way enqueue groups a run of one
 * type. The statement is atomic, so its events exist exactly when its change
 * does. The database builds these payloads, so the catalogue checks them when
 * a relay publishes them (both buses validate every payload), and the
 * writer's tests check its rows against the catalogue. After the statement,
 * call `statementCommitted(type)`.
 */
export function enqueueInStatement(type: EventType, payloadsSql: string): string {
  if (!/^[a-z_.]+$/.test(type)) throw new Error(`bad event type ${type}`);
  return `INSERT INTO outbox (type, payload)
          SELECT '${type}', CASE WHEN count(*) = 1 THEN jsonb_agg(e.payload ORDER BY e.ord) -> 0 ELSE jsonb_agg(e.payload ORDER BY e.ord) END
            FROM (${payloadsSql}) e
          HAVING count(*) > 0`;
}

/** What enqueue's commit signal does, for a statement that wrote `type` events through enqueueInStatement. */
export function statementCommitted(type: EventType): void {
  if (publishedAtCommit(type)) committed.emit('commit');
}

/** The payloads one outbox row holds, in order (see enqueue). */
export function payloadsOfRow(payload: unknown): unknown[] {
  return Array.isArray(payload) ? payload : [payload];
}

function signalAtCommit(trx: Transactor) {
  // A savepoint's promise settles at its release: the rows commit with the outermost transaction.
  let outer = trx;
  while (outer.parentTransaction) outer = outer.parentTransaction;
  if (signalled.has(outer) || !outer.executionPromise) return;
  signalled.add(outer);
  outer.executionPromise.then(
    () => committed.emit('commit'),
    () => {}, // rolled back: its events are gone with it
  );
}
