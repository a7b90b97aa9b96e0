// Logins are stored in group-commit batches (api/auth/login-writer.ts): one
// statement for every login that queued up together, with the same outcome
// for each as if they had come one after another.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { LoginWriter } from '../../api/auth/login-writer.js';
import { AuthRepo, type LoginInput } from '../../api/auth/repo.js';
import { verifyAccessToken } from '../../shared/jwt.js';
import { signInitData } from '../helpers/telegram.js';
import { asClient, newTgUser, startAuth, type AuthApp } from './harness.js';

describe('Auth logins in group-commit batches', () => {
  let app: AuthApp;
  let repo: AuthRepo;
  before(async () => {
    app = await startAuth();
    repo = new AuthRepo(app.platform.db);
  });
  after(() => app.close());

  const input = (user: LoginInput['user']): LoginInput => ({ user, sessionId: randomUUID(), userAgent: 'batch-test', ip: '203.0.113.9', refreshHash: randomUUID().replace(/-/g, '').padEnd(64, '0') });

  it('gives every login of one batch its own session, the same user twice included; a banned user none; a new user is new once', async () => {
    const returning = newTgUser();
    const banned = newTgUser();
    const fresh = newTgUser();
    const [old, bannedRow] = await repo.loginBatch([input(returning), input(banned)], 3600);
    await app.platform.db('users').where({ id: bannedRow!.id }).update({ banned_at: new Date(), ban_reason: 'test' });

    const logins = [input(fresh), input(returning), input({ ...fresh, first_name: 'Second' }), input(banned), input({ ...returning, first_name: 'Later' })];
    const rows = await repo.loginBatch(logins, 3600);

    expect(rows.map((r) => r?.session_id)).to.deep.equal([logins[0].sessionId, logins[1].sessionId, logins[2].sessionId, undefined, logins[4].sessionId]);
    expect(rows.map((r) => r?.is_new)).to.deep.equal([true, false, false, undefined, false]);
    expect(rows[1]!.id).to.equal(old!.id);
    expect(rows[4]!.id).to.equal(old!.id);
    expect(rows[2]!.id).to.equal(rows[0]!.id);
    // The batch's last login of a user carries the stored fields.
    expect(await app.platform.db('users').where({ id: old!.id }).first('first_name')).to.deep.equal({ first_name: 'Later' });
    expect(await app.platform.db('users').where({ id: rows[0]!.id }).first('first_name')).to.deep.equal({ first_name: 'Second' });
    for (const l of [logins[0], logins[1], logins[2], logins[4]]) {
      expect(await app.platform.db('refresh_tokens').where({ session_id: l.sessionId }).first('token_hash')).to.deep.equal({ token_hash: l.refreshHash });
    }
    expect(await app.platform.db('sessions').where({ user_id: bannedRow!.id }).count('* as n').first()).to.deep.equal({ n: 1 });
  });

  it('fails only the login the database refuses; the others of its batch are stored', async () => {
    const writer = new LoginWriter(repo, { maxInFlight: 1, maxBatch: 64, ttlS: 3600 });
    const good = [input(newTgUser()), input(newTgUser())];
    const bad = input(newTgUser({ first_name: 'nul\u0000byte' }));
    const outcomes = await Promise.allSettled([writer.login(good[0]), writer.login(bad), writer.login(good[1])]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value?.session_id : undefined))).to.deep.equal([good[0].sessionId, undefined, good[1].sessionId]);
  });

  it('answers a burst of concurrent logins over HTTP, each with a session of its own', async () => {
    const tg = newTgUser();
    const others = Array.from({ length: 10 }, () => newTgUser());
    const bodies = [tg, tg, tg, ...others].map((u) => ({ init_data: signInitData(u) }));
    const res = await Promise.all(bodies.map((b) => app.api.post('/auth/token', b, { headers: asClient() })));
    expect(res.map((r) => r.status)).to.deep.equal(bodies.map(() => 200));
    const sessions = res.map((r) => verifyAccessToken(app.platform.config.jwt, r.body.access_token).sessionId);
    expect(new Set(sessions).size).to.equal(bodies.length);
    const mine = res.slice(0, 3);
    expect(new Set(mine.map((r) => r.body.user.id)).size).to.equal(1);
    expect(mine.filter((r) => r.body.user.is_new)).to.have.length(1);
    const live = await app.api.get('/auth/sessions', { token: mine[0].body.access_token });
    expect(live.body.sessions).to.have.length(3);
  });
});
