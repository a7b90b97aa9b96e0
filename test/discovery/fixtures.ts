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

/** The point `northKm` north and `eastKm` east of `spot` (flat-earth approximation, fine over tens of km). */
export function offset(spot: Spot, northKm: number, eastKm: number): Spot {
  const lat = spot.lat + northKm / 111.195;
  const lon = spot.lon + eastKm / (111.195 * Math.cos((spot.lat * Math.PI) / 180));
  return { lat, lon };
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
