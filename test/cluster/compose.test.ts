// docker-compose.yml must pass `docker compose config` (the Compose V2 plugin,
// or the standalone docker-compose). Only the client is needed, no engine.
// Without any compose client the test is skipped and says why.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';

const root = path.resolve(import.meta.dirname, '..', '..');
const composeFile = path.join(root, 'docker-compose.yml');

function composeClient(): string[] | undefined {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const r = spawnSync(cmd[0], [...cmd.slice(1), 'version'], { encoding: 'utf8' });
    if (r.status === 0) return cmd;
  }
  return undefined;
}

/** The secrets an operator must give (the file has no default for any of them). */
const REQUIRED = {
  BOT_TOKEN: '123456:operator-bot-token',
  JWT_SECRET: 'an-operator-secret-of-at-least-32-bytes',
  POSTGRES_PASSWORD: 'an-operator-database-password',
};

function compose(cmd: string[], args: string[], env: Record<string, string> = REQUIRED) {
  // A clean environment: the file's defaults, not the caller's variables.
  return spawnSync(cmd[0], [...cmd.slice(1), '-f', composeFile, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
}

describe('docker-compose.yml', function () {
  this.timeout(30_000);
  const cmd = composeClient();

  before(function () {
    if (!cmd) {
      process.stderr.write('    (skipped: no docker compose client here; install the docker-compose package or the Compose plugin to check docker-compose.yml)\n');
      this.skip();
    }
  });

  it('passes `docker compose config`', () => {
    const r = compose(cmd!, ['config', '-q']);
    expect(r.status, r.stderr).to.equal(0);
  });

  for (const name of Object.keys(REQUIRED)) {
    it(`refuses to start without ${name} (no default)`, () => {
      const env: Record<string, string> = { ...REQUIRED };
      delete env[name];
      const r = compose(cmd!, ['config', '-q'], env);
      expect(r.status).to.not.equal(0);
      expect(r.stderr).to.contain(name);
    });
  }

  it('has the databases, the migrations job and every process of the PM2 file', () => {
    const r = compose(cmd!, ['config', '--services']);
    expect(r.status, r.stderr).to.equal(0);
    const services = r.stdout.trim().split('\n').sort();
    expect(services).to.deep.equal(
      ['admin', 'auth', 'discovery', 'gateway', 'matching', 'media', 'migrate', 'moderation', 'notifications', 'postgres', 'profile', 'realtime', 'redis'].sort(),
    );
  });

  it('publishes only the gateway, so the socket tier can take --scale', () => {
    const r = compose(cmd!, ['config']);
    expect(r.status, r.stderr).to.equal(0);
    // Each service block starts at two spaces of indent; `ports:` appears only under gateway.
    const blocks = r.stdout.split(/\n(?=  [a-z]+:\n)/);
    const withPorts = blocks.filter((b) => /\n    ports:/.test(b)).map((b) => b.trim().split(':')[0]);
    expect(withPorts).to.deep.equal(['gateway']);
  });
});
