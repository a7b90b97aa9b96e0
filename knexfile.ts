// For the knex CLI (npm run migrate:latest / migrate:rollback). Processes
// migrate through shared/db.ts with the same settings.
import { loadConfigOrExit } from './shared/config.js';
import { migrationConfig } from './shared/db.js';

const config = loadConfigOrExit();
if (!config.databaseUrl) {
  process.stderr.write('DATABASE_URL: required for the knex CLI (npm start migrates the embedded database itself)\n');
  process.exit(78);
}

export default {
  client: 'pg',
  connection: config.databaseUrl,
  migrations: migrationConfig(),
};
