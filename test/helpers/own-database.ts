// A database of a test's own (`test_<run>_<label>`, migrated), for behaviour
// that looks at every row of a table (repair sweeps), so that the other tests'
// rows in the run's database neither disturb it nor get touched by it.
import knexFactory from 'knex';
import { createDb, migrateLatest } from '../../shared/db.js';
import { testEnv } from './env.js';

export interface OwnDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function ownDatabase(label: string): Promise<OwnDatabase> {
  const name = `${testEnv.databaseName}_${label}`;
  const admin = knexFactory({ client: 'pg', connection: testEnv.adminDatabaseUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.destroy();
  }
  const u = new URL(testEnv.adminDatabaseUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = createDb(url, 1);
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  return {
    url,
    async drop() {
      const a = knexFactory({ client: 'pg', connection: testEnv.adminDatabaseUrl, pool: { min: 0, max: 1 } });
      try {
        await a.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.destroy();
      }
    },
  };
}
