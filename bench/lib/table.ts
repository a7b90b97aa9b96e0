// The README's benchmark table, rendered from bench/results/*.json only (so
// every figure in it names the file, the command and the run it came from).
// `npm run bench:table` writes it between the markers; a test checks that the
// README and the files agree. A target a run misses gets, in its row, what
// bounds it: the CPU profile the benchmark took of the service
// (bench/lib/profile.ts) and the cores each process used.
import { describeProfile } from './profile.js';

export const TABLE_START = '<!-- bench:table:start — rendered by `npm run bench:table` from bench/results/*.json; do not edit by hand -->';
export const TABLE_END = '<!-- bench:table:end -->';

type R = Record<string, any>;

/** What bounds a missed target: where the profiled service's CPU went, and the cores of the processes at that load. */
function boundBy(what: string, profile: R | undefined, cores?: Record<string, number>): string {
  const parts: string[] = [];
  const p = describeProfile(profile as never);
  if (p) parts.push(`CPU profile of ${what}: ${p}`);
  if (cores) {
    const busy = Object.entries(cores)
      .filter(([, v]) => typeof v === 'number' && v >= 0.01)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${n(v, 2)}`)
      .join(', ');
    if (busy) parts.push(`cores busy: ${busy} of ${cores.nproc ?? 2}`);
  }
  return parts.length ? `; **bound:** ${parts.join('; ')}` : '';
}

const n = (x: unknown, digits = 0) => (typeof x === 'number' && Number.isFinite(x) ? x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—');
const ms = (x: unknown) => `${n(x, typeof x === 'number' && x < 10 ? 1 : 0)} ms`;
/** A figure the generator may have bounded is shown as "≥". */
const bound = (r: R, key: string) => ((r.lower_bounds as string[] | undefined)?.includes(key) ? '≥ ' : '');

function runOf(r: R): string {
  const load = (l: unknown) => (Array.isArray(l) ? n(l[0], 1) : '?');
  return `${String(r.commit ?? '?').slice(0, 7)}, ${String(r.date ?? '?').slice(0, 10)}, load ${load(r.loadavg_at_start)}→${load(r.loadavg)} on ${r.nproc ?? '?'} cores`;
}

interface Row {
  file: string;
  capability: string;
  figures(r: R): string;
}

const ROWS: Row[] = [
  {
    file: 'realtime',
    capability: 'chat: persisted vs lean relay',
    figures: (r) => {
      const us = r.cpu_us_per_msg ?? {};
      const p = us.persisted ?? {};
      return [
        `persisted chat across 2 nodes ${bound(r, 'persisted_msg_per_s')}${n(r.persisted_msg_per_s)} msg/s vs lean relay ${bound(r, 'relay_msg_per_s')}${n(r.relay_msg_per_s)} msg/s: **${n(r.persisted_vs_relay, 2)}** (target ≥ 0.6)`,
        `p99 at half load (${n(r.half_rate_msg_per_s)} msg/s) **${ms(r.persisted_p99_ms_at_half)}** (target < 25), relay ${ms(r.relay_p99_ms_at_half)}`,
        `server CPU per message ${n(p.server)} µs (realtime ${n(p.realtime)}, PostgreSQL ${n(p.postgres)}, Redis ${n(p.redis)}) vs relay ${n(us.relay?.server)} µs: **${n(r.cpu_persisted_vs_relay, 1)}×** (target ≤ 2.5)`,
        `RSS ${n(r.rss_kb_per_socket, 1)} KB per idle socket (${n(r.setup?.sockets)} sockets)`,
        `generator at most ${n(r.loadgen_cpu_max, 2)} cores`,
      ].join('; ') +
        (r.persisted_vs_relay < 0.6 || r.persisted_p99_ms_at_half >= 25 || r.cpu_persisted_vs_relay > 2.5
          ? boundBy('the realtime nodes at the maximum', r.profile?.persisted_realtime, (r.phases as R[] | undefined)?.find((ph) => ph.kind === 'persisted' && ph.msg_per_s === r.persisted_msg_per_s)?.server_cores)
          : '');
    },
  },
  {
    file: 'cluster',
    capability: 'cluster through the gateway',
    figures: (r) => {
      const steps = (r.steps ?? []) as R[];
      // Every process of the cluster and the generators share this machine: how many of its cores they kept busy says how much of a latency is queueing for a core.
      const machine = (s: R) => Object.values((s.cores ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
      const chat = steps
        .map((s) => `${n(s.chat?.target_msg_per_s)} → ${n(s.chat?.msg_per_s)} msg/s, p50 ${ms(s.chat?.p50_ms)}, p99 ${ms(s.chat?.p99_ms)} (all processes ${n(machine(s), 1)} of ${n(r.nproc)} cores)`)
        .join('; ');
      const top = steps[steps.length - 1] ?? {};
      const routes = Object.entries((top.rest?.routes ?? {}) as Record<string, R>).map(([name, x]) => `${name} p50 ${ms(x.p50_ms)}, p99 ${ms(x.p99_ms)}`).join(', ');
      const busiest = Object.entries((top.cores ?? {}) as Record<string, number>)
        .filter(([k]) => !k.startsWith('loadgen'))
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([k, v]) => `${k} ${n(v, 2)}`)
        .join(', ');
      return [
        `${n(r.sockets_opened)} of ${n(r.sockets)} WebSockets over ${n(r.realtime_instances)} realtime instances (${n(r.rss_kb_per_socket, 1)} KB RSS each)`,
        `chat ${chat}`,
        `REST mix at ${n(top.rest?.req_per_s, 0)} req/s, during the top rate: ${routes} (the other rates' in the file)`,
        `${n(r.errors)} errors, ${n(r.process_restarts)} restarts`,
        `cores at the top rate: ${busiest}`,
      ].join('; ');
    },
  },
  {
    file: 'candidates',
    capability: 'candidates, full HTTP request',
    figures: (r) => {
      const one = (x: R) =>
        `${n(x.profiles)} profiles: p50 ${ms(x.p50_ms)}, p99 **${ms(x.p99_ms)}**; full scan p50 ${ms(x.full_scan_p50_ms)} (${n(x.vs_full_scan_p50, 1)}×); ` +
        `${n(x.requests_per_core_s)} requests per core-second (CPU ms per request: discovery ${n(x.cpu_ms_per_request?.discovery, 2)}, PostgreSQL ${n(x.cpu_ms_per_request?.postgres, 2)})`;
      const parts = [r.p50_ms !== undefined ? `${one(r)}; seeded at ${n(r.seed_profiles_per_s)} profiles/s` : undefined, r.at_1m ? `${one(r.at_1m)} (${runOf(r.at_1m)})` : undefined];
      const missed = (r.p99_ms ?? 0) >= 10 || (r.at_1m?.p99_ms ?? 0) >= 15 || (r.at_1m?.vs_full_scan_p50 ?? 15) < 15;
      const profiled = r.profile ? r : r.at_1m;
      return `${parts.filter(Boolean).join('. ')} (targets: p99 < 10 ms at 100k, < 15 ms at 1M; ≥ 15× the full scan at 1M)${missed ? boundBy(`the discovery service (${n(profiled?.profiles)} profiles; PostgreSQL's part is its CPU ms per request above)`, profiled?.profile?.discovery) : ''}`;
    },
  },
  {
    file: 'auth',
    capability: 'logins',
    figures: (r) =>
      `\`POST /auth/token\` **${bound(r, 'logins_per_s')}${n(r.logins_per_s)} logins/s** (target ≥ 1,000), p50 ${ms(r.login?.p50_ms)}, p99 ${ms(r.login?.p99_ms)}, ` +
      `CPU per login: auth ${n(r.login?.cpu_ms_per_request?.auth, 2)} ms, PostgreSQL ${n(r.login?.cpu_ms_per_request?.postgres, 2)} ms` +
      ((r.logins_by_connections as R[] | undefined)?.length ? ` (${(r.logins_by_connections as R[]).map((b) => `${n(b.logins_per_s)}/s at ${n(b.connections)} connections`).join(', ')})` : '') +
      `; \`GET /auth/verify\` ${bound(r, 'verify_per_s')}${n(r.verify_per_s)} req/s` +
      (r.logins_per_s < 1000 ? boundBy('the auth service', r.profile?.auth, r.login?.server_cores) : ''),
  },
  {
    file: 'moderation',
    capability: 'photo moderation',
    figures: (r) =>
      `NSFW (${r.nsfw_backend ?? '?'}) **${n(r.nsfw_ms_per_image)} ms/image** (target ≤ 100); pipeline with NSFW ÷ bare sharp **${n(r.pipeline_vs_sharp, 2)}** (target ≥ 0.6); ` +
      `images/s: bare sharp ${n(r.images_per_s?.bare_sharp, 1)}, pipeline without NSFW ${n(r.images_per_s?.pipeline_nsfw_off, 1)}, with ${n(r.images_per_s?.pipeline_nsfw_on, 1)} (${n(r.setup?.width)}×${n(r.setup?.height)} JPEGs)`,
  },
  {
    file: 'outbox',
    capability: 'outbox: commit → event on the bus',
    figures: (r) => {
      const redis = r.figures?.redis ?? {};
      const burst = Object.keys(redis).find((k) => k.startsWith('bursts_of_'));
      return `Redis bus, one commit at a time: p50 ${ms(redis.sequential?.on_bus?.p50_ms)}, p99 ${ms(redis.sequential?.on_bus?.p99_ms)}; ${burst?.replace(/_/g, ' ') ?? 'bursts'}: p50 ${ms(burst && redis[burst]?.on_bus?.p50_ms)}, p99 ${ms(burst && redis[burst]?.on_bus?.p99_ms)}`;
    },
  },
  {
    file: 'gateway',
    capability: 'gateway',
    figures: (r) =>
      `small JSON GET, ${n(r.setup?.connections)} connections: ${bound(r, 'direct_req_per_s')}${n(r.direct_req_per_s)} req/s direct, ${bound(r, 'gateway_req_per_s')}${n(r.gateway_req_per_s)} req/s through the gateway (p50 ${ms(r.direct_p50_ms)} → ${ms(r.gateway_p50_ms)}), ${n(r.gateway_cpu_ms_per_request, 3)} ms gateway CPU per request`,
  },
  {
    file: 'cluster-reload',
    capability: 'pm2 scale + reload while chatting',
    figures: (r) =>
      `\`pm2 scale realtime 3\` then \`pm2 reload all\`: ${n(r.sent)} sent, ${n(r.stored)} stored, ${n(r.lost)} lost, ${n(r.stored_twice)} stored twice, seq ${r.seq_gapless ? 'gapless' : 'with gaps'}; reload ${n(r.reload_s, 1)} s`,
  },
  {
    file: 'notifications',
    capability: 'offline notifications',
    figures: (r) => `${n(r.events_recorded_per_s)} events/s recorded, ${n(r.bot_messages_per_s)} bot messages/s sent (concurrency ${n(r.setup?.concurrency)})`,
  },
];

/** The table for the results present (a benchmark never run has no row). */
export function renderTable(results: Record<string, R>): string {
  const lines = ['| capability | command | figures | run |', '| --- | --- | --- | --- |'];
  for (const row of ROWS) {
    const r = results[row.file];
    if (!r) continue;
    const command = r.command ?? r.at_1m?.command ?? `npx tsx bench/${row.file}.ts`;
    const run = r.commit ? runOf(r) : r.at_1m ? runOf(r.at_1m) : '?';
    lines.push(`| ${row.capability} ([${row.file}.json](bench/results/${row.file}.json)) | \`${command}\` | ${row.figures(r).replace(/\|/g, '\\|')} | ${run} |`);
  }
  return lines.join('\n');
}

/** The README with `table` between the markers (which must be there once each). */
export function withTable(readme: string, table: string): string {
  const a = readme.indexOf(TABLE_START);
  const b = readme.indexOf(TABLE_END);
  if (a === -1 || b === -1 || b < a) throw new Error(`README.md has no ${TABLE_START} … ${TABLE_END} block`);
  return `${readme.slice(0, a + TABLE_START.length)}\n${table}\n${readme.slice(b)}`;
}

/** The table now between the markers. */
export function tableIn(readme: string): string {
  const a = readme.indexOf(TABLE_START);
  const b = readme.indexOf(TABLE_END);
  if (a === -1 || b === -1 || b < a) throw new Error('no benchmark table markers in README.md');
  return readme.slice(a + TABLE_START.length, b).trim();
}

/** Benchmarks the table has a row for. */
export const TABLE_FILES = ROWS.map((r) => r.file);
