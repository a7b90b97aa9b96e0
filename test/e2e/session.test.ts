// The web client's session against short-lived access tokens (4 s): it
// refreshes ahead of expiry (REST and the live socket keep working), and a
// session revoked elsewhere sends it back to the login screen.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { client } from '../helpers/http.js';
import { e2eApp } from './fixture.js';

describe('web client session in a browser (4 s access tokens)', function () {
  this.timeout(60_000);
  // Its own database: a browser user's deck must not depend on other tests' people.
  const e2e = e2eApp({ name: 'e2e', env: { ACCESS_TOKEN_TTL_S: '4', RATE_LIMIT_AUTH_PER_MIN: '1000' } });

  const accessToken = (page: Page) =>
    page.evaluate(() => (JSON.parse(sessionStorage.getItem('tgd.session') ?? 'null') as { access_token: string } | null)?.access_token ?? null);

  async function demoLogin(name: string): Promise<Page> {
    const page = await e2e.page(await e2e.phone({ latitude: 48.85, longitude: 2.35 }));
    await e2e.demoLogin(page, name);
    return page;
  }

  it('refreshes the access token before it expires, so REST and the socket keep working', async () => {
    const page = await demoLogin('Rita');
    const first = await accessToken(page);
    expect(first).to.be.a('string');
    await page.waitForTimeout(7000); // the first token is long expired by now
    const later = await accessToken(page);
    expect(later).to.be.a('string').and.not.equal(first);
    await page.getByLabel('Birthday').fill('1991-05-05');
    await page.getByLabel('I am').selectOption('woman');
    await page.getByLabel('Men', { exact: true }).check();
    await page.getByRole('button', { name: 'Create profile', exact: true }).click();
    await page.locator('#view').getByText('Profile created').waitFor();
    expect(await page.locator('#conn').textContent()).to.equal(''); // socket online
    const verify = await client(e2e.http.url).get('/auth/verify', { token: (await accessToken(page))! });
    expect(verify.status).to.equal(200);
    await page.context().close();
  });

  it('goes back to the login screen when the session is revoked elsewhere', async () => {
    const page = await demoLogin('Sam');
    const logout = await client(e2e.http.url).post('/auth/logout', undefined, { token: (await accessToken(page))! });
    expect(logout.status).to.equal(204);
    // The next refresh is refused: the tab forgets the session.
    await page.getByRole('button', { name: 'Log in as demo user', exact: true }).waitFor({ timeout: 15_000 });
    expect(await accessToken(page)).to.equal(null);
    await page.context().close();
  });
});
