// Discovery test data: people with profiles placed around a spot of their own
// (a point in the South Pacific, far from every other test's profiles), a
// running discovery app, and a probe that records events.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { createHttpApp } from '../../shared/http/app.js';
import type { Platform } from '../../shared/platform.js';
import type { BusEvent, EventType, StreamName } from '../../shared/events.js';
import type { Consumer } from '../../shared/bus/index.js';
import { createDiscoveryRouter, type DiscoveryOptions } from '../../api/discovery/index.js';
import { createUser, type TestUser } from '../helpers/users.js';
import { birthdateForAge, createProfile } from '../helpers/profiles.js';
import { client, startHttp, type Running } from '../helpers/http.js';
import * as repo from '../../api/discovery/repo.js';
import { searchAreas } from '../../api/discovery/service.js';
import { ageOn } from '../../shared/public-profile.js';

export interface Spot {
  lat: number;
  lon: number;
}

let spotsTaken = 0;

/**
 * A fresh empty spot: every test cluster gets its own so they never see each
 * other. Points of a grid over the South Pacific at least ~290 km apart (test
 * distances stay under 150 km); 156 of them per run, the run's database is its own.
 */
export function newSpot(): Spot {
  const k = spotsTaken++;
  return { lat: -58 + (k % 13) * 3, lon: -150 + (Math.floor(k / 13) % 12) * 5 };
}

/** The point `northKm` north and `eastKm` east of `spot` (flat-earth approximation, fine over tens of km), its longitude in [-180, 180). */
export function offset(spot: Spot, northKm: number, eastKm: number): Spot {
  const lat = spot.lat + northKm / 111.195;
  const lon = spot.lon + eastKm / (111.195 * Math.cos((spot.lat * Math.PI) / 180));
  return { lat, lon: lon - 360 * Math.floor((lon + 180) / 360) };
}

export interface ProfileSpec {
  gender: 'man' | 'woman' | 'nonbinary';
  age: number;
  looking_for?: string[];
  age_min?: number;
  age_max?: number;
  max_distance_km?: number;
  /** Where, relative to the cluster's spot: [north km, east km]; null = no location. */
  at?: [number, number] | null;
  visibility?: 'visible' | 'hidden' | 'paused';
  interests?: string[];
  goal?: string | null;
  goals?: string[] | null;
  settings?: Record<string, unknown>;
  name?: string;
  /** Days since the user was last active. */
  inactiveDays?: number;
}

/** A man of 30 who wants a woman of 25–35 within 50 km, 10 km from the spot: fits the suites' women of about 30. */
export const fittingMan = (extra: Partial<ProfileSpec> = {}): ProfileSpec => ({
  gender: 'man',
  age: 30,
  looking_for: ['woman'],
  age_min: 25,
  age_max: 35,
  max_distance_km: 50,
  at: [0, 10],
  ...extra,
});

export interface Person extends TestUser {
  name: string;
}

export async function makePerson(db: Knex, config: Platform['config'], spot: Spot, spec: ProfileSpec): Promise<Person> {
  const user = await createUser(db, config, { firstName: spec.name ?? 'Tester' });
  const where = spec.at === null ? null : offset(spot, spec.at?.[0] ?? 0, spec.at?.[1] ?? 0);
  await createProfile(db, user.id, {
    display_name: spec.name ?? 'Tester',
    birthdate: birthdateForAge(spec.age),
    gender: spec.gender,
    looking_for: spec.looking_for,
    age_min: spec.age_min,
    age_max: spec.age_max,
    max_distance_km: spec.max_distance_km,
    lat: where?.lat ?? null,
    lon: where?.lon ?? null,
    visibility: spec.visibility,
    interests: spec.interests,
    goal: spec.goal,
    goals: spec.goals,
    settings: spec.settings,
  });
  if (spec.inactiveDays) {
    await db('users').where('id', user.id).update({ last_active_at: new Date(Date.now() - spec.inactiveDays * 86_400_000) });
  }
  return { ...user, name: spec.name ?? 'Tester' };
}

/** Many at once, keyed by name. */
export async function makePeople(db: Knex, config: Platform['config'], spot: Spot, specs: Record<string, ProfileSpec>) {
  const out: Record<string, Person> = {};
  for (const [name, spec] of Object.entries(specs)) out[name] = await makePerson(db, config, spot, { ...spec, name });
  return out;
}

export interface ProfileScan {
  node: string;
  index?: string;
  /** The index returns the entries nearest first (a KNN scan: `Order By` in the plan). */
  nearestFirst: boolean;
}

/**
 * How the candidates query reaches profiles for this caller: each scan of
 * profiles in its plan (EXPLAIN of the exact statement). Sequential scans are
 * priced out, as a table of thousands of rows would price them: a test
 * database is too small for the planner to bother with an index.
 */
export async function candidateScans(db: Knex, viewer: repo.Viewer): Promise<ProfileScan[]> {
  return db.transaction(async (trx) => {
    await trx.raw('SET LOCAL enable_seqscan = off');
    const captured: { sql: string; bindings: Knex.RawBinding[] }[] = [];
    const listener = (e: { sql: string; bindings: Knex.RawBinding[] }) => captured.push(e);
    trx.on('query', listener);
    const asOf = new Date();
    await repo.findCandidates(trx, {
      viewer,
      myAge: ageOn(viewer.birthdate, asOf),
      asOf,
      areas: searchAreas(viewer.lat!, viewer.lon!, viewer.max_distance_km + 0.5),
      after: null,
      limit: 10,
      impressionsDay: asOf.toISOString().slice(0, 10),
      impressionCap: 100,
    });
    trx.removeListener('query', listener);
    const { sql, bindings } = captured[captured.length - 1];
    // The event carries the native ($1, $2, …: in order) form; raw() wants '?'.
    const res = await trx.raw(`EXPLAIN (FORMAT JSON) ${sql.replace(/\$\d+/g, '?')}`, bindings);
    const scans: ProfileScan[] = [];
    type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; 'Order By'?: string; Plans?: PlanNode[] };
    const walk = (n: PlanNode) => {
      if (n['Relation Name'] === 'profiles') scans.push({ node: n['Node Type'], index: n['Index Name'], nearestFirst: !!n['Order By'] });
      for (const c of n.Plans ?? []) walk(c);
    };
    walk(res.rows[0]['QUERY PLAN'][0].Plan);
    return scans;
  });
}

export interface DiscoveryApp {
  running: Running;
  api: ReturnType<typeof client>;
  close(): Promise<void>;
}

export async function startDiscovery(platform: Platform, opts: DiscoveryOptions = {}): Promise<DiscoveryApp> {
  const app = createHttpApp({ service: 'discovery', logger: platform.logger, readiness: platform, routers: [createDiscoveryRouter(platform, opts)] });
  const running = await startHttp(app.callback());
  return { running, api: client(running.url), close: () => running.close() };
}

/** Records every event of the given types published from now on (its own consumer group). */
export class EventProbe {
  readonly events: BusEvent[] = [];
  private consumer?: Consumer;

  constructor(
    private readonly platform: Platform,
    private readonly streams: StreamName[],
  ) {}

  async start() {
    this.consumer = this.platform.bus.consume({
      group: `probe-${randomUUID().slice(0, 8)}`,
      streams: this.streams,
      startFrom: '$',
      handler: async (e) => void this.events.push(e),
    });
    await this.consumer.ready;
    return this;
  }

  of<T extends EventType>(type: T, where: (p: BusEvent<T>['payload']) => boolean = () => true): BusEvent<T>[] {
    return (this.events.filter((e) => e.type === type) as BusEvent<T>[]).filter((e) => where(e.payload));
  }

  async stop() {
    await this.consumer?.stop({ abandon: true });
  }
}
