// The console's page shell names the bot of the Telegram login button only
// when BOT_USERNAME is a bot username, and only then lets Telegram's widget
// script and frame in (its CSP stays 'self' otherwise).
import { expect } from 'chai';
import { startAdmin } from './fixtures.js';

async function shell(env: Record<string, string | undefined>) {
  const app = await startAdmin(env);
  try {
    const res = await fetch(`${app.url}/admin`);
    return { status: res.status, csp: res.headers.get('content-security-policy') ?? '', html: await res.text() };
  } finally {
    await app.close();
  }
}

const botMeta = (html: string) => /<meta name="telegram-login-bot" content="([^"]*)">/.exec(html)?.[1];

describe('moderator console shell: the Telegram login button', () => {
  it('has no login bot and a script-src of self alone without BOT_USERNAME', async () => {
    const page = await shell({ BOT_USERNAME: undefined });
    expect(page.status).to.equal(200);
    expect(botMeta(page.html)).to.equal('');
    expect(page.csp).to.contain("script-src 'self';").and.not.contain('https://telegram.org').and.not.contain('frame-src');
  });

  it("names the bot and allows Telegram's widget script and frame with BOT_USERNAME (a leading @ dropped)", async () => {
    const page = await shell({ BOT_USERNAME: '@dating_console_bot' });
    expect(botMeta(page.html)).to.equal('dating_console_bot');
    expect(page.csp).to.contain("script-src 'self' https://telegram.org;").and.contain('frame-src https://oauth.telegram.org');
  });

  it('ignores a BOT_USERNAME that is no bot username (nothing of it reaches the page)', async () => {
    const page = await shell({ BOT_USERNAME: 'x"><script>alert(1)</script>' });
    expect(botMeta(page.html)).to.equal('');
    expect(page.html).not.to.contain('alert(1)');
    expect(page.csp).to.contain("script-src 'self';").and.not.contain('frame-src');
  });
});
