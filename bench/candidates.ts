// Candidates latency with a realistic population (issue 17): a database of its
// own seeded by scripts/seed.ts, then
//   GET /discovery/candidates as a client sees it: the real discovery process
//     (api/discovery/main.ts, production mode) over HTTP, with the JWT check,
//     the revocation lookup, the viewer, the ranked page, impressions read and
//     written, photos and JSON; one request after another from a generator
//     process, one per random visible caller;
//   CPU per request of the service, its PostgreSQL backends and Redis, hence
//     requests per core, and the rows of profiles PostgreSQL read per request
//     (its statistics views: index entries and heap rows alike);
//   the same request once the indexes of profiles are dropped (full scan),
//     for other callers: the reference.
// Only the service's HTTP interface is used, so the benchmark does not
// depend on how discovery finds its candidates.
// Writes bench/results/candidates.json: p50_ms, p99_ms, full_scan_p50_ms and
// profiles at the top for this size, or under `at_1m` for --profiles 1000000
// (each run keeps the other's figures).
//
//   npx tsx bench/candidates.ts [--profiles 100000] [--callers 300] [--reference-callers 40] [--profiled-callers 150]
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config.js';
import type { Knex } from '../shared/db.js';
import { signAccessToken } from '../shared/jwt.js';
import { progressBar, seedProfiles } from '../scripts/seed.js';
import { CpuMeter, postgresBackends } from './lib/cpu.js';
import { startGenerator } from './lib/generator.js';
import type { Req } from './lib/http-load.js';
import { startRun, writeResults } from './lib/results.js';
import { round, type LatencySummary } from './lib/stats.js';
import { describeProfile, profileDuring, summarize } from './lib/profile.js';
import { benchRedis, cleanup, freePort, httpOk, productionEnv, runId, startService, throwawayDatabase } from './lib/stores.js';

const { values: args } = parseArgs({
  options: {
    profiles: { type: 'string', default: '100000' },
    callers: { type: 'string', default: '300' },
    'reference-callers': { type: 'string', default: '40' },
    'profiled-callers': { type: 'string', default: '150' },
    'redis-url': { type: 'string' },
  },
});
const PROFILES = Number(args.profiles);
const CALLERS = Number(args.callers);
const REFERENCE_CALLERS = Number(args['reference-callers']);
const PROFILED_CALLERS = Number(args['profiled-callers']);
const LIMIT = 20;
const WARM = 20;
const run = startRun('bench/candidates.ts');
const out = (line: string) => process.stdout.write(`${line}\n`);

/** Rows of profiles read so far: index entries returned by its index scans, and heap rows of its sequential scans. */
async function profileRowsRead(db: Knex): Promise<number> {
  const { rows } = await db.raw(
    `SELECT coalesce((SELECT sum(idx_tup_read) FROM pg_stat_user_indexes WHERE relname = 'profiles'), 0)
          + coalesce((SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 'profiles'), 0) AS n`,
  );
  return Number(rows[0].n);
}

/** Backends publish their statistics at most once a second, and when idle: let them, then read. */
const settledRowsRead = async (db: Knex) => {
  await new Promise((r) => setTimeout(r, 1500));
  return profileRowsRead(db);
};

async function main() {
  const redis = await benchRedis(args['redis-url']);
  const pg = await throwawayDatabase('candidates');
  const seeded = await seedProfiles(pg.db, { profiles: PROFILES, swipesPerUser: 3, onProgress: progressBar() });
  process.stderr.write(`seeded in ${(seeded.ms / 1000).toFixed(1)} s; vacuum analyze…\n`);
  await pg.db.raw('VACUUM ANALYZE');

  const env = { ...productionEnv(), DATABASE_URL: pg.url, REDIS_URL: redis.url, REDIS_PREFIX: `bench:${runId}:`, RATE_LIMIT_CANDIDATES_PER_MIN: '1000000' };
  const config = loadConfig(env);
  const port = await freePort();
  const service = await startService(['api/discovery/main.ts'], { ...env, DISCOVERY_PORT: String(port) }, httpOk(`http://127.0.0.1:${port}/ready`), { inspect: true });

  // Callers: random visible people, each with a session; the measured ones and the full-scan ones apart
  // (a request records impressions, so nobody is asked twice).
  const picked = await pg.db.raw(`SELECT user_id FROM profiles WHERE visibility = 'visible' ORDER BY random() LIMIT ?`, [WARM + CALLERS + REFERENCE_CALLERS + PROFILED_CALLERS]);
  const ids = (picked.rows as { user_id: string }[]).map((r) => r.user_id);
  const { rows: sessions } = await pg.db.raw(`INSERT INTO sessions (user_id, expires_at) SELECT unnest(?::uuid[]), now() + interval '1 day' RETURNING id, user_id`, [ids]);
  const token = new Map((sessions as { id: string; user_id: string }[]).map((s) => [s.user_id, signAccessToken(config.jwt, { userId: s.user_id, sessionId: s.id }, 3600)]));
  const requests = (callers: string[]): Req[] => callers.map((id) => ({ path: `/discovery/candidates?limit=${LIMIT}`, headers: { authorization: `Bearer ${token.get(id)}` } }));
  const warm = ids.slice(0, WARM);
  const measured = ids.slice(WARM, WARM + CALLERS);
  const reference = ids.slice(WARM + CALLERS, WARM + CALLERS + REFERENCE_CALLERS);
  const profiledCallers = ids.slice(WARM + CALLERS + REFERENCE_CALLERS);

  const gen = await startGenerator('bench/lib/http-load.ts', 'http');
  const base = `http://127.0.0.1:${port}`;
  type Seq = { latency: LatencySummary; statuses: Record<string, number>; cpu: { cores: number; saturated: boolean } };
  const meter = new CpuMeter({ discovery: () => [service.pid], postgres: () => postgresBackends(pg.db, pg.name) }, redis.own ? redis.client : undefined);

  await gen.call('sequence', { base, requests: requests(warm.slice(0, 10)) });
  let read0 = await settledRowsRead(pg.db);
  const { value: indexed, usage } = await meter.measure(() => gen.call<Seq>('sequence', { base, requests: requests(measured) }));
  const rowsPerRequest = ((await settledRowsRead(pg.db)) - read0) / measured.length;
  const cpuMsPerRequest = Object.fromEntries(Object.entries(usage.cpu_s).map(([k, s]) => [k, round((s * 1000) / measured.length, 3)]));
  const cpuTotal = Object.values(usage.cpu_s).reduce((a, b) => a + b, 0);
  out(`with indexes: ${JSON.stringify(indexed.latency)} ${JSON.stringify(indexed.statuses)}; ${rowsPerRequest.toFixed(0)} rows of profiles read per request`);
  out(`CPU ms per request: ${JSON.stringify(cpuMsPerRequest)}`);
  // Where the service's CPU goes: the same requests for other callers, profiled (PostgreSQL's share is cpu_ms_per_request.postgres).
  const { profiles } = await profileDuring({ discovery: await service.inspector() }, () => gen.call<Seq>('sequence', { base, requests: requests(profiledCallers) }));
  const profile = { discovery: summarize(Object.values(profiles)) };
  out(`profile of the discovery service: ${describeProfile(profile.discovery)}`);

  // Every non-unique index of profiles (whatever discovery's indexes are called today).
  const { rows: indexes } = await pg.db.raw(`SELECT c.relname AS name FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = 'profiles'::regclass AND NOT x.indisunique`);
  for (const { name } of indexes as { name: string }[]) await pg.db.raw('DROP INDEX ??', [name]);
  await pg.db.raw('ANALYZE profiles');
  await gen.call('sequence', { base, requests: requests(warm.slice(10, 13)) });
  read0 = await settledRowsRead(pg.db);
  const scan = await gen.call<Seq>('sequence', { base, requests: requests(reference) });
  const scanRowsPerRequest = ((await settledRowsRead(pg.db)) - read0) / reference.length;
  await gen.stop();
  out(`without indexes (full scan): ${JSON.stringify(scan.latency)} ${JSON.stringify(scan.statuses)}; ${scanRowsPerRequest.toFixed(0)} rows of profiles read per request`);

  const figures = {
    profiles: PROFILES,
    p50_ms: indexed.latency.p50_ms,
    p99_ms: indexed.latency.p99_ms,
    full_scan_p50_ms: scan.latency.p50_ms,
    vs_full_scan_p50: round(scan.latency.p50_ms! / indexed.latency.p50_ms!, 1),
    // Sequential requests: what one caller waits, and what a request costs each process.
    cpu_ms_per_request: cpuMsPerRequest,
    requests_per_core_s: round(measured.length / cpuTotal, 0),
    statuses: indexed.statuses,
    request: indexed.latency,
    profile_rows_read_per_request: round(rowsPerRequest, 0),
    full_scan: { request: scan.latency, statuses: scan.statuses, profile_rows_read_per_request: round(scanRowsPerRequest, 0), callers: reference.length },
    dropped_indexes: (indexes as { name: string }[]).map((i) => i.name),
    callers: measured.length,
    page: LIMIT,
    seeded_swipes: seeded.swipes,
    seed_profiles_per_s: round(PROFILES / (seeded.ms / 1000), 0),
    loadgen_cpu_max: round(Math.max(indexed.cpu.cores, scan.cpu.cores), 2),
    // A CPU profile (V8, sampled) of the discovery service over PROFILED_CALLERS more requests.
    profile,
  };
  const file = writeResults('candidates', run, figures, PROFILES >= 1_000_000 ? { under: 'at_1m' } : {});
  out(`${PROFILES.toLocaleString('en')} profiles: p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms; full scan p50 ${figures.full_scan_p50_ms} ms (${figures.vs_full_scan_p50}×); ${figures.requests_per_core_s} requests per core-second → ${file}`);
}

try {
  await main();
} finally {
  await cleanup();
}
process.exit(0);
