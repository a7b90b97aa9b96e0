// Candidates latency with a realistic population: creates a database of its
// own, seeds it (scripts/seed.ts), measures GET /discovery/candidates as the
// service runs it (viewer, ranked page, impressions read and write, photos)
// and the ranking query alone, for random callers; then drops the discovery
// indexes of profiles and measures the same again (full scan) as the
// reference. The database is dropped at the end.
//
//   npx tsx bench/candidates.ts [--profiles 100000] [--callers 300] [--reference-callers 40]
//
// Uses DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432/postgres)
// to create and drop the bench database.
import { performance } from 'node:perf_hooks';
import knexFactory from 'knex';
import { loadConfigOrExit } from '../shared/config.js';
import { createDb, migrateLatest, type Knex } from '../shared/db.js';
import { createPlatform } from '../shared/platform.js';
import { ageOn } from '../shared/public-profile.js';
import { DiscoveryService, boundingBox } from '../api/discovery/service.js';
import * as repo from '../api/discovery/repo.js';
import { IMPRESSION_CAP_PER_DAY } from '../api/discovery/scoring.js';
import { progressBar, seedProfiles } from '../scripts/seed.js';

function arg(name: string, def: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : def;
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : def;
}

const PROFILES = arg('profiles', 100_000);
const CALLERS = arg('callers', 300);
const REFERENCE_CALLERS = arg('reference-callers', 40);
const LIMIT = 20;

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return { n: s.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const fmt = (x: number) => x.toFixed(2).padStart(8);

function line(label: string, s: Stats) {
  return `${label.padEnd(44)} n=${String(s.n).padStart(4)}  p50 ${fmt(s.p50)}  p95 ${fmt(s.p95)}  p99 ${fmt(s.p99)}  max ${fmt(s.max)}  mean ${fmt(s.mean)}  (ms)`;
}

async function main() {
  const config = loadConfigOrExit();
  const adminUrl = config.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `bench_candidates_${Date.now().toString(36)}`;
  const admin = knexFactory({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE "${name}"`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const platform = createPlatform(config, 'bench', { databaseUrl: u.toString() });
  const out: string[] = [];
  try {
    const db = platform.db;
    await migrateLatest(db);
    const seeded = await seedProfiles(db, { profiles: PROFILES, swipesPerUser: 3, onProgress: progressBar() });
    process.stderr.write(`seeded in ${(seeded.ms / 1000).toFixed(1)} s; vacuum analyze…\n`);
    await db.raw('VACUUM ANALYZE');

    const picked = await db.raw(`SELECT user_id FROM profiles WHERE visibility = 'visible' ORDER BY random() LIMIT ?`, [CALLERS + 20]);
    const callers = (picked.rows as { user_id: string }[]).map((r) => r.user_id);
    const warm = callers.slice(0, 20);
    const measured = callers.slice(20);
    const service = new DiscoveryService(platform);

    const run = async (ids: string[]) => {
      const request: number[] = [];
      const query: number[] = [];
      let found = 0;
      for (const id of ids) {
        let t = performance.now();
        const res = await service.candidates(id, { limit: LIMIT, debug: false });
        request.push(performance.now() - t);
        found += res.candidates.length;
        const viewer = (await repo.findViewer(db, id))!;
        const asOf = new Date();
        t = performance.now();
        await repo.findCandidates(db, {
          viewer,
          myAge: ageOn(viewer.birthdate, asOf),
          asOf,
          box: boundingBox(viewer.lat!, viewer.lon!, viewer.max_distance_km),
          after: null,
          limit: 40,
          impressionsDay: asOf.toISOString().slice(0, 10),
          impressionCap: IMPRESSION_CAP_PER_DAY,
        });
        query.push(performance.now() - t);
      }
      return { request: stats(request), query: stats(query), avgFound: found / ids.length };
    };

    await run(warm);
    const indexed = await run(measured);
    const plan = await explain(db, measured[0]);

    await db.raw('DROP INDEX profiles_discovery_idx');
    await db.raw('DROP INDEX IF EXISTS profiles_lat_lon_index');
    await db.raw('DROP INDEX IF EXISTS profiles_visibility_gender_index');
    await db.raw('ANALYZE profiles');
    await run(warm.slice(0, 3));
    const scan = await run(measured.slice(0, REFERENCE_CALLERS));
    const scanPlan = await explain(db, measured[0]);

    out.push(
      '',
      `candidates benchmark: ${PROFILES.toLocaleString('en')} profiles over 8 cities, ${seeded.swipes.toLocaleString('en')} swipes, page of ${LIMIT}, random visible callers`,
      `(avg ${indexed.avgFound.toFixed(1)} candidates returned per request)`,
      '',
      line('with indexes: GET /discovery/candidates', indexed.request),
      line('with indexes: ranking query alone', indexed.query),
      line('without (full scan): GET /discovery/candidates', scan.request),
      line('without (full scan): ranking query alone', scan.query),
      '',
      `plan with indexes:    ${plan}`,
      `plan without indexes: ${scanPlan}`,
      '',
    );
  } finally {
    await platform.close();
    await admin.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.destroy();
  }
  process.stdout.write(out.join('\n'));
}

/** How the profiles are reached, from EXPLAIN of the ranking query for one caller. */
async function explain(db: Knex, userId: string): Promise<string> {
  const viewer = (await repo.findViewer(db, userId))!;
  const asOf = new Date();
  const q = {
    viewer,
    myAge: ageOn(viewer.birthdate, asOf),
    asOf,
    box: boundingBox(viewer.lat!, viewer.lon!, viewer.max_distance_km),
    after: null,
    limit: 40,
    impressionsDay: asOf.toISOString().slice(0, 10),
    impressionCap: IMPRESSION_CAP_PER_DAY,
  };
  let plan = '';
  await db.transaction(async (trx) => {
    // Same SQL, EXPLAIN ANALYZE'd: knex's query event gives the exact text and bindings.
    const captured: { sql: string; bindings: unknown[] }[] = [];
    const listener = (e: { sql: string; bindings: unknown[] }) => captured.push(e);
    trx.on('query', listener);
    await repo.findCandidates(trx, q);
    trx.removeListener('query', listener);
    const { sql, bindings } = captured[captured.length - 1];
    // The event carries the native ($1, $2, …: in order) form; raw() wants '?'.
    const res = await trx.raw(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql.replace(/\$\d+/g, '?')}`, bindings as Knex.RawBinding[]);
    const root = res.rows[0]['QUERY PLAN'][0];
    const scans: string[] = [];
    const walk = (n: { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Actual Rows'?: number; Plans?: unknown[] }) => {
      if (n['Relation Name'] === 'profiles') scans.push(`${n['Node Type']}${n['Index Name'] ? ` on ${n['Index Name']}` : ''} (${n['Actual Rows']} rows)`);
      for (const c of (n.Plans ?? []) as (typeof n)[]) walk(c);
    };
    walk(root.Plan);
    plan = `${scans.join(', ')}; execution ${root['Execution Time'].toFixed(2)} ms`;
  });
  return plan;
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
