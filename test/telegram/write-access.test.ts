// Whether the bot may write to a user comes from init data at login
// (allows_write_to_pm, sent only when true) and from the user writing to the bot.
import { expect } from 'chai';
import { asClient, newTgUser, startAuth, type AuthApp } from '../auth/harness.js';
import { signInitData } from '../helpers/telegram.js';

describe('permission to message, from init data', () => {
  let app: AuthApp;
  before(async () => {
    app = await startAuth();
  });
  after(() => app.close());

  const login = async (user: ReturnType<typeof newTgUser>) => {
    const res = await app.api.post('/auth/token', { init_data: signInitData(user) }, { headers: asClient() });
    expect(res.status, JSON.stringify(res.body)).to.be.oneOf([200, 201]);
  };
  const allows = async (telegramId: number) => (await app.platform.db('users').where('telegram_id', telegramId).first('allows_write_to_pm')).allows_write_to_pm;

  it('records allows_write_to_pm: true when init data says so, false when it is absent', async () => {
    const yes = newTgUser({ allows_write_to_pm: true });
    const no = newTgUser();
    await login(yes);
    await login(no);
    expect(await allows(yes.id)).to.equal(true);
    expect(await allows(no.id)).to.equal(false);
    // Asked later (requestWriteAccess) and granted: the next launch says so.
    await login({ ...no, allows_write_to_pm: true });
    expect(await allows(no.id)).to.equal(true);
  });

  it('keeps the permission of a user who allowed it once when a later launch leaves the field out', async () => {
    const u = newTgUser({ allows_write_to_pm: true });
    await login(u);
    await login({ ...u, allows_write_to_pm: undefined });
    expect(await allows(u.id)).to.equal(true);
  });
});
