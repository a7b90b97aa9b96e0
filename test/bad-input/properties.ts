// Property-based bad input (fast-check): arbitrary JSON to every JSON route
// and every socket event, arbitrary text (NUL, unpaired surrogates, controls,
// any plane) in every free-text field. Never a 5xx, never an error logged;
// a refusal always has the contract's shape and changes nothing.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { errorCode, type ApiResponse } from '../helpers/http.js';
import { emitAck, openSocket, type ClientSocket } from '../helpers/sockets.js';
import { createMatch, createUser, type TestUser } from '../helpers/users.js';
import { createProfile } from '../helpers/profiles.js';
import { expectNoErrorLogged, tally, type Cast, type Harness } from './harness.js';

const RUNS = 25;

/** Percent-encodes the UTF-8 bytes (encodeURIComponent throws on an unpaired surrogate). */
const enc = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const NOBODY = randomUUID();

/** Any JSON value, with the nasty strings mixed in. */
const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\ud800', '\udfff', '\u200b', '\u202e', '\ufeff', '%00', "'; --", '__proto__', 'constructor', '🙂'.repeat(3), '\r\n', ' '),
);
const anyJson = fc.jsonValue({ maxDepth: 3 }).chain((v) => fc.oneof(fc.constant(v), fc.dictionary(nastyString, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 4 })));

/** A 5xx never; a 4xx always in the error shape. */
function checkAnswer(res: ApiResponse, what: unknown) {
  const where = `${res.status} for ${JSON.stringify(what)?.slice(0, 200)}: ${JSON.stringify(res.body)?.slice(0, 200)}`;
  expect(res.status, where).to.be.below(500);
  if (res.status >= 400) errorCode(res);
}

type Who = 'alice' | 'newbie' | 'admin' | null;
const JSON_ROUTES: [method: string, path: (c: Cast) => string, who: Who][] = [
  ['POST', () => '/auth/validate', null],
  ['POST', () => '/auth/token', null],
  ['POST', () => '/auth/refresh', null],
  ['POST', () => '/auth/telegram-login', null],
  ['POST', () => '/profiles', 'newbie'],
  ['PUT', () => '/profiles/me', 'alice'],
  ['POST', () => '/profiles/me/photos', 'alice'],
  ['PUT', () => `/profiles/me/photos/${NOBODY}`, 'alice'],
  ['POST', () => '/discovery/like', 'alice'],
  ['POST', () => '/discovery/pass', 'alice'],
  ['POST', () => '/discovery/superlike', 'alice'],
  ['POST', () => '/discovery/block', 'alice'],
  ['POST', () => '/discovery/report', 'alice'],
  ['POST', () => '/chat/messages', 'alice'],
  ['POST', (c) => `/chat/conversations/${c.de.conversationId}/read`, 'alice'],
  ['POST', () => `/admin/media/${NOBODY}/approve`, 'admin'],
  ['POST', () => `/admin/media/${NOBODY}/reject`, 'admin'],
  ['POST', () => `/admin/reports/${NOBODY}/review`, 'admin'],
  ['POST', () => `/admin/users/${NOBODY}/ban`, 'admin'],
  ['POST', () => `/admin/users/${NOBODY}/unban`, 'admin'],
];

export function propertyTests(h: () => Harness) {
  describe('property-based: arbitrary JSON to every JSON route', () => {
    for (const [method, path, who] of JSON_ROUTES) {
      it(`${method} ${path({ de: { conversationId: '{id}' } } as Cast)}: never a 5xx, nothing changes`, async () => {
        const { cast } = h();
        const before = await h().fingerprint();
        const logFrom = h().errors.length;
        await fc.assert(
          fc.asyncProperty(anyJson, async (body) => {
            const res = await h().api.request(method, path(cast), { token: who ? cast[who].token : undefined, rawBody: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
            checkAnswer(res, body);
            tally.propertyRuns++;
          }),
          { numRuns: RUNS },
        );
        await fc.assert(
          fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 60 }), async (text) => {
            const res = await h().api.request(method, path(cast), { token: who ? cast[who].token : undefined, rawBody: text, headers: { 'content-type': 'application/json' } });
            checkAnswer(res, text);
            tally.propertyRuns++;
          }),
          { numRuns: 10 },
        );
        expect(await h().fingerprint(), 'nothing changed').to.equal(before);
        expectNoErrorLogged(h(), logFrom);
      });
    }
  });

  describe('property-based: arbitrary path segments and query strings', () => {
    const PARAM_ROUTES: [method: string, path: (seg: string) => string, who: Who][] = [
      ['GET', (x) => `/profiles/${x}`, 'alice'],
      ['PUT', (x) => `/profiles/${x}`, 'alice'],
      ['DELETE', (x) => `/profiles/${x}`, 'alice'],
      ['GET', (x) => `/profiles/${x}/photos`, 'alice'],
      ['PUT', (x) => `/profiles/me/photos/${x}`, 'alice'],
      ['DELETE', (x) => `/profiles/me/photos/${x}`, 'alice'],
      ['DELETE', (x) => `/auth/sessions/${x}`, 'alice'],
      ['DELETE', (x) => `/discovery/matches/${x}`, 'alice'],
      ['GET', (x) => `/media/${x}`, 'alice'],
      ['GET', (x) => `/media/${x}/original`, 'alice'],
      ['DELETE', (x) => `/media/${x}`, 'alice'],
      ['GET', (x) => `/media/user/${x}`, 'alice'],
      ['GET', (x) => `/media/files/v/${x}`, null],
      ['GET', (x) => `/chat/messages/${x}`, 'alice'],
      ['POST', (x) => `/chat/conversations/${x}/read`, 'alice'],
      ['POST', (x) => `/admin/media/${x}/approve`, 'admin'],
      ['POST', (x) => `/admin/users/${x}/ban`, 'admin'],
      ['GET', (x) => `/assets/${x}`, null],
    ];
    const segment = fc.oneof(nastyString, fc.uuid().map((u) => u.toUpperCase()), fc.string({ unit: 'grapheme-ascii', maxLength: 40 })).filter((x) => x !== '' && x !== 'me');
    it('every parametrized route: never a 5xx, nothing changes', async () => {
      const { cast } = h();
      const before = await h().fingerprint();
      const logFrom = h().errors.length;
      for (const [method, path, who] of PARAM_ROUTES) {
        await fc.assert(
          fc.asyncProperty(segment, fc.boolean(), async (x, raw) => {
            const res = await h().api.request(method, path(raw ? x.replace(/[/?#%\s]/g, '') || 'x' : enc(x)), { token: who ? cast[who].token : undefined, body: method === 'GET' || method === 'DELETE' ? undefined : {} });
            checkAnswer(res, x);
            tally.propertyRuns++;
          }),
          { numRuns: 15 },
        );
      }
      expect(await h().fingerprint(), 'nothing changed').to.equal(before);
      expectNoErrorLogged(h(), logFrom);
    });

    const QUERY_ROUTES: [path: string, who: Who][] = [
      ['/discovery/candidates', 'alice'],
      ['/discovery/likes', 'alice'],
      ['/chat/messages/{ab}', 'alice'],
      ['/admin/queue', 'admin'],
      ['/admin/audit', 'admin'],
    ];
    const params = fc.array(fc.tuple(fc.constantFrom('limit', 'cursor', 'debug', 'before_seq', 'after_seq', 'kind', 'before_id', 'admin_id', 'target_id', 'action', 'limit[]', 'x'), nastyString), { maxLength: 4 });
    it('every query string: never a 5xx', async () => {
      const { cast } = h();
      const logFrom = h().errors.length;
      for (const [path, who] of QUERY_ROUTES) {
        await fc.assert(
          fc.asyncProperty(params, async (ps) => {
            const q = ps.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
            const res = await h().api.get(`${path.replace('{ab}', cast.ab.conversationId)}?${q}`, { token: who ? cast[who].token : undefined });
            checkAnswer(res, q);
            tally.propertyRuns++;
          }),
          { numRuns: RUNS },
        );
      }
      expectNoErrorLogged(h(), logFrom);
    });
  });

  describe('property-based: arbitrary files and multipart bodies', () => {
    const MAGIC: Record<string, number[]> = {
      jpeg: [0xff, 0xd8, 0xff, 0xe0],
      png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      webp: [...Buffer.from('RIFF'), 0x10, 0, 0, 0, ...Buffer.from('WEBPVP8 ')],
      avif: [0, 0, 0, 0x1c, ...Buffer.from('ftypavif'), 0, 0, 0, 0, ...Buffer.from('avifmif1')],
      heic: [0, 0, 0, 0x18, ...Buffer.from('ftypheic'), 0, 0, 0, 0, ...Buffer.from('mif1heic')],
      gif: [...Buffer.from('GIF89a')],
      none: [],
    };
    const file = fc.tuple(fc.constantFrom(...Object.keys(MAGIC)), fc.uint8Array({ maxLength: 3000 })).map(([kind, rest]) => Uint8Array.from([...MAGIC[kind], ...rest]));

    for (const path of ['/media/upload', '/profiles/me/photos']) {
      it(`POST ${path}: a file of an image's first bytes and noise is refused, never a 5xx, nothing changes`, async () => {
        const before = await h().fingerprint();
        const logFrom = h().errors.length;
        await fc.assert(
          fc.asyncProperty(file, async (bytes) => {
            const form = new FormData();
            form.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg');
            const res = await h().api.request('POST', path, { token: h().cast.alice.token, rawBody: form });
            checkAnswer(res, Buffer.from(bytes.slice(0, 16)).toString('hex'));
            expect(res.status, JSON.stringify(res.body)).to.be.within(400, 499);
            tally.propertyRuns++;
          }),
          { numRuns: 20 },
        );
        expect(await h().fingerprint(), 'nothing changed').to.equal(before);
        expectNoErrorLogged(h(), logFrom);
      });
    }

    it('POST /media/upload: arbitrary multipart text is refused, never a 5xx', async () => {
      const before = await h().fingerprint();
      const logFrom = h().errors.length;
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom('xyz', '', '"quoted"', 'a'.repeat(80)), async (body, boundary) => {
          const res = await h().api.request('POST', '/media/upload', {
            token: h().cast.alice.token,
            rawBody: `--${boundary}\r\n${body}\r\n--${boundary}--\r\n`,
            headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
          });
          checkAnswer(res, body);
          expect(res.status).to.be.within(400, 499);
          tally.propertyRuns++;
        }),
        { numRuns: RUNS },
      );
      expect(await h().fingerprint(), 'nothing changed').to.equal(before);
      expectNoErrorLogged(h(), logFrom);
    });
  });

  describe('property-based: arbitrary text in every free-text field', () => {
    let u: TestUser;
    let peer: TestUser;
    let conversationId: string;
    before(async () => {
      const { db, config } = h().platform;
      u = await createUser(db, config, { firstName: 'Prop' });
      peer = await createUser(db, config, { firstName: 'Peer' });
      await createProfile(db, u.id, { display_name: 'Prop', gender: 'man' });
      await createProfile(db, peer.id, { display_name: 'Peer' });
      ({ conversationId } = await createMatch(db, u.id, peer.id));
    });

    const text = fc.oneof(nastyString, fc.string({ unit: 'grapheme', maxLength: 80 }));
    const fields: [name: string, send: (s: string, s2: string) => Promise<ApiResponse>, roundTrip?: (res: ApiResponse, s: string) => void][] = [
      ['profile display_name', (s) => h().api.put('/profiles/me', { display_name: s }, { token: u.token }), (res, s) => expect(res.body.display_name).to.equal(s.trim())],
      ['profile bio', (s) => h().api.put('/profiles/me', { bio: s }, { token: u.token }), (res, s) => expect(res.body.bio).to.equal(s)],
      ['profile interests', (s, s2) => h().api.put('/profiles/me', { interests: [s, s2] }, { token: u.token })],
      ['profile time zone', (s) => h().api.put('/profiles/me', { settings: { timezone: s } }, { token: u.token })],
      ['chat message body', (s) => h().api.post('/chat/messages', { conversation_id: conversationId, body: s, client_msg_id: randomUUID() }, { token: u.token }), (res, s) => expect(res.body.message.body).to.equal(s)],
      ['chat client_msg_id', (s) => h().api.post('/chat/messages', { conversation_id: conversationId, body: 'x', client_msg_id: s }, { token: u.token })],
      ['report reason and details', (s, s2) => h().api.post('/discovery/report', { target_id: peer.id, reason: s, details: s2 }, { token: u.token })],
      ['init data', (s) => h().api.post('/auth/token', { init_data: s })],
      ['refresh token', (s) => h().api.post('/auth/refresh', { refresh_token: s })],
      ['candidates cursor', (s) => h().api.get(`/discovery/candidates?cursor=${enc(s)}`, { token: h().cast.alice.token })],
      ['messages query', (s) => h().api.get(`/chat/messages/${conversationId}?after_seq=${enc(s)}&limit=${enc(s)}`, { token: u.token })],
      ['admin ban reason', (s) => h().api.post(`/admin/users/${peer.id}/ban`, { reason: s }, { token: h().cast.admin.token })],
      ['admin reject reason', (s) => h().api.post(`/admin/media/${h().cast.carolReview}/reject`, { reason: s }, { token: h().cast.admin.token })],
      ['admin audit action filter', (s) => h().api.get(`/admin/audit?action=${enc(s)}`, { token: h().cast.admin.token })],
      ['path segment', (s) => h().api.get(`/profiles/${enc(s)}`, { token: h().cast.alice.token })],
    ];
    for (const [name, send, roundTrip] of fields) {
      it(`${name}: never a 5xx; what is accepted comes back unchanged`, async () => {
        const logFrom = h().errors.length;
        await fc.assert(
          fc.asyncProperty(text, text, async (s, s2) => {
            const res = await send(s, s2);
            checkAnswer(res, [s, s2]);
            if (res.status < 300 && roundTrip) roundTrip(res, s);
            tally.propertyRuns++;
          }),
          { numRuns: RUNS },
        );
        expectNoErrorLogged(h(), logFrom);
      });
    }
  });

  describe('property-based: arbitrary payloads to every socket event', () => {
    let socket: ClientSocket;
    before(async () => {
      socket = await openSocket(h().url, h().cast.alice.token);
    });
    after(() => socket?.close());

    for (const event of ['message:send', 'message:read', 'typing:start', 'typing:stop', 'presence:query', 'auth:refresh'] as const) {
      it(`${event}: an ack for anything, never an error logged, nothing changes`, async () => {
        const before = await h().fingerprint();
        const logFrom = h().errors.length;
        await fc.assert(
          fc.asyncProperty(anyJson, async (payload) => {
            const ack = await emitAck(socket, event, payload);
            expect(ack.ok, JSON.stringify(payload)).to.be.a('boolean');
            if (!ack.ok) {
              expect(ack.error.code).to.be.a('string');
              expect(ack.error.message).to.be.a('string');
            }
            tally.propertyRuns++;
          }),
          { numRuns: RUNS },
        );
        expect(socket.connected).to.equal(true);
        expect(await h().fingerprint(), 'nothing changed').to.equal(before);
        expectNoErrorLogged(h(), logFrom);
      });
    }
  });
}
