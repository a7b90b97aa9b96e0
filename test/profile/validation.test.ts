import { expect } from 'chai';
import { createHttpApp } from '../../shared/http/app.js';
import type { Platform } from '../../shared/platform.js';
import { createProfileRouter } from '../../api/profile/index.js';
import { testPlatform } from '../helpers/env.js';
import { client, errorCode, startHttp, type ApiResponse, type Running } from '../helpers/http.js';
import { createUser, type TestUser } from '../helpers/users.js';
import { birthdateYearsAgo } from '../helpers/profiles.js';
import { validProfile } from './fixtures.js';

/** [what, body fields, the field the details must name] */
type Case = [string, Record<string, unknown>, string];

const BAD_FIELDS: Case[] = [
  // underage and impossible birthdates
  ['a 17-year-old (18th birthday tomorrow)', { birthdate: birthdateYearsAgo(18, 1) }, 'birthdate'],
  ['a birthdate in the future', { birthdate: birthdateYearsAgo(-1) }, 'birthdate'],
  ['an absurd age', { birthdate: '1850-01-01' }, 'birthdate'],
  ['a date that does not exist', { birthdate: '2001-02-30' }, 'birthdate'],
  ['a date in another format', { birthdate: '01/02/1990' }, 'birthdate'],
  ['a date with a time', { birthdate: '1990-01-01T00:00:00Z' }, 'birthdate'],
  ['a birthdate as a number', { birthdate: 19900101 }, 'birthdate'],
  // bad enums
  ['an unknown gender', { gender: 'robot' }, 'gender'],
  ['a gender in other case', { gender: 'Woman' }, 'gender'],
  ['an unknown visibility', { visibility: 'invisible' }, 'visibility'],
  ['an unknown goal', { goal: 'marriage' }, 'goal'],
  ['an unknown goal in goals', { goals: ['casual', 'marriage'] }, 'goals.1'],
  ['an unknown gender in looking_for', { looking_for: ['man', 'cat'] }, 'looking_for.1'],
  ['an unknown education', { education: 'phd' }, 'education'],
  ['an unknown children value', { children: 'lots' }, 'children'],
  ['an unknown smoking value', { smoking: 'chain' }, 'smoking'],
  ['an unknown drinking value', { drinking: 'always' }, 'drinking'],
  // out of range
  ['age_min below 18', { age_min: 17 }, 'age_min'],
  ['age_max above 100', { age_max: 101 }, 'age_max'],
  ['a fractional age_min', { age_min: 20.5 }, 'age_min'],
  ['max_distance_km 0', { max_distance_km: 0 }, 'max_distance_km'],
  ['max_distance_km 501', { max_distance_km: 501 }, 'max_distance_km'],
  ['height_cm 119', { height_cm: 119 }, 'height_cm'],
  ['height_cm 231', { height_cm: 231 }, 'height_cm'],
  ['a latitude of 91', { location: { lat: 91, lon: 0 } }, 'location.lat'],
  ['a longitude of -181', { location: { lat: 0, lon: -181 } }, 'location.lon'],
  ['a location without lon', { location: { lat: 0 } }, 'location.lon'],
  // too long, empty, huge
  ['an empty display_name', { display_name: '' }, 'display_name'],
  ['a blank display_name', { display_name: '    ' }, 'display_name'],
  ['a 65-character display_name', { display_name: 'x'.repeat(65) }, 'display_name'],
  ['a huge display_name', { display_name: 'x'.repeat(200_000) }, 'display_name'],
  ['a display_name with a NUL byte', { display_name: 'Al\u0000ice' }, 'display_name'],
  ['a display_name with a newline', { display_name: 'Al\nice' }, 'display_name'],
  ['a 501-character bio', { bio: 'b'.repeat(501) }, 'bio'],
  ['a bio with a NUL byte', { bio: 'a\u0000b' }, 'bio'],
  ['11 interests', { interests: Array.from({ length: 11 }, (_, i) => `tag${i}`) }, 'interests'],
  ['a 33-character interest', { interests: ['x'.repeat(33)] }, 'interests.0'],
  ['an empty interest', { interests: ['ok', ' '] }, 'interests.1'],
  // wrong types
  ['a display_name as a number', { display_name: 42 }, 'display_name'],
  ['interests as a string', { interests: 'music' }, 'interests'],
  ['a number in interests', { interests: [1] }, 'interests.0'],
  ['age_min as a string', { age_min: '30' }, 'age_min'],
  ['location as a string', { location: '52.5,13.4' }, 'location'],
  ['settings as a string', { settings: 'on' }, 'settings'],
  ['settings as an array', { settings: [] }, 'settings'],
  ['show_age as a string', { settings: { show_age: 'yes' } }, 'settings.show_age'],
  ['notifications as a number', { settings: { notifications: 5 } }, 'settings.notifications'],
  ['a notification that is not a boolean', { settings: { notifications: { messages: 'yes' } } }, 'settings.notifications'],
  [
    'too many notification kinds',
    { settings: { notifications: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`kind_${i}`, true])) } },
    'settings.notifications',
  ],
  ['an unknown time zone', { settings: { timezone: 'Mars/Olympus_Mons' } }, 'settings.timezone'],
  ['quiet hours at 25:00', { settings: { quiet_hours: { start: '25:00', end: '07:00' } } }, 'settings.quiet_hours.start'],
  ['visibility as null', { visibility: null }, 'visibility'],
  ['display_name as null', { display_name: null }, 'display_name'],
  // unknown fields
  ['an unknown top-level field', { is_admin: true }, 'is_admin'],
  ['an attempt to set user_id', { user_id: '00000000-0000-4000-8000-000000000000' }, 'user_id'],
  ['a lat/lon pair instead of location', { lat: 1, lon: 2 }, 'lat'],
  ['an unknown settings key', { settings: { colour: 'red' } }, 'settings.colour'],
  ['an unknown key in location', { location: { lat: 1, lon: 2, alt: 3 } }, 'location.alt'],
];

describe('Profile service: bad input is a 400 with field details and changes nothing', () => {
  let platform: Platform;
  let running: Running;
  let api: ReturnType<typeof client>;
  let owner: TestUser;
  let ownerView: unknown;

  before(async () => {
    platform = testPlatform({}, 'profile');
    const app = createHttpApp({ service: 'profile', logger: platform.logger, readiness: platform, routers: [createProfileRouter(platform)] });
    running = await startHttp(app.callback());
    api = client(running.url);
    owner = await createUser(platform.db, platform.config);
    const res = await api.post('/profiles', validProfile({ bio: 'untouched', settings: { show_age: false } }), { token: owner.token });
    expect(res.status).to.equal(201);
    ownerView = res.body;
  });
  after(async () => {
    await running.close();
    await platform.close();
  });

  afterEach(async () => {
    expect((await api.get('/profiles/me', { token: owner.token })).body, 'the stored profile changed').to.deep.equal(ownerView);
  });

  function expectFieldProblem(res: ApiResponse, field: string) {
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).to.equal(400);
    expect(errorCode(res)).to.equal('validation_failed');
    const details = res.body.error.details as { field: string; message: string }[];
    expect(details.map((d) => d.field)).to.include(field);
    for (const d of details) expect(d.message).to.be.a('string').and.not.equal('');
  }

  for (const [what, fields, field] of BAD_FIELDS) {
    it(`rejects ${what} on create`, async () => {
      const u = await createUser(platform.db, platform.config);
      expectFieldProblem(await api.post('/profiles', validProfile(fields), { token: u.token }), field);
      expect((await api.get('/profiles/me', { token: u.token })).status, 'no profile was created').to.equal(404);
    });
    it(`rejects ${what} on update`, async () => {
      expectFieldProblem(await api.put(`/profiles/${owner.id}`, fields, { token: owner.token }), field);
    });
  }

  it('names each missing required field on create', async () => {
    const u = await createUser(platform.db, platform.config);
    const res = await api.post('/profiles', { bio: 'only a bio' }, { token: u.token });
    expectFieldProblem(res, 'display_name');
    const fields = res.body.error.details.map((d: { field: string }) => d.field);
    expect(fields).to.include.members(['display_name', 'birthdate', 'gender']);
    for (const d of res.body.error.details) expect(d.message).to.equal('is required');
  });

  it('names every unknown field separately', async () => {
    const res = await api.put(`/profiles/${owner.id}`, { a: 1, b: 2, settings: { c: 3 } }, { token: owner.token });
    expectFieldProblem(res, 'a');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).to.include.members(['a', 'b', 'settings.c']);
  });

  it('accepts a birthdate of someone who turns 18 today', async () => {
    const u = await createUser(platform.db, platform.config);
    const res = await api.post('/profiles', validProfile({ birthdate: birthdateYearsAgo(18) }), { token: u.token });
    expect(res.status).to.equal(201);
    expect(res.body.age).to.equal(18);
  });

  it('turns a malformed JSON body into 400', async () => {
    const res = await api.request('PUT', `/profiles/${owner.id}`, { token: owner.token, rawBody: '{"bio": ', headers: { 'content-type': 'application/json' } });
    expect(res.status).to.equal(400);
    expect(errorCode(res)).to.equal('validation_failed');
  });

  it('answers 415 to a body that is not JSON', async () => {
    for (const [type, body] of [
      ['text/plain', 'bio=hello'],
      ['application/x-www-form-urlencoded', 'bio=hello'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="bio"\r\n\r\nhello\r\n--x--\r\n'],
    ]) {
      const res = await api.request('PUT', `/profiles/${owner.id}`, { token: owner.token, rawBody: body, headers: { 'content-type': type } });
      expect(res.status, type).to.equal(415);
      expect(errorCode(res)).to.equal('unsupported_media_type');
    }
  });

  it('answers 400 to a write without a body, or with JSON that is not an object', async () => {
    const none = await api.request('PUT', `/profiles/${owner.id}`, { token: owner.token });
    expect(none.status).to.equal(400);
    expect(errorCode(none)).to.equal('validation_failed');
    for (const raw of ['[]', '["bio"]', '"bio"', '42', 'null']) {
      const res = await api.request('PUT', `/profiles/${owner.id}`, { token: owner.token, rawBody: raw, headers: { 'content-type': 'application/json' } });
      expect(res.status, raw).to.equal(400);
      expect(errorCode(res)).to.equal('validation_failed');
    }
  });

  it('answers 413 to a body over the JSON limit', async () => {
    const res = await api.put(`/profiles/${owner.id}`, { bio: 'x'.repeat(2 * 1024 * 1024) }, { token: owner.token });
    expect(res.status).to.equal(413);
    expect(errorCode(res)).to.equal('payload_too_large');
  });

  it('rejects a cross-field problem on update as a whole, without applying the valid part', async () => {
    const res = await api.put(`/profiles/${owner.id}`, { bio: 'changed', age_min: 60, age_max: 30 }, { token: owner.token });
    expectFieldProblem(res, 'age_min');
  });

  it('rejects a patch with one bad field without applying the good ones', async () => {
    const res = await api.put(`/profiles/${owner.id}`, { bio: 'changed', gender: 'robot' }, { token: owner.token });
    expectFieldProblem(res, 'gender');
  });
});
