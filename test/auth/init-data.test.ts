// POST /auth/validate on a running auth service (the checks themselves: init-data.unit.test.ts).
import { expect } from 'chai';
import { ed25519KeyPair, signInitData } from '../helpers/telegram.js';
import { errorCode } from '../helpers/http.js';
import { newTgUser, startAuth, type AuthApp } from './harness.js';

describe('POST /auth/validate', () => {
  const BOT = { id: 6123456789, token: '6123456789:AAtest-validate-token_x' };
  const keys = ed25519KeyPair();
  let dev: AuthApp;
  let prod: AuthApp;

  before(async () => {
    dev = await startAuth();
    prod = await startAuth({
      BOT_TOKEN: BOT.token,
      JWT_SECRET: 'a-test-secret-of-enough-length',
      TELEGRAM_BOT_ID: String(BOT.id),
      TELEGRAM_PUBLIC_KEY: keys.publicKeyHex,
      AUTH_MAX_AGE_S: '3600',
    });
  });
  after(async () => {
    await dev.close();
    await prod.close();
  });

  it('answers valid init data with the Telegram user and auth_date', async () => {
    const user = newTgUser();
    const authDate = Math.floor(Date.now() / 1000) - 5;
    const res = await dev.api.post('/auth/validate', { init_data: signInitData(user, { authDate, extra: { start_param: 'ref42' } }) });
    expect(res.status).to.equal(200);
    expect(res.body.valid).to.equal(true);
    expect(res.body.user).to.deep.equal(user);
    expect(res.body.auth_date).to.equal(new Date(authDate * 1000).toISOString());
    expect(res.body.start_param).to.equal('ref42');
  });

  it('answers 401 invalid_init_data for every kind of bad init data', async () => {
    const user = newTgUser();
    const good = signInitData(user);
    const noHash = good.replace(/&hash=[0-9a-f]+/, '');
    const cases = {
      'changed character in the user': good.replace(encodeURIComponent(String(user.id)), encodeURIComponent(String(user.id + 1))),
      'changed auth_date': good.replace(/auth_date=(\d+)/, (_, d) => `auth_date=${Number(d) - 1}`),
      'missing hash': noHash,
      'hash from another bot token': signInitData(user, { botToken: BOT.token }),
      expired: signInitData(user, { authDate: Math.floor(Date.now() / 1000) - 86_401 }),
      'from the future': signInitData(user, { authDate: Math.floor(Date.now() / 1000) + 3600 }),
      garbage: 'not init data at all',
    };
    for (const [name, init_data] of Object.entries(cases)) {
      const res = await dev.api.post('/auth/validate', { init_data });
      expect(res.status, name).to.equal(401);
      expect(errorCode(res), name).to.equal('invalid_init_data');
    }
  });

  it('honours AUTH_MAX_AGE_S', async () => {
    const ed25519 = { botId: BOT.id, privateKey: keys.privateKey };
    const old = signInitData(newTgUser(), { botToken: BOT.token, ed25519, authDate: Math.floor(Date.now() / 1000) - 3700 });
    const res = await prod.api.post('/auth/validate', { init_data: old });
    expect(res.status).to.equal(401);
    expect(errorCode(res)).to.equal('invalid_init_data');
  });

  it('with a public key configured, needs a valid Ed25519 signature as well as the hash', async () => {
    const user = newTgUser();
    const signed = signInitData(user, { botToken: BOT.token, ed25519: { botId: BOT.id, privateKey: keys.privateKey } });
    expect((await prod.api.post('/auth/validate', { init_data: signed })).status).to.equal(200);

    const otherKey = signInitData(user, { botToken: BOT.token, ed25519: { botId: BOT.id, privateKey: ed25519KeyPair().privateKey } });
    const unsigned = signInitData(user, { botToken: BOT.token });
    for (const init_data of [otherKey, unsigned]) {
      const res = await prod.api.post('/auth/validate', { init_data });
      expect(res.status).to.equal(401);
      expect(errorCode(res)).to.equal('invalid_init_data');
    }
  });
});
