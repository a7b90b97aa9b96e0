// The one way an event leaves a change: `enqueue(trx, event)` writes it to the
// outbox table in the change's own transaction. A rolled-back change takes its
// event with it; a committed one keeps it until a relay (relay.ts) has put it
// on the bus, whatever happens to the bus or the process meanwhile.
import { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import { validatePayload } from '../bus/bus.js';
import type { EventPayload, EventType } from '../events.js';

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
 */
export async function enqueue(trx: Knex.Transaction, ...events: OutboxEvent[]): Promise<void> {
  if (!events.length) return;
  const rows = events.map((e) => ({ type: e.type, payload: JSON.stringify(validatePayload(e.type, e.payload)) }));
  await trx('outbox').insert(rows);
  signalAtCommit(trx as unknown as Transactor);
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
