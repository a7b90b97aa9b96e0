// The roles of `npm run cluster -- --only <roles>`: between them they cover
// every app of ecosystem.config.js, each app in exactly one role, so a machine
// given all four roles runs the whole platform and a new app cannot be left out.
import { expect } from 'chai';
import { APPS, ROLES, appsOf } from '../../scripts/cluster-roles.js';
// @ts-expect-error ecosystem.config.js is PM2's plain JavaScript file, without types.
import { apps as ecosystemApps } from '../../ecosystem.config.js';

describe('cluster roles (--only)', () => {
  it('cover every app of ecosystem.config.js, each in exactly one role', () => {
    const names = (ecosystemApps as { name: string }[]).map((a) => a.name);
    expect([...APPS].sort()).to.deep.equal([...names].sort());
    expect(new Set(APPS).size).to.equal(APPS.length);
  });

  it('give each role its apps, and take app names and lists too', () => {
    expect(appsOf('realtime')).to.deep.equal(['realtime']);
    expect(appsOf('gateway')).to.deep.equal(['gateway']);
    expect(appsOf('api')).to.deep.equal(['auth', 'profile', 'discovery', 'media', 'admin']);
    expect(appsOf('workers')).to.deep.equal(['matching', 'moderation', 'notifications']);
    expect(appsOf('gateway, api,realtime')).to.deep.equal(['gateway', 'auth', 'profile', 'discovery', 'media', 'admin', 'realtime']);
    expect(appsOf('gateway,auth,gateway')).to.deep.equal(['gateway', 'auth']);
    expect(Object.keys(ROLES)).to.deep.equal(['gateway', 'api', 'realtime', 'workers']);
  });

  it('refuses an unknown name, naming the choices', () => {
    expect(() => appsOf('realtime,sockets')).to.throw(/unknown role or app "sockets" \(roles: gateway, api, realtime, workers; apps: /);
  });
});
