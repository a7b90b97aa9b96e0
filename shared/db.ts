// PostgreSQL through knex + pg. Every process talks to PostgreSQL the same way,
// the embedded one (all-in-one mode) included.
import path from 'node:path';
import fs from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import type { Logger } from './logger.js';

export type { Knex };

// int8 (counts, bigserial) as numbers: our values stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
// date (birthdate) stays a YYYY-MM-DD string, never a local-midnight Date.
pg.types.setTypeParser(1082, (v) => v);

const here = path.dirname(fileURLToPath(import.meta.url));
const compiled = import.meta.url.endsWith('.js');
export const MIGRATIONS_DIR = path.resolve(here, '..', 'migrations');

// Migrations are recorded under their source name (`x.ts`) whether they ran from
// the sources (tsx) or compiled (dist/, the Docker image): a database migrated one
// way can be migrated the other way (knex would call the directory corrupt).
const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    const ext = compiled ? '.js' : '.ts';
    return (await fs.readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts')).sort();
  },
  getMigrationName: (file) => file.replace(/\.js$/, '.ts'),
  getMigration: (file) => import(pathToFileURL(path.join(MIGRATIONS_DIR, file)).href),
};

export function migrationConfig(): Knex.MigratorConfig {
  return { migrationSource, tableName: 'knex_migrations' };
}

/**
 * How long PostgreSQL lets one of our sessions sit idle inside a transaction before it
 * ends the session. None of our transactions waits that long between two statements (the
 * longest waits: an S3 put of the largest upload, an outbox publish bounded by
 * OUTBOX_PUBLISH_TIMEOUT_MS). One that does has lost its process or its network, and would
 * otherwise keep its row locks (a conversation's, which every node's sends to it wait for)
 * until the server's TCP keepalive gives up on it: two hours by default. A DATABASE_URL
 * query parameter of the same name (`?idle_in_transaction_session_timeout=<ms>`) wins.
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * `logger`: where knex's own warnings go (a connection the server closed, a failed connect), else the console.
 * `applicationName`: how the connections show in pg_stat_activity (the platform passes its service name).
 */
export function createDb(url: string, poolMax = 10, logger?: Logger, applicationName = 'platform'): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: url, application_name: applicationName, idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS },
    pool: { min: 0, max: poolMax, acquireTimeoutMillis: 10_000 },
    acquireConnectionTimeout: 10_000,
    migrations: migrationConfig(),
    ...(logger
      ? {
          log: {
            warn: (m: unknown) => logger.warn({ knex: String(m).split('\n')[0] }, 'database connection'),
            error: (m: unknown) => logger.warn({ knex: String(m).split('\n')[0] }, 'database connection'),
            deprecate: (m: unknown) => logger.warn({ knex: String(m) }, 'knex deprecation'),
            debug: () => {},
          },
        }
      : {}),
  });
}

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migrationConfig())) as [number, string[]];
  return applied;
}

/** True for a unique-constraint violation, optionally of one named constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (!constraint || e.constraint === constraint);
}

/** SQL for a timestamptz as JavaScript's Date#toISOString writes it (UTC, milliseconds, `Z`): for JSON the database builds. */
export function isoTimestampSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
