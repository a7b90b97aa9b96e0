// The bad-input suite (issue 10): every REST route and every socket event of
// the contract gets wrong types, missing and extra fields, huge and malformed
// bodies, unicode edge cases, other users' ids and refused tokens. Each case
// must get a 4xx in the contract's error shape (or an `ok: false` ack), change
// nothing, and leave no error in the server log. One all-in-one server serves
// every route and event.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { errorCode } from '../helpers/http.js';
import { connectError, disconnected, emitAck, openSocket, type ClientSocket } from '../helpers/sockets.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { loginViaApi } from '../helpers/telegram.js';
import { createUser } from '../helpers/users.js';
import { expectNoErrorLogged, expectRefusal, refused, startHarness, tally, type Harness } from './harness.js';
import { restCases } from './rest-cases.js';
import { AUTHED_ROUTES } from './routes.js';
import { NO_PAYLOAD, socketCases } from './socket-cases.js';
import { badTokens } from './tokens.js';
import { propertyTests } from './properties.js';
import { createAuthRouter } from '../../api/auth/index.js';
import { createProfileRouter } from '../../api/profile/index.js';
import { createDiscoveryRouter } from '../../api/discovery/index.js';
import { createMediaRouter } from '../../api/media/index.js';
import { createAdminRouter } from '../../api/admin/index.js';
import { webRouter } from '../../api/gateway/web.js';
import { chatRouter } from '../../realtime/chat/routes.js';

describe('bad input: every route and event answers a clean 4xx and changes nothing', function () {
  this.timeout(30_000);
  const ctx = {} as { h: Harness };
  const h = () => ctx.h;

  before(async function () {
    this.timeout(60_000);
    ctx.h = await startHarness();
  });
  after(async () => {
    // eslint-disable-next-line no-console
    console.log(`      bad-input cases: ${tally.cases} (and ${tally.propertyRuns} property-based runs)`);
    await ctx.h?.close();
  });

  describe('self-check', () => {
    it('the fingerprint notices a change and the log capture sees an error', async () => {
      const before = await h().fingerprint();
      await h().platform.db('profiles').where('user_id', h().cast.carol.id).update({ bio: 'changed by the self-check' });
      expect(await h().fingerprint()).not.to.equal(before);
      await h().platform.db('profiles').where('user_id', h().cast.carol.id).update({ bio: '' });
      expect(await h().fingerprint()).to.equal(before);
      const n = h().errors.length;
      h().platform.logger.error({ probe: true }, 'self-check');
      await waitFor('the logged error', () => h().errors.length > n, 5000);
      expect(h().errors.length).to.equal(n + 1);
      h().errors.splice(n, 1);
    });
  });

  for (const [group, cases] of Object.entries(restCases())) {
    describe(`REST: ${group}`, () => {
      for (const k of cases) {
        it(k.name, async () => {
          await refused(h(), () => k.send(h()), k.status, k.code);
          tally.cases++;
        });
      }
    });
  }

  describe('REST: refused access tokens on every authenticated route', () => {
    for (const route of AUTHED_ROUTES) {
      const label = route.path.toString().replace(/^.*?=>\s*/, '').replace(/[`']/g, '').replace(/\$\{[^}]+\}/g, '{id}');
      it(`${route.method} ${label}`, async () => {
        const { cast } = h();
        const tokens = badTokens(h().platform.config, cast.alice, cast.banned);
        const before = await h().fingerprint();
        const logFrom = h().errors.length;
        for (const t of tokens) {
          const res = await h().api.request(route.method, route.path(cast), {
            body: route.body?.(cast),
            headers: t.header === undefined ? {} : { authorization: t.header },
          });
          expect(res.status, `${t.name}: ${JSON.stringify(res.body)}`).to.equal(401);
          expect(errorCode(res), t.name).to.equal(t.code);
        }
        expect(await h().fingerprint(), 'nothing changed').to.equal(before);
        expectNoErrorLogged(h(), logFrom);
        tally.cases += tokens.length;
      });
    }
  });

  describe('REST: replays that change what the contract says they change, and nothing else', () => {
    it('a refresh token presented twice: 401, and its session is revoked (nothing else changes)', async () => {
      const tg = { id: 9_000_000_000 + Math.floor(Math.random() * 1e8), first_name: 'Replay' };
      const login = await loginViaApi(h().url, tg);
      const first = await h().api.post('/auth/refresh', { refresh_token: login.refresh_token });
      expect(first.status).to.equal(200);
      const logFrom = h().errors.length;
      const again = await h().api.post('/auth/refresh', { refresh_token: login.refresh_token });
      expectRefusal(again, 401, 'unauthorized');
      expect((await h().api.get('/auth/verify', { token: first.body.access_token })).status).to.equal(401);
      expectRefusal(await h().api.post('/auth/refresh', { refresh_token: first.body.refresh_token }), 401);
      expectNoErrorLogged(h(), logFrom);
      tally.cases += 2;
    });
  });

  describe('socket: refused handshakes', () => {
    it('refuses every bad access token with connect_error "unauthorized"', async () => {
      const { cast } = h();
      const logFrom = h().errors.length;
      for (const t of badTokens(h().platform.config, cast.alice, cast.banned)) {
        const err = await connectError(h().url, t.token);
        expect(err.message, t.name).to.equal('unauthorized');
        expect(err.data?.code, t.name).to.equal(t.code);
        tally.cases++;
      }
      expectNoErrorLogged(h(), logFrom);
    });

    it('refuses a token that is not a string (number, object, array)', async () => {
      const logFrom = h().errors.length;
      for (const token of [12345, { $ne: null }, [h().cast.alice.token]]) {
        const err = await connectError(h().url, token as never);
        expect(err.message, JSON.stringify(token)).to.equal('unauthorized');
        tally.cases++;
      }
      expectNoErrorLogged(h(), logFrom);
    });
  });

  describe('socket: bad events', () => {
    let socket: ClientSocket;
    before(async () => {
      socket = await openSocket(h().url, h().cast.alice.token);
    });
    after(() => socket?.close());

    const refusedAck = async (event: string, payload: unknown, code?: string) => {
      const before = await h().fingerprint();
      const logFrom = h().errors.length;
      const s = socket as unknown as { timeout(ms: number): { emitWithAck(e: string, ...a: unknown[]): Promise<any> } };
      const ack = payload === NO_PAYLOAD ? await s.timeout(5000).emitWithAck(event) : await s.timeout(5000).emitWithAck(event, payload);
      expect(ack, JSON.stringify(ack)).to.include({ ok: false });
      expect(ack.error.code, JSON.stringify(ack)).to.be.a('string').and.match(/^[a-z][a-z0-9_]*$/);
      expect(ack.error.message).to.be.a('string').and.not.empty;
      if (code) expect(ack.error.code, JSON.stringify(ack)).to.equal(code);
      expect(await h().fingerprint(), 'nothing changed').to.equal(before);
      expectNoErrorLogged(h(), logFrom);
      expect(socket.connected, 'the socket stays connected').to.equal(true);
      tally.cases++;
    };

    for (const [group, cases] of Object.entries(socketCases())) {
      describe(group, () => {
        for (const k of cases) it(k.name, () => refusedAck(k.event, k.payload(h().cast), k.code));
      });
    }

    it('auth:refresh: every refused access token', async () => {
      const { cast } = h();
      for (const t of badTokens(h().platform.config, cast.alice, cast.banned)) {
        const code = t.token === undefined || t.token === '' || t.token.length > 4096 ? 'validation_failed' : t.code;
        await refusedAck('auth:refresh', { token: t.token }, code);
      }
    });


    it('an unknown event with an ack: refused', () => refusedAck('admin:ban', { user_id: h().cast.bob.id }, 'unknown_event'));
    it('an unknown event with a huge name: refused', () => refusedAck(`x${'y'.repeat(10_000)}`, {}, 'unknown_event'));

    it('bad events without an ack: ignored, nothing changes, the socket stays', async () => {
      const before = await h().fingerprint();
      const logFrom = h().errors.length;
      const raw = socket as unknown as { emit(e: string, ...a: unknown[]): void };
      raw.emit('message:send', { conversation_id: 'x' });
      raw.emit('message:send', { conversation_id: h().cast.de.conversationId, body: 'sneaky', client_msg_id: randomUUID() });
      raw.emit('typing:start', null);
      raw.emit('presence:query');
      raw.emit('no:such:event', 1, 2, 3);
      const ack = await emitAck(socket, 'presence:query', { user_ids: [] });
      expect(ack).to.deep.equal({ ok: true, presence: {} });
      // The sneaky send again, with an ack, down the same path: by its refusal the one without was refused too.
      const twin = await emitAck(socket, 'message:send', { conversation_id: h().cast.de.conversationId, body: 'sneaky', client_msg_id: randomUUID() });
      expect(twin.ok, JSON.stringify(twin)).to.equal(false);
      expect(await h().fingerprint()).to.equal(before);
      expectNoErrorLogged(h(), logFrom);
      tally.cases += 5;
    });

    it('presence:query about an online stranger reveals nothing (not matched)', async () => {
      const carol = await openSocket(h().url, h().cast.carol.token);
      const ack = await emitAck(socket, 'presence:query', { user_ids: [h().cast.carol.id] });
      expect(ack).to.deep.equal({ ok: true, presence: { [h().cast.carol.id]: { online: false, last_seen: null } } });
      carol.close();
    });

    it('malformed Socket.IO packets close the connection and change nothing', async () => {
      const before = await h().fingerprint();
      const logFrom = h().errors.length;
      for (const packet of ['2[broken', '2{"a":1}', '9', '2["message:send",{"conversation_id":', '']) {
        const bad = await openSocket(h().url, h().cast.alice.token);
        const gone = disconnected(bad);
        (bad.io.engine as unknown as { write(m: string): void }).write(packet);
        expect(await Promise.race([gone, sleep(1000).then(() => 'still connected')]), JSON.stringify(packet)).not.to.equal('still connected');
        tally.cases++;
      }
      expect(await h().fingerprint()).to.equal(before);
      expectNoErrorLogged(h(), logFrom);
    });

    it('a frame over the 64 KB limit closes the connection and stores nothing', async () => {
      const before = await h().fingerprint();
      const logFrom = h().errors.length;
      const big = await openSocket(h().url, h().cast.alice.token);
      const gone = disconnected(big);
      (big as unknown as { emit(e: string, p: unknown): void }).emit('message:send', { conversation_id: h().cast.ab.conversationId, body: 'x'.repeat(100_000), client_msg_id: randomUUID() });
      expect(await gone).to.be.a('string');
      expect(await h().fingerprint()).to.equal(before);
      expectNoErrorLogged(h(), logFrom);
      tally.cases++;
    });
  });

  describe('unicode that is fine is kept exactly (not bad input: the other side of the line)', () => {
    it('accepts RTL, emoji and combining characters at the limits, and returns them unchanged', async () => {
      const u = await createUser(h().platform.db, h().platform.config, { firstName: 'Uni' });
      const name = '🙂'.repeat(64);
      const created = await h().api.post('/profiles', { display_name: name, birthdate: '1990-01-01', gender: 'man' }, { token: u.token });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      expect(created.body.display_name).to.equal(name);
      const bio = `שלום עולם مرحبا ${'e\u0301'.repeat(10)} 👩‍👩‍👧 ${'字'.repeat(400)}`;
      const put = await h().api.put('/profiles/me', { bio, interests: ['עברית', '🎸', 'cafe\u0301'] }, { token: u.token });
      expect(put.status, JSON.stringify(put.body)).to.equal(200);
      expect(put.body.bio).to.equal(bio);
      expect(put.body.interests).to.deep.equal(['עברית', '🎸', 'cafe\u0301']);
      const body = `‏مرحبا 🙂 ${'😀'.repeat(3990)}`;
      const sent = await h().api.post('/chat/messages', { conversation_id: h().cast.ab.conversationId, body, client_msg_id: randomUUID() }, { token: h().cast.alice.token });
      expect(sent.status, JSON.stringify(sent.body).slice(0, 300)).to.equal(201);
      expect(sent.body.message.body).to.equal(body);
    });
  });

  propertyTests(h);

  // Mocha runs a suite's own tests before its child suites: the checks of the whole run go last in a suite of their own.
  describe('at the end', () => {
    it('sent bad input to every REST route of every service', () => {
      const p = h().platform;
      const routers = [
        createAuthRouter(p),
        createProfileRouter(p),
        createDiscoveryRouter(p),
        createMediaRouter(p),
        createAdminRouter(p),
        chatRouter(p, {} as never),
        webRouter(p.config, { buildIfMissing: false }),
      ];
      const sent = h().sent.map((r) => {
        const [method, url] = r.split(' ');
        return { method, path: url.split('?')[0].replace(/^\/api\/v1(?=\/)/, '') };
      });
      // The web client's page, the moderator console's files (and its Socket.IO client), the contract's documents and the reference page take no input at all (no parameters, no body).
      const noInput = new Set(['GET /', 'GET /index.html', 'GET /admin', 'GET /admin/console.js', 'GET /admin/console.css', 'GET /admin/socket.io.js', 'GET /openapi.json', 'GET /asyncapi.json', 'GET /docs', ...['docs.js', 'docs.css', 'swagger-ui.css', 'swagger-ui-bundle.js'].map((f) => `GET /docs/${f}`)]);
      const missed: string[] = [];
      for (const router of routers) {
        for (const layer of router.stack) {
          for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
            if (noInput.has(`${method} ${String(layer.path)}`)) continue;
          if (!sent.some((r) => r.method === method && layer.match(r.path))) missed.push(`${method} ${String(layer.path)}`);
          }
        }
      }
      expect(missed, 'routes no case reached').to.deep.equal([]);
    });

    it('logged no error in the whole suite', () => {
      expectNoErrorLogged(h(), 0);
    });
  });
});
