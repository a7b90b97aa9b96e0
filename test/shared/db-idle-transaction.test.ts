// A session left idle inside a transaction (its process frozen, or its host cut
// off from the network mid-commit) is ended by PostgreSQL after
// IDLE_IN_TRANSACTION_TIMEOUT_MS, or what DATABASE_URL says, and its locks go
// with it: the others' statements waiting for them go on.
import { expect } from 'chai';
import { createDb, IDLE_IN_TRANSACTION_TIMEOUT_MS } from '../../shared/db.js';
import { testEnv } from '../helpers/env.js';

describe('database sessions idle inside a transaction', () => {
  const withParam = (ms: number) => {
    const u = new URL(testEnv.databaseUrl);
    u.searchParams.set('idle_in_transaction_session_timeout', String(ms));
    return u.toString();
  };

  it('are ended after 30 s by default, or after what DATABASE_URL says', async () => {
    const byDefault = createDb(testEnv.databaseUrl, 1);
    const given = createDb(withParam(1500), 1);
    try {
      expect(IDLE_IN_TRANSACTION_TIMEOUT_MS).to.equal(30_000);
      expect((await byDefault.raw('SHOW idle_in_transaction_session_timeout')).rows[0].idle_in_transaction_session_timeout).to.equal('30s');
      expect((await given.raw('SHOW idle_in_transaction_session_timeout')).rows[0].idle_in_transaction_session_timeout).to.equal('1500ms');
    } finally {
      await byDefault.destroy();
      await given.destroy();
    }
  });

  it('release their locks when they are ended, so the statements waiting for them go on', async () => {
    const stuck = createDb(withParam(300), 1);
    const other = createDb(testEnv.databaseUrl, 1);
    const key = Math.floor(Math.random() * 1e9);
    const trx = await stuck.transaction();
    try {
      await trx.raw('SELECT pg_advisory_xact_lock(?)', [key]);
      // Nothing more from that transaction: the other session waits for the lock until PostgreSQL ends the first.
      const started = Date.now();
      await other.raw('SELECT pg_advisory_xact_lock(?)', [key]);
      expect(Date.now() - started).to.be.below(5000);
      const ended = await trx.raw('SELECT 1').then(
        () => 'still open',
        (err: Error) => err.message,
      );
      expect(ended).to.match(/not queryable|idle-in-transaction|terminat/i);
    } finally {
      // Lets the pool take the connection back (else destroy() waits for it).
      await trx.rollback().catch(() => {});
      await stuck.destroy();
      await other.destroy();
    }
  });
});
