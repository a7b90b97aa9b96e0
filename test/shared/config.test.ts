// A bad configuration stops a real process at start (the parsing itself: config.unit.test.ts).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';

describe('configuration in a process', () => {
  it('stops a process at start with a message naming the variable', function () {
    this.timeout(30_000);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'allinone/main.ts'], {
      env: { ...process.env, RATE_LIMIT_AUTH_PER_MIN: '-5', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 25_000,
    });
    expect(r.status).to.equal(78);
    expect(r.stderr).to.contain('RATE_LIMIT_AUTH_PER_MIN');
  });
});
