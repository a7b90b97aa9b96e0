// A database that ran the first version of the edited discovery index gets
// today's index from the migration that repairs it (the rule that landed
// migrations are never edited: migrations.unit.test.ts).
import { expect } from 'chai';
import { createDb, migrateLatest } from '../../shared/db.js';
import { isolatedDatabase, type IsolatedDatabase } from '../helpers/database.js';

describe('migrations: the repair of the edited discovery index', function () {
  this.timeout(60_000);
  let database: IsolatedDatabase;
  before(async () => {
    database = await isolatedDatabase('migr');
  });
  after(() => database.drop());

  it('brings a database migrated with the first version to the current index', async () => {
    const db = createDb(database.url, 1);
    try {
      // Make it look like a database that ran the first version of the file.
      await db.raw('DROP INDEX IF EXISTS profiles_discovery_idx');
      await db.raw(`CREATE INDEX profiles_discovery_idx ON profiles (gender, lat, lon) WHERE visibility = 'visible'`);
      await db('knex_migrations').where('name', 'like', '20261129090000_%').del();
      await migrateLatest(db);
      const { rows } = await db.raw(`SELECT indexdef FROM pg_indexes WHERE indexname = 'profiles_discovery_idx'`);
      expect(rows[0].indexdef).to.match(/floor/i).and.to.match(/INCLUDE/i);
    } finally {
      await db.destroy();
    }
  });
});
