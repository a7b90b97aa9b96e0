// The routing table on its own: which service owns which public path.
import { expect } from 'chai';
import { resolveRoute } from '../../api/gateway/routes.js';
import { sessionIdOf, sessionTag } from '../../api/gateway/sticky.js';
import { addressTag, parseRealtimeUrls } from '../../api/gateway/upstreams.js';
import { ConfigError, loadConfig } from '../../shared/config.js';

describe('gateway routing table', () => {
  it('matches whole path segments only', () => {
    expect(resolveRoute('/auth')?.service).to.equal('auth');
    expect(resolveRoute('/authority')).to.equal(undefined);
    expect(resolveRoute('/api/v1')).to.equal(undefined);
    expect(resolveRoute('/api/v1x/auth/token')).to.equal(undefined);
  });

  it('sends the bot webhook and Stars payments to the admin service', () => {
    expect(resolveRoute('/telegram/webhook')).to.deep.equal({ service: 'admin', url: '/telegram/webhook', socket: false });
    expect(resolveRoute('/api/v1/payments/invoice')?.service).to.equal('admin');
    expect(resolveRoute('/admin/payments')?.service).to.equal('admin');
    expect(resolveRoute('/telegramx')).to.equal(undefined);
  });

  it('gives profile photos to media and the rest of /profiles to profile', () => {
    expect(resolveRoute('/profiles/u1/photos')?.service).to.equal('media');
    expect(resolveRoute('/profiles/u1/photos?x=1')?.service).to.equal('media');
    expect(resolveRoute('/profiles/u1/photos/p1')?.service).to.equal('media');
    expect(resolveRoute('/profiles/u1/photosynthesis')?.service).to.equal('profile');
    expect(resolveRoute('/profiles/u1')?.service).to.equal('profile');
    expect(resolveRoute('/profiles')?.service).to.equal('profile');
  });

  it('marks the Socket.IO path and strips /api/v1', () => {
    expect(resolveRoute('/api/v1/chat/connect/?EIO=4&transport=polling')).to.deep.equal({
      service: 'realtime',
      url: '/chat/connect/?EIO=4&transport=polling',
      socket: true,
    });
    expect(resolveRoute('/chat/messages/c1')?.socket).to.equal(false);
  });

  it('refuses dot segments and encoded slashes', () => {
    expect(resolveRoute('/auth/../profiles/me')).to.equal(undefined);
    expect(resolveRoute('/media/files/./x')).to.equal(undefined);
    expect(resolveRoute('/auth%2F..%2Fprofiles')).to.equal(undefined);
  });
});

describe('gateway sticky sessions', () => {
  it('reads the instance tag of an Engine.IO session id', () => {
    expect(sessionTag('8086.Zx1-abc')).to.equal('8086');
    expect(sessionTag('10-0-0-5.abc.def')).to.equal('10-0-0-5');
    expect(sessionTag('untagged')).to.equal(undefined);
    expect(sessionTag('.abc')).to.equal(undefined);
    expect(sessionTag('evil host.abc')).to.equal(undefined);
    expect(sessionIdOf('/chat/connect/?EIO=4&transport=polling&sid=8086.x')).to.equal('8086.x');
    expect(sessionIdOf('/chat/connect/?EIO=4')).to.equal(undefined);
  });

  it('reads REALTIME_URLS with ports and port ranges', () => {
    expect(parseRealtimeUrls(['http://127.0.0.1:8085-8087', 'http://realtime:8085'])).to.deep.equal([
      { protocol: 'http:', host: '127.0.0.1', ports: [8085, 8086, 8087] },
      { protocol: 'http:', host: 'realtime', ports: [8085] },
    ]);
    expect(() => parseRealtimeUrls(['http://h:9000-8000'])).to.throw(/bad port range/);
    expect(addressTag('172.18.0.5')).to.equal('172-18-0-5');
  });
});

describe('gateway configuration', () => {
  it('defaults to the services on this host and a realtime port range below ADMIN_PORT', () => {
    const config = loadConfig({});
    expect(config.gateway.upstreams).to.deep.equal({
      auth: 'http://127.0.0.1:8081',
      profile: 'http://127.0.0.1:8082',
      discovery: 'http://127.0.0.1:8083',
      media: 'http://127.0.0.1:8084',
      admin: 'http://127.0.0.1:8090',
    });
    expect(config.gateway.realtimeUrls).to.deep.equal(['http://127.0.0.1:8085-8089']);
  });

  it('stops at start on a malformed upstream, naming the variable', () => {
    for (const env of [{ REALTIME_URLS: 'ftp://realtime:8085' }, { REALTIME_URLS: 'http://a:1,http://b:x' }, { AUTH_URL: 'not a url' }, { GATEWAY_TIMEOUT_MS: '5' }]) {
      const name = Object.keys(env)[0];
      expect(() => loadConfig(env), name).to.throw(ConfigError, name);
    }
  });
});
