// The all-in-one composition root (`npm start`): one process, one port
// (GATEWAY_PORT, 8080) serving every service router, the Socket.IO server
// and the workers. Without DATABASE_URL it runs an embedded PostgreSQL under
// DATA_DIR; without REDIS_URL the in-memory event bus and socket adapter.
import { loadConfigOrExit } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { migrateLatest } from '../shared/db.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../shared/embedded-postgres.js';
import { createPlatform } from '../shared/platform.js';
import { onShutdown } from '../shared/lifecycle.js';
import { closeServer, listen, portOf } from '../shared/http/app.js';
import { startMetricsServer } from '../shared/http/health.js';
import { buildAllInOne } from './app.js';

const config = loadConfigOrExit();
const logger = createLogger(config, 'allinone');

if (config.devMode) {
  logger.warn(
    '*** DEVELOPMENT MODE: BOT_TOKEN is unset. A fixed development bot token signs init data and anyone can log in as anyone. Admin ids are ignored. Never run this in production (NODE_ENV=production refuses to start without BOT_TOKEN and JWT_SECRET). ***',
  );
}

let embedded: EmbeddedPostgres | undefined;
if (!config.databaseUrl) embedded = await startEmbeddedPostgres(config.dataDir, logger);
const platform = createPlatform(config, 'allinone', { databaseUrl: embedded?.url, databasePoolMax: embedded ? 1 : undefined, logger });
const applied = await migrateLatest(platform.db);
if (applied.length) logger.info({ applied }, 'migrations applied');

const app = await buildAllInOne(platform);
const server = await listen(app.callback, config.ports.gateway, config.host);
await app.attach(server);
const metrics = config.metrics.port ? await startMetricsServer(config.metrics.port, logger) : undefined;
logger.info(
  {
    port: portOf(server),
    database: embedded ? 'embedded (PGlite)' : 'PostgreSQL',
    redis: platform.mode === 'redis' ? 'Redis' : 'in-memory',
  },
  `platform listening on http://localhost:${portOf(server)}`,
);

onShutdown(logger, async () => {
  const closing = closeServer(server); // stop accepting first, as shared/service-main.ts does
  await metrics?.close();
  await app.stop();
  await closing;
  await platform.close();
  await embedded?.stop();
});
