// PM2 ecosystem of the cluster mode (see DESIGN.md § Processes):
//   npm run cluster          migrate, then `pm2 start ecosystem.config.js`, then print the ports
//   npm run cluster:stop     `pm2 delete ecosystem.config.js`
//   pm2 scale realtime 3     one more Socket.IO instance on the next port; nothing else moves
//   npm run cluster -- --only realtime     this machine runs the socket tier only (roles: gateway, api, realtime, workers)
//   pm2 reload all           one process at a time, each only after its successor is ready
//
// gateway, auth, profile, discovery, media, admin: PM2 cluster mode (instances share their port).
// realtime: one port per instance (REALTIME_PORT, REALTIME_PORT+1, … through increment_var),
// because a long-polling session must come back to the instance that made it: each instance
// announces {tag, url, load} in the Redis registry (realtime/registry.ts), the gateways of every
// machine route by it (api/gateway/sticky.ts), and the tag in each Engine.IO session id is
// unique across machines. So `pm2 scale realtime N` works on each machine on its own, with no
// cap and nothing to tell the gateways. It runs in PM2's cluster mode all the same, one
// worker per port: `pm2 reload` then starts the new worker on the same port and stops the
// old one only once the new one is ready, so an instance's port is never without a listener
// (in fork mode a reload is a stop, then a start).
// matching, moderation, notifications: fork mode, N instances in one Redis Streams consumer group each.
//
// Every app runs through scripts/pm2-entry.js, which signals `ready` once the process
// listens or consumes (wait_ready), and stops on PM2's `shutdown` message
// (shared/lifecycle.ts drains within 15 s; kill_timeout is above that).
//
// Environment: DATABASE_URL and REDIS_URL are required (scripts/cluster.ts sets local
// defaults); every variable of API.md § Configuration passes through. Instance counts:
// GATEWAY_INSTANCES (2), API_INSTANCES (1, each of auth/profile/discovery/media),
// ADMIN_INSTANCES (1), REALTIME_INSTANCES (2), MATCHING_INSTANCES (1),
// MODERATION_INSTANCES (1), NOTIFICATIONS_INSTANCES (1). WORKER_METRICS_PORT (9700): the workers' /metrics ports.
// The static mode instead of the registry: REALTIME_URLS for the gateway, or REALTIME_MAX_INSTANCES=N
// (the gateway then watches N ports from REALTIME_PORT on this host, and `pm2 scale realtime` stops at N).
// CLUSTER_RUNTIME=dist runs the compiled build (npm run build) instead of TypeScript via tsx.
// Logs: PM2's log files (`pm2 logs`, PM2_HOME/logs), one JSON line per event (pino).
import fs from 'node:fs';
import path from 'node:path';

const env = process.env;
const compiled = env.CLUSTER_RUNTIME === 'dist';
const root = import.meta.dirname;
/** An app whose code is not in this checkout is left out (rather than restarted in a loop). */
const present = (main) => fs.existsSync(path.join(root, compiled ? `dist/${main}.js` : `${main}.ts`));

function count(name, fallback) {
  const n = Number(env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: must be a positive integer`);
  return n;
}

const realtimePort = Number(env.REALTIME_PORT ?? 8085);
// The static mode only: the gateway watches REALTIME_PORT and the next ports (a list it was given wins).
const staticRealtimeUrls =
  env.REALTIME_URLS ?? (env.REALTIME_MAX_INSTANCES ? `http://127.0.0.1:${realtimePort}-${realtimePort + count('REALTIME_MAX_INSTANCES', 5) - 1}` : undefined);

function app(name, main, options = {}) {
  return {
    name,
    cwd: root,
    script: 'scripts/pm2-entry.js',
    args: [compiled ? `dist/${main}.js` : `${main}.ts`],
    interpreter: 'node',
    node_args: compiled ? [] : ['--import', 'tsx'],
    wait_ready: true,
    listen_timeout: 30_000,
    shutdown_with_message: true,
    kill_timeout: 20_000,
    merge_logs: true,
    autorestart: true,
    max_restarts: 20,
    min_uptime: 5_000,
    exp_backoff_restart_delay: 200,
    ...options,
    env: {
      NODE_ENV: env.NODE_ENV ?? 'production',
      ...options.env,
    },
  };
}

// The services behind the gateway believe its one hop in X-Forwarded-For, so they listen on
// loopback where nobody reaches them around it. SERVICES_HOST changes that (the gateway on
// another VM: point its AUTH_URL, … at this one; realtime instances announce their address);
// HOST is the gateway's alone.
const behindGateway = { HOST: env.SERVICES_HOST ?? '127.0.0.1', TRUSTED_PROXY_HOPS: '1' };

// Workers have no HTTP port: each instance serves /metrics on 127.0.0.1:METRICS_PORT for a scraper on
// this machine, from WORKER_METRICS_PORT (9700) up through increment_var: matching 9700…, moderation
// 9800…, notifications 9900… (a hundred instances of a kind before two would meet; 9100 is
// node_exporter's).
const workerMetricsPort = Number(env.WORKER_METRICS_PORT ?? 9700);
const workerMetrics = (offset) => ({ increment_var: 'METRICS_PORT', env: { METRICS_PORT: String(workerMetricsPort + offset) } });

const all = [
  ['gateway', 'api/gateway/main', {
    exec_mode: 'cluster',
    instances: count('GATEWAY_INSTANCES', 2),
    env: staticRealtimeUrls ? { REALTIME_URLS: staticRealtimeUrls } : {},
  }],
  ['auth', 'api/auth/main', { exec_mode: 'cluster', instances: count('API_INSTANCES', 1), env: behindGateway }],
  ['profile', 'api/profile/main', { exec_mode: 'cluster', instances: count('API_INSTANCES', 1), env: behindGateway }],
  ['discovery', 'api/discovery/main', { exec_mode: 'cluster', instances: count('API_INSTANCES', 1), env: behindGateway }],
  ['media', 'api/media/main', { exec_mode: 'cluster', instances: count('API_INSTANCES', 1), env: behindGateway }],
  ['admin', 'api/admin/main', { exec_mode: 'cluster', instances: count('ADMIN_INSTANCES', 1), env: behindGateway }],
  ['realtime', 'realtime/main', {
    exec_mode: 'cluster',
    instances: count('REALTIME_INSTANCES', 2),
    increment_var: 'REALTIME_PORT',
    env: { REALTIME_PORT: realtimePort, ...behindGateway },
  }],
  ['matching', 'workers/matching/main', { exec_mode: 'fork', instances: count('MATCHING_INSTANCES', 1), ...workerMetrics(0) }],
  ['moderation', 'workers/moderation/main', { exec_mode: 'fork', instances: count('MODERATION_INSTANCES', 1), ...workerMetrics(100) }],
  ['notifications', 'workers/notifications/main', { exec_mode: 'fork', instances: count('NOTIFICATIONS_INSTANCES', 1), ...workerMetrics(200) }],
];

export const apps = all.filter(([, main]) => present(main)).map(([name, main, options]) => app(name, main, options));

export default { apps };
