// Fills a database with realistic people for discovery: users with profiles
// spread over several European cities (ages, genders, preferences, interests,
// details, activity), and some swipes between neighbours.
//
//   DATABASE_URL=postgres://… npm run seed -- --profiles 100000 [--swipes-per-user 3] [--seed 42]
//
// Batched multi-row inserts (one statement per 5,000 rows through unnest()),
// with a progress bar on stderr. The schema is migrated first. The same
// random seed gives the same people (ids and Telegram ids aside).
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { loadConfigOrExit } from '../shared/config.js';
import { createDb, migrateLatest } from '../shared/db.js';

export interface SeedOptions {
  profiles: number;
  /** Average swipes each person has made (on people of their own city). */
  swipesPerUser?: number;
  seed?: number;
  batchSize?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface SeedResult {
  users: number;
  swipes: number;
  ms: number;
}

const CITIES = [
  { name: 'Berlin', lat: 52.52, lon: 13.405, weight: 20, tz: 'Europe/Berlin' },
  { name: 'London', lat: 51.5074, lon: -0.1278, weight: 20, tz: 'Europe/London' },
  { name: 'Paris', lat: 48.8566, lon: 2.3522, weight: 17, tz: 'Europe/Paris' },
  { name: 'Madrid', lat: 40.4168, lon: -3.7038, weight: 12, tz: 'Europe/Madrid' },
  { name: 'Warsaw', lat: 52.2297, lon: 21.0122, weight: 10, tz: 'Europe/Warsaw' },
  { name: 'Amsterdam', lat: 52.3676, lon: 4.9041, weight: 8, tz: 'Europe/Amsterdam' },
  { name: 'Munich', lat: 48.1351, lon: 11.582, weight: 7, tz: 'Europe/Berlin' },
  { name: 'Lisbon', lat: 38.7223, lon: -9.1393, weight: 6, tz: 'Europe/Lisbon' },
];
/** [city index, weight] for rng.weighted(), built once. */
const CITY_WEIGHTS = CITIES.map((c, i) => [i, c.weight] as const);

const INTERESTS = [
  'hiking', 'running', 'cycling', 'yoga', 'climbing', 'swimming', 'football', 'tennis', 'skiing', 'surfing',
  'cooking', 'baking', 'wine', 'coffee', 'craft beer', 'vegan food', 'sushi', 'street food',
  'jazz', 'techno', 'indie rock', 'classical music', 'concerts', 'festivals', 'karaoke',
  'films', 'series', 'anime', 'theatre', 'museums', 'photography', 'painting', 'reading', 'poetry',
  'board games', 'video games', 'chess', 'travel', 'languages', 'dogs', 'cats', 'gardening', 'volunteering', 'startups',
];

const NAMES = {
  woman: ['Anna', 'Marie', 'Sophie', 'Laura', 'Emma', 'Julia', 'Chloé', 'Lucía', 'Olivia', 'Zofia', 'Inês', 'Mia', 'Lea', 'Sara', 'Eva', 'Noor', 'Hanna', 'Clara', 'Alice', 'Maja'],
  man: ['Lukas', 'Jonas', 'Hugo', 'Louis', 'Oliver', 'Jack', 'Pablo', 'Mateo', 'Jakub', 'Piotr', 'Daan', 'Sem', 'João', 'Tiago', 'Felix', 'Max', 'Leon', 'Noah', 'Adam', 'Elias'],
  nonbinary: ['Alex', 'Sam', 'Robin', 'Kai', 'Charlie', 'Jules', 'Noa', 'Sascha', 'Eden', 'Ari'],
};

const BIO_OPENERS = ['Weekend', 'Part-time', 'Lifelong', 'Aspiring', 'Occasional', 'Enthusiastic', 'Reformed', 'Secret'];
const BIO_ROLES = ['explorer', 'cook', 'bookworm', 'night owl', 'early riser', 'plant parent', 'museum nerd', 'coffee snob', 'dog person', 'runner'];
const BIO_ENDINGS = [
  'Looking for someone to share good food with.',
  'Ask me about my last trip.',
  'Will beat you at board games.',
  'Happiest near water.',
  'Here for good conversations.',
  'Let’s find the best coffee in town.',
  '',
];

const GOALS = ['relationship', 'friendship', 'casual', 'unsure'];
const EDUCATION = ['high_school', 'vocational', 'bachelor', 'master', 'doctorate', 'other'];
const CHILDREN = ['have', 'want', 'dont_want', 'open'];
const SMOKING = ['never', 'socially', 'regularly', 'quitting'];
const DRINKING = ['never', 'socially', 'regularly', 'sober'];

/** mulberry32: small, fast, seedable. */
function rngOf(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const normal = (mean: number, sd: number) => mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const weighted = <T>(items: readonly (readonly [T, number])[]): T => {
    let r = next() * items.reduce((s, [, w]) => s + w, 0);
    for (const [v, w] of items) if ((r -= w) < 0) return v;
    return items[items.length - 1][0];
  };
  const sample = <T>(xs: readonly T[], n: number): T[] => {
    const copy = [...xs];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, n);
  };
  return { next, int, pick, normal, weighted, sample };
}
type Rng = ReturnType<typeof rngOf>;

interface Person {
  id: string;
  city: number;
  user: { telegram_id: number; first_name: string; language_code: string; last_active_at: string };
  profile: Record<string, string | number | null>;
}

function lookingFor(rng: Rng, gender: string): string[] {
  if (gender === 'man')
    return rng.weighted([[['woman'], 85], [['man'], 8], [['woman', 'man'], 4], [['woman', 'nonbinary'], 3]] as const) as string[];
  if (gender === 'woman')
    return rng.weighted([[['man'], 84], [['woman'], 7], [['man', 'woman'], 6], [['man', 'nonbinary'], 3]] as const) as string[];
  return rng.weighted([[['man', 'woman', 'nonbinary'], 40], [['nonbinary'], 20], [['woman', 'nonbinary'], 20], [[], 20]] as const) as string[];
}

function makePerson(rng: Rng, telegramId: number, now: number): Person {
  const city = rng.weighted(CITY_WEIGHTS);
  const c = CITIES[city];
  // Most people live in town, some in the suburbs.
  const spreadKm = rng.next() < 0.8 ? 6 : 18;
  const lat = c.lat + rng.normal(0, spreadKm) / 111.2;
  const lon = c.lon + rng.normal(0, spreadKm) / (111.2 * Math.cos((c.lat * Math.PI) / 180));
  const gender = rng.weighted([['woman', 47], ['man', 47], ['nonbinary', 6]] as const);
  const age = Math.min(70, Math.max(18, Math.round(rng.normal(31, 7))));
  const born = new Date(now - age * 365.25 * 86_400_000 - rng.int(0, 364) * 86_400_000);
  const name = rng.pick(NAMES[gender]);
  const goal = rng.next() < 0.8 ? rng.pick(GOALS) : null;
  const settings: Record<string, unknown> = { timezone: c.tz };
  if (rng.next() < 0.1) settings.show_distance = false;
  if (rng.next() < 0.03) settings.show_age = false;
  const lastActiveDaysAgo = Math.min(90, -Math.log(1 - rng.next()) * 3); // median ~2 days
  return {
    id: randomUUID(),
    city,
    user: {
      telegram_id: telegramId,
      first_name: name,
      language_code: rng.pick(['en', 'de', 'fr', 'es', 'pl', 'nl', 'pt']),
      last_active_at: new Date(now - lastActiveDaysAgo * 86_400_000).toISOString(),
    },
    profile: {
      display_name: name,
      birthdate: born.toISOString().slice(0, 10),
      gender,
      bio: `${rng.pick(BIO_OPENERS)} ${rng.pick(BIO_ROLES)} in ${c.name}. ${rng.pick(BIO_ENDINGS)}`.trim(),
      interests: rng.sample(INTERESTS, rng.int(2, 8)).join(','),
      looking_for: lookingFor(rng, gender).join(','),
      age_min: Math.max(18, age - rng.int(2, 8)),
      age_max: Math.min(100, age + rng.int(3, 12)),
      max_distance_km: rng.pick([5, 10, 20, 25, 30, 50, 50, 50, 75, 100, 150]),
      lat,
      lon,
      visibility: rng.weighted([['visible', 92], ['paused', 5], ['hidden', 3]] as const),
      settings: JSON.stringify(settings),
      goal,
      goals: rng.next() < 0.25 ? rng.sample(GOALS, rng.int(1, 2)).join(',') : null,
      height_cm: rng.next() < 0.7 ? Math.round(rng.normal(gender === 'man' ? 180 : gender === 'woman' ? 166 : 172, 7)) : null,
      education: rng.next() < 0.6 ? rng.pick(EDUCATION) : null,
      children: rng.next() < 0.5 ? rng.pick(CHILDREN) : null,
      smoking: rng.next() < 0.6 ? rng.pick(SMOKING) : null,
      drinking: rng.next() < 0.6 ? rng.pick(DRINKING) : null,
    },
  };
}

/** One column of a batch, bound as a PostgreSQL array. */
const col = <T>(rows: T[], f: (r: T) => unknown): Knex.Value => rows.map(f) as Knex.Value;

async function insertBatch(db: Knex, people: Person[]): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw(
      `INSERT INTO users (id, telegram_id, first_name, language_code, last_active_at)
       SELECT * FROM unnest(?::uuid[], ?::bigint[], ?::text[], ?::text[], ?::timestamptz[])`,
      [
        col(people, (p) => p.id),
        col(people, (p) => p.user.telegram_id),
        col(people, (p) => p.user.first_name),
        col(people, (p) => p.user.language_code),
        col(people, (p) => p.user.last_active_at),
      ],
    );
    const f = (k: string) => col(people, (p) => p.profile[k]);
    // Array columns travel as comma-joined text: unnest() would flatten a text[][].
    await trx.raw(
      `INSERT INTO profiles (user_id, display_name, birthdate, gender, bio, interests, looking_for, age_min, age_max,
                             max_distance_km, lat, lon, visibility, settings, goal, goals, height_cm, education, children, smoking, drinking)
       SELECT u, dn, bd, g, bio, string_to_array(i, ','), coalesce(string_to_array(lf, ','), '{}'), amin, amax,
              maxd, lat, lon, vis, st::jsonb, goal, string_to_array(goals, ','), h, edu, ch, sm, dr
       FROM unnest(?::uuid[], ?::text[], ?::date[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::int[],
                   ?::int[], ?::float8[], ?::float8[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::text[], ?::text[])
         AS t(u, dn, bd, g, bio, i, lf, amin, amax, maxd, lat, lon, vis, st, goal, goals, h, edu, ch, sm, dr)`,
      [
        col(people, (p) => p.id),
        f('display_name'),
        f('birthdate'),
        f('gender'),
        f('bio'),
        f('interests'),
        f('looking_for'),
        f('age_min'),
        f('age_max'),
        f('max_distance_km'),
        f('lat'),
        f('lon'),
        f('visibility'),
        f('settings'),
        f('goal'),
        f('goals'),
        f('height_cm'),
        f('education'),
        f('children'),
        f('smoking'),
        f('drinking'),
      ],
    );
  });
}

async function insertSwipes(db: Knex, rows: { s: string; t: string; a: string; at: string }[]): Promise<number> {
  const res = await db.raw(
    `INSERT INTO swipes (swiper_id, target_id, action, created_at)
     SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::timestamptz[])
     ON CONFLICT DO NOTHING`,
    [col(rows, (r) => r.s), col(rows, (r) => r.t), col(rows, (r) => r.a), col(rows, (r) => r.at)],
  );
  return res.rowCount ?? 0;
}

export async function seedProfiles(db: Knex, opts: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const rng = rngOf(opts.seed ?? 42);
  const batchSize = opts.batchSize ?? 5000;
  const now = Date.now();
  const { max } = (await db('users').max({ max: 'telegram_id' }).first()) as { max: number | null };
  // Seeded Telegram ids live in a range of their own, after anything already there.
  let telegramId = Math.max(Number(max ?? 0), 8_000_000_000_000) + 1;
  const byCity: string[][] = CITIES.map(() => []);

  opts.onProgress?.('profiles', 0, opts.profiles);
  for (let done = 0; done < opts.profiles; ) {
    const n = Math.min(batchSize, opts.profiles - done);
    const people = Array.from({ length: n }, () => makePerson(rng, telegramId++, now));
    await insertBatch(db, people);
    for (const p of people) byCity[p.city].push(p.id);
    done += n;
    opts.onProgress?.('profiles', done, opts.profiles);
  }

  let swipes = 0;
  const perUser = opts.swipesPerUser ?? 3;
  const total = Math.round(opts.profiles * perUser);
  let pending: { s: string; t: string; a: string; at: string }[] = [];
  let made = 0;
  opts.onProgress?.('swipes', 0, total);
  const flush = async () => {
    swipes += await insertSwipes(db, pending);
    made += pending.length;
    pending = [];
    opts.onProgress?.('swipes', made, total);
  };
  for (let i = 0; i < total; i++) {
    const city = byCity[rng.weighted(CITY_WEIGHTS)];
    const s = rng.pick(city);
    const t = rng.pick(city);
    if (s === t) continue;
    const a = rng.weighted([['like', 55], ['pass', 40], ['superlike', 5]] as const);
    pending.push({ s, t, a, at: new Date(now - rng.next() * 30 * 86_400_000).toISOString() });
    if (pending.length === batchSize) await flush();
  }
  if (pending.length) await flush();
  await db.raw('ANALYZE users, profiles, swipes');
  return { users: opts.profiles, swipes, ms: Date.now() - started };
}

/** A one-line progress bar on stderr (a line per 10% when stderr is not a terminal). */
export function progressBar(out: NodeJS.WriteStream = process.stderr) {
  const started = new Map<string, number>();
  let lastDecile = -1;
  return (phase: string, done: number, total: number) => {
    if (!started.has(phase)) {
      started.set(phase, Date.now());
      lastDecile = -1;
    }
    const frac = total ? done / total : 1;
    const rate = Math.round(done / Math.max(0.001, (Date.now() - started.get(phase)!) / 1000));
    const text = `${phase.padEnd(8)} ${(frac * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} · ${rate.toLocaleString('en')}/s`;
    if (out.isTTY) {
      const width = 30;
      const filled = Math.round(frac * width);
      out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
      if (done >= total) out.write('\n');
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        out.write(`${text}\n`);
      }
    }
  };
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
}

function intArg(args: string[], name: string, def: number): number {
  const raw = argValue(args, name);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`--${name} must be a non-negative number\n`);
    process.exit(64);
  }
  return n;
}

async function main() {
  const args = process.argv.slice(2);
  const profiles = intArg(args, 'profiles', 1000);
  const swipesPerUser = intArg(args, 'swipes-per-user', 3);
  const seed = intArg(args, 'seed', 42);
  const config = loadConfigOrExit();
  if (!config.databaseUrl) {
    process.stderr.write('DATABASE_URL is required: the seed fills that database (it is migrated first).\n');
    process.exit(64);
  }
  const db = createDb(config.databaseUrl, 2);
  try {
    await migrateLatest(db);
    const r = await seedProfiles(db, { profiles: Math.floor(profiles), swipesPerUser, seed, onProgress: progressBar() });
    process.stdout.write(
      `seeded ${r.users.toLocaleString('en')} users with profiles over ${CITIES.length} cities and ${r.swipes.toLocaleString('en')} swipes in ${(r.ms / 1000).toFixed(1)} s\n`,
    );
  } finally {
    await db.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    process.stderr.write(`seed failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
