// Telegram init data checked by the product's own functions against Telegram's
// published vectors and tampered copies of them (no server: see init-data.test.ts).
import { expect } from 'chai';
import fc from 'fast-check';
import { AppError } from '../../shared/errors.js';
import { validateInitData, signInitData as productSign, type InitDataOptions } from '../../api/auth/init-data.js';
import { ed25519KeyPair, signFields } from '../helpers/telegram.js';

// Published by the Telegram Mini Apps project (docs of @telegram-apps/init-data-node).
const CLASSIC = {
  token: '5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8',
  now: 1662771648_000,
  raw:
    'query_id=AAHdF6IQAAAAAN0XohDhrOrc&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%7D&auth_date=1662771648&hash=c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2',
};
// Real init data with Telegram's third-party Ed25519 signature (production key).
const MODERN = {
  token: '7342037359:AAHI25ES9xCOMPokpYoz-p8XVrZUdygo2J4',
  botId: 7342037359,
  publicKey: 'e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d',
  now: 1733509682_000,
  raw:
    'user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2F4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg%22%7D&chat_instance=8134722200314281151&chat_type=private&auth_date=1733509682&signature=TYJxVcisqbWjtodPepiJ6ghziUL94-KNpG8Pau-X7oNNLNBM72APCpi_RKiUlBvcqo5L-LAxIc3dnTzcZX_PDg&hash=a433d8f9847bd6addcc563bff7cc82c89e97ea0d90c11fe5729cae6796a36d73',
};
const DAY = 86_400;
const modernOpts: InitDataOptions = { botToken: MODERN.token, maxAgeS: DAY, now: MODERN.now };
const thirdParty = { botId: MODERN.botId, publicKey: MODERN.publicKey };

function fieldsOf(raw: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(raw));
}
function encode(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}
/** One character of one field's value changed, everything else as received. */
function tamper(raw: string, key: string): string {
  const f = fieldsOf(raw);
  const v = f[key];
  const i = Math.floor(v.length / 2);
  const swap = /[0-9]/.test(v[i]) ? String((Number(v[i]) + 1) % 10) : v[i] === 'a' ? 'b' : 'a';
  f[key] = v.slice(0, i) + swap + v.slice(i + 1);
  return encode(f);
}
function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    const e = err as AppError;
    expect([e.status, e.code]).to.deep.equal([401, 'invalid_init_data']);
    return e;
  }
  throw new Error('init data was accepted');
}

describe('Telegram init data (Telegram test vectors)', () => {
  it('accepts the published init data with its bot token', () => {
    const r = validateInitData(CLASSIC.raw, { botToken: CLASSIC.token, maxAgeS: DAY, now: CLASSIC.now });
    expect(r.user).to.include({ id: 279058397, first_name: 'Vladislav', username: 'vdkfrost', is_premium: true });
    expect(r.authDate).to.equal(1662771648);
  });

  it('accepts real init data that carries a signature (the HMAC covers the signature field)', () => {
    const r = validateInitData(MODERN.raw, modernOpts);
    expect(r.user.first_name).to.equal('Vladislav + - ? /');
    expect(r.user.photo_url).to.match(/^https:\/\/t\.me\/i\/userpic\//);
  });

  it('refuses one changed character in any field, the hash included', () => {
    for (const v of [CLASSIC, MODERN]) {
      const opts = { botToken: v.token, maxAgeS: DAY, now: v.now };
      for (const key of Object.keys(fieldsOf(v.raw))) refusal(() => validateInitData(tamper(v.raw, key), opts));
    }
  });

  it('refuses a changed field name and an added field', () => {
    refusal(() => validateInitData(MODERN.raw.replace('chat_type=', 'chat_typf='), modernOpts));
    refusal(() => validateInitData(`${MODERN.raw}&start_param=x`, modernOpts));
  });

  it('refuses init data without a hash, or with an empty or malformed one', () => {
    const f = fieldsOf(MODERN.raw);
    delete (f as Record<string, string>).hash;
    expect(refusal(() => validateInitData(encode(f), modernOpts)).message).to.match(/no hash/);
    refusal(() => validateInitData(encode({ ...f, hash: '' }), modernOpts));
    refusal(() => validateInitData(encode({ ...f, hash: 'zz'.repeat(32) }), modernOpts));
    refusal(() => validateInitData(encode({ ...f, hash: fieldsOf(MODERN.raw).hash.slice(2) }), modernOpts));
  });

  it('refuses init data signed with another bot token', () => {
    refusal(() => validateInitData(MODERN.raw, { ...modernOpts, botToken: CLASSIC.token }));
    refusal(() => validateInitData(signFields(fieldsOf(MODERN.raw), CLASSIC.token), modernOpts));
  });

  it('refuses expired init data and init data from the future', () => {
    expect(refusal(() => validateInitData(MODERN.raw, { ...modernOpts, now: MODERN.now + (DAY + 1) * 1000 })).message).to.match(/expired/);
    expect(refusal(() => validateInitData(MODERN.raw, { ...modernOpts, now: MODERN.now - 120_000 })).message).to.match(/future/);
    // Exactly at the limit is still fine; so is a little clock skew.
    validateInitData(MODERN.raw, { ...modernOpts, now: MODERN.now + DAY * 1000 });
    validateInitData(MODERN.raw, { ...modernOpts, now: MODERN.now - 30_000 });
  });

  it('refuses repeated fields, a missing or non-JSON user and a bad auth_date', () => {
    const f = fieldsOf(MODERN.raw);
    refusal(() => validateInitData(`${MODERN.raw}&user=${encodeURIComponent('{"id":1,"first_name":"Eve"}')}`, modernOpts));
    const sign = (g: Record<string, string>) => signFields(g, MODERN.token);
    const { user: _u, ...noUser } = f;
    refusal(() => validateInitData(sign(noUser), modernOpts));
    refusal(() => validateInitData(sign({ ...f, user: '{"id":' }), modernOpts));
    refusal(() => validateInitData(sign({ ...f, user: '{"id":"1","first_name":"x"}' }), modernOpts));
    refusal(() => validateInitData(sign({ ...f, auth_date: '17e8' }), modernOpts));
  });

  it('never fails any other way than 401 invalid_init_data on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webQueryParameters(), fc.string({ unit: 'binary' })), (s) => {
        refusal(() => validateInitData(s, modernOpts));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips init data signed by the product signer (development mode)', () => {
    const raw = productSign({ user: JSON.stringify({ id: 5, first_name: 'Zoë 🌸 & co' }), auth_date: String(MODERN.now / 1000) }, MODERN.token);
    expect(raw).not.to.contain('+');
    expect(validateInitData(raw, modernOpts).user.first_name).to.equal('Zoë 🌸 & co');
  });
});

describe('Telegram init data: third-party Ed25519 check', () => {
  it("accepts real init data with Telegram's production public key", () => {
    const r = validateInitData(MODERN.raw, { ...modernOpts, thirdParty });
    expect(r.user.id).to.equal(279058397);
  });

  it('refuses a tampered signature even when the HMAC over it is valid', () => {
    const tampered = tamper(MODERN.raw, 'signature');
    const rehashed = signFields(fieldsOf(tampered), MODERN.token);
    validateInitData(rehashed, modernOpts); // the bot-token check alone passes
    expect(refusal(() => validateInitData(rehashed, { ...modernOpts, thirdParty })).message).to.match(/signature/);
  });

  it('refuses a missing signature, another bot id and another public key', () => {
    const { signature: _s, ...unsigned } = fieldsOf(MODERN.raw);
    refusal(() => validateInitData(signFields(unsigned, MODERN.token), { ...modernOpts, thirdParty }));
    refusal(() => validateInitData(MODERN.raw, { ...modernOpts, thirdParty: { ...thirdParty, botId: 1 } }));
    refusal(() => validateInitData(MODERN.raw, { ...modernOpts, thirdParty: { ...thirdParty, publicKey: ed25519KeyPair().publicKeyHex } }));
  });
});
