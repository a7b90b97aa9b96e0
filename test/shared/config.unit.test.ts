import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../shared/config.js';
import { configProblems } from '../helpers/config.js';

const problemsOf = configProblems;

describe('configuration', () => {
  it('has the contract’s defaults', () => {
    const c = loadConfig({});
    expect(c.ports).to.include({ gateway: 8080, auth: 8081, profile: 8082, discovery: 8083, media: 8084, realtime: 8085 });
    expect(c.auth.maxAgeS).to.equal(86400);
    expect(c.jwt.accessTtlS).to.equal(900);
    expect(c.jwt.refreshTtlS).to.equal(2592000);
    expect(c.rateLimits.authPerMin).to.equal(30);
    expect(c.rateLimits.messagesPerMin).to.equal(120);
    expect(c.quotas).to.deep.equal({ likesPerDay: 100, superlikesPerDay: 1 });
    expect(c.media.maxBytes).to.equal(10485760);
    expect(c.media.publicUrl).to.equal('/media/files/');
    expect(c.telegram.apiUrl).to.equal('https://api.telegram.org');
    expect(c.dataDir).to.equal('./data');
    expect(c.devMode).to.equal(true);
  });

  it('is frozen', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).to.equal(true);
    expect(Object.isFrozen(c.jwt)).to.equal(true);
  });

  it('names a malformed number', () => {
    expect(problemsOf({ LIKES_PER_DAY: 'many' }).join()).to.contain('LIKES_PER_DAY');
  });

  it('names a malformed URL', () => {
    expect(problemsOf({ DATABASE_URL: 'not a url' }).join()).to.contain('DATABASE_URL');
  });

  it('names every bad variable at once', () => {
    const p = problemsOf({ GATEWAY_PORT: '70000', REDIS_URL: '::', ADMIN_TELEGRAM_IDS: 'alice' }).join('\n');
    expect(p).to.contain('GATEWAY_PORT');
    expect(p).to.contain('REDIS_URL');
    expect(p).to.contain('ADMIN_TELEGRAM_IDS');
  });

  it('requires JWT_SECRET once a real BOT_TOKEN is set', () => {
    expect(problemsOf({ BOT_TOKEN: '123456:ABCdef' }).join()).to.contain('JWT_SECRET');
    const c = loadConfig({ BOT_TOKEN: '123456:ABCdef', JWT_SECRET: 'a-long-enough-secret-value' });
    expect(c.devMode).to.equal(false);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ REDIS_URL: '' }).redisUrl).to.equal(undefined);
  });

  it('parses previous JWT keys for rotation', () => {
    const c = loadConfig({ JWT_PREVIOUS_KEYS: 'k0:an-old-secret-of-16+chars' });
    expect(c.jwt.previousKeys).to.deep.equal({ k0: 'an-old-secret-of-16+chars' });
  });
});
