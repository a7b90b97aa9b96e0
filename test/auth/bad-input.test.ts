import { expect } from 'chai';
import { errorCode, type ApiResponse } from '../helpers/http.js';
import { loginViaApi, signInitData } from '../helpers/telegram.js';
import { newTgUser, startAuth, type AuthApp } from './harness.js';

function expect400(res: ApiResponse, field?: string) {
  expect(res.status, JSON.stringify(res.body)).to.equal(400);
  expect(errorCode(res)).to.equal('validation_failed');
  expect(res.body.error.details).to.be.an('array').that.is.not.empty;
  if (field) expect(res.body.error.details.map((d: { field: string }) => d.field)).to.include(field);
}

describe('Auth bad input', () => {
  let app: AuthApp;
  let users: number;
  before(async () => {
    app = await startAuth();
    users = Number((await app.platform.db('users').count('* as n').first())?.n);
  });
  after(() => app.close());

  const bodies: Record<string, { path: string; field: string }> = {
    validate: { path: '/auth/validate', field: 'init_data' },
    token: { path: '/auth/token', field: 'init_data' },
    refresh: { path: '/auth/refresh', field: 'refresh_token' },
    'dev init data': { path: '/auth/dev/init-data', field: 'user' },
  };

  for (const [name, { path, field }] of Object.entries(bodies)) {
    describe(`POST ${path} (${name})`, () => {
      it('answers a malformed JSON body with 400 and details', async () => {
        expect400(await app.api.request('POST', path, { rawBody: '{"init_data": ', headers: { 'content-type': 'application/json' } }));
      });
      it('answers a non-JSON body with 400 and details', async () => {
        expect400(await app.api.request('POST', path, { rawBody: 'init_data=abc', headers: { 'content-type': 'text/plain' } }));
        expect400(await app.api.request('POST', path, { rawBody: 'init_data=abc', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
        expect400(await app.api.request('POST', path, {}));
      });
      it('answers a missing field with 400 naming it', async () => {
        expect400(await app.api.post(path, {}), field);
      });
      it('answers a wrong type with 400 naming the field', async () => {
        expect400(await app.api.post(path, { [field]: 12345 }), field);
        expect400(await app.api.post(path, { [field]: ['a'] }), field);
        expect400(await app.api.post(path, { [field]: null }), field);
        expect400(await app.api.post(path, [field]));
      });
    });
  }

  it('answers 100 KB of init data with 400 and details', async () => {
    const huge = `${signInitData(newTgUser())}&pad=${'x'.repeat(100 * 1024)}`;
    expect400(await app.api.post('/auth/validate', { init_data: huge }), 'init_data');
    expect400(await app.api.post('/auth/token', { init_data: huge }), 'init_data');
    expect400(await app.api.post('/auth/refresh', { refresh_token: 'x'.repeat(100 * 1024) }), 'refresh_token');
  });

  it('answers an empty init data and refresh token with 400', async () => {
    expect400(await app.api.post('/auth/token', { init_data: '' }), 'init_data');
    expect400(await app.api.post('/auth/refresh', { refresh_token: '' }), 'refresh_token');
  });

  // (Moved here from the bad-input suite, which runs production-like without this route.)
  const badDevUsers: Record<string, unknown> = {
    'no user': {},
    'user null': { user: null },
    'id as a string': { user: { id: '1', first_name: 'A' } },
    'a negative id': { user: { id: -1, first_name: 'A' } },
    'an id of 2^64': { user: { id: 18446744073709551616, first_name: 'A' } },
    'a fractional id': { user: { id: 1.5, first_name: 'A' } },
    'an empty first name': { user: { id: 1, first_name: '' } },
    'a 65-character first name': { user: { id: 1, first_name: 'f'.repeat(65) } },
    'a NUL in the first name': { user: { id: 1, first_name: 'a\u0000b' } },
    'an unpaired surrogate in the first name': { user: { id: 1, first_name: 'x\ud800y' } },
    'a bad username': { user: { id: 1, first_name: 'A', username: 'a b; DROP TABLE users' } },
    'a photo_url that is not a URL': { user: { id: 1, first_name: 'A', photo_url: 'javascript' } },
    'an extra field in user': { user: { id: 1, first_name: 'A', is_admin: true } },
  };
  for (const [what, body] of Object.entries(badDevUsers)) {
    it(`answers dev init data with ${what} with 400`, async () => {
      expect400(await app.api.post('/auth/dev/init-data', body));
    });
  }

  it('answers a bad user for dev init data with 400 naming the fields', async () => {
    expect400(await app.api.post('/auth/dev/init-data', { user: { id: -1, first_name: '' } }), 'user.id');
    expect400(await app.api.post('/auth/dev/init-data', { user: { id: 1.5, first_name: 'A', username: 'bad name!' } }), 'user.username');
  });

  it('never answers 500 to garbage init data and creates nobody', async () => {
    for (const init_data of ['%', '%%%zz', '&&&', 'hash=', '=', 'user=%7B&hash=00', '🙂'.repeat(100), 'a=1&a=2']) {
      const res = await app.api.post('/auth/token', { init_data });
      expect(res.status, init_data).to.equal(401);
      expect(errorCode(res)).to.equal('invalid_init_data');
    }
    // No request field may hold a NUL character (shared/validation.ts): a 400 naming the field.
    expect400(await app.api.post('/auth/token', { init_data: '\u0000' }), 'init_data');
    expect(Number((await app.platform.db('users').count('* as n').first())?.n)).to.equal(users);
  });

  it('answers a wrong method with 405 and an unknown auth route with 404', async () => {
    const me = await loginViaApi(app.url, newTgUser());
    const res = await app.api.get('/auth/token');
    expect(res.status).to.equal(405);
    expect((await app.api.get('/auth/nothing', { token: me.access_token })).status).to.equal(404);
  });
});
