import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DEV_BOT_TOKEN } from '../../shared/config.js';
import { validateInitData } from '../../api/auth/init-data.js';
import { errorCode } from '../helpers/http.js';
import { newTgUser, startAuth, type AuthApp } from './harness.js';

const run = promisify(execFile);

describe('Auth development mode', () => {
  let dev: AuthApp;
  let prod: AuthApp;
  before(async () => {
    dev = await startAuth();
    prod = await startAuth({ BOT_TOKEN: '7000000001:AAprod-like-token', JWT_SECRET: 'a-test-secret-of-enough-length' });
  });
  after(async () => {
    await dev.close();
    await prod.close();
  });

  it('signs init data for any user, which then logs in', async () => {
    const tg = newTgUser({ language_code: 'en' });
    const signed = await dev.api.post('/auth/dev/init-data', { user: tg });
    expect(signed.status).to.equal(200);
    expect(signed.body.user).to.deep.equal(tg);
    expect(signed.body.init_data).to.be.a('string');
    expect(validateInitData(signed.body.init_data, { botToken: DEV_BOT_TOKEN, maxAgeS: 60 }).user).to.deep.equal(tg);
    const login = await dev.api.post('/auth/token', { init_data: signed.body.init_data });
    expect(login.status).to.equal(200);
    expect(login.body.user).to.include({ first_name: tg.first_name, is_new: true });
  });

  it('does not exist outside development mode (404)', async () => {
    const res = await prod.api.post('/auth/dev/init-data', { user: newTgUser() });
    expect(res.status).to.equal(404);
    expect(errorCode(res)).to.equal('not_found');
  });

  it('outside development mode, refuses init data signed with the development token', async () => {
    const signed = await dev.api.post('/auth/dev/init-data', { user: newTgUser() });
    const res = await prod.api.post('/auth/token', { init_data: signed.body.init_data });
    expect(res.status).to.equal(401);
    expect(errorCode(res)).to.equal('invalid_init_data');
  });

  describe('npm run sign-init-data', function () {
    this.timeout(20_000);
    const cli = (args: string[], env: Record<string, string> = {}) =>
      run(process.execPath, ['--import', 'tsx', 'scripts/sign-init-data.ts', ...args], { env: { PATH: process.env.PATH, ...env } });

    it('prints init data signed with the development bot token', async () => {
      const { stdout, stderr } = await cli(['--id', '123', '--first-name', 'Ann', '--username', 'ann']);
      expect(stderr).to.contain('development mode');
      const r = validateInitData(stdout.trim(), { botToken: DEV_BOT_TOKEN, maxAgeS: 60 });
      expect(r.user).to.deep.equal({ id: 123, first_name: 'Ann', username: 'ann' });
    });

    it('signs with BOT_TOKEN when one is configured', async () => {
      const botToken = '7000000001:AAprod-like-token';
      const { stdout } = await cli(['--id', '5', '--first-name', 'Bo'], { BOT_TOKEN: botToken, JWT_SECRET: 'a-test-secret-of-enough-length' });
      expect(validateInitData(stdout.trim(), { botToken, maxAgeS: 60 }).user.id).to.equal(5);
    });

    it('explains its usage on bad arguments', async () => {
      const err = await cli(['--id', 'abc']).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
      expect(err?.code).to.equal(64);
      expect(err?.stderr).to.contain('usage: npm run sign-init-data');
    });
  });
});
