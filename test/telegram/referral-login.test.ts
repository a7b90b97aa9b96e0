// A referral link that opens the Mini App directly (startapp=r_<code>) arrives
// as start_param in init data: the new user's first login applies it.
import { expect } from 'chai';
import { referralCodeOf } from '../../api/telegram/referrals.js';
import { asClient, newTgUser, startAuth, type AuthApp } from '../auth/harness.js';
import { signInitData } from '../helpers/telegram.js';

describe('referrals through the Mini App link (start_param at login)', () => {
  let app: AuthApp;
  before(async () => {
    app = await startAuth({ REFERRALS_PER_DAY: '1' });
  });
  after(() => app.close());

  const login = async (user: ReturnType<typeof newTgUser>, startParam?: string) => {
    const res = await app.api.post('/auth/token', { init_data: signInitData(user, startParam ? { extra: { start_param: startParam } } : {}) }, { headers: asClient() });
    expect(res.status, JSON.stringify(res.body)).to.be.oneOf([200, 201]);
    return res.body.user.id as string;
  };
  const balance = async (userId: string) => Number((await app.platform.db('superlike_credits').where('user_id', userId).first('balance'))?.balance ?? 0);

  it('credits the inviter and the new user once; a returning user and the cap earn nothing', async () => {
    const inviterTg = newTgUser();
    const inviter = await login(inviterTg);
    const code = referralCodeOf(inviter);
    const first = newTgUser();
    const invitee = await login(first, code);
    expect(await balance(inviter)).to.equal(1);
    expect(await balance(invitee)).to.equal(1);
    // The same user launching through the link again: not new any more.
    await login(first, code);
    expect(await balance(invitee)).to.equal(1);
    // The inviter's own link, once they exist: not new either.
    await login(inviterTg, code);
    expect(await balance(inviter)).to.equal(1);
    // Past REFERRALS_PER_DAY (1): recorded, not credited.
    const second = await login(newTgUser(), code);
    expect(await balance(second)).to.equal(0);
    expect(await balance(inviter)).to.equal(1);
    expect(await app.platform.db('referrals').where('inviter_id', inviter)).to.have.length(2);
  });

  it('ignores a start parameter that is not a referral, and a code of nobody', async () => {
    const a = await login(newTgUser(), 'c_00000000-0000-0000-0000-000000000000');
    const b = await login(newTgUser(), `r_${'0'.repeat(32)}`);
    expect(await balance(a)).to.equal(0);
    expect(await balance(b)).to.equal(0);
  });
});
